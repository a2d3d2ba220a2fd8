"""The postings each payment event books, exactly as account.proto's chart says. The events are
the contract's messages, decoded into domain events as the handler decodes them."""

from __future__ import annotations

import pytest

from commerce.event.v1 import envelope_pb2
from commerce.payments.v1 import events_pb2
from mesh.money import Money
from services.invoicing.domain import postings
from services.invoicing.domain.entries import EntryDraft, credit, debit
from services.invoicing.domain.payment_events import PaymentCanceled, PaymentCaptured
from services.invoicing.domain.postings import InvalidEvent
from services.invoicing.payment_event_messages import BOOKED_EVENTS, payment_event

PSP = "sandbox-alpha"
INTENT = "tenants/acme/paymentIntents/pi_123"
REFUND = f"{INTENT}/refunds/re_456"
EVENT_ID = "5f0c9a4e-evt"


def eur(minor: int) -> dict:
    return {"currency_code": "EUR", "amount_minor": minor}


def money(minor: int, currency: str = "EUR") -> Money:
    return Money(currency, minor)


def envelope_for(event) -> envelope_pb2.EventEnvelope:
    envelope = envelope_pb2.EventEnvelope(
        id=EVENT_ID,
        source="//commerce-mesh/payments",
        spec_version="1.0",
        type=event.DESCRIPTOR.full_name,
        subject=INTENT,
        tenant="acme",
    )
    envelope.data.Pack(event)
    return envelope


def book(rule, event):
    return rule(payment_event(event, envelope_for(event)))


def authorized(**fields) -> events_pb2.PaymentAuthorized:
    return events_pb2.PaymentAuthorized(
        **{
            "payment_intent": INTENT,
            "order": "tenants/acme/orders/o_1",
            "amount": eur(10_000),
            "psp": PSP,
            "psp_reference": "auth-1",
            **fields,
        }
    )


def captured(**fields) -> events_pb2.PaymentCaptured:
    return events_pb2.PaymentCaptured(
        **{
            "payment_intent": INTENT,
            "order": "tenants/acme/orders/o_1",
            "amount": eur(10_000),
            "amount_captured_total": eur(10_000),
            "fee": eur(320),
            "psp": PSP,
            "psp_reference": "cap-1",
            **fields,
        }
    )


def canceled(**fields) -> events_pb2.PaymentCanceled:
    return events_pb2.PaymentCanceled(
        **{
            "payment_intent": INTENT,
            "order": "tenants/acme/orders/o_1",
            "amount": eur(10_000),
            "reason": "customer asked",
            "psp": PSP,
            **fields,
        }
    )


def refunded(**fields) -> events_pb2.PaymentRefunded:
    return events_pb2.PaymentRefunded(
        **{
            "payment_intent": INTENT,
            "refund": REFUND,
            "order": "tenants/acme/orders/o_1",
            "amount": eur(2_500),
            "amount_refunded_total": eur(2_500),
            "psp": PSP,
            "psp_reference": "ref-1",
            **fields,
        }
    )


# -- the postings -------------------------------------------------------------------------------


def test_authorized_holds_the_amount_on_the_memo_pair() -> None:
    assert book(postings.payment_authorized, authorized()) == EntryDraft(
        f"event:{EVENT_ID}",
        (
            debit("authorization-holds-sandbox-alpha", money(10_000)),
            credit("authorization-holds-offset", money(10_000)),
        ),
        "Authorization of EUR 100.00 held at sandbox-alpha",
        INTENT,
        EVENT_ID,
        "commerce.payments.v1.PaymentAuthorized",
    )


def test_captured_books_cash_net_of_fee_and_releases_the_hold() -> None:
    assert book(postings.payment_captured, captured()) == EntryDraft(
        f"event:{EVENT_ID}",
        (
            debit("cash-at-psp-sandbox-alpha", money(9_680)),
            debit("psp-fees-sandbox-alpha", money(320)),
            credit("accounts-receivable", money(10_000)),
            debit("authorization-holds-offset", money(10_000)),
            credit("authorization-holds-sandbox-alpha", money(10_000)),
        ),
        "Capture of EUR 100.00 at sandbox-alpha (fee EUR 3.20, reference cap-1)",
        INTENT,
        EVENT_ID,
        "commerce.payments.v1.PaymentCaptured",
    )


@pytest.mark.parametrize("event", [captured(fee=eur(0)), captured(fee=None)], ids=["zero-fee", "no-fee"])
def test_captured_without_a_fee_books_no_fee_posting(event) -> None:
    draft = book(postings.payment_captured, event)

    assert draft.postings == (
        debit("cash-at-psp-sandbox-alpha", money(10_000)),
        credit("accounts-receivable", money(10_000)),
        debit("authorization-holds-offset", money(10_000)),
        credit("authorization-holds-sandbox-alpha", money(10_000)),
    )
    assert draft.description == "Capture of EUR 100.00 at sandbox-alpha (fee EUR 0.00, reference cap-1)"


