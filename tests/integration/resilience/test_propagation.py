"""Deadline, tenant and caller reach a real grpc.aio server; error details survive the trip."""

import uuid

import grpc
import pytest
from google.rpc import error_details_pb2

from commerce.payments.v1 import payment_service_pb2
from mesh import context
from mesh.errors import Code, DomainError, common
from mesh.resilience import CallPolicy, ResilientClient
from tests.fixtures.resilience import fail, incoming_call

# grpc-timeout travels in whole milliseconds rounded up, and the server reads its clock from a
# cache: measured here, a server sees up to ~1 ms more than the client sent (never 10 s).
GRPC_TIMEOUT_ROUNDING = 0.002

POLICY = CallPolicy(name="checkout->payments.GetPaymentIntent", dependency="payments", timeout=10.0, idempotent=True)


async def test_incoming_deadline_shortens_the_outbound_call(scripted_payments, intent_name):
    get_intent = ResilientClient().wrap(POLICY, scripted_payments.stub.GetPaymentIntent)
    with incoming_call(deadline_in=0.3):
        await get_intent(payment_service_pb2.GetPaymentIntentRequest(name=intent_name))
    (call,) = scripted_payments.servicer.calls
    assert 0 < call.time_remaining <= 0.3 + GRPC_TIMEOUT_ROUNDING


async def test_policy_timeout_bounds_a_call_without_incoming_deadline(scripted_payments, intent_name):
    get_intent = ResilientClient().wrap(POLICY, scripted_payments.stub.GetPaymentIntent)
    await get_intent(payment_service_pb2.GetPaymentIntentRequest(name=intent_name))
    (call,) = scripted_payments.servicer.calls
    assert call.time_remaining is not None


async def test_spent_incoming_deadline_fails_without_calling(scripted_payments, intent_name):
    get_intent = ResilientClient().wrap(POLICY, scripted_payments.stub.GetPaymentIntent)
    with incoming_call(deadline_in=0.0), pytest.raises(DomainError) as raised:
        await get_intent(payment_service_pb2.GetPaymentIntentRequest(name=intent_name))
    assert (raised.value.code, raised.value.reason) == (Code.DEADLINE_EXCEEDED, common.DEADLINE_EXCEEDED)
    assert scripted_payments.servicer.calls == []


async def test_tenant_caller_and_idempotency_key_reach_the_server(scripted_payments, intent_name):
    request_id = str(uuid.uuid4())
    authorize = ResilientClient().wrap(POLICY, scripted_payments.stub.AuthorizePaymentIntent)
    with incoming_call() as ctx:
        await authorize(
            payment_service_pb2.AuthorizePaymentIntentRequest(name=intent_name, request_id=request_id),
            metadata=(("idempotency-key", request_id),),
        )
    (call,) = scripted_payments.servicer.calls
    assert call.metadata[context.TENANT_HEADER] == ctx.tenant
    assert call.metadata[context.CALLER_HEADER] == "checkout"
    assert call.metadata["idempotency-key"] == request_id


async def test_server_error_details_survive_as_status_error(scripted_payments, intent_name):
    scripted_payments.servicer.then(fail(grpc.StatusCode.NOT_FOUND, common.NOT_FOUND))
    get_intent = ResilientClient().wrap(POLICY, scripted_payments.stub.GetPaymentIntent)
    with pytest.raises(DomainError) as raised:
        await get_intent(payment_service_pb2.GetPaymentIntentRequest(name=intent_name))
    info = raised.value.detail(error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("NOT_FOUND", "commerce.type.v1")
    assert str(raised.value) == "scripted NOT_FOUND"
