"""No transaction is open while a PSP works: a slow PSP holds no connection, no row lock and not
SQLite's writer, so other calls go on meanwhile; and what the janitor resolves continues the
flow the intent asked for."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest

from commerce.payments.v1 import payment_intent_pb2 as pi
from mesh.persistence import current_connection
from services.payments.psp.factory import SANDBOX_ALPHA
from tests.integration.payments.service.conftest import PaymentsUnderTest
from tests.integration.payments.service.test_payments_service import APPROVE
from tests.waiting import eventually

CONCURRENT_AUTHORIZATIONS = 64


class GatedPsp:
    """Holds every authorization inside the PSP until released, noting what the caller held."""

    def __init__(self, sandbox, database) -> None:
        self._sandbox = sandbox
        self._database = database
        self.gate = asyncio.Event()
        self.inside = 0
        self.with_transaction_open = 0
        self.most_connections_checked_out = 0

    def __getattr__(self, attribute):
        return getattr(self._sandbox, attribute)

    async def authorize(self, request):
        self.inside += 1
        self.with_transaction_open += current_connection() is not None
        await self.gate.wait()
        return await self._sandbox.authorize(request)

    def note_pool(self) -> None:
        pool = self._database.engine.pool
        if hasattr(pool, "checkedout"):
            self.most_connections_checked_out = max(self.most_connections_checked_out, pool.checkedout())


async def test_authorizations_waiting_on_the_psp_hold_no_transaction_and_block_nobody(
    payments: PaymentsUnderTest,
) -> None:
    intents = [await payments.created_intent(APPROVE, 1000 + i) for i in range(CONCURRENT_AUTHORIZATIONS)]
    gated = GatedPsp(payments.psps[SANDBOX_ALPHA], payments.runtime.database)
    payments.app.router._connectors[SANDBOX_ALPHA] = gated

    waiting = [asyncio.ensure_future(payments.authorize(intent.name)) for intent in intents]
    await eventually(lambda: gated.inside == CONCURRENT_AUTHORIZATIONS, "every authorization at the PSP", within=60)
    gated.note_pool()

    # While all 64 are inside the PSP: a read, a new intent and its authorization's first phase go through.
    assert (await payments.get(intents[0].name)).state == pi.PAYMENT_INTENT_STATE_PROCESSING
    unrelated = await payments.created_intent(APPROVE, 500)
    assert unrelated.state == pi.PAYMENT_INTENT_STATE_REQUIRES_CONFIRMATION
    gated.gate.set()
    authorized = await asyncio.gather(*waiting)

    assert gated.with_transaction_open == 0
    assert gated.most_connections_checked_out == 0  # nothing held a pooled connection across the call
    assert {intent.state for intent in authorized} == {pi.PAYMENT_INTENT_STATE_REQUIRES_CAPTURE}


async def test_an_operation_on_an_intent_whose_call_is_in_flight_is_refused_as_retryable(
    payments: PaymentsUnderTest,
) -> None:
    intent = await payments.created_intent(APPROVE, 1000)
    gated = GatedPsp(payments.psps[SANDBOX_ALPHA], payments.runtime.database)
    payments.app.router._connectors[SANDBOX_ALPHA] = gated
    first = asyncio.ensure_future(payments.authorize(intent.name))
    await eventually(lambda: gated.inside == 1, "the authorization at the PSP")

    with pytest.raises(grpc.aio.AioRpcError) as refused:  # another client confirms it at the same time
        await payments.authorize(intent.name, request_id=str(uuid.uuid4()))
    gated.gate.set()

    assert refused.value.code() is grpc.StatusCode.ABORTED  # retryable: the authorization is in flight
    assert (await first).state == pi.PAYMENT_INTENT_STATE_REQUIRES_CAPTURE
    assert len(payments.psps[SANDBOX_ALPHA].psp.payments_for(intent.name)) == 1


async def test_the_janitor_captures_an_automatic_intent_it_finds_authorized(payments: PaymentsUnderTest) -> None:
    payments.psps[SANDBOX_ALPHA].lose_authorizations = 3  # every answer lost: the outcome is unknown
    created = await payments.created_intent(APPROVE, 1000, capture_method=pi.CAPTURE_METHOD_AUTOMATIC)
    unknown = await payments.authorize(created.name)
    assert unknown.state == pi.PAYMENT_INTENT_STATE_REQUIRES_VERIFICATION

    assert await payments.janitor.run_once() == 1

    done = await payments.get(created.name)
    [at_psp] = payments.psps[SANDBOX_ALPHA].psp.payments_for(created.name)  # one authorization, captured
    assert (done.state, done.amount_captured.amount_minor) == (pi.PAYMENT_INTENT_STATE_SUCCEEDED, 1000)
    assert at_psp.captured.amount_minor == 1000


async def test_nothing_sent_to_any_psp_leaves_the_intent_ready_to_confirm_again(payments: PaymentsUnderTest) -> None:
    intent = await payments.created_intent(APPROVE, 1000)
    for sandbox in payments.psps.values():
        sandbox.psp._failure_rate = 1.0  # every PSP refuses the connection: nothing is executed

    with pytest.raises(grpc.aio.AioRpcError) as unavailable:
        await payments.authorize(intent.name)

    assert unavailable.value.code() is grpc.StatusCode.UNAVAILABLE
    assert (await payments.get(intent.name)).state == pi.PAYMENT_INTENT_STATE_REQUIRES_CONFIRMATION
