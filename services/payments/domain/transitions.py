"""The state machine of a payment intent as data: which operation may start from which state.

TRANSITIONS is the one place that says it. PaymentIntent consults it before every move and the
tests walk it to try each operation from every state, allowed or not. Authorize first, capture
last: a void is allowed until money is captured, but never while a PSP call is in flight or its
outcome is unknown (PROCESSING, REQUIRES_VERIFICATION), because the PSP may hold funds the
mesh does not know about yet.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from types import MappingProxyType

from services.payments.domain.errors import IntentStateInvalid
from services.payments.domain.states import IntentState

__all__ = ["TRANSITIONS", "Operation", "Rule", "require_allowed"]

_S = IntentState


class Operation(enum.StrEnum):
    """A move of the state machine; the value is the PaymentIntent method that makes it."""

    ATTACH_PAYMENT_METHOD = "attach_payment_method"
    BEGIN_AUTHORIZATION = "begin_authorization"
    AUTHORIZATION_APPROVED = "authorization_approved"
    AUTHORIZATION_DECLINED = "authorization_declined"
    AUTHORIZATION_REQUIRES_ACTION = "authorization_requires_action"
    AUTHORIZATION_NOT_RECEIVED = "authorization_not_received"
    AUTHORIZATION_OUTCOME_UNKNOWN = "authorization_outcome_unknown"
    VERIFICATION_RESOLVED = "verification_resolved"
    CAPTURE = "capture"
    CANCEL = "cancel"
    REFUND = "refund"


@dataclasses.dataclass(frozen=True)
class Rule:
    """An operation may start from any of `sources` and ends in one of `targets`."""

    sources: frozenset[IntentState]
    targets: frozenset[IntentState]


def _rule(sources: set[IntentState], targets: set[IntentState]) -> Rule:
    return Rule(frozenset(sources), frozenset(targets))


TRANSITIONS: Mapping[Operation, Rule] = MappingProxyType(
    {
        # A new card replaces the old one until the PSP holds funds (also after a failed challenge).
        Operation.ATTACH_PAYMENT_METHOD: _rule(
            {_S.REQUIRES_PAYMENT_METHOD, _S.REQUIRES_CONFIRMATION, _S.REQUIRES_ACTION}, {_S.REQUIRES_CONFIRMATION}
        ),
        # From REQUIRES_ACTION: the customer completed the challenge and the PSP is asked again.
        Operation.BEGIN_AUTHORIZATION: _rule({_S.REQUIRES_CONFIRMATION, _S.REQUIRES_ACTION}, {_S.PROCESSING}),
        Operation.AUTHORIZATION_APPROVED: _rule({_S.PROCESSING}, {_S.REQUIRES_CAPTURE}),
        Operation.AUTHORIZATION_DECLINED: _rule({_S.PROCESSING}, {_S.FAILED}),
        Operation.AUTHORIZATION_REQUIRES_ACTION: _rule({_S.PROCESSING}, {_S.REQUIRES_ACTION}),
        # No PSP received the request (all refused before sending): safe to confirm again.
        Operation.AUTHORIZATION_NOT_RECEIVED: _rule({_S.PROCESSING}, {_S.REQUIRES_CONFIRMATION}),
        Operation.AUTHORIZATION_OUTCOME_UNKNOWN: _rule({_S.PROCESSING}, {_S.REQUIRES_VERIFICATION}),
        # The janitor learned what the PSP did; the intent goes wherever that outcome leads.
        Operation.VERIFICATION_RESOLVED: _rule(
            {_S.REQUIRES_VERIFICATION}, {_S.REQUIRES_CAPTURE, _S.FAILED, _S.REQUIRES_ACTION, _S.REQUIRES_CONFIRMATION}
        ),
        # From SUCCEEDED: a further partial capture of what is still authorized.
        Operation.CAPTURE: _rule({_S.REQUIRES_CAPTURE, _S.SUCCEEDED}, {_S.SUCCEEDED}),
        Operation.CANCEL: _rule(
            {_S.REQUIRES_PAYMENT_METHOD, _S.REQUIRES_CONFIRMATION, _S.REQUIRES_ACTION, _S.REQUIRES_CAPTURE},
            {_S.CANCELED},
        ),
        Operation.REFUND: _rule({_S.SUCCEEDED}, {_S.SUCCEEDED}),
    }
)


def require_allowed(operation: Operation, state: IntentState) -> None:
    """Raise IntentStateInvalid unless TRANSITIONS lets `operation` start from `state`."""
    if state not in TRANSITIONS[operation].sources:
        raise IntentStateInvalid(operation.value, state)