def test_captured_with_the_whole_amount_as_fee_books_no_cash() -> None:
    draft = book(postings.payment_captured, captured(amount=eur(300), fee=eur(300)))

    assert draft.postings == (
        debit("psp-fees-sandbox-alpha", money(300)),
        credit("accounts-receivable", money(300)),
        debit("authorization-holds-offset", money(300)),
        credit("authorization-holds-sandbox-alpha", money(300)),
    )


def test_a_partial_capture_books_this_capture_not_the_running_total() -> None:
    draft = book(
        postings.payment_captured, captured(amount=eur(4_000), amount_captured_total=eur(10_000), fee=eur(100))
    )

    assert draft.postings == (
        debit("cash-at-psp-sandbox-alpha", money(3_900)),
        debit("psp-fees-sandbox-alpha", money(100)),
        credit("accounts-receivable", money(4_000)),
        debit("authorization-holds-offset", money(4_000)),
        credit("authorization-holds-sandbox-alpha", money(4_000)),
    )


def test_canceled_releases_the_hold() -> None:
    assert book(postings.payment_canceled, canceled()) == EntryDraft(
        f"event:{EVENT_ID}",
        (
            debit("authorization-holds-offset", money(10_000)),
            credit("authorization-holds-sandbox-alpha", money(10_000)),
        ),
        "Authorization of EUR 100.00 at sandbox-alpha voided",
        INTENT,
        EVENT_ID,
        "commerce.payments.v1.PaymentCanceled",
    )


def test_canceled_before_any_psp_held_funds_books_nothing() -> None:
    assert book(postings.payment_canceled, canceled(psp="")) is None
    assert book(postings.payment_canceled, canceled(psp="", amount=None)) is None


def test_refunded_gives_cash_back_against_receivable() -> None:
    assert book(postings.payment_refunded, refunded()) == EntryDraft(
        f"event:{EVENT_ID}",
        (debit("accounts-receivable", money(2_500)), credit("cash-at-psp-sandbox-alpha", money(2_500))),
        "Refund of EUR 25.00 at sandbox-alpha (reference ref-1)",
        REFUND,
        EVENT_ID,
        "commerce.payments.v1.PaymentRefunded",
    )


def test_a_refund_without_a_name_falls_back_to_the_intent() -> None:
    assert book(postings.payment_refunded, refunded(refund="")).source_resource == INTENT


def test_the_psp_of_the_event_picks_the_accounts() -> None:
    draft = book(postings.payment_captured, captured(psp="sandbox-beta"))

    assert [p.account for p in draft.postings] == [
        "cash-at-psp-sandbox-beta",
        "psp-fees-sandbox-beta",
        "accounts-receivable",
        "authorization-holds-offset",
        "authorization-holds-sandbox-beta",
    ]


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ({"currency_code": "JPY", "amount_minor": 1_250}, "JPY 1250"),
        ({"currency_code": "KWD", "amount_minor": 1_250}, "KWD 1.250"),
        ({"currency_code": "EUR", "amount_minor": 5}, "EUR 0.05"),
        ({"currency_code": "EUR", "amount_minor": 123_456_789}, "EUR 1234567.89"),
    ],
)
def test_descriptions_show_amounts_with_money_display(amount: dict, shown: str) -> None:
    assert book(postings.payment_authorized, authorized(amount=amount)).description == (
        f"Authorization of {shown} held at sandbox-alpha"
    )
    assert book(postings.payment_refunded, refunded(amount=amount)).description == (
        f"Refund of {shown} at sandbox-alpha (reference ref-1)"
    )


def test_descriptions_name_nothing_beyond_amounts_psp_and_reference() -> None:
    event = captured(order="tenants/acme/orders/o_secret", payment_intent="tenants/acme/paymentIntents/pi_secret")
    descriptions = [
        book(postings.payment_authorized, authorized(order="tenants/acme/orders/o_secret")).description,
        book(postings.payment_captured, event).description,
        book(postings.payment_canceled, canceled(reason="secret reason")).description,
        book(postings.payment_refunded, refunded(order="tenants/acme/orders/o_secret")).description,
    ]

    assert not [d for d in descriptions if "secret" in d or "10000" in d or "amount_minor" in d]


