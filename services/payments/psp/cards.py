"""What the sandbox PSPs do with a card: its brand and the deterministic test-card behaviours.

Test cards (by number) make every outcome reproducible in tests and demos:

| card number      | behaviour                                                          |
| ---------------- | ------------------------------------------------------------------ |
| 4242424242424242 | approved                                                           |
| 4000000000009995 | declined insufficient_funds (soft: may succeed later)              |
| 4000000000000002 | declined do_not_honor (generic, soft)                              |
| 4000000000009979 | declined stolen_card (hard: never retry)                           |
| 4000000000000069 | declined expired_card (hard)                                       |
| 4000000000003220 | 3-D Secure challenge required (REQUIRES_ACTION)                    |
| 4000000000000119 | processing_error (FAILED_RETRYABLE)                                |
| 4000000000000259 | approved and recorded, but the answer is lost: the call times out  |

Any other number that passes the Luhn check is approved unless its expiry is past; one that
fails it is declined incorrect_number (hard). Nothing here returns or prints a number.
"""

from __future__ import annotations

import dataclasses
import enum

__all__ = ["CardBehaviour", "CardBrand", "Decline", "behaviour_of", "brand_of", "luhn_valid"]


class CardBrand(enum.Enum):
    """The card network, as the PSP derives it from the number."""

    VISA = "visa"
    MASTERCARD = "mastercard"
    AMEX = "amex"
    DISCOVER = "discover"
    OTHER = "other"


@dataclasses.dataclass(frozen=True)
class Decline:
    """A normalized decline (or failure) code and whether retrying the same card can succeed."""

    code: str
    hard: bool


class CardBehaviour(enum.Enum):
    """What the issuer does when this card is authorized."""

    APPROVE = "approve"
    DECLINE = "decline"
    CHALLENGE = "challenge"
    PROCESSING_ERROR = "processing_error"
    TIMEOUT_AFTER_EXECUTION = "timeout_after_execution"


INSUFFICIENT_FUNDS = Decline("insufficient_funds", hard=False)
DO_NOT_HONOR = Decline("do_not_honor", hard=False)
STOLEN_CARD = Decline("stolen_card", hard=True)
EXPIRED_CARD = Decline("expired_card", hard=True)
INCORRECT_NUMBER = Decline("incorrect_number", hard=True)
PROCESSING_ERROR = Decline("processing_error", hard=False)

_TEST_CARDS: dict[str, tuple[CardBehaviour, Decline | None]] = {
    "4242424242424242": (CardBehaviour.APPROVE, None),
    "4000000000009995": (CardBehaviour.DECLINE, INSUFFICIENT_FUNDS),
    "4000000000000002": (CardBehaviour.DECLINE, DO_NOT_HONOR),
    "4000000000009979": (CardBehaviour.DECLINE, STOLEN_CARD),
    "4000000000000069": (CardBehaviour.DECLINE, EXPIRED_CARD),
    "4000000000003220": (CardBehaviour.CHALLENGE, None),
    "4000000000000119": (CardBehaviour.PROCESSING_ERROR, PROCESSING_ERROR),
    "4000000000000259": (CardBehaviour.TIMEOUT_AFTER_EXECUTION, None),
}


def behaviour_of(pan: str) -> tuple[CardBehaviour, Decline | None]:
    """The test card's behaviour; any other Luhn-valid number is approved."""
    if pan in _TEST_CARDS:
        return _TEST_CARDS[pan]
    if not luhn_valid(pan):
        return CardBehaviour.DECLINE, INCORRECT_NUMBER
    return CardBehaviour.APPROVE, None


def luhn_valid(pan: str) -> bool:
    if not pan.isdigit() or not 12 <= len(pan) <= 19:
        return False
    total = 0
    for position, digit in enumerate(int(char) for char in reversed(pan)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def brand_of(pan: str) -> CardBrand:
    """The network by issuer prefix (IIN ranges of the four networks we name)."""
    if pan[:2] in ("34", "37"):
        return CardBrand.AMEX
    if pan[:1] == "4":
        return CardBrand.VISA
    if "51" <= pan[:2] <= "55" or "2221" <= pan[:4] <= "2720":
        return CardBrand.MASTERCARD
    if pan[:4] == "6011" or pan[:2] == "65" or "644" <= pan[:3] <= "649":
        return CardBrand.DISCOVER
    return CardBrand.OTHER
