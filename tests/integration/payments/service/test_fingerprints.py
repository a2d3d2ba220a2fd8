"""What idempotency keeps of a TokenizeCard request gives nothing back: the stored fingerprint is
keyed, so the CVC and the card number cannot be brute-forced from it, and the CVC takes no part
in it at all."""

from __future__ import annotations

import hashlib
import uuid

import grpc
import pytest
import sqlalchemy as sa

from commerce.payments.v1 import vault_service_pb2 as vs
from mesh.persistence.tables import idempotency_records
from tests.integration.payments.service.conftest import PaymentsUnderTest

PAN = "4242424242424242"


def tokenize_request(
    payments: PaymentsUnderTest, request_id: str, *, pan: str = PAN, cvc: str = "737"
) -> vs.TokenizeCardRequest:
    return vs.TokenizeCardRequest(
        parent=f"tenants/{payments.tenant}",
        request_id=request_id,
        card_number=pan,
        exp_month=12,
        exp_year=2099,
        cvc=cvc,
        cardholder_name="Ada Lovelace",
    )


async def stored_fingerprint(payments: PaymentsUnderTest, request_id: str) -> str:
    async with payments.runtime.database.read() as conn:
        return (
            await conn.execute(
                sa.select(idempotency_records.c.fingerprint).where(
                    idempotency_records.c.tenant == payments.tenant, idempotency_records.c.request_id == request_id
                )
            )
        ).scalar_one()


async def test_the_stored_fingerprint_does_not_give_back_the_cvc(payments: PaymentsUnderTest) -> None:
    request_id = str(uuid.uuid4())
    await payments.vault.TokenizeCard(tokenize_request(payments, request_id), metadata=payments.md())
    stored = await stored_fingerprint(payments, request_id)

    # The attack on an unkeyed hash: everything but the CVC is known, so try all of them.
    guesses = {
        hashlib.sha256(
            tokenize_request(payments, request_id, cvc=f"{cvc:03d}").SerializeToString(deterministic=True)
        ).hexdigest()
        for cvc in range(1000)
    }
    assert stored not in guesses


async def test_a_retry_that_changes_only_the_cvc_replays_the_token(payments: PaymentsUnderTest) -> None:
    request_id = str(uuid.uuid4())
    first = await payments.vault.TokenizeCard(tokenize_request(payments, request_id), metadata=payments.md())
    again = await payments.vault.TokenizeCard(tokenize_request(payments, request_id, cvc="123"), metadata=payments.md())
    assert again == first


async def test_a_retry_with_another_card_number_is_a_reused_key(payments: PaymentsUnderTest) -> None:
    request_id = str(uuid.uuid4())
    await payments.vault.TokenizeCard(tokenize_request(payments, request_id), metadata=payments.md())

    with pytest.raises(grpc.aio.AioRpcError) as reused:
        await payments.vault.TokenizeCard(
            tokenize_request(payments, request_id, pan="5555555555554444"), metadata=payments.md()
        )
    assert reused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
