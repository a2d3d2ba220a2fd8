"""What a PSP's answer does to a payment intent, whoever learned it: the request that made the
call, a retry that resumed it, or the janitor that asked the PSP after the caller was gone."""

from __future__ import annotations

import datetime
from typing import TypedDict

from mesh.money import Money
from services.payments.domain.intent import PaymentIntent, Transition
from services.payments.domain.outcomes import ActionRequired, Authorized, Declined, NotReceived
from services.payments.domain.states import IntentState
from services.payments.psp.connector import Outcome, PspResult
from services.payments.store import PendingCall


class EventDetails(TypedDict, total=False):
    """What a settled call's events carry besides the intent (PaymentsApp._apply's keywords)."""

    refund: str
    refund_reference: str
    capture_reference: str
    voided_psp: str


def outcome_of(psp: str, result: PspResult | None):
    """The authorization outcome a PSP result stands for; None: the PSP never received the call."""
    if result is None:
        return NotReceived()
    if result.outcome is Outcome.APPROVED:
        return Authorized(psp, result.psp_reference or "")
    if result.outcome is Outcome.REQUIRES_ACTION:
        return ActionRequired(psp, result.psp_reference or "")
    if result.outcome is Outcome.DECLINED:
        return Declined(result.decline_code or "declined", result.hard_decline)
    return NotReceived()


def authorization_transition(
    intent: PaymentIntent, psp: str, result: PspResult | None, now: datetime.datetime
) -> Transition:
    match outcome_of(psp, result):
        case Authorized(psp_reference=reference):
            return intent.authorization_approved(psp, reference, now=now)
        case ActionRequired(psp_reference=reference):
            return intent.authorization_requires_action(psp, reference, now=now)
        case Declined(decline_code=code, hard_decline=hard):
            return intent.authorization_declined(code, hard, now=now)
    return intent.authorization_not_received(now=now)


def settled_transition(
    intent: PaymentIntent, call: PendingCall, result: PspResult | None, now: datetime.datetime
) -> tuple[Transition | None, EventDetails]:
    """The transition a settled call makes, with the details its events carry; (None, {}) when
    the call never executed and the intent stays where it is."""
    if call.operation == "authorize":
        if intent.state is IntentState.REQUIRES_VERIFICATION:
            return intent.verification_resolved(outcome_of(call.psp, result), now=now), {}
        return authorization_transition(intent, call.psp, result, now), {}
    if result is None or not result.approved:
        return None, {}
    reference = result.psp_reference or ""
    if call.operation == "capture":
        return intent.capture(call_amount(intent, call), result.fee, now=now), {"capture_reference": reference}
    if call.operation == "refund":
        refund_id, _ = split_refund_detail(call.detail)
        return intent.refund(call_amount(intent, call), now=now), {"refund": refund_id, "refund_reference": reference}
    return intent.cancel(call.detail, now=now), {"voided_psp": intent.psp}


def split_refund_detail(detail: str) -> tuple[str, str]:
    """A refund lease's detail is "<refund id>|<reason>"."""
    refund_id, _, reason = detail.partition("|")
    return refund_id, reason


def call_amount(intent: PaymentIntent, call: PendingCall) -> Money:
    """The amount a capture or refund call moves, in the intent's currency."""
    if call.amount_minor is None:  # never: the call was planned with its amount
        raise TypeError(f"a {call.operation} call without its amount")
    return Money(intent.amount.currency_code, call.amount_minor)
