"""The payments use cases: intents move through the domain's state machine, PSP calls go
through routing, every transition is saved with its events in the caller's transaction.

Authorize first, capture last. Every PSP call carries a key derived from the intent's committed
version (_psp_key), so a retry, whatever its request_id, reaches the PSP's own idempotency
instead of charging again, even when the process died between the PSP's answer and our commit.
A decline is a final outcome: the intent is saved FAILED with its PaymentFailed event and the
call answers CARD_DECLINED, an error that keeps those effects (the janitor, which has no
caller, only saves them). Card numbers stay in the vault:
the router gets the card for the one call that needs it and nothing else keeps it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import grpc
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection

from commerce.payments.v1 import events_pb2, payment_intent_pb2
from mesh.errors import DomainError, common
from mesh.events import EventWriter
from mesh.ids import derive_id
from mesh.money import Money
from mesh.persistence import Database
from services.payments import store
from services.payments.domain import events as domain_events
from services.payments.domain.errors import CardDeclined
from services.payments.domain.intent import PaymentIntent, Transition
from services.payments.domain.outcomes import ActionRequired, Authorized, Declined, NotReceived
from services.payments.domain.states import CaptureMethod, IntentState
from services.payments.vault.cards import brand_of
from services.payments.psp.connector import AuthorizeRequest, Outcome, PspResult
from services.payments.routing import OutcomeUnknown, PspRouter
from services.payments.vault import Vault

SOURCE = "//commerce-mesh/payments"
TOPIC = "commerce.payments.events"


def intent_name(intent: PaymentIntent) -> str:
    return f"tenants/{intent.tenant}/paymentIntents/{intent.id}"


class PaymentsApp:
    def __init__(self, database: Database, vault: Vault, router: PspRouter, *,
                 writer: EventWriter = EventWriter(SOURCE, TOPIC),
                 clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC)) -> None:
        self.db = database
        self.vault = vault
        self.router = router
        self._writer = writer
        self._now = clock

    async def create(self, tenant: str, request_id: str, amount: Money, *, capture_method: CaptureMethod,
                     payment_method: str, order: str, description: str) -> PaymentIntent:
        async with self.db.transaction() as conn:
            if payment_method:
                await self.vault.reveal_for_psp(conn, tenant, payment_method)  # the token must exist here
            intent = PaymentIntent.create(id=derive_id("pi", tenant, request_id), tenant=tenant, amount=amount,
                                          now=self._now(), capture_method=capture_method,
                                          payment_method=payment_method, order=order, description=description)
            await store.insert(conn, intent)
            await self._emit(conn, intent, _state_changed(intent, None))
        return intent

    async def get(self, tenant: str, intent_id: str) -> PaymentIntent:
        async with self.db.transaction() as conn:
            return await self._found(await store.load(conn, tenant, intent_id), intent_id)

    async def authorize(self, tenant: str, intent_id: str, payment_method: str) -> PaymentIntent:
        """Authorize (and capture, for AUTOMATIC). A decline saves the intent FAILED with its
        PaymentFailed event, then raises CardDeclined, which keeps those effects."""
        async with self.db.transaction() as conn:
            intent = await self._locked(conn, tenant, intent_id)
            if payment_method and payment_method != intent.payment_method:
                await self.vault.reveal_for_psp(conn, tenant, payment_method)
                intent = await self._apply(conn, intent, intent.attach_payment_method(payment_method, now=self._now()))
            intent = await self._apply(conn, intent, intent.begin_authorization(now=self._now()))
            card = await self.vault.reveal_for_psp(conn, tenant, intent.payment_method)
            request = AuthorizeRequest(idempotency_key="", amount=intent.amount, card=card, reference=intent_name(intent))
            routed = await self.router.authorize(_psp_key(intent, "authorize", intent.payment_method), request, tenant=tenant,
                                                 brand=brand_of(card.pan).value)
            intent = await self._record_authorization(conn, intent, routed)
            if intent.state is IntentState.REQUIRES_CAPTURE and intent.capture_method is CaptureMethod.AUTOMATIC:
                intent = await self._capture(conn, intent, None)
        if intent.state is IntentState.FAILED:  # FAILED is terminal: this very call was declined
            # Raised after the block, so the FAILED intent is saved even without an outer transaction.
            raise CardDeclined(intent_name(intent), intent.decline_code, routed.result.hard_decline)
        return intent

    async def capture(self, tenant: str, intent_id: str, amount: Money | None) -> PaymentIntent:
        async with self.db.transaction() as conn:
            intent = await self._locked(conn, tenant, intent_id)
            return await self._capture(conn, intent, amount)

    async def cancel(self, tenant: str, intent_id: str, reason: str) -> PaymentIntent:
        async with self.db.transaction() as conn:
            intent = await self._locked(conn, tenant, intent_id)
            transition = intent.cancel(reason, now=self._now())  # checks the state before the PSP is asked
            voided_psp = ""  # funds are held only in REQUIRES_CAPTURE (REQUIRES_ACTION names a PSP, holds nothing)
            if intent.state is IntentState.REQUIRES_CAPTURE:
                await self.router.call(intent.psp, lambda psp: psp.void(_psp_key(intent, "void"), intent.psp_reference))
                voided_psp = intent.psp
            return await self._apply(conn, intent, transition, voided_psp=voided_psp)

    async def refund(self, tenant: str, intent_id: str, request_id: str, amount: Money | None,
                     reason: str) -> tuple[PaymentIntent, str, Money, PspResult]:
        async with self.db.transaction() as conn:
            intent = await self._locked(conn, tenant, intent_id)
            returned = intent.refund_amount(amount)  # refused above what was captured, before the PSP call
            result = await self.router.call(intent.psp, lambda psp: psp.refund(
                _psp_key(intent, "refund", _amount_key(returned)), intent.psp_reference, returned))
            refund_id = derive_id("re", tenant, request_id)
            intent = await self._apply(conn, intent, intent.refund(returned, now=self._now()), refund=refund_id,
                                       refund_reference=result.psp_reference or "")
            await store.insert_refund(conn, tenant=tenant, refund_id=refund_id, intent_id=intent.id, amount=returned,
                                      reason=reason, state="SUCCEEDED", psp_reference=result.psp_reference or "",
                                      created=self._now())
        return intent, refund_id, returned, result

    async def resolve_unknown(self, tenant: str, intent_id: str, pending: store.PendingCall) -> PaymentIntent | None:
        """The janitor's step: ask the PSP what became of the call, and record it. None: still unknown."""
        result = await self.router.status(pending.psp, pending.key)
        async with self.db.transaction() as conn:
            intent = await self._locked(conn, tenant, intent_id)
            if intent.state is not IntentState.REQUIRES_VERIFICATION:
                return intent  # resolved meanwhile
            outcome = NotReceived() if result is None else _outcome(pending.psp, result)
            return await self._apply(conn, intent, intent.verification_resolved(outcome, now=self._now()))

    async def _capture(self, conn: AsyncConnection, intent: PaymentIntent, amount: Money | None) -> PaymentIntent:
        taken = intent.capture_amount(amount)  # refused above what is capturable, before the PSP call
        result = await self.router.call(intent.psp, lambda psp: psp.capture(
            _psp_key(intent, "capture", _amount_key(taken)), intent.psp_reference, taken))
        return await self._apply(conn, intent, intent.capture(taken, result.fee, now=self._now()),
                                 capture_reference=result.psp_reference or "")

    async def _record_authorization(self, conn: AsyncConnection, intent: PaymentIntent, routed) -> PaymentIntent:
        now = self._now()
        if isinstance(routed, OutcomeUnknown):
            return await self._apply(conn, intent, intent.authorization_outcome_unknown(routed.psp, now=now),
                                     pending=store.PendingCall(routed.psp, routed.idempotency_key))
        return await self._apply(conn, intent, _authorization_transition(intent, routed.psp, routed.result, now))

    async def _apply(self, conn: AsyncConnection, before: PaymentIntent, transition: Transition, *,
                     pending: store.PendingCall | None = None, refund: str = "", refund_reference: str = "",
                     capture_reference: str = "", voided_psp: str = "") -> PaymentIntent:
        intent = transition.intent
        await store.save(conn, intent, read_version=before.version, pending=pending)
        await self._emit(conn, intent, _state_changed(intent, before))
        for event in transition.events:
            message = _public_event(intent, event, refund=refund, refund_reference=refund_reference,
                                    capture_reference=capture_reference, voided_psp=voided_psp)
            if message is not None:
                await self._emit(conn, intent, message)
        return intent

    async def _emit(self, conn: AsyncConnection, intent: PaymentIntent, message: Message) -> None:
        """Write one event of this version of the intent to the outbox; its id names the version and
        the event type, so a retried transaction can never publish it twice under two ids."""
        await self._writer.emit(conn, message, subject=intent_name(intent), tenant=intent.tenant,
                                event_id=f"{intent.tenant}/{intent.id}/v{intent.version}/{message.DESCRIPTOR.name}",
                                sequence=intent.version)

    async def _locked(self, conn: AsyncConnection, tenant: str, intent_id: str) -> PaymentIntent:
        return await self._found(await store.load_for_update(conn, tenant, intent_id), intent_id)

    @staticmethod
    async def _found(intent: PaymentIntent | None, intent_id: str) -> PaymentIntent:
        if intent is None:
            raise DomainError(grpc.StatusCode.NOT_FOUND, common.NOT_FOUND, "no such payment intent",
                              metadata={"payment_intent": intent_id})
        return intent


