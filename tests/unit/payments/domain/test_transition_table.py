"""The transition table: every allowed move works from every source, every other state refuses it."""

from __future__ import annotations

import pytest

from mesh.errors import Code
from services.payments.domain import (
    PAYMENT_INTENT_STATE_INVALID,
    TRANSITIONS,
    IntentState,
    IntentStateInvalid,
    Operation,
    PaymentIntent,
)
from tests.unit.payments.domain.paths import LATER, VALID_CALLS, intent_in

S = IntentState
ALLOWED = [(operation, state) for operation, rule in TRANSITIONS.items() for state in sorted(rule.sources)]
REFUSED = [
    (operation, state) for operation, rule in TRANSITIONS.items() for state in sorted(set(IntentState) - rule.sources)
]


def _pair_id(pair: tuple[Operation, IntentState]) -> str:
    return f"{pair[0].value}-from-{pair[1].value}"


def test_table_matches_the_payments_state_machine() -> None:
    # The state machine as the payments API describes it, written out independently of the table.
    expected = {
        Operation.ATTACH_PAYMENT_METHOD: (
            {S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION, S.REQUIRES_ACTION},
            {S.REQUIRES_CONFIRMATION},
        ),
        Operation.BEGIN_AUTHORIZATION: ({S.REQUIRES_CONFIRMATION, S.REQUIRES_ACTION}, {S.PROCESSING}),
        Operation.AUTHORIZATION_APPROVED: ({S.PROCESSING}, {S.REQUIRES_CAPTURE}),
        Operation.AUTHORIZATION_DECLINED: ({S.PROCESSING}, {S.FAILED}),
        Operation.AUTHORIZATION_REQUIRES_ACTION: ({S.PROCESSING}, {S.REQUIRES_ACTION}),
        Operation.AUTHORIZATION_NOT_RECEIVED: ({S.PROCESSING}, {S.REQUIRES_CONFIRMATION}),
        Operation.AUTHORIZATION_OUTCOME_UNKNOWN: ({S.PROCESSING}, {S.REQUIRES_VERIFICATION}),
        Operation.VERIFICATION_RESOLVED: (
            {S.REQUIRES_VERIFICATION},
            {S.REQUIRES_CAPTURE, S.FAILED, S.REQUIRES_ACTION, S.REQUIRES_CONFIRMATION},
        ),
        Operation.CAPTURE: ({S.REQUIRES_CAPTURE, S.SUCCEEDED}, {S.SUCCEEDED}),
        Operation.CANCEL: (
            {S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION, S.REQUIRES_ACTION, S.REQUIRES_CAPTURE},
            {S.CANCELED},
        ),
        Operation.REFUND: ({S.SUCCEEDED}, {S.SUCCEEDED}),
    }

    assert {op: (set(rule.sources), set(rule.targets)) for op, rule in TRANSITIONS.items()} == expected


def test_every_operation_is_a_payment_intent_method() -> None:
    assert set(TRANSITIONS) == set(Operation)
    for operation in Operation:
        assert callable(getattr(PaymentIntent, operation.value))


def test_no_operation_leaves_a_terminal_state() -> None:
    for rule in TRANSITIONS.values():
        assert not any(state.is_terminal for state in rule.sources)


@pytest.mark.parametrize("pair", ALLOWED, ids=_pair_id)
def test_allowed_operation_moves_to_a_target_of_its_rule(pair: tuple[Operation, IntentState]) -> None:
    operation, state = pair
    before = intent_in(state)

    after, _ = VALID_CALLS[operation](before, LATER)

    assert after.state in TRANSITIONS[operation].targets
    assert after.version == before.version + 1
    assert after.updated == LATER
    assert after.created == before.created


@pytest.mark.parametrize("pair", REFUSED, ids=_pair_id)
def test_refused_operation_fails_with_state_invalid(pair: tuple[Operation, IntentState]) -> None:
    operation, state = pair
    before = intent_in(state)

    with pytest.raises(IntentStateInvalid) as caught:
        VALID_CALLS[operation](before, LATER)

    error = caught.value
    assert error.code is Code.FAILED_PRECONDITION
    assert error.reason == PAYMENT_INTENT_STATE_INVALID
    assert error.reason.name == "PAYMENT_INTENT_STATE_INVALID"
    assert error.reason.domain == "commerce.payments.v1"
    assert error.metadata == {"state": state.proto_name, "operation": operation.value}
    assert operation.value in error.message and state.value in error.message


@pytest.mark.parametrize("pair", REFUSED, ids=_pair_id)
def test_refused_operation_is_reported_by_require_before_any_psp_call(pair: tuple[Operation, IntentState]) -> None:
    operation, state = pair
    intent = intent_in(state)

    assert not intent.allows(operation)
    with pytest.raises(IntentStateInvalid):
        intent.require(operation)


@pytest.mark.parametrize("state", [S.PROCESSING, S.REQUIRES_VERIFICATION, S.SUCCEEDED, S.CANCELED, S.FAILED])
def test_cancel_is_refused_while_the_outcome_is_unknown_or_after_capture(state: IntentState) -> None:
    with pytest.raises(IntentStateInvalid, match=f"cancel is not allowed .* state {state.value}"):
        intent_in(state).cancel("too late", now=LATER)
