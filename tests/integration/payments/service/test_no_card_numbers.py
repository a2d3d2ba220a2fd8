"""After real payment flows, no full card number and no CVC exists outside the vault's ciphertext:
not in logs, spans, events, responses or any table (the vault table holds only ciphertext)."""

from __future__ import annotations

import re

import grpc
import sqlalchemy as sa
from google.protobuf import json_format
from google.rpc.error_details_pb2 import ErrorInfo

from commerce.event.v1 import envelope_pb2
from mesh.persistence.tables import outbox
from mesh.resilience.rpc_errors import domain_error_of
from services.payments.psp.cards import luhn_valid
from tests.integration.payments.service.conftest import PaymentsUnderTest
from tests.integration.payments.service.test_payments_service import capture, refund

CARDS = {
    "4242424242424242": "737",
    "5555555555554444": "912",
    "378282246310005": "4821",
    "4000000000009979": "318",
    "4000000000000259": "604",
}
DIGIT_RUNS = re.compile(r"(?<!\d)\d{13,19}(?!\d)")


def card_numbers_in(text: str) -> set[str]:
    return {run for run in DIGIT_RUNS.findall(text) if luhn_valid(run)} & set(CARDS)


async def run_flows(p: PaymentsUnderTest) -> list[str]:
    responses = []
    for pan, cvc in CARDS.items():
        token = await p.tokenize(pan, cvc)
        responses.append(token)
    for pan, cvc in CARDS.items():
        try:
            intent = await p.authorized_intent(pan, 1000, cvc)
        except grpc.aio.AioRpcError as declined:  # CARD_DECLINED: its message and details must not echo the card
            responses.append(declined.details() + repr(declined.trailing_metadata()))
            intent = await p.get(domain_error_of(declined).detail(ErrorInfo).metadata["payment_intent"])
        responses.append(str(intent))
        if intent.state == 6:  # REQUIRES_CAPTURE
            responses.append(str(await capture(p, intent.name)))
            responses.append(str(await refund(p, intent.name, 100)))
    try:  # a card that fails validation: its error must not echo the number either
        await p.tokenize("4242424242424241")
    except grpc.aio.AioRpcError as err:
        responses.append(err.details() + repr(err.trailing_metadata()))
    return responses


async def test_no_card_number_or_cvc_outside_the_vault(
    payments: PaymentsUnderTest, captured_logs, captured_spans
) -> None:
    responses = await run_flows(payments)

    async with payments.runtime.database.transaction() as conn:
        payloads = [row.payload for row in await conn.execute(sa.select(outbox.c.payload))]
    events = [json_format.MessageToJson(envelope_pb2.EventEnvelope.FromString(p)) for p in payloads]
    non_vault = await payments.table_rows("payment_intents", "refunds", "outbox", "inbox", "idempotency_records")
    vault_rows = await payments.table_rows("vault_cards")
    spans = [repr(span.to_json()) for span in captured_spans.get_finished_spans()]

    assert len(payloads) >= 8 and spans  # the flows really ran and were traced
    for where, texts in (
        ("responses", responses),
        ("events", events + [repr(p) for p in payloads]),
        ("tables", non_vault),
        ("logs", [captured_logs.text]),
        ("spans", spans),
        ("vault rows", vault_rows),
    ):
        leaked = set().union(*(card_numbers_in(text) for text in texts))
        assert not leaked, f"card numbers in {where}: {sorted(n[-4:] for n in leaked)}"
    stored = " ".join(vault_rows)
    assert not any(f"'{cvc}'" in stored or f" {cvc}," in stored for cvc in CARDS.values())
