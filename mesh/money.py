"""Money: an integer amount of minor units in one currency, the only money type in the mesh.

Mirrors commerce.type.v1.Money. Floats are refused at the door (0.1 + 0.2 is not 0.3 cents),
and so are bools, which Python would otherwise accept as ints. Arithmetic and ordering across
currencies raise CurrencyMismatch, a DomainError that reaches callers as INVALID_ARGUMENT with
reason CURRENCY_MISMATCH. `allocate` splits an amount by ratios without losing or inventing a
cent, for instalments, discounts spread over lines and refunds split across captures.

Currencies are the ISO 4217 list (the `iso4217` package, which ships the ISO 4217 maintenance
agency's published table; its version is the table's date) with each one's minor-unit exponent:
`minor_unit_exponent("JPY") == 0`, `"USD"` 2, `"KWD"` 3. Codes ISO lists without a minor unit
(gold XAU, special drawing rights XDR, testing XTS, no currency XXX) are not money here: an
amount of their "minor units" means nothing, so they are unknown, like "ZZZ".

The amount ceiling: a request may carry at most AMOUNT_CEILING_MINOR = 10**15 minor units
(in absolute value) of any currency: 10 trillion in a 2-decimal currency (EUR, USD), 1
quadrillion JPY, 1 trillion KWD; far above any real payment or invoice. It is one number of
minor units, not scaled per exponent, because its other job is headroom: sums and multiples of
ceiling-sized amounts stay inside int64 (about 9.2 * 10**18) for the next 9,000-fold, whatever
the currency. `amount_ceiling_minor(code)` is the per-currency answer, so a currency could get
its own ceiling later without callers changing. Money itself only refuses what int64 cannot
hold: a ledger balance may legitimately sum past the ceiling.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

import iso4217

from commerce.type.v1 import money_pb2
from mesh.errors import Code, DomainError, common

__all__ = [
    "AMOUNT_CEILING_MINOR",
    "KNOWN_CURRENCIES",
    "CurrencyMismatch",
    "Money",
    "amount_ceiling_minor",
    "is_known_currency",
    "minor_unit_exponent",
]

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
# amount_minor travels as int64; an amount outside it could not be sent or stored.
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# ISO 4217 code -> minor-unit exponent, for every currency that has a minor unit.
_EXPONENTS: dict[str, int] = {
    currency.code: currency.exponent for currency in iso4217.Currency if currency.exponent is not None
}
KNOWN_CURRENCIES = frozenset(_EXPONENTS)
AMOUNT_CEILING_MINOR = 10**15


def is_known_currency(code: object) -> bool:
    """Whether `code` is an ISO 4217 currency with a minor unit ("EUR" yes; "ZZZ", "XAU" no)."""
    return isinstance(code, str) and code in _EXPONENTS


def minor_unit_exponent(code: str) -> int:
    """Decimal places of the currency's minor unit: 2 for "EUR", 0 for "JPY", 3 for "KWD"."""
    try:
        return _EXPONENTS[code]
    except (KeyError, TypeError):
        raise ValueError(f"{code!r} is not an ISO 4217 currency code with a minor unit") from None


def amount_ceiling_minor(code: str) -> int:
    """The largest absolute amount_minor a request may carry in `code` (see the module doc)."""
    minor_unit_exponent(code)  # refuses unknown currencies
    return AMOUNT_CEILING_MINOR


class CurrencyMismatch(DomainError):
    """Amounts in two different currencies were combined or compared."""

    def __init__(self, left: str, right: str) -> None:
        super().__init__(
            Code.INVALID_ARGUMENT,
            common.CURRENCY_MISMATCH,
            f"amounts in {left} and {right} cannot be combined",
            metadata={"left_currency": left, "right_currency": right},
        )


def _require_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    return value


