"""Invoicing books an event only into the ledger of the tenant that owns what the event is about.

The consumer already refuses an envelope whose tenant does not own its subject
(tests/integration/events/test_consumer_tenant_check.py). What invoicing books is named in the
event itself (its payment intent, or its refund), which that check never reads: so the handler
checks it against the envelope's tenant too.
"""

from __future__ import annotations

import pytest

from commerce.invoicing.v1 import ledger_service_pb2 as ls
from commerce.payments.v1 import events_pb2
from mesh.events import EventContext, PermanentError, build_envelope
from mesh.events.envelope import tenant_owns
from services.invoicing.handlers import payment_handlers
from tests.integration.invoicing.conftest import PSP, LedgerUnderTest, eur


def capture_of(intent: str) -> events_pb2.PaymentCaptured:
    return events_pb2.PaymentCaptured(
        payment_intent=intent,
        amount=eur(1000),
        amount_captured_total=eur(1000),
        fee=eur(30),
        psp=PSP,
        psp_reference="cap-1",
    )


async def journal_sources(ledger: LedgerUnderTest) -> list[str]:
    page = await ledger.ledger.ListJournalEntries(
        ls.ListJournalEntriesRequest(parent=f"tenants/{ledger.tenant}", page_size=50), metadata=ledger.md()
    )
    assert not page.next_page_token
    return [entry.source_resource for entry in page.journal_entries]


async def test_an_event_about_another_tenants_intent_is_refused_and_books_nothing(ledger: LedgerUnderTest) -> None:
    event = capture_of("tenants/globex/paymentIntents/pi_1")
    envelope = build_envelope(
        event, subject=ledger.intent("pi_1"), tenant=ledger.tenant, source="//commerce-mesh/payments"
    )
    assert tenant_owns(envelope.tenant, envelope.subject)  # the consumer lets this envelope through

    with pytest.raises(PermanentError, match="does not own 'tenants/globex/paymentIntents/pi_1'"):
        async with ledger.runtime.database.transaction() as conn:
            await payment_handlers(ledger.app)[envelope.type](event, EventContext(envelope, conn, 1))

    assert await journal_sources(ledger) == []
    await ledger.book(capture_of(ledger.intent("pi_1")))  # its own intent: booked
    assert await journal_sources(ledger) == [ledger.intent("pi_1")]
