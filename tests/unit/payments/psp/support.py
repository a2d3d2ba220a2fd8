"""Helpers for the PSP connector tests: test card numbers, a card stand-in, a hand-moved clock."""

from __future__ import annotations

import dataclasses
import datetime
import uuid

from mesh.money import Money
from services.payments.psp import AuthorizeRequest

VISA_OK = "4242424242424242"
AMEX_OK = "378282246310005"
TIMEOUT_AFTER_EXECUTION = "4000000000000259"
START = datetime.datetime(2031, 5, 17, 9, 30, tzinfo=datetime.UTC)


@dataclasses.dataclass(frozen=True)
class CardStub:
    """What the vault hands a connector; the number stays out of the repr, as the vault's must."""

    pan: str = dataclasses.field(repr=False)
    exp_month: int = 12
    exp_year: int = 2034


class ManualClock:
    def __init__(self, now: datetime.datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += datetime.timedelta(**delta)


def new_key() -> str:
    return f"key-{uuid.uuid4()}"


def authorize_request(
    pan: str = VISA_OK,
    amount: Money | None = None,
    *,
    key: str | None = None,
    reference: str | None = None,
    exp_month: int = 12,
    exp_year: int = 2034,
) -> AuthorizeRequest:
    return AuthorizeRequest(
        idempotency_key=key or new_key(),
        amount=amount or Money("EUR", 10_000),
        card=CardStub(pan, exp_month, exp_year),
        reference=reference or f"tenants/t-{uuid.uuid4().hex[:8]}/paymentIntents/pi-{uuid.uuid4().hex[:8]}",
    )
