"""RemoteSandboxPsp: a PspConnector for one sandbox PSP served by sandbox_server in another
process, so the PSP's memory outlives a payments process that is killed.

Each call opens its own connection, sends one line and reads one line (wire.py). What a failure
means depends on when it happens, as with any PSP:
- the connection cannot be opened (refused, reset, no route): the request was certainly not
  sent → PspUnavailable;
- anything after the request started going out (reset, closed, no answer in time): the PSP may
  have executed it → PspTimeout (outcome unknown; status(key) tells later).
"""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

from mesh.money import Money
from services.payments.psp.connector import AuthorizeRequest, PspResult, PspTimeout, PspUnavailable
from services.payments.psp.wire import (
    LINE_LIMIT,
    decode_error,
    decode_result,
    encode_money,
    read_message,
    write_message,
)

__all__ = ["RemoteSandboxPsp", "parse_address"]


def parse_address(address: str) -> tuple[str, int]:
    """ "host:port" → (host, port)."""
    host, separator, port = address.rpartition(":")
    if not separator or not host or not port.isdigit():
        raise ValueError(f"expected host:port, not {address!r}")
    return host, int(port)


class RemoteSandboxPsp:
    """The sandbox PSP `name` at host:port; implements PspConnector."""

    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        *,
        connect_timeout_seconds: float = 2.0,
        answer_timeout_seconds: float = 10.0,
    ) -> None:
        self.name = name
        self._host, self._port = host, port
        self._connect_timeout = connect_timeout_seconds
        self._answer_timeout = answer_timeout_seconds

    def __repr__(self) -> str:
        return f"RemoteSandboxPsp({self.name!r} at {self._host}:{self._port})"

    async def authorize(self, request: AuthorizeRequest) -> PspResult:
        card = {"pan": request.card.pan, "exp_month": request.card.exp_month, "exp_year": request.card.exp_year}
        return decode_result(
            await self._call(
                "authorize",
                request.idempotency_key,
                amount=encode_money(request.amount),
                card=card,
                reference=request.reference,
            )
        )

    async def capture(self, idempotency_key: str, psp_reference: str, amount: Money) -> PspResult:
        return decode_result(
            await self._call("capture", idempotency_key, psp_reference=psp_reference, amount=encode_money(amount))
        )

    async def void(self, idempotency_key: str, psp_reference: str) -> PspResult:
        return decode_result(await self._call("void", idempotency_key, psp_reference=psp_reference))

    async def refund(self, idempotency_key: str, psp_reference: str, amount: Money) -> PspResult:
        return decode_result(
            await self._call("refund", idempotency_key, psp_reference=psp_reference, amount=encode_money(amount))
        )

    async def status(self, idempotency_key: str) -> PspResult | None:
        answer = await self._call("status", idempotency_key)
        return None if answer is None else decode_result(answer)  # None: the PSP never saw the key

    async def settlement_report(self, day: datetime.date) -> str:
        return await self._call("settlement_report", "", day=day.isoformat())

    async def _call(self, op: str, key: str, **args: Any) -> Any:
        """One request, one answer: the answer's value, or the error it carries raised."""
        reader, writer = await self._connect(key)
        try:
            answer = await self._exchange(writer, reader, {"op": op, "psp": self.name, "args": {"key": key, **args}})
        except (OSError, TimeoutError, ValueError):
            raise PspTimeout(psp=self.name, idempotency_key=key) from None  # sent, perhaps executed: unknown
        finally:
            writer.close()
        if not isinstance(answer, dict) or answer.keys().isdisjoint({"ok", "error"}):
            raise PspTimeout(psp=self.name, idempotency_key=key)  # the connection died before answering
        if "error" in answer:
            raise decode_error(answer["error"], psp=self.name, key=key)
        return answer["ok"]

    async def _connect(self, key: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            async with asyncio.timeout(self._connect_timeout):
                return await asyncio.open_connection(self._host, self._port, limit=LINE_LIMIT)
        except (OSError, TimeoutError):
            raise PspUnavailable(psp=self.name, idempotency_key=key) from None  # nothing was sent

    async def _exchange(
        self, writer: asyncio.StreamWriter, reader: asyncio.StreamReader, request: dict[str, Any]
    ) -> dict[str, Any] | None:
        async with asyncio.timeout(self._answer_timeout):
            await write_message(writer, request)
            return await read_message(reader)
