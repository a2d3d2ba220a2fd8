"""The test's side of sandbox_server: hold a call at a PSP, and ask what the PSPs did.

    control = SandboxControl("127.0.0.1", port)
    hold = await control.hold("sandbox-alpha", "capture", "after")   # armed once this returns
    ...                                                                # make the call
    call = await hold.held(timeout=10)                                 # it is stopped now
    await hold.release(timeout=10)                                     # it went past the point
    [payment] = await control.payments("tenants/t/paymentIntents/pi_…")

Every wait has a deadline and fails with TimeoutError. Closing a hold (`close`) lets its call go.
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.payments.psp.wire import LINE_LIMIT, read_message, write_message

__all__ = ["HeldCall", "SandboxControl", "SandboxControlError"]


class SandboxControlError(Exception):
    """The server refused a control request, or hung up on it."""


class HeldCall:
    """One armed hold, on a connection of its own."""

    def __init__(self, hold_id: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.id = hold_id
        self._reader, self._writer = reader, writer

    async def held(self, *, timeout: float) -> dict[str, Any]:
        """Wait until a call is stopped at the hold; what it is (psp, operation, when, key)."""
        message = await _answer(self._reader, timeout, "held")
        return message["held"]

    async def release(self, *, timeout: float) -> None:
        """Let the call go, and wait until it went past the point (executed, for "before");
        a hold that took no call yet is simply disarmed."""
        await write_message(self._writer, {"op": "release"})
        await _answer(self._reader, timeout, "ok")
        self.close()

    def close(self) -> None:
        self._writer.close()


class SandboxControl:
    def __init__(self, host: str, port: int, *, timeout: float = 10.0) -> None:
        self._host, self._port, self._timeout = host, port, timeout

    async def hold(self, psp: str, operation: str, when: str, *, every: bool = False) -> HeldCall:
        """Arm a hold on the next `operation` at `psp`, `when` "before" or "after" it executes;
        `every`: on every such call until released (a gate)."""
        reader, writer = await self._connect()
        await write_message(
            writer, {"op": "hold", "psp": psp, "args": {"operation": operation, "when": when, "every": every}}
        )
        try:
            armed = await _answer(reader, self._timeout, "ok")
        except BaseException:
            writer.close()
            raise
        return HeldCall(armed["ok"]["hold"], reader, writer)

    async def payments(self, reference: str) -> list[dict[str, Any]]:
        """Every payment any PSP holds for our `reference`, with the captures and refunds executed on it."""
        reader, writer = await self._connect()
        try:
            await write_message(writer, {"op": "payments", "args": {"reference": reference}})
            return (await _answer(reader, self._timeout, "ok"))["ok"]
        finally:
            writer.close()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        async with asyncio.timeout(self._timeout):
            return await asyncio.open_connection(self._host, self._port, limit=LINE_LIMIT)


async def _answer(reader: asyncio.StreamReader, timeout: float, expected: str) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        message = await read_message(reader)
    if message is None:
        raise SandboxControlError(f"the sandbox server hung up while the test waited for {expected!r}")
    if expected not in message:
        raise SandboxControlError(f"the sandbox server answered {message.get('error')!r}, not {expected!r}")
    return message
