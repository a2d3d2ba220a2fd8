"""Card numbers: validation, brand, last four digits and a keyed fingerprint.

Everything here is pure. `validate_card` is the vault's gate: ASCII digits only, a length the
network issues, the Luhn check (mesh.luhn), an expiry that has not passed and a CVC of the
brand's length. Its errors (CardInvalid, reason CARD_INVALID) name the field at fault and never
repeat the number or the CVC: messages travel to callers and into logs. The digit rule and the
brand come from services.payments.card_numbers, which the sandbox PSPs share.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac

from commerce.payments.v1 import error_reason_pb2
from mesh.errors import Code, DomainError, FieldViolation, reason_of
from mesh.luhn import luhn_valid
from services.payments.card_numbers import CARD_MAX_DIGITS, CARD_MIN_DIGITS, CardBrand, ascii_digits, brand_of

# CardBrand, brand_of and luhn_valid are re-exported: the vault's callers have always found them here.
__all__ = ["CardBrand", "CardInvalid", "brand_of", "fingerprint", "last4", "luhn_valid", "validate_card"]

CARD_INVALID = reason_of(error_reason_pb2.ErrorReason, error_reason_pb2.ERROR_REASON_CARD_INVALID)

# The contract (TokenizeCardRequest.exp_year) accepts four-digit years in this range.
MIN_EXP_YEAR, MAX_EXP_YEAR = 2000, 2100

_LENGTHS: dict[CardBrand, frozenset[int]] = {
    CardBrand.VISA: frozenset({13, 16, 19}),
    CardBrand.MASTERCARD: frozenset({16}),
    CardBrand.AMEX: frozenset({15}),
    CardBrand.DISCOVER: frozenset(range(16, 20)),
    CardBrand.OTHER: frozenset(range(CARD_MIN_DIGITS, CARD_MAX_DIGITS + 1)),
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
        super().__init__(
            Code.INVALID_ARGUMENT,
            CARD_INVALID,
            message,
            metadata={"field": field},
            violations=[FieldViolation(field, message)],
        )
        self.field = field


def validate_card(number: str, exp_month: int, exp_year: int, cvc: str, *, today: datetime.date) -> CardBrand:
    """Check a card as entered; return its brand or raise CardInvalid.

    A card is valid through the last day of its expiry month; `today` is the current UTC date.
    """
    brand = _validate_number(number)
    _validate_expiry(exp_month, exp_year, today)
    _validate_cvc(cvc, brand)
    return brand


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
    if not ascii_digits(number):
        raise CardInvalid("card_number", "card number must contain only the digits 0-9")
    if not CARD_MIN_DIGITS <= len(number) <= CARD_MAX_DIGITS:
        raise CardInvalid("card_number", f"card number must have {CARD_MIN_DIGITS} to {CARD_MAX_DIGITS} digits")
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
    if not (ascii_digits(cvc) and len(cvc) == length):
        suffix = f" for {_DISPLAY_NAMES[brand]} card" if brand is CardBrand.AMEX else ""
        raise CardInvalid("cvc", f"CVC must be {length} digits{suffix}")


def _spoken(lengths: frozenset[int]) -> str:
    """ "16", "13, 16 or 19", "16 to 19"."""
    ordered = sorted(lengths)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]} to {ordered[-1]}"
    return " or ".join(filter(None, (", ".join(map(str, ordered[:-1])), str(ordered[-1]))))
