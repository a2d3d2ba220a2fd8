"""The out-of-process sandbox's wire format: newline-delimited JSON, one object per line.

A request is {"op": …, "psp": …, "args": {…}}; its answer is {"ok": value} or {"error": {…}}.
Money travels as {"currency_code", "amount_minor"} (integer minor units, never a float), a card
as {"pan", "exp_month", "exp_year"}: the PSP is a card processor, so it receives the number,
which nothing here ever logs or puts in a message. Errors carry their kind, so the client raises
the same exception type the in-process sandbox would, with its psp and key.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

from mesh.errors import Code, DomainError, Reason, common
from mesh.money import Money
from services.payments.psp.connector import (
    Outcome,
    PspIdempotencyConflict,
    PspRequestRejected,
    PspResult,
    PspTimeout,
    PspUnavailable,
)

__all__ = [
    "WireCard",
    "decode_error",
    "decode_money",
    "decode_result",
    "encode_error",
    "encode_money",
    "encode_result",
    "read_message",
    "write_message",
]

# A request or answer is a few hundred bytes; a settlement report of a busy sandbox day is larger.
LINE_LIMIT = 16 * 1024 * 1024

# Exception kinds, most specific first (PspIdempotencyConflict is a PspRequestRejected).
_KINDS: tuple[tuple[str, type[Exception]], ...] = (
    ("unavailable", PspUnavailable),
    ("timeout", PspTimeout),
    ("idempotency_conflict", PspIdempotencyConflict),
    ("rejected", PspRequestRejected),
    ("domain_error", DomainError),
)


@dataclasses.dataclass(frozen=True)
class WireCard:
    """A card as the server receives it; the number stays out of the repr."""

    pan: str = dataclasses.field(repr=False)
    exp_month: int
    exp_year: int


def encode_money(money: Money) -> dict[str, Any]:
    return {"currency_code": money.currency_code, "amount_minor": money.amount_minor}


def decode_money(data: dict[str, Any]) -> Money:
    return Money(str(data["currency_code"]), int(data["amount_minor"]))


def encode_result(result: PspResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "outcome": result.outcome.value,
        "psp_reference": result.psp_reference,
        "decline_code": result.decline_code,
        "hard_decline": result.hard_decline,
        "fee": None if result.fee is None else encode_money(result.fee),
    }


def decode_result(data: dict[str, Any]) -> PspResult:
    fee = data.get("fee")
    return PspResult(
        Outcome(data["outcome"]),
        data.get("psp_reference"),
        decline_code=data.get("decline_code"),
        hard_decline=bool(data.get("hard_decline")),
        fee=None if fee is None else decode_money(fee),
    )


def encode_error(error: Exception) -> dict[str, Any]:
    """The error's kind and, for refusals, everything needed to raise it again on the client."""
    kind = next((name for name, cls in _KINDS if isinstance(error, cls)), "internal")
    encoded: dict[str, Any] = {"kind": kind}
    if isinstance(error, DomainError):
        metadata = {k: v for k, v in error.metadata.items() if k not in ("psp", "idempotency_key")}
        encoded |= {
            "code": error.code.name,
            "reason": error.reason.name,
            "domain": error.reason.domain,
            "message": error.message,
            "metadata": metadata,
        }
    return encoded


def decode_error(data: dict[str, Any], *, psp: str, key: str) -> Exception:
    """The exception the sandbox raised; an internal failure of the server is an unknown outcome
    (it may have failed after executing), exactly like a lost answer."""
    kind = data.get("kind")
    if kind == "bad_request":  # the server could not read the request, so it executed nothing
        return PspRequestRejected(
            Code.INVALID_ARGUMENT,
            common.VALIDATION_FAILED,
            f"PSP {psp}: {data.get('message', 'malformed request')}",
            psp=psp,
            idempotency_key=key,
        )
    if kind == "unavailable":
        return PspUnavailable(psp=psp, idempotency_key=key)
    if kind == "idempotency_conflict":
        return PspIdempotencyConflict(psp=psp, idempotency_key=key)
    if kind in ("rejected", "domain_error"):
        code, reason = Code[data["code"]], Reason(data["reason"], data["domain"])
        metadata = dict(data.get("metadata") or {})
        if kind == "rejected":
            return PspRequestRejected(code, reason, data["message"], psp=psp, idempotency_key=key, metadata=metadata)
        return DomainError(code, reason, data["message"], metadata=metadata)
    return PspTimeout(psp=psp, idempotency_key=key)


async def write_message(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
    writer.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
    await writer.drain()


async def read_message(reader: asyncio.StreamReader) -> dict[str, Any] | None:
    """The next whole line as an object; None at end of stream. A line cut short by a closed
    connection is not a message: acting on half a request could act on the wrong one."""
    line = await reader.readline()
    if not line.endswith(b"\n"):
        return None
    return json.loads(line)