def _outcome(psp: str, result: PspResult):
    if result.outcome is Outcome.APPROVED:
        return Authorized(psp, result.psp_reference or "")
    if result.outcome is Outcome.REQUIRES_ACTION:
        return ActionRequired(psp, result.psp_reference or "")
    if result.outcome is Outcome.DECLINED:
        return Declined(result.decline_code or "declined", result.hard_decline)
    return NotReceived()


def _authorization_transition(intent: PaymentIntent, psp: str, result: PspResult, now) -> Transition:
    match _outcome(psp, result):
        case Authorized(psp_reference=reference):
            return intent.authorization_approved(psp, reference, now=now)
        case ActionRequired(psp_reference=reference):
            return intent.authorization_requires_action(psp, reference, now=now)
        case Declined(decline_code=code, hard_decline=hard):
            return intent.authorization_declined(code, hard, now=now)
    return intent.authorization_not_received(now=now)


def _psp_key(intent: PaymentIntent, operation: str, detail: str = "") -> str:
    """The idempotency key of a PSP call: the intent's committed version, not the request_id.
    If the process dies after the PSP acted but before our commit, the intent is still at that
    version, so any retry, under any request_id, reaches the PSP's idempotency and gets the first
    answer back instead of charging, capturing or refunding twice. `detail` (the card token, the
    amount) makes a retry that asks for something else a new call."""
    return f"{intent.tenant}:{intent.id}:v{intent.version}:{operation}" + (f":{detail}" if detail else "")


