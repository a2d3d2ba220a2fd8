"""Card numbers: validation, brand, last four digits and a keyed fingerprint.

Everything here is pure. `validate_card` is the vault's gate: digits only, a length the network
issues, the Luhn check, an expiry that has not passed and a CVC of the brand's length. Its
errors (CardInvalid, reason CARD_INVALID) name the field at fault and never repeat the number or
the CVC: messages travel to callers and into logs.
"""

from __future__ import annotations

import datetime
import enum
import hashlib
import hmac
import re

import grpc

from commerce.payments.v1 import error_reason_pb2
from mesh.errors import DomainError, FieldViolation, reason_of

__all__ = ["CardBrand", "CardInvalid", "brand_of", "fingerprint", "last4", "luhn_valid", "validate_card"]

CARD_INVALID = reason_of(error_reason_pb2.ErrorReason, error_reason_pb2.ERROR_REASON_CARD_INVALID)

MIN_DIGITS, MAX_DIGITS = 12, 19
# The contract (TokenizeCardRequest.exp_year) accepts four-digit years in this range.
MIN_EXP_YEAR, MAX_EXP_YEAR = 2000, 2100

_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() would accept "²" and "٣"


class CardBrand(enum.StrEnum):
    """The card network; each name matches commerce.payments.v1.CardBrand without "CARD_BRAND_"."""

    VISA = "visa"
    MASTERCARD = "mastercard"
    AMEX = "amex"
    DISCOVER = "discover"
    OTHER = "other"


_LENGTHS: dict[CardBrand, frozenset[int]] = {
    CardBrand.VISA: frozenset({13, 16, 19}),
    CardBrand.MASTERCARD: frozenset({16}),
    CardBrand.AMEX: frozenset({15}),
    CardBrand.DISCOVER: frozenset(range(16, 20)),
    CardBrand.OTHER: frozenset(range(MIN_DIGITS, MAX_DIGITS + 1)),
}

_DISPLAY_NAMES = {
    CardBrand.VISA: "a Visa",
    CardBrand.MASTERCARD: "a Mastercard",
    CardBrand.AMEX: "an American Express",
    CardBrand.DISCOVER: "a Discover",
    CardBrand.OTHER: "a",
}


class CardInvalid(DomainError):
    """The card number, expiry or CVC is malformed; `field` names which. Never holds the number."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(grpc.StatusCode.INVALID_ARGUMENT, CARD_INVALID, message,
                         metadata={"field": field}, violations=[FieldViolation(field, message)])
        self.field = field


def validate_card(number: str, exp_month: int, exp_year: int, cvc: str, *, today: datetime.date) -> CardBrand:
    """Check a card as entered; return its brand or raise CardInvalid.

    A card is valid through the last day of its expiry month; `today` is the current UTC date.
    """
    brand = _validate_number(number)
    _validate_expiry(exp_month, exp_year, today)
    _validate_cvc(cvc, brand)
    return brand


def brand_of(number: str) -> CardBrand:
    """The network of a card number, from its leading digits (IIN ranges)."""
    if number.startswith("4"):
        return CardBrand.VISA
    if _prefix_between(number, "51", "55") or _prefix_between(number, "2221", "2720"):
        return CardBrand.MASTERCARD
    if number.startswith(("34", "37")):
        return CardBrand.AMEX
    if number.startswith(("6011", "65")) or _prefix_between(number, "644", "649"):
        return CardBrand.DISCOVER
    return CardBrand.OTHER


def luhn_valid(number: str) -> bool:
    """True when a string of digits passes the Luhn (mod 10) check."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def last4(number: str) -> str:
    """The last four digits: the only part of a number that may be shown."""
    return number[-4:]


def fingerprint(number: str, tenant: str, key: bytes) -> str:
    """HMAC-SHA256 of (tenant, number) under the vault's fingerprint key, as 64 hex characters.

    The same card in one tenant always has the same fingerprint, so duplicates can be found
    without decrypting; another tenant gets another value, so tenants cannot correlate cards;
    without the key, nobody can test a guessed number against it.
    """
    # A number is digits only, so the NUL separator makes the message unambiguous.
    message = f"{tenant}\0{number}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _validate_number(number: str) -> CardBrand:
    if not _DIGITS.fullmatch(number):
        raise CardInvalid("card_number", "card number must contain only the digits 0-9")
    if not MIN_DIGITS <= len(number) <= MAX_DIGITS:
        raise CardInvalid("card_number", f"card number must have {MIN_DIGITS} to {MAX_DIGITS} digits")
    brand = brand_of(number)
    if len(number) not in _LENGTHS[brand]:
        raise CardInvalid("card_number", f"{_DISPLAY_NAMES[brand]} card number has {_spoken(_LENGTHS[brand])} digits")
    if not luhn_valid(number):
        raise CardInvalid("card_number", "card number fails the Luhn check")
    return brand


def _validate_expiry(exp_month: int, exp_year: int, today: datetime.date) -> None:
    if not 1 <= exp_month <= 12:
        raise CardInvalid("exp_month", "expiry month must be from 1 to 12")
    if not MIN_EXP_YEAR <= exp_year <= MAX_EXP_YEAR:
        raise CardInvalid("exp_year", f"expiry year must be a four-digit year from {MIN_EXP_YEAR} to {MAX_EXP_YEAR}")
    if exp_year < today.year:
        raise CardInvalid("exp_year", f"card expired at the end of {exp_year}")
    if exp_year == today.year and exp_month < today.month:
        raise CardInvalid("exp_month", f"card expired at the end of {exp_year}-{exp_month:02d}")


def _validate_cvc(cvc: str, brand: CardBrand) -> None:
    length = 4 if brand is CardBrand.AMEX else 3
    if not (_DIGITS.fullmatch(cvc) and len(cvc) == length):
        suffix = f" for {_DISPLAY_NAMES[brand]} card" if brand is CardBrand.AMEX else ""
        raise CardInvalid("cvc", f"CVC must be {length} digits{suffix}")


def _spoken(lengths: frozenset[int]) -> str:
    """"16", "13, 16 or 19", "16 to 19"."""
    ordered = sorted(lengths)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]} to {ordered[-1]}"
    return " or ".join(filter(None, (", ".join(map(str, ordered[:-1])), str(ordered[-1]))))


def _prefix_between(number: str, low: str, high: str) -> bool:
    """True when the number's leading digits, as long as `low`, lie in [low, high]."""
    prefix = number[:len(low)]
    return len(prefix) == len(low) and low <= prefix <= high
