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

Any other card number (12 to 19 ASCII digits passing the Luhn check) is approved unless its
expiry is past; anything else is declined incorrect_number (hard). Nothing here returns or prints
a number.

Like a real PSP, the sandbox derives the brand from the number it is sent rather than trusting
the merchant's; it does so with the same code as the vault (services.payments.card_numbers), so
the two cannot disagree. What the sandbox adds is its own: the test cards and their behaviours.
"""

from __future__ import annotations

import dataclasses
import enum

from mesh.luhn import luhn_valid
from services.payments.card_numbers import CardBrand, brand_of, is_card_number

# CardBrand, brand_of and luhn_valid are re-exported for the PSP package's callers; they are the
# shared ones, not a PSP copy.
__all__ = ["CardBehaviour", "CardBrand", "Decline", "behaviour_of", "brand_of", "luhn_valid"]


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
    """The test card's behaviour; any other card number is approved."""
    if pan in _TEST_CARDS:
        return _TEST_CARDS[pan]
    if not is_card_number(pan):
        return CardBehaviour.DECLINE, INCORRECT_NUMBER
    return CardBehaviour.APPROVE, None
