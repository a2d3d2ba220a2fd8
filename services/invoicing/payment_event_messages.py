"""commerce.payments.v1's events, as consumed, to invoicing's domain events (domain.payment_events).

A malformed amount cannot be booked, so it raises InvalidEvent here, like any event the posting
rules refuse. A cancellation that names no PSP held nothing: its amount is not read.
"""

from __future__ import annotations

from google.protobuf.message import Message

from commerce.event.v1 import envelope_pb2
from commerce.payments.v1 import events_pb2
from commerce.type.v1 import money_pb2
from mesh.money import Money
from services.invoicing.domain.payment_events import (
    PaymentAuthorized,
    PaymentCanceled,
    PaymentCaptured,
    PaymentEvent,
    PaymentRefunded,
)
from services.invoicing.domain.postings import InvalidEvent

__all__ = ["BOOKED_EVENTS", "payment_event"]

# The payment events the ledger books; invoicing acks the others unread.
BOOKED_EVENTS: tuple[type[Message], ...] = (
    events_pb2.PaymentAuthorized,
    events_pb2.PaymentCaptured,
    events_pb2.PaymentCanceled,
    events_pb2.PaymentRefunded,
)


def payment_event(event: Message, envelope: envelope_pb2.EventEnvelope) -> PaymentEvent:
    """The domain event of `event` (one of BOOKED_EVENTS), delivered in `envelope`."""
    match event:
        case events_pb2.PaymentAuthorized():
            return PaymentAuthorized(envelope.id, envelope.type, event.payment_intent, _money(event.amount), event.psp)
        case events_pb2.PaymentCaptured():
            fee = _money(event.fee) if event.HasField("fee") else None
            return PaymentCaptured(
                envelope.id,
                envelope.type,
                event.payment_intent,
                _money(event.amount),
                fee,
                event.psp,
                event.psp_reference,
            )
        case events_pb2.PaymentCanceled():
            amount = _money(event.amount) if event.psp else None
            return PaymentCanceled(envelope.id, envelope.type, event.payment_intent, amount, event.psp)
        case events_pb2.PaymentRefunded():
            return PaymentRefunded(
                envelope.id,
                envelope.type,
                event.payment_intent,
                event.refund,
                _money(event.amount),
                event.psp,
                event.psp_reference,
            )
    raise TypeError(f"invoicing books no {event.DESCRIPTOR.full_name}")


def _money(message: money_pb2.Money) -> Money:
    try:
        return Money.from_proto(message)
    except (TypeError, ValueError) as err:
        raise InvalidEvent(f"malformed amount: {err}") from err
