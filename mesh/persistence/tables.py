"""The runtime's own tables, as SQLAlchemy Core metadata: the one schema definition.

Migrations (runtime_migrations/versions/) create exactly this schema; a test compares the two.
Services declare their own MetaData with the same NAMING_CONVENTION so that constraint and index
names are predictable in hand-written migrations on every database.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, MetaData, String, Table

from mesh.persistence.timestamps import UtcDateTime

__all__ = ["NAMING_CONVENTION", "idempotency_records", "inbox", "outbox", "runtime_metadata"]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

runtime_metadata = MetaData(naming_convention=NAMING_CONVENTION)

# The durable guard of idempotency keys: the primary key makes a second execution of the same
# (tenant, method, request_id) impossible even when the Redis fast path is gone.
idempotency_records = Table(
    "idempotency_records",
    runtime_metadata,
    Column("tenant", String(64), primary_key=True),
    Column("method", String(255), primary_key=True),
    Column("request_id", String(64), primary_key=True),
    Column("fingerprint", String(64), nullable=False),  # keyed hash of the request; a reuse must match
    Column("status_code", Integer, nullable=True),  # gRPC status code of the outcome (0 is OK); NULL while running
    Column("response", LargeBinary, nullable=True),  # serialized response message when OK
    Column("status", LargeBinary, nullable=True),  # serialized google.rpc.Status on error
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    # Atomic phases: the last phase the execution committed ("finished" once the outcome is stored),
    # and who may advance it until when. A holder that died is taken over after locked_until.
    Column("recovery_point", String(64), nullable=False, server_default="finished"),
    Column("owner", String(36), nullable=True),
    Column("locked_until", UtcDateTime, nullable=True),
)

# Transactional outbox: a service writes its event here in the same transaction as the state
# change; the relay publishes unsent rows in `position` order per ordering key and stamps
# published_at. A crash between commit and publish leaves the row unsent: published later, never lost.
# A relay leases the rows it is publishing (claimed_until); a lease that runs out frees them again.
outbox = Table(
    "outbox",
    runtime_metadata,
    # BIGINT on PostgreSQL; INTEGER on SQLite, where only INTEGER PRIMARY KEY autoincrements.
    Column("position", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(128), nullable=False, unique=True),  # the envelope's id: consumers dedupe on it
    Column("topic", String(255), nullable=False),
    Column("ordering_key", String(512), nullable=False),  # the aggregate's resource name
    Column("event_type", String(255), nullable=False),
    Column("payload", LargeBinary, nullable=False),  # the serialized commerce.event.v1.EventEnvelope
    Column("created_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", String(1000), nullable=True),
    Column("claimed_until", UtcDateTime, nullable=True),
    Index("ix_outbox_published_at_position", "published_at", "position"),
)

# Inbox of idempotent consumers: a handler's effects and this row commit in one transaction, so
# each event id takes effect once per consumer however often it is delivered.
inbox = Table(
    "inbox",
    runtime_metadata,
    Column("consumer", String(128), primary_key=True),
    Column("event_id", String(128), primary_key=True),
    Column("event_type", String(255), nullable=False),
    Column("outcome", String(16), nullable=False),  # "handled" or "dead_lettered" (replay may retry those)
    Column("detail", String(1000), nullable=True),  # why it was dead-lettered
    Column("processed_at", UtcDateTime, nullable=False),
)
