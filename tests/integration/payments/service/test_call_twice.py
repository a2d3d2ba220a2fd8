"""Every mutating RPC of payments, called twice with one request_id: the second call answers what
the first did (the whole response, or the same status, reason and message) and the effect
happens once: one intent, one card, one authorization, capture, void or refund at the sandbox
PSP, one event of each kind in the outbox. The same request_id with another body is refused
IDEMPOTENCY_KEY_REUSED and changes nothing. A request interrupted after its last phase committed
(its answer lost), and a cancel whose void the janitor settled, answer the success on retry.

The helpers and the three checks every mutating RPC passes are tests/call_twice.py's, shared
with invoicing's call-twice tests; this module supplies payments' calls and what it observes.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
from collections.abc import Awaitable, Callable

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.message import Message
from google.rpc import status_pb2

from buf.validate import validate_pb2
from commerce.payments.v1 import payment_intent_pb2 as pi
from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.payments.v1 import refund_pb2
from commerce.payments.v1 import vault_service_pb2 as vs
from commerce.type.v1 import money_pb2
from mesh.persistence.tables import outbox
from services.payments.psp.factory import SANDBOX_ALPHA
from tests.call_twice import (
    Call,
    Observed,
    Outcome,
    added,
    changed,
    check_a_lost_answer_is_retried_once,
    check_a_second_call_replays,
    check_another_body_is_refused,
    interrupt_once_after,
    new_id,
    outcome,
    refusal,
)
from tests.integration.payments.service.conftest import PaymentsUnderTest

APPROVE, STOLEN, MASTERCARD = "4242424242424242", "4000000000009979", "5555555555554444"

# What payments did: effects counted, and everything it holds, to prove a call changed nothing.

COUNTED_TABLES = ("payment_intents", "vault_cards", "captures", "refunds")


async def observed(p: PaymentsUnderTest) -> Observed:
    counts: collections.Counter[str] = collections.Counter()
    state: list[str] = []
    async with p.runtime.database.transaction() as conn:
        tables = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        for table in sorted(tables):
            rows = sorted(repr(tuple(row)) for row in await conn.execute(sa.text(f"SELECT * FROM {table}")))
            state += [f"{table}: {row}" for row in rows]
            if table in COUNTED_TABLES:
                counts[f"{table} rows"] = len(rows)
        for (event_type,) in await conn.execute(sa.select(outbox.c.event_type)):
            counts[f"{event_type.rsplit('.', 1)[-1]} events"] += 1
        intents = [
            f"tenants/{tenant}/paymentIntents/{intent_id}"
            for tenant, intent_id in await conn.execute(sa.text("SELECT tenant, id FROM payment_intents"))
        ]
    today = datetime.datetime.now(datetime.UTC).date()
    for name, sandbox in sorted(p.psps.items()):
        for intent in sorted(intents):
            for payment in sandbox.psp.payments_for(intent):
                counts["psp authorizations"] += 1
                counts["psp voids"] += payment.state == "voided"
                state.append(f"{name}: {payment}")
        report = await sandbox.settlement_report(today)
        for row in report.splitlines()[1:]:
            counts[f"psp {row.split(',')[1]}s"] += 1  # the type column: capture or refund
        state.append(f"{name}: {report}")
    return Observed(+counts, tuple(state))


# The RPCs, each with what it needs first, its request and another body under the same request_id.


def eur(minor: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", amount_minor=minor)


async def tokenize_card(p: PaymentsUnderTest) -> Call:
    request = vs.TokenizeCardRequest(
        parent=f"tenants/{p.tenant}",
        request_id=new_id(),
        card_number=APPROVE,
        exp_month=12,
        exp_year=2099,
        cvc="737",
        cardholder_name="Ada Lovelace",
    )
    return Call(p.vault.TokenizeCard, request, changed(request, exp_month=11), p.md())


async def create(p: PaymentsUnderTest) -> Call:
    request = ps.CreatePaymentIntentRequest(
        parent=f"tenants/{p.tenant}", request_id=new_id(), amount=eur(1000), payment_method=await p.tokenize(APPROVE)
    )
    return Call(p.payments.CreatePaymentIntent, request, changed(request, amount=eur(2000)), p.md())


def authorize(
    pan: str, capture_method: int = pi.CAPTURE_METHOD_MANUAL
) -> Callable[[PaymentsUnderTest], Awaitable[Call]]:
    async def prepare(p: PaymentsUnderTest) -> Call:
        intent = await p.created_intent(pan, capture_method=capture_method)
        request = ps.AuthorizePaymentIntentRequest(name=intent.name, request_id=new_id())
        other = changed(request, payment_method=await p.tokenize(MASTERCARD))
        return Call(p.payments.AuthorizePaymentIntent, request, other, p.md())

    return prepare


async def capture(p: PaymentsUnderTest) -> Call:
    intent = await p.authorized_intent(APPROVE, 1000)
    request = ps.CapturePaymentIntentRequest(name=intent.name, request_id=new_id(), amount=eur(600))
    return Call(p.payments.CapturePaymentIntent, request, changed(request, amount=eur(500)), p.md())


def cancel(authorized: bool) -> Callable[[PaymentsUnderTest], Awaitable[Call]]:
    async def prepare(p: PaymentsUnderTest) -> Call:
        intent = await (p.authorized_intent(APPROVE) if authorized else p.created_intent(APPROVE))
        request = ps.CancelPaymentIntentRequest(name=intent.name, request_id=new_id(), reason="customer left")
        return Call(p.payments.CancelPaymentIntent, request, changed(request, reason="duplicate order"), p.md())

    return prepare


def refund(amount: int) -> Callable[[PaymentsUnderTest], Awaitable[Call]]:
    async def prepare(p: PaymentsUnderTest) -> Call:
        intent = await p.authorized_intent(APPROVE, 1000)
        await p.payments.CapturePaymentIntent(
            ps.CapturePaymentIntentRequest(name=intent.name, request_id=new_id()), metadata=p.md()
        )
        request = ps.RefundPaymentRequest(
            parent=intent.name, request_id=new_id(), amount=eur(amount), reason=refund_pb2.REFUND_REASON_DUPLICATE
        )
        return Call(p.payments.RefundPayment, request, changed(request, amount=eur(amount - 1)), p.md())

    return prepare


@dataclasses.dataclass(frozen=True)
class Rpc:
    prepare: Callable[[PaymentsUnderTest], Awaitable[Call]]
    use_case: str  # the PaymentsApp method behind the RPC
    effects: dict[str, int]  # what one execution adds
    refused: str = ""  # the ErrorInfo reason of a final refusal; "" for a success


CHANGED = "PaymentIntentStateChanged events"
RPCS = {
    "tokenize": Rpc(tokenize_card, "tokenize_card", {"vault_cards rows": 1}),
    "create": Rpc(create, "create", {"payment_intents rows": 1, CHANGED: 1}),
    "authorize": Rpc(
        authorize(APPROVE), "authorize", {"psp authorizations": 1, CHANGED: 2, "PaymentAuthorized events": 1}
    ),
    "authorize-automatic": Rpc(
        authorize(APPROVE, pi.CAPTURE_METHOD_AUTOMATIC),
        "authorize",
        {
            "psp authorizations": 1,
            "psp captures": 1,
            "captures rows": 1,
            CHANGED: 3,
            "PaymentAuthorized events": 1,
            "PaymentCaptured events": 1,
        },
    ),
    "authorize-declined": Rpc(
        authorize(STOLEN),
        "authorize",
        {"psp authorizations": 1, CHANGED: 2, "PaymentFailed events": 1},
        refused="CARD_DECLINED",
    ),
    "capture": Rpc(
        capture, "capture", {"psp captures": 1, "captures rows": 1, CHANGED: 1, "PaymentCaptured events": 1}
    ),
    "cancel-authorized": Rpc(
        cancel(authorized=True), "cancel", {"psp voids": 1, CHANGED: 1, "PaymentCanceled events": 1}
    ),
    "cancel-unauthorized": Rpc(cancel(authorized=False), "cancel", {CHANGED: 1, "PaymentCanceled events": 1}),
    "refund": Rpc(
        refund(300), "refund", {"psp refunds": 1, "refunds rows": 1, CHANGED: 1, "PaymentRefunded events": 1}
    ),
    "refund-too-much": Rpc(refund(1001), "refund", {}, refused="AMOUNT_EXCEEDS_REFUNDABLE"),
}
SUCCEEDING = [name for name, rpc in RPCS.items() if not rpc.refused]


async def assert_intent_is_current(p: PaymentsUnderTest, answer: Outcome) -> None:
    """An answer that carries an intent carries it as it is stored now."""
    if "payment_intent" in answer.DESCRIPTOR.fields_by_name:
        assert answer.payment_intent == await p.get(answer.payment_intent.name)


@pytest.mark.parametrize("rpc", RPCS.values(), ids=RPCS.keys())
async def test_a_second_call_answers_the_first_answer_and_adds_no_effect(payments: PaymentsUnderTest, rpc: Rpc) -> None:
    await check_a_second_call_replays(await rpc.prepare(payments), lambda: observed(payments), rpc.effects, rpc.refused)


@pytest.mark.parametrize("rpc", RPCS.values(), ids=RPCS.keys())
async def test_the_same_request_id_with_another_body_is_refused_and_changes_nothing(
    payments: PaymentsUnderTest, rpc: Rpc
) -> None:
    await check_another_body_is_refused(await rpc.prepare(payments), lambda: observed(payments), rpc.refused)


@pytest.mark.parametrize("name", SUCCEEDING)
async def test_a_retry_after_the_first_answer_was_lost_answers_the_success_once(
    payments: PaymentsUnderTest, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rpc = RPCS[name]
    call = await rpc.prepare(payments)
    interrupt_once_after(payments.app, rpc.use_case, monkeypatch)

    async def current(answer: Outcome) -> None:
        await assert_intent_is_current(payments, answer)

    await check_a_lost_answer_is_retried_once(call, lambda: observed(payments), rpc.effects, current)


@pytest.mark.parametrize("settled_by", ["janitor", "retry"])
async def test_a_cancel_whose_void_timed_out_answers_the_cancel_on_retry(
    payments: PaymentsUnderTest, settled_by: str
) -> None:
    """The void executed at the PSP but every answer was lost: the first cancel fails retryably,
    and the same request_id then answers the canceled intent, whether the janitor settled the
    void meanwhile (it asks the PSP) or the retry resumes it under its key (the PSP replays)."""
    call = await cancel(authorized=True)(payments)
    before = await observed(payments)
    payments.psps[SANDBOX_ALPHA].lose_voids = 3  # every attempt inside the call loses its answer

    unknown = await outcome(call.send())
    if settled_by == "janitor":
        assert await payments.janitor.run_once() == 1
    retried = await outcome(call.send())
    again = await outcome(call.send())

    assert refusal(unknown)[:2] == (grpc.StatusCode.UNAVAILABLE, "OUTCOME_UNKNOWN")
    assert isinstance(retried, ps.CancelPaymentIntentResponse), f"refused: {retried}"
    assert retried.payment_intent.state == pi.PAYMENT_INTENT_STATE_CANCELED
    await assert_intent_is_current(payments, retried)
    assert again == retried
    assert added(before.counts, (await observed(payments)).counts) == RPCS["cancel-authorized"].effects


def max_len(message: type[Message], field: str) -> int:
    """The field's buf.validate max_len: the longest value the contract admits."""
    return message.DESCRIPTOR.fields_by_name[field].GetOptions().Extensions[validate_pb2.field].string.max_len


