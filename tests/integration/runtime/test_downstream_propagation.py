"""Two real servers: checkout's handler calls payments through a ResilientClient. The caller's
deadline, tenant and caller identity reach the downstream handler; its errors come back typed."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2

from commerce.checkout.v1 import checkout_service_pb2 as cs
from commerce.checkout.v1 import checkout_service_pb2_grpc, order_pb2
from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.payments.v1 import payment_service_pb2_grpc
from mesh.config import MeshSettings
from mesh.context import CALLER_HEADER, TENANT_HEADER
from mesh.resilience import CallPolicy, ResilientClient
from mesh.runtime import Runtime
from mesh.server import ServiceBinding
from tests.integration.runtime.conftest import start_mesh, stop_mesh
from tests.integration.runtime.test_error_contract import details

GET_INTENT = CallPolicy(
    name="checkout->payments.GetPaymentIntent", dependency="payments", timeout=10.0, idempotent=True
)


class Checkout(checkout_service_pb2_grpc.CheckoutServiceServicer):
    """GetOrder asks payments for the order's payment intent."""

    def __init__(self, payments: payment_service_pb2_grpc.PaymentServiceStub) -> None:
        self._get_intent = ResilientClient().wrap(GET_INTENT, payments.GetPaymentIntent)

    async def GetOrder(self, request, context):
        tenant = "someone-else" if request.name.endswith("/foreign") else request.name.split("/")[1]
        intent = await self._get_intent(ps.GetPaymentIntentRequest(name=f"tenants/{tenant}/paymentIntents/pi_1"))
        return cs.GetOrderResponse(order=order_pb2.Order(name=request.name, payment_intent=intent.payment_intent.name))


@pytest.fixture
async def two_services(tmp_path):
    payments = await start_mesh(
        MeshSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/p.db", shutdown_drain_seconds=0)
    )
    runtime = await Runtime.open(
        MeshSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/c.db", shutdown_drain_seconds=0)
    )
    checkout = runtime.server(
        [
            ServiceBinding(
                "commerce.checkout.v1.CheckoutService",
                lambda server: checkout_service_pb2_grpc.add_CheckoutServiceServicer_to_server(
                    Checkout(payment_service_pb2_grpc.PaymentServiceStub(payments.channel)), server
                ),
            )
        ]
    )
    port = await checkout.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield payments, checkout_service_pb2_grpc.CheckoutServiceStub(channel)
    await channel.close()
    await checkout.shutdown()
    await runtime.close()
    await stop_mesh(payments)


async def test_caller_deadline_tenant_and_identity_reach_the_downstream_service(two_services) -> None:
    payments, checkout = two_services
    metadata = ((TENANT_HEADER, payments.tenant), (CALLER_HEADER, "web-frontend"))

    response = await checkout.GetOrder(
        cs.GetOrderRequest(name=f"tenants/{payments.tenant}/orders/o_1"), metadata=metadata, timeout=0.8
    )

    assert response.order.payment_intent == f"tenants/{payments.tenant}/paymentIntents/pi_1"
    [remaining] = payments.service.seen.time_remaining
    assert remaining is not None and 0 < remaining <= 0.8  # the caller's 0.8 s, not the policy's 10 s
    assert payments.service.seen.callers == ["web-frontend"]


async def test_downstream_error_reaches_the_caller_with_its_reason(two_services) -> None:
    payments, checkout = two_services
    metadata = ((TENANT_HEADER, payments.tenant), (CALLER_HEADER, "web-frontend"))

    with pytest.raises(grpc.aio.AioRpcError) as raised:  # checkout asks payments about another tenant
        await checkout.GetOrder(
            cs.GetOrderRequest(name=f"tenants/{payments.tenant}/orders/foreign"), metadata=metadata, timeout=5
        )

    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    [info] = details(raised.value, error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("TENANT_MISMATCH", "commerce.type.v1")
