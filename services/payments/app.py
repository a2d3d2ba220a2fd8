"""The payments use cases, in atomic phases: no transaction is open while a PSP is asked.

Each operation that calls a PSP runs as
1. a short phase that checks the state machine, commits the transition that comes before the
   call (PROCESSING for an authorization) and the call's lease on the intent: which operation,
   which PSP, which idempotency key, until when;
2. the PSP call, between transactions;
3. a short phase that records what the PSP said, with its events, and clears the lease.
While a lease is live, other operations on the intent answer ABORTED / REQUEST_IN_PROGRESS. A
lease left by a process that died expires; the next request then resumes the call under the same
key (its PSP replays the first answer) or, when it asks for something else, first settles it:
it asks the PSP what became of the call (status, never a guess) and records that. The janitor
settles leases nobody comes back for.

Every PSP key derives from the intent's committed version (_psp_key), never from the
request_id, so a retry under any request_id reaches the PSP's idempotency instead of charging
twice. A decline is a final outcome: the intent is saved FAILED with PaymentFailed and the call
answers CARD_DECLINED. Card numbers stay in the vault: the router gets the card for the one
call that needs it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar, overload

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.errors import Code, DomainError, common
from mesh.events import EventWriter
from mesh.idempotency import atomic_phase, resumed
from mesh.ids import derive_id
from mesh.money import Money
from mesh.pagination import Page, PageRequest
from mesh.persistence import Database
from services.payments import store
from services.payments.domain.errors import CardDeclined
from services.payments.domain.intent import PaymentIntent, Transition
from services.payments.domain.states import CaptureMethod, IntentState
from services.payments.event_messages import intent_name, public_event, state_changed, state_to_proto
from services.payments.psp.connector import AuthorizeRequest, Outcome, PspRequestRejected, PspResult
from services.payments.routing import OutcomeUnknown, PspRouter, Routed
from services.payments.settlement import (
    authorization_transition,
    call_amount,
    settled_transition,
    split_refund_detail,
)
from services.payments.vault import CardForPsp, Vault
from services.payments.vault.cards import brand_of

SOURCE = "//commerce-mesh/payments"
TOPIC = "commerce.payments.events"
BUSY_RETRY_AFTER = datetime.timedelta(milliseconds=200)
T = TypeVar("T")


@dataclasses.dataclass
class _Leased:
    """A PSP call committed as the intent's lease, about to be sent (or resumed)."""

    intent: PaymentIntent
    call: store.PendingCall
    card: CardForPsp | None = None  # the vault's card, for an authorization begun in this request


@dataclasses.dataclass(frozen=True)
class _Abandoned:
    """Another call, left by a holder that died, must be settled before this operation."""

    call: store.PendingCall


