"""A card number in other digits than 0-9 ("٤٢٤٢…") is refused wherever a card number is checked.

str.isdigit() and int() accept Arabic-Indic, Devanagari, full-width and superscript digits, so a
check built on them takes "٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢" as the Visa test card. No network issues such a
number: the contract, the vault and the sandbox PSPs refuse it, and in free text the request
checks still treat it as a card number (refuse the request, redact the log line) rather than
let it through as harmless text.
"""

from __future__ import annotations

import protovalidate
import pytest

from commerce.payments.v1 import vault_service_pb2 as vs
from mesh.interceptors.request_checks import CARD_NUMBER_IN_TEXT, request_violations
from mesh.interceptors.validation import violations_of
from services.payments.card_numbers import ascii_digits, is_card_number
from services.payments.psp import Outcome, SandboxPsp
from services.payments.psp.cards import INCORRECT_NUMBER, CardBehaviour, behaviour_of
from services.payments.vault import CardInvalid, validate_card
from tests.unit.payments.psp.support import ManualClock, authorize_request
from tests.unit.payments.vault.samples import TODAY

VISA = "4242424242424242"
_ASCII = "0123456789"
# Each maps 0-9 to another script's digits; every one passes str.isdigit().
SCRIPTS = {
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
    "extended-arabic-indic": "۰۱۲۳۴۵۶۷۸۹",
    "devanagari": "०१२३४५६७८९",
    "full-width": "０１２３４５６７８９",
}
NUMBERS = {name: VISA.translate(str.maketrans(_ASCII, digits)) for name, digits in SCRIPTS.items()}
NUMBERS["one-digit-swapped"] = VISA[:-1] + "٢"
NUMBERS["superscript"] = VISA[:-1] + "²"  # isdigit() says yes, int() raises
CASES = pytest.mark.parametrize("number", NUMBERS.values(), ids=NUMBERS.keys())


def test_the_samples_are_what_naive_checks_accept() -> None:
    assert NUMBERS["arabic-indic"] == "٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢"
    assert all(number.isdigit() and len(number) == 16 for number in NUMBERS.values())


@CASES
def test_the_shared_digit_rule_refuses_it(number: str) -> None:
    assert not ascii_digits(number)
    assert not is_card_number(number)


@CASES
def test_the_contract_refuses_it_as_a_card_number(number: str) -> None:
    request = vs.TokenizeCardRequest(
        parent="tenants/acme",
        request_id="7b1f1d3e-1d7a-4b5e-9c1e-3a1b2c3d4e5f",
        card_number=number,
        exp_month=12,
        exp_year=2030,
        cvc="123",
    )

    assert "card_number" in [violation.field for violation in violations_of(request, protovalidate.Validator())]


@CASES
def test_the_vault_refuses_it(number: str) -> None:
    with pytest.raises(CardInvalid) as refused:
        validate_card(number, 12, 2030, "123", today=TODAY)

    assert refused.value.field == "card_number"
    assert refused.value.message == "card number must contain only the digits 0-9"


def test_the_vault_refuses_a_cvc_in_other_digits() -> None:
    with pytest.raises(CardInvalid) as refused:
        validate_card(VISA, 12, 2030, "١٢٣", today=TODAY)

    assert refused.value.field == "cvc"


@CASES
def test_the_sandbox_psp_declines_it_as_an_incorrect_number(number: str) -> None:
    assert behaviour_of(number) == (CardBehaviour.DECLINE, INCORRECT_NUMBER)


@CASES
async def test_a_sandbox_authorization_with_it_is_hard_declined(number: str) -> None:
    psp = SandboxPsp("sandbox-test", fee_rate_bps=290, fixed_fee_minor=30, clock=ManualClock(), seed=7)

    result = await psp.authorize(authorize_request(number))

    assert (result.outcome, result.decline_code, result.hard_decline) == (Outcome.DECLINED, "incorrect_number", True)


def test_in_free_text_it_is_still_treated_as_a_card_number() -> None:
    grouped = " ".join(NUMBERS["arabic-indic"][i : i + 4] for i in range(0, 16, 4))
    request = vs.TokenizeCardRequest(cardholder_name=f"Ada {grouped}")

    assert [v.field for v in request_violations(request) if v.description == CARD_NUMBER_IN_TEXT] == ["cardholder_name"]
