"""Versioned schema migrations with Alembic, run from code: no alembic.ini, no CLI.

A MigrationSet is one Alembic script directory with its own version table, so the runtime's
tables and each service's tables evolve side by side in one database without sharing a
revision history. `migrate` upgrades each set to head in its own transaction. On PostgreSQL
that transaction first takes an advisory lock, so two processes starting at once migrate one
after the other and the second finds nothing left to do; on SQLite, BEGIN IMMEDIATE gives the
same serialisation. A set's env.py is two lines: import and call `run_in_alembic_env()`.
"""

from __future__ import annotations

import dataclasses
import pathlib

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, MetaData, text

from mesh.persistence.database import Database
from mesh.persistence.tables import runtime_metadata

__all__ = ["RUNTIME_MIGRATIONS", "MigrationSet", "alembic_config", "migrate", "run_in_alembic_env"]

# Any fixed 64-bit key: every migration of this database queues on it, whichever set it runs.
_ADVISORY_LOCK_KEY = 0x6D65_7368_6D69_6772  # "meshmigr"


@dataclasses.dataclass(frozen=True)
class MigrationSet:
    """An Alembic script directory (env.py, script.py.mako, versions/) and its version table.

    `metadata`, when given, is the schema the set should produce; Alembic's autogenerate uses it
    as target_metadata when a developer drafts the next revision.
    """

    name: str
    script_location: pathlib.Path
    version_table: str
    metadata: MetaData | None = None

    def __post_init__(self) -> None:
        if not (self.script_location / "env.py").is_file():
            raise ValueError(f"migration set {self.name!r}: no env.py in {self.script_location}")


RUNTIME_MIGRATIONS = MigrationSet(
    name="mesh-runtime",
    script_location=pathlib.Path(__file__).parent / "runtime_migrations",
    version_table="mesh_runtime_alembic_version",
    metadata=runtime_metadata,
)


async def migrate(db: Database, *sets: MigrationSet) -> None:
    """Upgrade each set to its head, in the order given; running it again changes nothing."""
    tables = [migration_set.version_table for migration_set in sets]
    if len(set(tables)) != len(tables):
        raise ValueError(f"migration sets must not share a version table: {tables}")
    for migration_set in sets:
        async with db.engine.connect() as connection, connection.begin():
            if db.dialect == "postgresql":
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
            await connection.run_sync(_upgrade_to_head, migration_set)


def alembic_config(migration_set: MigrationSet) -> Config:
    """An Alembic Config for the set, for alembic.command (`revision`, `history`, …) from code."""
    config = Config()
    config.set_main_option("script_location", str(migration_set.script_location))
    config.set_main_option("path_separator", "os")
    config.attributes["migration_set"] = migration_set
    return config


def run_in_alembic_env() -> None:
    """The body of every set's env.py: migrate on the connection `migrate` handed over.

    The connection arrives inside a transaction, so Alembic runs every revision of the set in
    it: a failing revision leaves the set exactly where it was.
    """
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with mesh.persistence.migrate(), not the alembic command line")
    migration_set: MigrationSet = context.config.attributes["migration_set"]
    context.configure(
        connection=connection,
        target_metadata=migration_set.metadata,
        version_table=migration_set.version_table,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _upgrade_to_head(connection: Connection, migration_set: MigrationSet) -> None:
    config = alembic_config(migration_set)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
