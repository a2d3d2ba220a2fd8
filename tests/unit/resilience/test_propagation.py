"""Outbound deadline and metadata inherited from the bound request context."""

import pytest

from mesh import context
from mesh.errors import Code, DomainError
from mesh.resilience import CallPolicy, outbound_deadline, outbound_metadata
from tests.fixtures.resilience import FakeClock, incoming_call

POLICY = CallPolicy(name="checkout->payments.GetPaymentIntent", dependency="payments", timeout=10.0, idempotent=True)


def test_deadline_without_a_context_is_the_policy_timeout():
    clock = FakeClock()
    assert outbound_deadline(POLICY, clock).at == clock.now + 10.0


def test_deadline_is_shortened_to_the_incoming_calls_remaining_time():
    with incoming_call(deadline_in=0.3):
        assert outbound_deadline(POLICY, FakeClock()).remaining() <= 0.3


def test_deadline_keeps_policy_timeout_when_incoming_call_has_more_time():
    with incoming_call(deadline_in=60.0):
        assert outbound_deadline(POLICY, FakeClock()).remaining() == 10.0


def test_deadline_keeps_policy_timeout_when_incoming_call_has_none():
    with incoming_call(deadline_in=None):
        assert outbound_deadline(POLICY, FakeClock()).remaining() == 10.0


def test_deadline_already_spent_fails_deadline_exceeded():
    with incoming_call(deadline_in=0.0), pytest.raises(DomainError) as raised:
        outbound_deadline(POLICY, FakeClock())
    assert raised.value.code is Code.DEADLINE_EXCEEDED
    assert raised.value.reason.name == "DEADLINE_EXCEEDED"


def test_deadline_remaining_counts_down_and_stops_at_zero():
    clock = FakeClock()
    deadline = outbound_deadline(POLICY, clock)
    clock.advance(4.0)
    assert deadline.remaining() == 6.0
    clock.advance(20.0)
    assert deadline.remaining() == 0.0


def test_metadata_without_a_context_is_the_callers_own():
    assert outbound_metadata((("idempotency-key", "k1"),)) == (("idempotency-key", "k1"),)


def test_metadata_carries_tenant_and_caller_then_the_callers_headers():
    with incoming_call() as ctx:
        sent = outbound_metadata((("idempotency-key", "k1"),))
    assert sent == ((context.TENANT_HEADER, ctx.tenant), (context.CALLER_HEADER, "checkout"), ("idempotency-key", "k1"))


def test_metadata_tenant_of_the_context_wins_over_the_callers():
    with incoming_call() as ctx:
        sent = dict(outbound_metadata(((context.TENANT_HEADER.upper(), "someone-else"),)))
    assert sent == {context.TENANT_HEADER: ctx.tenant, context.CALLER_HEADER: "checkout"}
