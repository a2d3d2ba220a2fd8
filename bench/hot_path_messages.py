"""The messages the hot-path bench sends and answers, shared by its client and servers.

The bare and trivial servicers answer `sample_intent_response()`: the shape GetPaymentIntent
returns for the intent the client creates (`create_intent_request`), so the baselines
serialise the same message the real service does.
"""

from __future__ import annotations

import datetime
import uuid

from commerce.payments.v1 import payment_intent_pb2 as pi
from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.payments.v1 import vault_service_pb2 as vs
from commerce.type.v1 import money_pb2
from mesh.context import CALLER_HEADER, TENANT_HEADER

TENANT = "bench-hot-path"
PARENT = f"tenants/{TENANT}"
SAMPLE_NAME = f"{PARENT}/paymentIntents/pi_0123456789abcdef0123"
APPROVING_CARD = "4242424242424242"
METADATA = ((TENANT_HEADER, TENANT), (CALLER_HEADER, "bench"))
_ORDER = f"{PARENT}/orders/ord_0123456789abcdef"
_DESCRIPTION = "hot-path bench order"


def eur(amount_minor: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", amount_minor=amount_minor)


def tokenize_request() -> vs.TokenizeCardRequest:
    return vs.TokenizeCardRequest(
        parent=PARENT,
        request_id=str(uuid.uuid4()),
        card_number=APPROVING_CARD,
        exp_month=12,
        exp_year=2099,
        cvc="737",
        cardholder_name="Ada Lovelace",
    )


def create_intent_request(token: str) -> ps.CreatePaymentIntentRequest:
    return ps.CreatePaymentIntentRequest(
        parent=PARENT,
        request_id=str(uuid.uuid4()),
        amount=eur(1050),
        capture_method=pi.CAPTURE_METHOD_MANUAL,
        payment_method=token,
        order=_ORDER,
        description=_DESCRIPTION,
    )


def sample_intent_response() -> ps.GetPaymentIntentResponse:
    """What GetPaymentIntent answers for a freshly created intent of `create_intent_request`."""
    intent = pi.PaymentIntent(
        name=SAMPLE_NAME,
        amount=eur(1050),
        amount_captured=eur(0),
        amount_refunded=eur(0),
        state=pi.PAYMENT_INTENT_STATE_REQUIRES_CONFIRMATION,
        capture_method=pi.CAPTURE_METHOD_MANUAL,
        payment_method="tok_0123456789abcdef0123456789ab",
        order=_ORDER,
        description=_DESCRIPTION,
    )
    now = datetime.datetime.now(datetime.UTC)
    intent.create_time.FromDatetime(now)
    intent.update_time.FromDatetime(now)
    return ps.GetPaymentIntentResponse(payment_intent=intent)
