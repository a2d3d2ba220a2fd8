"""Random sequences of operations against a model: every step succeeds or fails exactly as expected.

The model is the intent before each step plus the transition table; after every step the
invariants hold: 0 ≤ refunded ≤ captured ≤ amount, one currency, terminal states stay terminal,
the version counts the successful transitions, nothing is ever captured after a cancel.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from mesh.errors import Code, DomainError, common
from mesh.money import CurrencyMismatch, Money
from services.payments.domain import (
    AMOUNT_EXCEEDS_CAPTURABLE,
    AMOUNT_EXCEEDS_REFUNDABLE,
    PAYMENT_INTENT_STATE_INVALID,
    TRANSITIONS,
    ActionRequired,
    Authorized,
    CaptureMethod,
    Declined,
    Event,
    IntentState,
    NotReceived,
    Operation,
    PaymentAuthorized,
    PaymentCanceled,
    PaymentCaptured,
    PaymentFailed,
    PaymentIntent,
    PaymentRefunded,
    Transition,
    VerificationRequired,
)
from tests.unit.payments.domain.paths import CURRENCY, START, VALID_CALLS

Call = Callable[[PaymentIntent, datetime.datetime], Transition]

tokens = st.from_regex(r"\Atok_[A-Za-z0-9_-]{8,20}\Z")
psps = st.sampled_from(["sandbox-alpha", "sandbox-beta"])
references = st.from_regex(r"\Aref_[a-z0-9]{1,8}\Z")
decline_codes = st.sampled_from(["insufficient_funds", "do_not_honor", "stolen_card", "expired_card"])
# None asks for everything; ("minor", n) asks for n; ("near", d) asks for what is left + d, to hit the edge.
requested_amounts = st.one_of(
    st.none(),
    st.tuples(st.just("minor"), st.one_of(st.integers(1, 500), st.integers(1, 6_000))),
    st.tuples(st.just("near"), st.integers(-2, 2)),
)
fees = st.one_of(st.none(), st.integers(0, 50))
outcomes = st.one_of(
    st.builds(Authorized, psps, references),
    st.builds(Declined, decline_codes, st.booleans()),
    st.builds(ActionRequired, psps, references),
    st.just(NotReceived()),
)


def _allowed(operation: Operation) -> Callable[[PaymentIntentMachine], bool]:
    """Precondition: the table allows `operation` now (refused moves have a rule of their own)."""
    return lambda machine: machine.intent.state in TRANSITIONS[operation].sources


class PaymentIntentMachine(RuleBasedStateMachine):
    """Drives one intent through random operations, predicting each result from the intent before it."""

    def __init__(self) -> None:
        super().__init__()
        self.intent: PaymentIntent | None = None
        self.clock = START
        self.successes = 0
        self.terminal_state: IntentState | None = None
        self.canceled = False

    @initialize(
        amount_minor=st.integers(1, 5_000),
        token=st.one_of(st.just(""), tokens),
        method=st.sampled_from(CaptureMethod),
        head_start=st.integers(0, 3),
        spare_token=tokens,
        psp=psps,
        reference=references,
        capture=requested_amounts,
    )
    def create(
        self,
        amount_minor: int,
        token: str,
        method: CaptureMethod,
        head_start: int,
        spare_token: str,
        psp: str,
        reference: str,
        capture: tuple[str, int] | None,
    ) -> None:
        self.intent = PaymentIntent.create(
            id="pi_machine",
            tenant="machine",
            amount=self._money(amount_minor),
            now=self.clock,
            capture_method=method,
            payment_method=token,
        )
        expected = IntentState.REQUIRES_CONFIRMATION if token else IntentState.REQUIRES_PAYMENT_METHOD
        assert self.intent.state is expected
        self._take_head_start(head_start, spare_token, psp, reference, capture)

    def _take_head_start(
        self, moves: int, token: str, psp: str, reference: str, capture: tuple[str, int] | None
    ) -> None:
        """Walk `moves` steps of the happy path (each checked like any step), so runs start deep as often as not."""
        if moves and self.intent.state is IntentState.REQUIRES_PAYMENT_METHOD:
            self.attach_payment_method(token)
        if moves >= 1:
            self.begin_authorization()
        if moves >= 2:
            self.authorization_approved(psp, reference)
        if moves >= 3:
            self.capture(capture, None)

    @rule(token=tokens)
    @precondition(_allowed(Operation.ATTACH_PAYMENT_METHOD))
    def attach_payment_method(self, token: str) -> None:
        self._step(
            Operation.ATTACH_PAYMENT_METHOD,
            lambda i, now: i.attach_payment_method(token, now=now),
            IntentState.REQUIRES_CONFIRMATION,
            (),
        )

    @rule()
    @precondition(_allowed(Operation.BEGIN_AUTHORIZATION))
    def begin_authorization(self) -> None:
        self._step(
            Operation.BEGIN_AUTHORIZATION, lambda i, now: i.begin_authorization(now=now), IntentState.PROCESSING, ()
        )

    @rule(psp=psps, reference=references)
    @precondition(_allowed(Operation.AUTHORIZATION_APPROVED))
    def authorization_approved(self, psp: str, reference: str) -> None:
        self._step(
            Operation.AUTHORIZATION_APPROVED,
            lambda i, now: i.authorization_approved(psp, reference, now=now),
            IntentState.REQUIRES_CAPTURE,
            (PaymentAuthorized(self.intent.amount, psp, reference),),
        )

    @rule(code=decline_codes, hard=st.booleans())
    @precondition(_allowed(Operation.AUTHORIZATION_DECLINED))
    def authorization_declined(self, code: str, hard: bool) -> None:
        self._step(
            Operation.AUTHORIZATION_DECLINED,
            lambda i, now: i.authorization_declined(code, hard, now=now),
            IntentState.FAILED,
            (PaymentFailed(self.intent.amount, code, hard),),
        )

    @rule(psp=psps, reference=references)
    @precondition(_allowed(Operation.AUTHORIZATION_REQUIRES_ACTION))
    def authorization_requires_action(self, psp: str, reference: str) -> None:
        self._step(
            Operation.AUTHORIZATION_REQUIRES_ACTION,
            lambda i, now: i.authorization_requires_action(psp, reference, now=now),
            IntentState.REQUIRES_ACTION,
            (),
        )

    @rule()
    @precondition(_allowed(Operation.AUTHORIZATION_NOT_RECEIVED))
    def authorization_not_received(self) -> None:
        self._step(
            Operation.AUTHORIZATION_NOT_RECEIVED,
            lambda i, now: i.authorization_not_received(now=now),
            IntentState.REQUIRES_CONFIRMATION,
            (),
        )

    @rule(psp=psps, reference=references)
    @precondition(_allowed(Operation.AUTHORIZATION_OUTCOME_UNKNOWN))
    def authorization_outcome_unknown(self, psp: str, reference: str) -> None:
        self._step(
            Operation.AUTHORIZATION_OUTCOME_UNKNOWN,
            lambda i, now: i.authorization_outcome_unknown(psp, reference, now=now),
            IntentState.REQUIRES_VERIFICATION,
            (VerificationRequired(psp, reference),),
        )

    @rule(outcome=outcomes)
    @precondition(_allowed(Operation.VERIFICATION_RESOLVED))
    def verification_resolved(self, outcome) -> None:
        state, events = self._expected_resolution(outcome)
        self._step(
            Operation.VERIFICATION_RESOLVED, lambda i, now: i.verification_resolved(outcome, now=now), state, events
        )

    @rule(amount=requested_amounts, fee_minor=fees)
    @precondition(_allowed(Operation.CAPTURE))
    def capture(self, amount: tuple[str, int] | None, fee_minor: int | None) -> None:
        before = self.intent
        left = before.amount - before.amount_captured
        requested, fee = self._requested(amount, left), self._money_or_none(fee_minor)
        taken = left if requested is None else requested
        exceeds = left.amount_minor == 0 or taken > left
        after = self._step(
            Operation.CAPTURE,
            lambda i, now: i.capture(requested, fee, now=now),
            IntentState.SUCCEEDED,
            (PaymentCaptured(taken, before.amount_captured + taken, fee),),
            amount_error=AMOUNT_EXCEEDS_CAPTURABLE if exceeds else None,
        )
        if after is not None:
            assert after.amount_captured == before.amount_captured + taken

    @rule(amount=requested_amounts)
    @precondition(_allowed(Operation.REFUND))
    def refund(self, amount: tuple[str, int] | None) -> None:
        before = self.intent
        left = before.amount_captured - before.amount_refunded
        requested = self._requested(amount, left)
        returned = left if requested is None else requested
        exceeds = left.amount_minor == 0 or returned > left
        after = self._step(
            Operation.REFUND,
            lambda i, now: i.refund(requested, now=now),
            IntentState.SUCCEEDED,
            (PaymentRefunded(returned, before.amount_refunded + returned),),
            amount_error=AMOUNT_EXCEEDS_REFUNDABLE if exceeds else None,
        )
        if after is not None:
            assert after.amount_refunded == before.amount_refunded + returned

    @rule(reason=st.text(max_size=20))
    @precondition(_allowed(Operation.CANCEL))
    def cancel(self, reason: str) -> None:
        after = self._step(
            Operation.CANCEL,
            lambda i, now: i.cancel(reason, now=now),
            IntentState.CANCELED,
            (PaymentCanceled(self.intent.amount, reason),),
        )
        if after is not None:
            self.canceled = True

    @rule(data=st.data())
    def refused_operation(self, data: st.DataObject) -> None:
        refused = [op for op in Operation if self.intent.state not in TRANSITIONS[op].sources]
        operation = data.draw(st.sampled_from(refused))
        before = self.intent
        self._expect_failure(
            VALID_CALLS[operation],
            before,
            self._tick(),
            PAYMENT_INTENT_STATE_INVALID,
            {"state": before.state.proto_name, "operation": operation.value},
        )
        assert self.intent is before

    @rule(operation=st.sampled_from(["capture", "refund"]), amount_minor=st.integers(-100, 0))
    def non_positive_amount(self, operation: str, amount_minor: int) -> None:
        with pytest.raises(DomainError) as caught:
            getattr(self.intent, operation)(self._money(amount_minor), now=self._tick())
        assert (caught.value.code, caught.value.reason) == (Code.INVALID_ARGUMENT, common.VALIDATION_FAILED)

    @rule(operation=st.sampled_from(["capture", "refund"]), amount_minor=st.integers(1, 100))
    def foreign_currency(self, operation: str, amount_minor: int) -> None:
        with pytest.raises(CurrencyMismatch):
            getattr(self.intent, operation)(Money("USD", amount_minor), now=self._tick())

    @invariant()
    def amounts_stay_ordered(self) -> None:
        intent = self.intent
        assert 0 <= intent.amount_refunded.amount_minor <= intent.amount_captured.amount_minor
        assert intent.amount_captured.amount_minor <= intent.amount.amount_minor

    @invariant()
    def currency_never_changes(self) -> None:
        intent = self.intent
        assert {
            intent.amount.currency_code,
            intent.amount_captured.currency_code,
            intent.amount_refunded.currency_code,
        } == {CURRENCY}
        assert intent.fee is None or intent.fee.currency_code == CURRENCY

    @invariant()
    def terminal_states_stay_terminal(self) -> None:
        if self.terminal_state is not None:
            assert self.intent.state is self.terminal_state

    @invariant()
    def version_counts_successful_transitions(self) -> None:
        assert self.intent.version == 1 + self.successes

    @invariant()
    def nothing_is_captured_after_a_cancel(self) -> None:
        if self.canceled:
            assert self.intent.state is IntentState.CANCELED
            assert self.intent.amount_captured.amount_minor == 0

    def _step(
        self, operation: Operation, call: Call, state: IntentState, events: tuple[Event, ...], *, amount_error=None
    ) -> PaymentIntent | None:
        """Run an allowed `call`: it fails as the model predicts or reaches `state` emitting exactly `events`."""
        before, now = self.intent, self._tick()
        if amount_error is not None:
            self._expect_failure(call, before, now, amount_error, None)
            return None
        after, emitted = call(before, now)
        assert after.state is state and state in TRANSITIONS[operation].targets
        assert emitted == events
        assert after.version == before.version + 1
        assert after.updated == now and after.created == before.created
        self.intent, self.successes = after, self.successes + 1
        if after.state.is_terminal:
            self.terminal_state = after.state
        return after

    @staticmethod
    def _expect_failure(
        call: Call, before: PaymentIntent, now: datetime.datetime, reason, metadata: dict[str, str] | None
    ) -> None:
        with pytest.raises(DomainError) as caught:
            call(before, now)
        assert caught.value.code is Code.FAILED_PRECONDITION
        assert caught.value.reason == reason
        if metadata is not None:
            assert caught.value.metadata == metadata

    def _expected_resolution(self, outcome) -> tuple[IntentState, tuple[Event, ...]]:
        amount = self.intent.amount
        match outcome:
            case Authorized():
                return IntentState.REQUIRES_CAPTURE, (PaymentAuthorized(amount, outcome.psp, outcome.psp_reference),)
            case Declined():
                return IntentState.FAILED, (PaymentFailed(amount, outcome.decline_code, outcome.hard_decline),)
            case ActionRequired():
                return IntentState.REQUIRES_ACTION, ()
        return IntentState.REQUIRES_CONFIRMATION, ()

    def _tick(self) -> datetime.datetime:
        self.clock += datetime.timedelta(seconds=1)
        return self.clock

    @staticmethod
    def _money(amount_minor: int) -> Money:
        return Money(CURRENCY, amount_minor)

    def _requested(self, amount: tuple[str, int] | None, left: Money) -> Money | None:
        if amount is None:
            return None
        kind, number = amount
        return self._money(number if kind == "minor" else max(1, left.amount_minor + number))

    def _money_or_none(self, amount_minor: int | None) -> Money | None:
        return None if amount_minor is None else self._money(amount_minor)


PaymentIntentMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
TestPaymentIntentStateMachine = PaymentIntentMachine.TestCase
