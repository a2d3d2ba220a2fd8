"""Domain events in their CloudEvents-shaped envelope, and the message attributes that carry it.

The data of a Pub/Sub message is the binary EventEnvelope; its attributes repeat the CloudEvents
core fields ("ce-*") and the W3C trace context, so routers and other consumers can read them
without decoding, and one trace spans producer and consumers.

An envelope's `subject` is the resource name of the aggregate the event is about, and that name
lies under its `tenant` ("tenants/{tenant}/…"): `tenant_owns` is the check, and every consumer
makes it before any handler sees the event (mesh.events.consumer).
"""

from __future__ import annotations

import datetime
import functools
import uuid

from google.protobuf import any_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError, Message

from commerce.event.v1 import envelope_pb2
from mesh.proto_fields import timestamp_fields
from mesh.resources import TENANT_ID, TENANT_PREFIX
from mesh.telemetry import inject_traceparent

EventEnvelope = envelope_pb2.EventEnvelope
SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/protobuf"


class UndecodableEvent(Exception):
    """The message is not an EventEnvelope, or its data does not decode: never retry it."""


def build_envelope(
    event: Message,
    *,
    subject: str,
    tenant: str,
    source: str,
    event_id: str | None = None,
    sequence: int = 0,
    occurred: datetime.datetime | None = None,
) -> EventEnvelope:
    """Wrap a domain event, stamping the current trace context; the id is fresh unless given."""
    data = any_pb2.Any()
    data.Pack(event)
    trace = inject_traceparent({})
    return EventEnvelope(
        id=event_id or str(uuid.uuid4()),
        source=source,
        spec_version=SPEC_VERSION,
        type=event.DESCRIPTOR.full_name,
        subject=subject,
        tenant=tenant,
        time=timestamp_fields(occurred or datetime.datetime.now(datetime.UTC)),  # filled in place
        data=data,
        traceparent=trace.get("traceparent", ""),
        tracestate=trace.get("tracestate", ""),
        sequence=sequence,
    )


def attributes_of(envelope: EventEnvelope) -> dict[str, str]:
    attributes = {
        "ce-id": envelope.id,
        "ce-type": envelope.type,
        "ce-source": envelope.source,
        "ce-subject": envelope.subject,
        "ce-tenant": envelope.tenant,
        "ce-specversion": envelope.spec_version,
        "content-type": CONTENT_TYPE,
    }
    if envelope.traceparent:
        attributes["traceparent"] = envelope.traceparent
    if envelope.tracestate:
        attributes["tracestate"] = envelope.tracestate
    return attributes


def tenant_owns(tenant: str, name: str) -> bool:
    """Whether `tenant` is a well-formed tenant id and the resource `name` lies under it
    ("tenants/{tenant}/…"; "tenants/{tenant}" itself names the tenant, no resource of it)."""
    prefix = f"{TENANT_PREFIX}{tenant}/"
    # fullmatch: the pattern's "$" would also let a tenant end in a newline.
    return TENANT_ID.fullmatch(tenant) is not None and name.startswith(prefix) and len(name) > len(prefix)


def decode_envelope(data: bytes) -> EventEnvelope:
    try:
        envelope = EventEnvelope.FromString(data)
    except DecodeError as err:
        raise UndecodableEvent(f"not an EventEnvelope: {err}") from err
    if not envelope.id or not envelope.type:
        raise UndecodableEvent("envelope without id or type")
    return envelope


def unpack_event(envelope: EventEnvelope) -> Message:
    """The typed domain event; KeyError when the type is unknown to this process."""
    event = _message_class(envelope.type)()
    if not envelope.data.Unpack(event):
        raise UndecodableEvent(f"data is not a {envelope.type}")
    return event


@functools.cache
def _message_class(type_name: str) -> type[Message]:
    # Cached: the pool lookup is the costliest step of unpacking. A KeyError is not cached, so a
    # type whose module is imported later is found then.
    return message_factory.GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(type_name))