class PaymentsApp:
    def __init__(
        self,
        database: Database,
        vault: Vault,
        router: PspRouter,
        *,
        writer: EventWriter = EventWriter(SOURCE, TOPIC),
        clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
        lease_ttl: datetime.timedelta = datetime.timedelta(seconds=60),
    ) -> None:
        self.db = database
        self.vault = vault
        self.router = router
        self._writer = writer
        self._now = clock
        self._lease_ttl = lease_ttl

    async def create(
        self,
        tenant: str,
        request_id: str,
        amount: Money,
        *,
        capture_method: CaptureMethod,
        payment_method: str,
        order: str,
        description: str,
    ) -> PaymentIntent:
        async with atomic_phase(self.db, "created", last=True) as conn:
            if resumed() and (created := await store.load(conn, tenant, derive_id("pi", tenant, request_id))):
                return created  # committed by this request_id before its answer was lost: never insert twice
            if payment_method:
                await self.vault.reveal_for_psp(conn, tenant, payment_method)  # the token must exist here
            intent = PaymentIntent.create(
                id=derive_id("pi", tenant, request_id),
                tenant=tenant,
                amount=amount,
                now=self._now(),
                capture_method=capture_method,
                payment_method=payment_method,
                order=order,
                description=description,
            )
            await store.insert(conn, intent)
            await self._emit(conn, intent, [state_changed(intent, None)])
        return intent

    def now(self) -> datetime.datetime:
        return self._now()

    async def get(self, tenant: str, intent_id: str) -> PaymentIntent:
        async with self.db.read() as conn:
            return _found(await store.load(conn, tenant, intent_id), intent_id)

    # Authorization (and, for AUTOMATIC, the capture that follows it).

    async def authorize(self, tenant: str, intent_id: str, payment_method: str) -> PaymentIntent:
        """Authorize (and capture, for AUTOMATIC). A decline saves the intent FAILED with its
        PaymentFailed event, then raises CardDeclined."""
        step = await self._settled_first(
            lambda: self._begin_authorization(tenant, intent_id, payment_method),
            tenant,
            intent_id,
            replacing_card=bool(payment_method),
        )
        routed = None
        if isinstance(step, _Leased):
            routed = await self._sent(step, lambda: self._route_authorization(step))
            step = await self._record_authorization(step, routed)
        intent = await self._continue_automatic_capture(step)
        if intent.state is IntentState.FAILED and isinstance(routed, Routed):  # this very call was declined
            raise CardDeclined(intent_name(intent), intent.decline_code, routed.result.hard_decline)
        return intent

    async def _begin_authorization(
        self, tenant: str, intent_id: str, payment_method: str
    ) -> _Leased | _Abandoned | PaymentIntent:
        async with atomic_phase(self.db, "authorization_started") as conn:
            intent, pending = await self._locked(conn, tenant, intent_id)
            if intent.state is IntentState.REQUIRES_CAPTURE and intent.capture_method is CaptureMethod.AUTOMATIC:
                return intent  # authorized before a crash: what is left is the capture
            if resumed() and pending is None and intent.state is not IntentState.REQUIRES_CONFIRMATION:
                return intent  # this request_id's call was settled after its holder died (the janitor)
            token = payment_method or intent.payment_method
            if pending is not None:
                return await self._resume_authorization(conn, intent, pending, token)
            card = await self.vault.reveal_for_psp(conn, tenant, token)  # also proves a new token exists here
            if token != intent.payment_method:
                intent = await self._apply(conn, intent, intent.attach_payment_method(token, now=self._now()))
            started = intent.begin_authorization(now=self._now())
            call = self._authorization_call(started.intent, card)
            return _Leased(await self._apply(conn, intent, started, pending=call), call, card)

    async def _resume_authorization(
        self, conn: AsyncConnection, intent: PaymentIntent, pending: store.PendingCall, token: str
    ) -> _Leased | _Abandoned:
        self._refuse_if_live(intent, pending)
        if intent.state is not IntentState.PROCESSING or token != intent.payment_method:
            return _Abandoned(pending)
        call = dataclasses.replace(pending, until=self._lease_end())  # same PSP, same key: the PSP replays
        await store.lease(conn, intent, call)
        return _Leased(intent, call)

    def _authorization_call(self, intent: PaymentIntent, card) -> store.PendingCall:
        request = self._authorize_request(intent, card)
        first = self.router.candidates(intent.tenant, request, brand_of(card.pan).value)[0]
        return store.PendingCall(first, f"{_authorization_key(intent)}:{first}", "authorize", until=self._lease_end())

    async def _route_authorization(self, leased: _Leased) -> Routed | OutcomeUnknown:
        intent, card = leased.intent, leased.card
        if card is None:  # resumed: the card is the intent's
            async with self.db.read() as conn:
                card = await self.vault.reveal_for_psp(conn, intent.tenant, intent.payment_method)

        async def before_send(psp: str, key: str) -> None:
            if key != leased.call.key:  # a fallback: commit which PSP the call now goes to
                moved = dataclasses.replace(leased.call, psp=psp, key=key, until=self._lease_end())
                async with atomic_phase(self.db, "authorization_rerouted") as conn:
                    await store.lease(conn, intent, moved)
                leased.call = moved

        return await self.router.authorize(
            _authorization_key(intent),
            self._authorize_request(intent, card),
            tenant=intent.tenant,
            brand=brand_of(card.pan).value,
            before_send=before_send,
        )

    async def _record_authorization(self, leased: _Leased, routed: Routed | OutcomeUnknown) -> PaymentIntent:
        # The request's last phase unless an AUTOMATIC capture follows it.
        last = leased.intent.capture_method is CaptureMethod.MANUAL
        async with atomic_phase(self.db, "authorization_recorded", last=last) as conn:
            intent, pending = await self._locked(conn, leased.intent.tenant, leased.intent.id)
            if pending is None or pending.key != leased.call.key:
                return intent  # settled meanwhile by whoever took the expired lease over
            now = self._now()
            if isinstance(routed, OutcomeUnknown):
                unknown = store.PendingCall(routed.psp, routed.idempotency_key, "authorize")
                return await self._apply(
                    conn, intent, intent.authorization_outcome_unknown(routed.psp, now=now), pending=unknown
                )
            return await self._apply(conn, intent, authorization_transition(intent, routed.psp, routed.result, now))

    async def _continue_automatic_capture(self, intent: PaymentIntent) -> PaymentIntent:
        if intent.state is IntentState.REQUIRES_CAPTURE and intent.capture_method is CaptureMethod.AUTOMATIC:
            return await self.capture(intent.tenant, intent.id, None)
        return intent

    # Follow-up calls at the PSP that holds the payment: capture, void, refund.

    async def capture(self, tenant: str, intent_id: str, amount: Money | None, request_id: str = "") -> PaymentIntent:
        """`request_id` names this capture durably (an AUTOMATIC capture is named by its intent):
        a retry after the capture was recorded, by this request or by the janitor, answers from
        its row instead of taking the money again."""
        capture_id = derive_id("cp", tenant, request_id or f"{intent_id}:automatic")

        def plan(intent: PaymentIntent) -> store.PendingCall:
            taken = intent.capture_amount(amount)  # refused above what is capturable, before the PSP call
            return self._follow_up(
                intent, "capture", _psp_key(intent, "capture", _amount_key(taken)), taken, detail=capture_id
            )

        async def recorded(conn: AsyncConnection):
            return await store.load_capture(conn, tenant, capture_id)

        leased = await self._leased(tenant, intent_id, plan, recorded=recorded)
        if isinstance(leased, PaymentIntent):
            return leased
        result = await self._sent(
            leased,
            lambda: self.router.call(
                leased.intent.psp, lambda psp: psp.capture(leased.call.key, leased.intent.psp_reference, _money(leased))
            ),
        )
        return await self._recorded(leased, result)

    async def cancel(self, tenant: str, intent_id: str, reason: str) -> PaymentIntent:
        async with atomic_phase(self.db, "cancel_started") as conn:
            intent, pending = await self._locked(conn, tenant, intent_id)
            if resumed() and intent.state is IntentState.CANCELED:
                # This request_id's cancel got that far before its answer was lost: it committed,
                # or its void was settled after it gave up (the janitor asked the PSP). Either way
                # what it asked for is done, so it answers the canceled intent, not "not allowed".
                return intent
            transition = intent.cancel(reason, now=self._now())  # checks the state before the PSP is asked
            if intent.state is not IntentState.REQUIRES_CAPTURE and pending is None:
                return await self._apply(conn, intent, transition)  # no funds held: nothing to void

        def plan(intent: PaymentIntent) -> store.PendingCall:
            intent.cancel(reason, now=self._now())
            return self._follow_up(intent, "void", _psp_key(intent, "void"), None, detail=reason)

        leased = await self._leased(tenant, intent_id, plan)
        result = await self._sent(
            leased,
            lambda: self.router.call(
                leased.intent.psp, lambda psp: psp.void(leased.call.key, leased.intent.psp_reference)
            ),
        )
        return await self._recorded(leased, result)

    async def refund(
        self, tenant: str, intent_id: str, request_id: str, amount: Money | None, reason: str
    ) -> tuple[PaymentIntent, str, Money, PspResult]:
        refund_id = derive_id("re", tenant, request_id)

        def plan(intent: PaymentIntent) -> store.PendingCall:
            returned = intent.refund_amount(amount)  # refused above what was captured, before the PSP call
            return self._follow_up(
                intent,
                "refund",
                _psp_key(intent, "refund", _amount_key(returned)),
                returned,
                detail=f"{refund_id}|{reason}",
            )

        async def recorded(conn: AsyncConnection):  # by the janitor, after this request_id's holder died
            return await store.load_refund(conn, tenant, intent_id, refund_id)

        leased = await self._leased(tenant, intent_id, plan, recorded=recorded)
        if isinstance(leased, PaymentIntent):
            async with self.db.read() as conn:
                row = await recorded(conn)
            return (
                leased,
                refund_id,
                Money(row.currency_code, row.amount_minor),
                PspResult(Outcome.APPROVED, row.psp_reference),
            )
        result = await self._sent(
            leased,
            lambda: self.router.call(
                leased.intent.psp, lambda psp: psp.refund(leased.call.key, leased.intent.psp_reference, _money(leased))
            ),
        )
        intent = await self._recorded(leased, result)
        return intent, refund_id, _money(leased), result

    def _follow_up(
        self, intent: PaymentIntent, operation: str, key: str, amount: Money | None, detail: str = ""
    ) -> store.PendingCall:
        return store.PendingCall(
            intent.psp, key, operation, None if amount is None else amount.amount_minor, detail, until=self._lease_end()
        )

    @overload
    async def _leased(
        self, tenant: str, intent_id: str, plan: Callable[[PaymentIntent], store.PendingCall]
    ) -> _Leased: ...
    @overload
    async def _leased(
        self,
        tenant: str,
        intent_id: str,
        plan: Callable[[PaymentIntent], store.PendingCall],
        *,
        recorded: Callable[[AsyncConnection], Awaitable[object]],
    ) -> _Leased | PaymentIntent: ...
    async def _leased(
        self,
        tenant: str,
        intent_id: str,
        plan: Callable[[PaymentIntent], store.PendingCall],
        *,
        recorded: Callable[[AsyncConnection], Awaitable[object]] | None = None,
    ) -> _Leased | PaymentIntent:
        """The call `plan` makes, leased; the intent instead if `recorded` finds it done already
        (checked under the intent's lock, so no settlement can slip in between)."""

        async def begin() -> _Leased | _Abandoned | PaymentIntent:
            async with atomic_phase(self.db, "call_started") as conn:
                intent, pending = await self._locked(conn, tenant, intent_id)
                if recorded is not None and await recorded(conn) is not None:
                    return intent
                call = plan(intent)
                if pending is not None:
                    self._refuse_if_live(intent, pending)
                    if pending.key != call.key:
                        return _Abandoned(pending)
                await store.lease(conn, intent, call)
                return _Leased(intent, call)

        return await self._settled_first(begin, tenant, intent_id)

    async def _recorded(self, leased: _Leased, result: PspResult) -> PaymentIntent:
        # A capture's, void's or refund's record ends its request: nothing but the answer follows.
        async with atomic_phase(self.db, f"{leased.call.operation}_recorded", last=True) as conn:
            intent, pending = await self._locked(conn, leased.intent.tenant, leased.intent.id)
            if pending is None or pending.key != leased.call.key:
                return intent  # settled meanwhile by whoever took the expired lease over
            return await self._apply_settled(conn, intent, pending, result)

    # Abandoned and unknown calls: settled by asking the PSP, never by guessing.

    async def resolve_unknown(self, tenant: str, intent_id: str, pending: store.PendingCall) -> PaymentIntent | None:
        """The janitor's step for an intent awaiting verification: ask the PSP what became of the
        call, record it, and continue the flow the intent asked for (AUTOMATIC capture)."""
        await self._settle(tenant, intent_id, pending)
        async with self.db.read() as conn:
            intent = await store.load(conn, tenant, intent_id)
        return None if intent is None else await self._continue_automatic_capture(intent)

    async def _settled_first(
        self, begin: Callable[[], Awaitable[object]], tenant: str, intent_id: str, *, replacing_card: bool = False
    ):
        """Run `begin`; if it finds a call left by a holder that died, settle that call and begin again."""
        step = await begin()
        if isinstance(step, _Abandoned):
            await self._settle(tenant, intent_id, step.call, compensate=replacing_card)
            step = await begin()
        if isinstance(step, _Abandoned):
            raise _busy(intent_id)
        return step

    async def _settle(
        self, tenant: str, intent_id: str, pending: store.PendingCall, *, compensate: bool = False
    ) -> None:
        result = await self.router.status(pending.psp, pending.key)
        if compensate and pending.operation == "authorize" and result is not None and result.psp_reference:
            # The customer moved to another card: release the first one's hold instead of keeping it.
            held = result.psp_reference
            await self.router.call(pending.psp, lambda psp: psp.void(f"{pending.key}:void", held))
            result = None
        async with atomic_phase(self.db, f"{pending.operation}_settled") as conn:
            intent, current = await self._locked(conn, tenant, intent_id)
            if current is not None and current.key == pending.key and not current.live(self._now()):
                await self._apply_settled(conn, intent, current, result)

    async def _apply_settled(
        self, conn: AsyncConnection, intent: PaymentIntent, call: store.PendingCall, result: PspResult | None
    ) -> PaymentIntent:
        """Record what became of `call` and clear it; a call that never executed changes nothing else."""
        transition, details = settled_transition(intent, call, result, self._now())
        if transition is None:
            await store.save(conn, intent, read_version=intent.version)
            return intent
        settled = await self._apply(conn, intent, transition, **details)
        await self._record_money_row(conn, intent, call, result)
        return settled

    async def _record_money_row(
        self, conn: AsyncConnection, intent: PaymentIntent, call: store.PendingCall, result: PspResult | None
    ) -> None:
        """The durable row of a refund or a named capture, by which a retry finds it done (only
        an approved result gets here for those: settled_transition returns None otherwise)."""
        if call.operation not in ("refund", "capture") or result is None:
            return
        reference = result.psp_reference or ""
        if call.operation == "refund":
            refund_id, reason = split_refund_detail(call.detail)
            await store.insert_refund(
                conn,
                tenant=intent.tenant,
                refund_id=refund_id,
                intent_id=intent.id,
                amount=call_amount(intent, call),
                reason=reason,
                state="SUCCEEDED",
                psp_reference=reference,
                created=self._now(),
            )
        elif call.operation == "capture" and call.detail:
            await store.insert_capture(
                conn,
                tenant=intent.tenant,
                capture_id=call.detail,
                intent_id=intent.id,
                amount=call_amount(intent, call),
                psp_reference=reference,
                created=self._now(),
            )

    # Shared mechanics.

    async def _sent(self, leased: _Leased, send: Callable[[], Awaitable]):
        """The PSP call between phases. If it ends without an answer to record, the lease ends
        now (this holder gives up) but the call stays pending: the next request resumes it under
        the same key or settles it. A PSP's explicit refusal ends the call."""
        try:
            return await send()
        except PspRequestRejected:
            await asyncio.shield(self._clear(leased))
            raise
        except DomainError as err:
            if (
                err.code is Code.UNAVAILABLE
                and err.reason.name == "PSP_UNAVAILABLE"
                and leased.call.operation == "authorize"
            ):
                await asyncio.shield(self._not_received(leased))  # no PSP took the call: nothing is held
            else:
                await asyncio.shield(self._release(leased))
            raise
        except BaseException:
            await asyncio.shield(self._release(leased))
            raise

    async def _release(self, leased: _Leased) -> None:
        async with atomic_phase(self.db, f"{leased.call.operation}_released") as conn:
            await store.release(conn, leased.intent, leased.call.key, self._now())

    async def _clear(self, leased: _Leased) -> None:
        async with atomic_phase(self.db, f"{leased.call.operation}_refused") as conn:
            intent, pending = await self._locked(conn, leased.intent.tenant, leased.intent.id)
            if pending is not None and pending.key == leased.call.key:
                await store.save(conn, intent, read_version=intent.version)

    async def _not_received(self, leased: _Leased) -> None:
        async with atomic_phase(self.db, "authorization_not_received") as conn:
            intent, pending = await self._locked(conn, leased.intent.tenant, leased.intent.id)
            if pending is not None and pending.key == leased.call.key:
                await self._apply(conn, intent, intent.authorization_not_received(now=self._now()))

    def _refuse_if_live(self, intent: PaymentIntent, pending: store.PendingCall) -> None:
        if pending.live(self._now()):
            raise _busy(intent.id)

    def _lease_end(self) -> datetime.datetime:
        return self._now() + self._lease_ttl

    def _authorize_request(self, intent: PaymentIntent, card) -> AuthorizeRequest:
        return AuthorizeRequest(idempotency_key="", amount=intent.amount, card=card, reference=intent_name(intent))

    async def _apply(
        self,
        conn: AsyncConnection,
        before: PaymentIntent,
        transition: Transition,
        *,
        pending: store.PendingCall | None = None,
        refund: str = "",
        refund_reference: str = "",
        capture_reference: str = "",
        voided_psp: str = "",
    ) -> PaymentIntent:
        intent = transition.intent
        await store.save(conn, intent, read_version=before.version, pending=pending)
        published = (
            public_event(
                intent,
                event,
                refund=refund,
                refund_reference=refund_reference,
                capture_reference=capture_reference,
                voided_psp=voided_psp,
            )
            for event in transition.events
        )
        await self._emit(conn, intent, [state_changed(intent, before), *filter(None, published)])
        return intent

    async def _emit(self, conn: AsyncConnection, intent: PaymentIntent, messages: Sequence[Message]) -> None:
        """Write the events of this version of the intent to the outbox (one INSERT); each id names
        the version and the event type, so a retried transaction can never publish one twice under
        two ids."""
        await self._writer.emit_all(
            conn,
            [(m, f"{intent.tenant}/{intent.id}/v{intent.version}/{m.DESCRIPTOR.name}") for m in messages],
            subject=intent_name(intent),
            tenant=intent.tenant,
            sequence=intent.version,
        )

    async def _locked(
        self, conn: AsyncConnection, tenant: str, intent_id: str
    ) -> tuple[PaymentIntent, store.PendingCall | None]:
        return _found(await store.load_for_update(conn, tenant, intent_id), intent_id)

    # Reads and tokenization, so the API reaches the store only through this class.

    async def list_intents(self, tenant: str, state: IntentState | None, page: PageRequest) -> Page[PaymentIntent]:
        """The tenant's intents (in `state`, if given), newest first, one keyset page."""
        async with self.db.read() as conn:
            return await store.page(conn, tenant, state=state, page=page)

    async def get_refund(self, tenant: str, intent_id: str, refund_id: str):
        """The refund's row (currency_code, amount_minor, reason, psp_reference); NOT_FOUND unless
        it is a refund of this intent."""
        async with self.db.read() as conn:
            row = await store.load_refund(conn, tenant, intent_id, refund_id)
        if row is None:
            raise DomainError(Code.NOT_FOUND, common.NOT_FOUND, "no such refund", metadata={"refund": refund_id})
        return row

    async def tokenize_card(
        self,
        tenant: str,
        request_id: str,
        card_number: str,
        exp_month: int,
        exp_year: int,
        cvc: str,
        cardholder_name: str,
    ):
        """Seal a card in the vault; one phase, so the key's recovery point commits with the card."""
        async with atomic_phase(self.db, "tokenized") as conn:
            return await self.vault.tokenize(
                conn, tenant, request_id, card_number, exp_month, exp_year, cvc, cardholder_name, self._now().date()
            )


