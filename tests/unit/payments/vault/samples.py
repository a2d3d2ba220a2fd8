"""Cards, keys and leak checks shared by the vault's unit and integration tests."""

from __future__ import annotations

import datetime
import os
import uuid

from hypothesis import strategies as st

from services.payments.vault import CardBrand, KeyRing, luhn_valid

TODAY = datetime.date(2026, 3, 15)
NOW = datetime.datetime(2026, 3, 15, 9, 30, tzinfo=datetime.UTC)
FINGERPRINT_KEY = b"f" * 32

# The networks' and PSPs' published test numbers (Stripe, Adyen, Braintree), plus networks the
# vault does not name.
STANDARD_CARDS = [
    ("4242424242424242", CardBrand.VISA),
    ("4000056655665556", CardBrand.VISA),
    ("4000000000000002", CardBrand.VISA),
    ("4000000000009995", CardBrand.VISA),
    ("4111111111111111", CardBrand.VISA),
    ("4012888888881881", CardBrand.VISA),
    ("4222222222222", CardBrand.VISA),
    ("4000000000000000006", CardBrand.VISA),
    ("5555555555554444", CardBrand.MASTERCARD),
    ("5200828282828210", CardBrand.MASTERCARD),
    ("5105105105105100", CardBrand.MASTERCARD),
    ("2223003122003222", CardBrand.MASTERCARD),
    ("2221000000000009", CardBrand.MASTERCARD),
    ("2720999999999996", CardBrand.MASTERCARD),
    ("378282246310005", CardBrand.AMEX),
    ("371449635398431", CardBrand.AMEX),
    ("6011111111111117", CardBrand.DISCOVER),
    ("6011000990139424", CardBrand.DISCOVER),
    ("6011000000000000001", CardBrand.DISCOVER),
    ("6555900000604105", CardBrand.DISCOVER),
    ("6440000000000005", CardBrand.DISCOVER),
    ("6490000000000000007", CardBrand.DISCOVER),
    ("30569309025904", CardBrand.OTHER),  # Diners Club
    ("3566002020360505", CardBrand.OTHER),  # JCB
    ("6200000000000005", CardBrand.OTHER),  # UnionPay
]

# (leading digits, lengths the network issues, brand): every generated number is valid.
_NETWORKS = [
    ("4", (13, 16, 19), CardBrand.VISA),
    ("51", (16,), CardBrand.MASTERCARD),
    ("55", (16,), CardBrand.MASTERCARD),
    ("2221", (16,), CardBrand.MASTERCARD),
    ("2720", (16,), CardBrand.MASTERCARD),
    ("34", (15,), CardBrand.AMEX),
    ("37", (15,), CardBrand.AMEX),
    ("6011", (16, 17, 18, 19), CardBrand.DISCOVER),
    ("65", (16, 17, 18, 19), CardBrand.DISCOVER),
    ("644", (16, 19), CardBrand.DISCOVER),
    ("649", (16, 19), CardBrand.DISCOVER),
    ("1", tuple(range(12, 20)), CardBrand.OTHER),
    ("35", tuple(range(12, 20)), CardBrand.OTHER),
    ("62", tuple(range(12, 20)), CardBrand.OTHER),
    ("9", tuple(range(12, 20)), CardBrand.OTHER),
]


def with_check_digit(body: str) -> str:
    """`body` followed by the digit that makes it pass the Luhn check."""
    return next(body + digit for digit in "0123456789" if luhn_valid(body + digit))


@st.composite
def valid_cards(draw: st.DrawFn) -> tuple[str, CardBrand]:
    """A Luhn-valid card number of a length its network issues, with its brand."""
    prefix, lengths, brand = draw(st.sampled_from(_NETWORKS))
    length = draw(st.sampled_from(lengths))
    body = prefix + draw(st.text("0123456789", min_size=length - len(prefix) - 1, max_size=length - len(prefix) - 1))
    return with_check_digit(body), brand


def cvc_for(brand: CardBrand) -> str:
    return "7531" if brand is CardBrand.AMEX else "753"


def new_keys(*key_ids: str) -> dict[str, bytes]:
    return {key_id: os.urandom(32) for key_id in key_ids}


def ring(keys: dict[str, bytes], *key_ids: str) -> KeyRing:
    """A ring of the named keys; the first is active."""
    return KeyRing({key_id: keys[key_id] for key_id in key_ids}, active=key_ids[0])


def unique_tenant() -> str:
    return f"tenant-{uuid.uuid4().hex[:12]}"


def assert_no_pan(text: str, pan: str) -> None:
    """No run of 12 or more consecutive digits of the card number appears in `text`."""
    for start in range(len(pan) - 11):
        assert pan[start : start + 12] not in text, f"12 digits of the card number leaked into {text!r}"
