"""Persistence for every service: its own database, transactions, versioned migrations.

SQLite is the embedded default (a file, zero set-up); PostgreSQL serves real deployments and
CI. One schema definition in SQLAlchemy Core (`tables`), changed only through hand-written
Alembic revisions applied by `migrate`. Helpers that must write in the caller's transaction
(outbox, inbox, idempotency) use `current_connection()`.
"""

from mesh.persistence.database import (
    Database,
    PoolSettings,
    current_connection,
    is_connection_lost,
    is_unique_violation,
)
from mesh.persistence.direct_writes import batched_write
from mesh.persistence.maintenance import purge_expired_idempotency_records
from mesh.persistence.migrations import RUNTIME_MIGRATIONS, MigrationSet, alembic_config, migrate, run_in_alembic_env
from mesh.persistence.tables import NAMING_CONVENTION, idempotency_records, runtime_metadata
from mesh.persistence.timestamps import UtcDateTime
from mesh.persistence.upserts import DIALECTS, insert_for

__all__ = [
    "DIALECTS",
    "NAMING_CONVENTION",
    "RUNTIME_MIGRATIONS",
    "Database",
    "MigrationSet",
    "PoolSettings",
    "UtcDateTime",
    "alembic_config",
    "batched_write",
    "current_connection",
    "idempotency_records",
    "insert_for",
    "is_connection_lost",
    "is_unique_violation",
    "migrate",
    "purge_expired_idempotency_records",
    "run_in_alembic_env",
    "runtime_metadata",
]
