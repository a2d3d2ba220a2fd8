"""Invoicing's calls to PaymentService: create and authorize the payment intent that collects an
invoice, over gRPC with the generated stubs, through mesh.resilience.

Each call has a deadline (its policy's, shortened by the incoming call's remaining time), is
retried on UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED and ABORTED (the same request still
running at payments, which sends RetryInfo), and counts against the "payments" breaker; tenant
and caller travel as metadata. Retrying is safe because every request carries a request_id
derived from PayInvoice's: payments' idempotency replays the first outcome, so one PayInvoice
makes one intent and one authorization however often it runs.
"""

from __future__ import annotations

import dataclasses
import uuid

import grpc

from commerce.payments.v1 import payment_intent_pb2, payment_service_pb2_grpc
from commerce.payments.v1 import payment_service_pb2 as ps
from mesh.money import Money
from mesh.resilience import DEFAULT_RETRYABLE_CODES, CallPolicy, ResilientClient

_RETRYABLE = DEFAULT_RETRYABLE_CODES | {grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.ABORTED}
CREATE_POLICY = CallPolicy(
    name="invoicing->payments.CreatePaymentIntent",
    dependency="payments",
    timeout=5.0,
    idempotent=True,
    retryable_codes=_RETRYABLE,
)
# An authorization waits for a PSP (and payments' own PSP retries), so it gets longer.
AUTHORIZE_POLICY = CallPolicy(
    name="invoicing->payments.AuthorizePaymentIntent",
    dependency="payments",
    timeout=20.0,
    idempotent=True,
    retryable_codes=_RETRYABLE,
)
# Any fixed namespace works; changing it would change every derived request_id.
_REQUEST_IDS = uuid.UUID("6f1c2a9e-4d0b-5e8a-9c3f-7b2d1e0a4c58")


@dataclasses.dataclass(frozen=True)
class Collection:
    """One PayInvoice collecting with a vault token: what to charge, for which invoice."""

    tenant: str
    request_id: str  # PayInvoice's
    invoice: str  # its resource name
    description: str
    order: str
    payment_method: str
    amount: Money


def derived_request_id(collection: Collection, step: str) -> str:
    """The request_id of one step of a collection: the same PayInvoice always sends the same one."""
    return str(uuid.uuid5(_REQUEST_IDS, f"{collection.tenant}\0{collection.request_id}\0{step}"))


class PaymentsClient:
    def __init__(self, channel: grpc.aio.Channel, client: ResilientClient | None = None) -> None:
        stub = payment_service_pb2_grpc.PaymentServiceStub(channel)
        client = client or ResilientClient()
        self._create = client.wrap(CREATE_POLICY, stub.CreatePaymentIntent)
        self._authorize = client.wrap(AUTHORIZE_POLICY, stub.AuthorizePaymentIntent)

    async def create_intent(self, collection: Collection) -> payment_intent_pb2.PaymentIntent:
        """An AUTOMATIC intent for the collection: authorizing it captures it at once."""
        request = ps.CreatePaymentIntentRequest(
            parent=f"tenants/{collection.tenant}",
            request_id=derived_request_id(collection, "create"),
            amount=collection.amount.to_proto(),
            capture_method=payment_intent_pb2.CAPTURE_METHOD_AUTOMATIC,
            payment_method=collection.payment_method,
            order=collection.order,
            description=collection.description,
        )
        return (await self._create(request)).payment_intent

    async def authorize(self, collection: Collection, intent: str) -> payment_intent_pb2.PaymentIntent:
        """Authorize (and so capture) `intent`; a decline raises payments' CARD_DECLINED DomainError."""
        request = ps.AuthorizePaymentIntentRequest(name=intent, request_id=derived_request_id(collection, "authorize"))
        return (await self._authorize(request)).payment_intent