def _amount_key(amount: Money) -> str:
    return f"{amount.amount_minor}{amount.currency_code}"


def _state_changed(intent: PaymentIntent, before: PaymentIntent | None) -> events_pb2.PaymentIntentStateChanged:
    return events_pb2.PaymentIntentStateChanged(
        payment_intent=intent_name(intent), order=intent.order, version=intent.version,
        from_state=state_to_proto(before.state) if before else 0, to_state=state_to_proto(intent.state))


def state_to_proto(state: IntentState) -> int:
    """The PaymentIntentState value of a domain state."""
    return payment_intent_pb2.PaymentIntentState.Value(f"PAYMENT_INTENT_STATE_{state.name}")


def _public_event(intent: PaymentIntent, event, *, refund: str, refund_reference: str, capture_reference: str,
                  voided_psp: str):
    name, order = intent_name(intent), intent.order
    match event:
        case domain_events.PaymentAuthorized():
            return events_pb2.PaymentAuthorized(payment_intent=name, order=order, amount=event.amount.to_proto(),
                                                psp=event.psp, psp_reference=event.psp_reference)
        case domain_events.PaymentCaptured():
            fee = event.fee or Money.zero(event.amount.currency_code)
            return events_pb2.PaymentCaptured(payment_intent=name, order=order, amount=event.amount.to_proto(),
                                              amount_captured_total=event.total.to_proto(), fee=fee.to_proto(),
                                              psp=intent.psp, psp_reference=capture_reference or intent.psp_reference)
        case domain_events.PaymentFailed():
            return events_pb2.PaymentFailed(payment_intent=name, order=order, amount=event.amount.to_proto(),
                                            decline_code=event.decline_code, hard_decline=event.hard_decline)
        case domain_events.PaymentCanceled():
            return events_pb2.PaymentCanceled(payment_intent=name, order=order, amount=event.amount.to_proto(),
                                              reason=event.reason, psp=voided_psp)
        case domain_events.PaymentRefunded():
            return events_pb2.PaymentRefunded(payment_intent=name, refund=f"{name}/refunds/{refund}", order=order,
                                              amount=event.amount.to_proto(),
                                              amount_refunded_total=event.total.to_proto(),
                                              psp=intent.psp, psp_reference=refund_reference)
    return None  # VerificationRequired stays inside the service