def _found(found: T | None, intent_id: str) -> T:
    if found is None:
        raise DomainError(
            Code.NOT_FOUND, common.NOT_FOUND, "no such payment intent", metadata={"payment_intent": intent_id}
        )
    return found


def _busy(intent_id: str) -> DomainError:
    return DomainError(
        Code.ABORTED,
        common.REQUEST_IN_PROGRESS,
        "another operation on this payment intent is in progress; retry shortly",
        metadata={"payment_intent": intent_id},
        retry_after=BUSY_RETRY_AFTER,
    )


def _money(leased: _Leased) -> Money:
    return call_amount(leased.intent, leased.call)


def _authorization_key(intent: PaymentIntent) -> str:
    """Keyed on the PROCESSING version the authorization was begun at, and the card."""
    return _psp_key(intent, "authorize", intent.payment_method)


def _psp_key(intent: PaymentIntent, operation: str, detail: str = "") -> str:
    """The idempotency key of a PSP call: the intent's committed version, not the request_id.
    If the process dies after the PSP acted but before our commit, the intent is still at that
    version, so any retry, under any request_id, reaches the PSP's idempotency and gets the first
    answer back instead of charging, capturing or refunding twice. `detail` (the card token, the
    amount) makes a retry that asks for something else a new call."""
    return f"{intent.tenant}:{intent.id}:v{intent.version}:{operation}" + (f":{detail}" if detail else "")


def _amount_key(amount: Money) -> str:
    return f"{amount.amount_minor}{amount.currency_code}"


__all__ = ["PaymentsApp", "intent_name", "state_to_proto"]