def test_the_key_is_the_envelope_id_so_a_redelivery_books_the_same_draft() -> None:
    first = book(postings.payment_captured, captured())
    again = book(postings.payment_captured, captured())
    other = postings.payment_captured(
        payment_event(
            captured(),
            envelope_pb2.EventEnvelope(
                id="another-event", type="commerce.payments.v1.PaymentCaptured", subject=INTENT, tenant="acme"
            ),
        )
    )

    assert first == again
    assert first.key == f"event:{EVENT_ID}"
    assert (other.key, other.source_event_id) == ("event:another-event", "another-event")


# -- events that cannot be booked ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fee", "match"),
    [
        ({"currency_code": "USD", "amount_minor": 320}, "fee in USD on a capture in EUR"),
        (eur(10_001), r"fee EUR 100.01 is outside 0..EUR 100.00"),
        (eur(-1), r"fee EUR -0.01 is outside 0..EUR 100.00"),
        ({"currency_code": "", "amount_minor": 320}, "malformed amount"),
        ({"currency_code": "eur", "amount_minor": 320}, "malformed amount"),
    ],
    ids=["other-currency", "above-amount", "negative", "no-currency", "lower-currency"],
)
def test_a_capture_with_a_bad_fee_is_invalid(fee: dict, match: str) -> None:
    with pytest.raises(InvalidEvent, match=match):
        book(postings.payment_captured, captured(fee=fee))


RULES = [
    (postings.payment_authorized, authorized),
    (postings.payment_captured, captured),
    (postings.payment_canceled, canceled),
    (postings.payment_refunded, refunded),
]
RULE_IDS = ["authorized", "captured", "canceled", "refunded"]


@pytest.mark.parametrize(("rule", "make"), RULES, ids=RULE_IDS)
@pytest.mark.parametrize("psp", ["Sandbox", "sandbox alpha", "-sandbox", "sandbox_alpha", "x" * 45, "offset"])
def test_an_invalid_psp_is_invalid(rule, make, psp: str) -> None:
    with pytest.raises(InvalidEvent, match="names no valid PSP connector"):
        book(rule, make(psp=psp))


@pytest.mark.parametrize(
    ("rule", "make"),
    [r for r in RULES if r[0] is not postings.payment_canceled],
    ids=["authorized", "captured", "refunded"],
)
def test_a_missing_psp_is_invalid(rule, make) -> None:
    with pytest.raises(InvalidEvent, match="names no valid PSP connector"):
        book(rule, make(psp=""))


@pytest.mark.parametrize(("rule", "make"), RULES, ids=RULE_IDS)
@pytest.mark.parametrize("amount", [eur(0), eur(-100)], ids=["zero", "negative"])
def test_a_non_positive_amount_is_invalid(rule, make, amount: dict) -> None:
    with pytest.raises(InvalidEvent, match="amount is not positive"):
        book(rule, make(amount=amount))


@pytest.mark.parametrize(("rule", "make"), RULES, ids=RULE_IDS)
def test_a_missing_amount_is_invalid(rule, make) -> None:
    with pytest.raises(InvalidEvent, match="malformed amount"):
        book(rule, make(amount=None))


# -- decoding ---------------------------------------------------------------------------------------


def test_decoding_keeps_what_the_rules_read() -> None:
    assert payment_event(captured(), envelope_for(captured())) == PaymentCaptured(
        EVENT_ID, "commerce.payments.v1.PaymentCaptured", INTENT, money(10_000), money(320), PSP, "cap-1"
    )
    assert payment_event(captured(fee=None), envelope_for(captured())).fee is None


def test_a_cancellation_without_a_psp_is_decoded_without_reading_its_amount() -> None:
    event = canceled(psp="", amount={"currency_code": "eur", "amount_minor": 1})

    assert payment_event(event, envelope_for(event)) == PaymentCanceled(
        EVENT_ID, "commerce.payments.v1.PaymentCanceled", INTENT, None, ""
    )


@pytest.mark.parametrize(("rule", "make"), RULES, ids=RULE_IDS)
def test_the_booking_of_an_event_is_its_rule(rule, make) -> None:
    assert book(postings.payment_booking, make()) == book(rule, make())


def test_the_booked_events_are_the_ones_with_rules() -> None:
    assert {event.DESCRIPTOR.name for event in BOOKED_EVENTS} == {
        "PaymentAuthorized",
        "PaymentCaptured",
        "PaymentCanceled",
        "PaymentRefunded",
    }


def test_an_event_invoicing_does_not_book_is_not_decoded() -> None:
    failed = events_pb2.PaymentFailed(payment_intent=INTENT)

    with pytest.raises(TypeError, match="books no commerce.payments.v1.PaymentFailed"):
        payment_event(failed, envelope_for(failed))