async def refund_with_the_longest_reason(p: PaymentsUnderTest) -> Call:
    call = await refund(300)(p)
    # Kept by its name, in the refund's row and in its lease's detail.
    call.request.reason = max(refund_pb2.RefundReason.DESCRIPTOR.values, key=lambda reason: len(reason.name)).number
    return call


async def cancel_with_the_longest_reason(p: PaymentsUnderTest) -> Call:
    call = await cancel(authorized=True)(p)
    # The contract's max_len counts characters, as PostgreSQL's VARCHAR does; the void's lease keeps it.
    call.request.reason = "ü" * max_len(ps.CancelPaymentIntentRequest, "reason")
    return call


@pytest.mark.parametrize(
    "prepare",
    [
        pytest.param(refund_with_the_longest_reason, id="refund-reason"),
        pytest.param(cancel_with_the_longest_reason, id="cancel-reason"),
    ],
)
async def test_the_longest_values_the_contract_admits_are_recorded(
    payments: PaymentsUnderTest, prepare: Callable[[PaymentsUnderTest], Awaitable[Call]]
) -> None:
    """Not a replay: found by these tests. The payments columns were narrower than the contract's
    values: on PostgreSQL the refund's row failed after the PSP executed the refund (every retry,
    and the janitor, then failed INTERNAL while the money was back with the customer), and the
    void's lease failed before the PSP was asked. SQLite does not enforce VARCHAR lengths
    (tests/unit/payments/test_column_widths.py checks the widths on both)."""
    call = await prepare(payments)

    answer = await outcome(call.send())
    again = await outcome(call.send())

    assert not isinstance(answer, status_pb2.Status), f"refused: {answer}"
    assert again == answer
    await assert_intent_is_current(payments, answer)
