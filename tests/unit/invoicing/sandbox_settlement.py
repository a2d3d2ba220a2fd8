"""A day of real sandbox PSP activity, its settlement CSV, and the ledger facts it books.

The sandbox connector (services/payments/psp/sandbox.py) is driven directly: authorizations,
captures (some in parts) and refunds in currencies with 0, 2 and 3 decimals. Each capture and
refund becomes the LedgerFact the ledger's PaymentCaptured / PaymentRefunded entry would give:
the PSP's own reference and fee, booked a couple of seconds after the PSP answered. The PSP
stamps settlements with its clock, the ledger with ours; both are this module's Clock.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io

from mesh.money import Money
from services.invoicing.reconciliation import ItemKind, LedgerFact, SettlementWindow
from services.payments.psp.connector import AuthorizeRequest
from services.payments.psp.factory import sandbox_psp
from services.payments.psp.sandbox import SandboxPsp

DAY = datetime.date(2026, 11, 21)
NEXT_DAY = DAY + datetime.timedelta(days=1)
WINDOW = SettlementWindow.of_day(DAY)
NEXT_WINDOW = SettlementWindow.of_day(NEXT_DAY)
BOOKING_LAG = datetime.timedelta(seconds=2)

# (currency, authorized, captures, refunds), all in minor units.
PLAN = (
    ("EUR", 10_000, (10_000,), (2_500,)),
    ("USD", 4_999, (3_000, 1_999), ()),
    ("JPY", 12_000, (12_000,), (12_000,)),
    ("KWD", 7_250, (7_250,), (1_000, 250)),
    ("EUR", 1_999, (1_999,), ()),
    ("BHD", 100_500, (50_000,), ()),
    ("USD", 25_000, (25_000,), (5_000,)),
)


@dataclasses.dataclass(frozen=True)
class SandboxCard:
    pan: str = "4242424242424242"
    exp_month: int = 12
    exp_year: int = 2099


class Clock:
    def __init__(self, now: datetime.datetime) -> None:
        self.now = now

    def __call__(self) -> datetime.datetime:
        return self.now


@dataclasses.dataclass
class SandboxDay:
    psp: SandboxPsp
    clock: Clock
    facts: list[LedgerFact]
    _keys: int = 0

    async def capture(self, currency: str, amount: int, *, booked_at: datetime.datetime | None = None) -> LedgerFact:
        """Authorize and capture `amount` now; the ledger books it at `booked_at` (default: just after)."""
        authorization = await self.psp.authorize(
            AuthorizeRequest(
                self._key(), Money(currency, amount), SandboxCard(), f"tenants/acme/paymentIntents/pi_{self._keys}"
            )
        )
        return await self._capture(authorization.psp_reference, Money(currency, amount), booked_at)

    async def run(self, plan=PLAN) -> None:
        for currency, authorized, captures, refunds in plan:
            intent = f"tenants/acme/paymentIntents/pi_{self._keys}"
            authorization = await self.psp.authorize(
                AuthorizeRequest(self._key(), Money(currency, authorized), SandboxCard(), intent)
            )
            for amount in captures:
                await self._capture(authorization.psp_reference, Money(currency, amount), None)
            for amount in refunds:
                await self._refund(authorization.psp_reference, Money(currency, amount))

    async def csv(self, day: datetime.date = DAY) -> str:
        return await self.psp.settlement_report(day)

    def fact(self, reference: str) -> LedgerFact:
        return next(fact for fact in self.facts if fact.psp_reference == reference)

    async def _capture(self, payment: str, amount: Money, booked_at: datetime.datetime | None) -> LedgerFact:
        result = await self.psp.capture(self._key(), payment, amount)
        fact = LedgerFact(
            result.psp_reference, ItemKind.CAPTURE, amount, result.fee, booked_at or self._booked_now(), self._entry()
        )
        self.facts.append(fact)
        return fact

    async def _refund(self, payment: str, amount: Money) -> None:
        result = await self.psp.refund(self._key(), payment, amount)
        self.facts.append(
            LedgerFact(
                result.psp_reference,
                ItemKind.REFUND,
                -amount,
                Money.zero(amount.currency_code),
                self._booked_now(),
                self._entry(),
            )
        )

    def _booked_now(self) -> datetime.datetime:
        booked = self.clock.now + BOOKING_LAG
        self.clock.now += datetime.timedelta(minutes=7)  # the next PSP call happens later
        return booked

    def _entry(self) -> str:
        return f"tenants/acme/journalEntries/je_{len(self.facts) + 1}"

    def _key(self) -> str:
        self._keys += 1
        return f"key-{self._keys}"


def sandbox_day(psp: str = "sandbox-alpha", start: datetime.time = datetime.time(9)) -> SandboxDay:
    clock = Clock(datetime.datetime.combine(DAY, start, datetime.UTC))
    return SandboxDay(sandbox_psp(psp, clock=clock, seed=7), clock, [])


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def csv_of(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()
