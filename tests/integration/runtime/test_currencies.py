"""Over gRPC, in every service: a well-formed but unknown currency ("ZZZ") and an amount above the
ceiling (up to int64's maximum) are VALIDATION_FAILED naming the field, before any handler runs;
currencies with 0 or 3 decimals are accepted."""

from __future__ import annotations

import uuid

import grpc
import pytest

from commerce.checkout.v1 import checkout_service_pb2 as cs
from commerce.invoicing.v1 import invoice_service_pb2 as inv
from commerce.type.v1 import money_pb2
from mesh.money import AMOUNT_CEILING_MINOR
from tests.integration.runtime.conftest import Mesh
from tests.integration.runtime.contract_server import (  # noqa: F401 - contract_server is a fixture
    ContractServer,
    contract_server,
    reached_handler,
    violated_fields,
)

INT64_MAX = 2**63 - 1


async def create_intent(mesh: Mesh, currency: str, amount: int):
    request = mesh.create_request(amount=amount)
    request.amount.currency_code = currency
    return await mesh.stub.CreatePaymentIntent(request, metadata=mesh.metadata())


@pytest.mark.parametrize(("currency", "amount"), [("ZZZ", 1050), ("XAU", 1050)])
async def test_unknown_currency_is_refused_naming_the_field(mesh: Mesh, currency: str, amount: int) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await create_intent(mesh, currency, amount)

    assert violated_fields(raised.value) == ["amount.currency_code"]
    assert mesh.service.seen.executions == 0


@pytest.mark.parametrize("amount", [INT64_MAX, AMOUNT_CEILING_MINOR + 1])
async def test_amount_above_the_ceiling_is_refused_naming_the_field(mesh: Mesh, amount: int) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await create_intent(mesh, "EUR", amount)

    assert violated_fields(raised.value) == ["amount.amount_minor"]
    assert mesh.service.seen.executions == 0


@pytest.mark.parametrize(("currency", "amount"), [("JPY", 1050), ("KWD", 1050), ("EUR", AMOUNT_CEILING_MINOR)])
async def test_known_currencies_and_amounts_up_to_the_ceiling_are_accepted(
    mesh: Mesh, currency: str, amount: int
) -> None:
    response = await create_intent(mesh, currency, amount)

    assert response.payment_intent.amount == money_pb2.Money(currency_code=currency, amount_minor=amount)


async def test_other_services_refuse_unknown_currencies_and_huge_amounts(
    contract_server: ContractServer,  # noqa: F811 - the pytest fixture imported above
) -> None:
    price = money_pb2.Money(currency_code="EUR", amount_minor=INT64_MAX)
    invoice = inv.CreateInvoiceRequest(
        parent="tenants/acme",
        request_id=str(uuid.uuid4()),
        currency_code="EUR",
        line_items=[inv.CreateInvoiceRequest.LineItem(description="x", quantity=1, unit_amount=price)],
    )
    cart = cs.CreateCartRequest(parent="tenants/acme", request_id=str(uuid.uuid4()), currency_code="ZZZ")

    refused_invoice = await contract_server.refusal("commerce.invoicing.v1.InvoiceService", "CreateInvoice", invoice)
    refused_cart = await contract_server.refusal("commerce.checkout.v1.CheckoutService", "CreateCart", cart)
    cart.currency_code = "JPY"
    accepted_cart = await contract_server.refusal("commerce.checkout.v1.CheckoutService", "CreateCart", cart)

    assert violated_fields(refused_invoice) == ["line_items[0].unit_amount.amount_minor"]
    assert violated_fields(refused_cart) == ["currency_code"]
    assert reached_handler(accepted_cart)
