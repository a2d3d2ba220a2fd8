"""A card number pasted into a free-text field is refused at the door, in every service: VALIDATION_FAILED
naming the field, nothing executed, nothing stored (no effect, no idempotency record, no Redis key).
Only the vault's card_number and cvc take one."""

from __future__ import annotations

import uuid

import grpc
import pytest
import redis
import sqlalchemy as sa

from commerce.checkout.v1 import checkout_service_pb2 as cs
from commerce.invoicing.v1 import invoice_service_pb2 as inv
from commerce.payments.v1 import vault_service_pb2 as vs
from commerce.subscriptions.v1 import plan_service_pb2 as plans
from commerce.type.v1 import money_pb2
from mesh.persistence.tables import idempotency_records
from tests.integration.runtime.conftest import Mesh, status_of
from tests.integration.runtime.contract_server import (  # noqa: F401 - contract_server is a fixture
    ContractServer,
    contract_server,
    reached_handler,
    violated_fields,
)
from tests.integration.runtime.fake_payments import effect_count
from tests.unit.telemetry.cards import MASTERCARD, VISA, grouped

PASTED = f"paid with {grouped(VISA, ' ')}, exp 12/30"


async def stored_anywhere(mesh: Mesh) -> dict[str, int]:
    """What the call left behind: its effects, idempotency records and Redis keys."""
    async with mesh.runtime.database.transaction() as conn:
        records = (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(idempotency_records)
                .where(idempotency_records.c.tenant == mesh.tenant)
            )
        ).scalar_one()
    keys = 0
    if mesh.runtime.settings.redis_url:
        with redis.Redis.from_url(mesh.runtime.settings.redis_url) as client:
            keys = len(client.keys(f"{mesh.runtime.settings.redis_key_prefix}*"))
    return {"effects": await effect_count(mesh.runtime.database, mesh.tenant), "records": records, "redis": keys}


@pytest.mark.parametrize("field", ["description", "order"])
async def test_card_number_in_a_payment_intents_free_text_is_refused_and_stored_nowhere(mesh: Mesh, field: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await mesh.stub.CreatePaymentIntent(mesh.create_request(**{field: PASTED}), metadata=mesh.metadata())

    assert violated_fields(raised.value) == [field]
    assert VISA[:6] not in str(status_of(raised.value))  # the error never repeats the number
    assert mesh.service.seen.executions == 0
    assert await stored_anywhere(mesh) == {"effects": 0, "records": 0, "redis": 0}


async def test_the_same_request_without_the_card_number_is_stored(mesh: Mesh) -> None:
    # The control of the test above: its three stores do see an accepted request.
    await mesh.stub.CreatePaymentIntent(mesh.create_request(description="table 4, birthday"), metadata=mesh.metadata())

    stored = await stored_anywhere(mesh)

    assert (stored["effects"], stored["records"]) == (1, 1)
    assert stored["redis"] == (1 if mesh.backend == "production" else 0)


def tokenize(**fields) -> vs.TokenizeCardRequest:
    return vs.TokenizeCardRequest(
        parent="tenants/acme", request_id=str(uuid.uuid4()), exp_month=12, exp_year=2099, cvc="737", **fields
    )


async def test_vault_takes_the_card_number_but_not_one_as_cardholder_name(
    contract_server: ContractServer,  # noqa: F811 - the pytest fixture imported above
) -> None:
    accepted = await contract_server.refusal(
        "commerce.payments.v1.VaultService", "TokenizeCard", tokenize(card_number=VISA, cardholder_name="Ada Lovelace")
    )
    refused = await contract_server.refusal(
        "commerce.payments.v1.VaultService",
        "TokenizeCard",
        tokenize(card_number=VISA, cardholder_name=grouped(MASTERCARD, "-")),
    )

    assert reached_handler(accepted)  # it passed every layer, card number and all
    assert violated_fields(refused) == ["cardholder_name"]


def invoice_with_second_line(description: str) -> inv.CreateInvoiceRequest:
    price = money_pb2.Money(currency_code="EUR", amount_minor=100)
    lines = [
        inv.CreateInvoiceRequest.LineItem(description=text, quantity=1, unit_amount=price)
        for text in ("Consulting", description)
    ]
    return inv.CreateInvoiceRequest(
        parent="tenants/acme", request_id=str(uuid.uuid4()), currency_code="EUR", line_items=lines
    )


FREE_TEXT_IN_EVERY_SERVICE = [
    (
        "commerce.checkout.v1.CheckoutService",
        "CancelOrder",
        "reason",
        lambda text: cs.CancelOrderRequest(name="tenants/acme/orders/o_1", request_id=str(uuid.uuid4()), reason=text),
    ),
    ("commerce.invoicing.v1.InvoiceService", "CreateInvoice", "line_items[1].description", invoice_with_second_line),
    (
        "commerce.subscriptions.v1.PlanService",
        "CreatePlan",
        "display_name",
        lambda text: plans.CreatePlanRequest(
            parent="tenants/acme",
            request_id=str(uuid.uuid4()),
            display_name=text,
            price=money_pb2.Money(currency_code="EUR", amount_minor=900),
            billing_interval=1,
            interval_count=1,
        ),
    ),
]


@pytest.mark.parametrize(
    ("service", "method", "path", "build"), FREE_TEXT_IN_EVERY_SERVICE, ids=["checkout", "invoicing", "subscriptions"]
)
async def test_every_service_refuses_a_card_number_in_free_text(
    contract_server: ContractServer,  # noqa: F811 - the pytest fixture imported above
    service: str,
    method: str,
    path: str,
    build,
) -> None:
    clean = await contract_server.refusal(service, method, build("a plain description"))
    refused = await contract_server.refusal(service, method, build(PASTED))

    assert reached_handler(clean), clean  # the request is valid but for the card number
    assert violated_fields(refused) == [path]
