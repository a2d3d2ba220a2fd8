"""IntentState and CaptureMethod map one-to-one, by name, onto the commerce.payments.v1 enums."""

from __future__ import annotations

import pytest

from commerce.payments.v1 import payment_intent_pb2
from services.payments.domain import CaptureMethod, IntentState

PROTO_STATES = payment_intent_pb2.PaymentIntentState
PROTO_CAPTURE = payment_intent_pb2.CaptureMethod


@pytest.mark.parametrize("state", list(IntentState))
def test_state_round_trips_through_the_proto_enum(state: IntentState) -> None:
    value = PROTO_STATES.Value(state.proto_name)

    assert IntentState.from_proto_name(PROTO_STATES.Name(value)) is state


def test_every_proto_state_but_unspecified_has_a_domain_state() -> None:
    proto_names = {name for name in PROTO_STATES.keys() if not name.endswith("_UNSPECIFIED")}

    assert {state.proto_name for state in IntentState} == proto_names


@pytest.mark.parametrize("name", ["PAYMENT_INTENT_STATE_UNSPECIFIED", "SUCCEEDED", "PAYMENT_INTENT_STATE_PAID", ""])
def test_state_from_proto_name_refuses_names_that_are_not_states(name: str) -> None:
    with pytest.raises(ValueError, match="IntentState has no value named"):
        IntentState.from_proto_name(name)


def test_only_canceled_and_failed_are_terminal() -> None:
    assert {state for state in IntentState if state.is_terminal} == {IntentState.CANCELED, IntentState.FAILED}


@pytest.mark.parametrize("method", list(CaptureMethod))
def test_capture_method_round_trips_through_the_proto_enum(method: CaptureMethod) -> None:
    value = PROTO_CAPTURE.Value(method.proto_name)

    assert CaptureMethod.from_proto_name(PROTO_CAPTURE.Name(value)) is method


def test_capture_method_unspecified_means_manual() -> None:
    assert CaptureMethod.from_proto_name("CAPTURE_METHOD_UNSPECIFIED") is CaptureMethod.MANUAL


def test_capture_method_from_proto_name_refuses_unknown_names() -> None:
    with pytest.raises(ValueError, match="CaptureMethod has no value named"):
        CaptureMethod.from_proto_name("CAPTURE_METHOD_LATER")