@dataclasses.dataclass(frozen=True, slots=True)
class Money:
    """`amount_minor` minor units (cents, yen, …) of `currency_code` (ISO 4217, e.g. "EUR")."""

    currency_code: str
    amount_minor: int

    def __post_init__(self) -> None:
        # Every known code is three capitals, so the format is looked at only to word a refusal:
        # the common case (every row read) is one dict lookup.
        if not is_known_currency(self.currency_code):
            if not isinstance(self.currency_code, str) or not _CURRENCY_CODE.fullmatch(self.currency_code):
                raise ValueError(
                    f"currency_code must be three upper-case letters (ISO 4217), not {self.currency_code!r}"
                )
            raise ValueError(f"currency_code must be an ISO 4217 currency, not {self.currency_code!r}")
        _require_int(self.amount_minor, "amount_minor")
        if not _INT64_MIN <= self.amount_minor <= _INT64_MAX:
            raise ValueError(f"amount_minor {self.amount_minor} does not fit in int64")

    @classmethod
    def zero(cls, currency_code: str) -> Money:
        return cls(currency_code, 0)

    @classmethod
    def from_proto(cls, message: money_pb2.Money) -> Money:
        return cls(message.currency_code, message.amount_minor)

    @classmethod
    def total(cls, currency_code: str, amounts: Iterable[Money]) -> Money:
        """The sum of `amounts`, all in `currency_code`; zero when there are none."""
        result = cls.zero(currency_code)
        for amount in amounts:
            result += amount
        return result

    def display(self) -> str:
        """For people (logs, descriptions, the demo): "EUR 12.50", "JPY 1250", "EUR -0.05"."""
        digits = minor_unit_exponent(self.currency_code)
        sign, magnitude = ("-" if self.amount_minor < 0 else ""), abs(self.amount_minor)
        if digits == 0:
            return f"{self.currency_code} {sign}{magnitude}"
        units, minor = divmod(magnitude, 10**digits)
        return f"{self.currency_code} {sign}{units}.{minor:0{digits}d}"

    def to_proto(self) -> money_pb2.Money:
        return money_pb2.Money(currency_code=self.currency_code, amount_minor=self.amount_minor)

    def allocate(self, ratios: Sequence[int]) -> list[Money]:
        """Split into len(ratios) parts proportional to `ratios`, summing exactly to self.

        Each part is the exact share rounded down; the cents left over go one each to the parts
        with the largest remainders, earlier parts first on ties (largest remainder method). A
        zero ratio gets zero. A negative amount splits like its positive and is negated.
        """
        weights = [_require_int(ratio, "ratio") for ratio in ratios]
        if not weights or any(weight < 0 for weight in weights) or sum(weights) == 0:
            raise ValueError(f"ratios must be non-negative with a positive sum, not {list(ratios)}")
        magnitude, whole = abs(self.amount_minor), sum(weights)
        shares = [magnitude * weight // whole for weight in weights]
        leftover = magnitude - sum(shares)
        by_remainder = sorted(range(len(weights)), key=lambda i: -(magnitude * weights[i] % whole))
        for index in by_remainder[:leftover]:
            shares[index] += 1
        sign = -1 if self.amount_minor < 0 else 1
        return [Money(self.currency_code, sign * share) for share in shares]

    def _same_currency(self, other: Money) -> int:
        if self.currency_code != other.currency_code:
            raise CurrencyMismatch(self.currency_code, other.currency_code)
        return other.amount_minor

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.currency_code, self.amount_minor + self._same_currency(other))

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.currency_code, self.amount_minor - self._same_currency(other))

    def __neg__(self) -> Money:
        return Money(self.currency_code, -self.amount_minor)

    def __mul__(self, quantity: object) -> Money:
        """A unit price times a whole quantity; fractional factors are refused (use allocate)."""
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            return NotImplemented
        return Money(self.currency_code, self.amount_minor * quantity)

    __rmul__ = __mul__

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount_minor < self._same_currency(other)

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount_minor <= self._same_currency(other)

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount_minor > self._same_currency(other)

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount_minor >= self._same_currency(other)
