"""The event path: outbox → relay → bus (Pub/Sub or in-process) → idempotent consumers (inbox)."""

from mesh.events.bus import Delivery, EventBus, OutgoingMessage, PublishError, SubscriptionHandle
from mesh.events.consumer import EventConsumer, EventContext, EventHandler, PermanentError
from mesh.events.envelope import EventEnvelope, UndecodableEvent, build_envelope, decode_envelope, unpack_event
from mesh.events.outbox import EventWriter
from mesh.events.relay import OutboxRelay
from mesh.events.replay import replay_dead_letters, replay_outbox

__all__ = [
    "Delivery",
    "EventBus",
    "EventConsumer",
    "EventContext",
    "EventEnvelope",
    "EventHandler",
    "EventWriter",
    "OutboxRelay",
    "OutgoingMessage",
    "PermanentError",
    "PublishError",
    "SubscriptionHandle",
    "UndecodableEvent",
    "build_envelope",
    "decode_envelope",
    "replay_dead_letters",
    "replay_outbox",
    "unpack_event",
]
