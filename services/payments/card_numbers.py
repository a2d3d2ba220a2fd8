"""Card numbers as every part of payments reads them: the digits, the network and the Luhn check.

The vault (vault.cards, the gate where a number enters) and the sandbox PSPs (psp.cards, which
derive the brand from the number they are sent, as a real PSP does) share this one definition, so
they cannot drift apart. Pure: no I/O, no proto, no grpc. Luhn itself is mesh.luhn's.
"""

from __future__ import annotations

import enum
import re

from mesh.luhn import CARD_MAX_DIGITS, CARD_MIN_DIGITS, luhn_valid

__all__ = ["CARD_MAX_DIGITS", "CARD_MIN_DIGITS", "CardBrand", "ascii_digits", "brand_of", "is_card_number"]

# ASCII only: str.isdigit() and int() accept "²" and "٣", which no card network issues.
_ASCII_DIGITS = re.compile(r"[0-9]+")


class CardBrand(enum.StrEnum):
    """The card network; each name matches commerce.payments.v1.CardBrand without "CARD_BRAND_"."""

    VISA = "visa"
    MASTERCARD = "mastercard"
    AMEX = "amex"
    DISCOVER = "discover"
    OTHER = "other"


def ascii_digits(text: str) -> bool:
    """True when `text` is one or more of the digits 0-9 and nothing else."""
    return _ASCII_DIGITS.fullmatch(text) is not None


def is_card_number(number: str) -> bool:
    """ASCII digits, 12 to 19 of them, passing Luhn: what any processor takes as a number at all."""
    return ascii_digits(number) and CARD_MIN_DIGITS <= len(number) <= CARD_MAX_DIGITS and luhn_valid(number)


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


def _prefix_between(number: str, low: str, high: str) -> bool:
    """True when the number's leading digits, as long as `low`, lie in [low, high]."""
    prefix = number[: len(low)]
    return len(prefix) == len(low) and low <= prefix <= high
