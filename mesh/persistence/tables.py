"""The runtime's own tables, as SQLAlchemy Core metadata: the one schema definition.

Migrations (runtime_migrations/versions/) create exactly this schema; a test compares the two.
Services declare their own MetaData with the same NAMING_CONVENTION so that constraint and index
names are predictable in hand-written migrations on every database.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table

from mesh.persistence.timestamps import UtcDateTime

__all__ = ["NAMING_CONVENTION", "idempotency_records", "runtime_metadata"]

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
    Column("fingerprint", String(64), nullable=False),  # hash of the request; a reuse must match
    Column("status_code", Integer, nullable=False),  # gRPC status code of the outcome; 0 is OK
    Column("response", LargeBinary, nullable=True),  # serialized response message when OK
    Column("status", LargeBinary, nullable=True),  # serialized google.rpc.Status on error
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)
