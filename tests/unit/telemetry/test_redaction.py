"""redact() and redact_mapping(): card numbers and secrets never survive; ordinary data does."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesh.telemetry import REDACTED, REDACTED_PAN, is_sensitive_key, redact, redact_mapping
from tests.unit.telemetry.cards import (
    AMEX,
    MASTERCARD,
    ORDER_NUMBER,
    VISA,
    carries,
    grouped,
    luhn_check_digit,
    luhn_valid,
)


def test_cards_fixture_numbers_are_what_the_tests_assume():
    assert all(luhn_valid(pan) for pan in (VISA, MASTERCARD, AMEX))
    assert not luhn_valid(ORDER_NUMBER)


@pytest.mark.parametrize("written", [VISA, grouped(VISA, " "), grouped(VISA, "-"), AMEX, grouped(MASTERCARD, "-")])
def test_redact_replaces_luhn_valid_card_number(written):
    redacted = redact(f"charging card {written} now")

    assert redacted == f"charging card {REDACTED_PAN} now"


def test_redact_keeps_number_failing_luhn():
    assert redact(f"order {ORDER_NUMBER} placed") == f"order {ORDER_NUMBER} placed"


def test_redact_finds_card_glued_to_letters():
    assert not carries(redact(f"pan{VISA}x"), VISA)


def test_redact_finds_card_after_unrelated_digits_in_same_run():
    # "2 4111 1111 1111 1111" is one spaced run; the card is still cut out of it.
    assert redact(f"qty 2 {grouped(VISA, ' ')}") == f"qty 2 {REDACTED_PAN}"


def test_redact_finds_card_followed_by_more_digits():
    assert not carries(redact(f"card {grouped(VISA, ' ')} 123"), VISA)


def test_redact_replaces_every_card_in_text():
    redacted = redact(f"{VISA} then {MASTERCARD}")

    assert redacted == f"{REDACTED_PAN} then {REDACTED_PAN}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("login password=hunter2 user=bob", f"login password={REDACTED} user=bob"),
        ("api_key: k-123", f"api_key: {REDACTED}"),
        ('{"client_secret": "s3cr3t", "id": "c1"}', f'{{"client_secret": "{REDACTED}", "id": "c1"}}'),
        ("{'CVV': '123'}", f"{{'CVV': '{REDACTED}'}}"),
        ("refresh with accessToken=abc&x=1", f"refresh with accessToken={REDACTED}&x=1"),
        ("X-Api-Key: abc", f"X-Api-Key: {REDACTED}"),
        ("error: token=abc", f"error: token={REDACTED}"),
    ],
)
def test_redact_hides_values_of_sensitive_keys(text, expected):
    assert redact(text) == expected


def test_redact_hides_bearer_token():
    assert redact("sent Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig-_x") == f"sent Authorization: Bearer {REDACTED}"
    assert redact("got bearer abc123==") == f"got bearer {REDACTED}"


def test_redact_hides_password_in_url():
    redacted = redact("connecting to postgresql+asyncpg://mesh:pa55@db:5432/payments")

    assert redacted == f"connecting to postgresql+asyncpg://mesh:{REDACTED}@db:5432/payments"


def test_redact_keeps_ordinary_keys_and_text():
    text = "GET /v1/orders status=200 idempotency_key=k-1 span=abc duration=0.03s"

    assert redact(text) == text


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "PASSWORD",
        "card_number",
        "cardNumber",
        "x-api-key",
        "access_token",
        "http.request.header.authorization",
        "clientSecret",
        "pan",
        "cvc",
    ],
)
def test_is_sensitive_key_recognises_secret_names(key):
    assert is_sensitive_key(key)


@pytest.mark.parametrize("key", ["span", "company", "idempotency_key", "order_id", "tokens_used_count", "secretary"])
def test_is_sensitive_key_ignores_ordinary_names(key):
    assert not is_sensitive_key(key)


def test_redact_mapping_redacts_nested_values_and_sensitive_keys():
    original = {
        "password": "hunter2",
        "order": {"id": ORDER_NUMBER, "card": f"card {VISA}", "amounts": [1200, int(MASTERCARD)]},
        "headers": ({"authorization": "Bearer abc"},),
        "note": None,
    }

    redacted = redact_mapping(original)

    assert redacted == {
        "password": REDACTED,
        "order": {"id": ORDER_NUMBER, "card": f"card {REDACTED_PAN}", "amounts": [1200, REDACTED_PAN]},
        "headers": ({"authorization": REDACTED},),
        "note": None,
    }
    assert original["password"] == "hunter2"  # a copy: the caller's data is untouched


def test_redact_mapping_terminates_on_cycles():
    cyclic: dict = {"name": "loop"}
    cyclic["self"] = cyclic

    redacted = redact_mapping(cyclic)

    assert redacted["name"] == "loop"


@st.composite
def luhn_valid_pans(draw) -> str:
    length = draw(st.integers(min_value=13, max_value=19))
    body = draw(st.text(string.digits, min_size=length - 1, max_size=length - 1))
    return body + luhn_check_digit(body)


@st.composite
def written_pans(draw) -> tuple[str, str]:
    """A PAN and how it is written: plain, in groups of four, or with random single separators."""
    pan = draw(luhn_valid_pans())
    style = draw(st.sampled_from(["plain", "spaced", "dashed", "random"]))
    if style == "random":
        separators = draw(st.lists(st.sampled_from(["", " ", "-"]), min_size=len(pan) - 1, max_size=len(pan) - 1))
        return pan, "".join(d + s for d, s in zip(pan, [*separators, ""], strict=True))
    return pan, {"plain": pan, "spaced": grouped(pan, " "), "dashed": grouped(pan, "-")}[style]


_TEXT = st.text(string.ascii_letters + string.digits + string.punctuation + " \n", max_size=40)
_BOUNDARY = st.sampled_from([" ", "\n", "=", ":", ",", "x", '"', "(", "-", "."])


@given(written=written_pans(), before=_TEXT, after=_TEXT, left=_BOUNDARY, right=_BOUNDARY)
def test_redact_never_lets_embedded_pan_survive(written, before, after, left, right):
    pan, text = written

    redacted = redact(f"{before}{left}{text}{right}{after}")

    assert not carries(redacted, pan)
    assert REDACTED_PAN in redacted


@given(
    digits=st.text(string.digits, min_size=13, max_size=19).filter(lambda d: not luhn_valid(d)),
    before=st.text("abcdefghij ", max_size=20),
    after=st.text("abcdefghij ", max_size=20),
)
def test_redact_keeps_non_luhn_number(digits, before, after):
    text = f"{before} {digits} {after}"

    assert redact(text) == text


@given(st.text(max_size=80))
def test_redact_is_idempotent(text):
    once = redact(text)

    assert redact(once) == once
