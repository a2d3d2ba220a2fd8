"""The payments domain: payment intents and their state machine, free of proto and I/O.

`PaymentIntent.create(...)` starts an intent; every transition returns a `Transition` (the new
intent and the events it emitted). `TRANSITIONS` is the state machine as data.
"""

from services.payments.domain.errors import (
    AMOUNT_EXCEEDS_CAPTURABLE,
    AMOUNT_EXCEEDS_REFUNDABLE,
    CARD_DECLINED,
    PAYMENT_INTENT_STATE_INVALID,
    AmountExceedsCapturable,
    AmountExceedsRefundable,
    CardDeclined,
    IntentStateInvalid,
)
from services.payments.domain.events import (
    Event,
    PaymentAuthorized,
    PaymentCanceled,
    PaymentCaptured,
    PaymentFailed,
    PaymentRefunded,
    PublicEvent,
    VerificationRequired,
)
from services.payments.domain.intent import PaymentIntent, Transition
from services.payments.domain.outcomes import ActionRequired, AuthorizationOutcome, Authorized, Declined, NotReceived
from services.payments.domain.states import CaptureMethod, IntentState
from services.payments.domain.transitions import TRANSITIONS, Operation, Rule

__all__ = [
    "AMOUNT_EXCEEDS_CAPTURABLE",
    "AMOUNT_EXCEEDS_REFUNDABLE",
    "CARD_DECLINED",
    "PAYMENT_INTENT_STATE_INVALID",
    "TRANSITIONS",
    "ActionRequired",
    "AmountExceedsCapturable",
    "AmountExceedsRefundable",
    "AuthorizationOutcome",
    "Authorized",
    "CaptureMethod",
    "CardDeclined",
    "Declined",
    "Event",
    "IntentState",
    "IntentStateInvalid",
    "NotReceived",
    "Operation",
    "PaymentAuthorized",
    "PaymentCanceled",
    "PaymentCaptured",
    "PaymentFailed",
    "PaymentIntent",
    "PaymentRefunded",
    "PublicEvent",
    "Rule",
    "Transition",
    "VerificationRequired",
]
