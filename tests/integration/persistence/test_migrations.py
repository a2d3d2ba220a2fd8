"""Migrations on SQLite and PostgreSQL: idempotent, concurrent-safe, atomic, equal to tables.py."""

from __future__ import annotations

import asyncio
import pathlib
import sys
import textwrap

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, MetaData, String, column, inspect, select, table

from mesh.persistence import RUNTIME_MIGRATIONS, Database, MigrationSet, alembic_config, migrate, runtime_metadata
from mesh.persistence.tables import NAMING_CONVENTION

RUNTIME_HEAD = ScriptDirectory.from_config(alembic_config(RUNTIME_MIGRATIONS)).get_current_head()

ENV_PY = "from mesh.persistence.migrations import run_in_alembic_env\n\nrun_in_alembic_env()\n"

REVISION = """
import sqlalchemy as sa
from alembic import op

revision = {revision!r}
down_revision = {down_revision!r}
branch_labels = None
depends_on = None

def upgrade() -> None:
{body}


def downgrade() -> None:
    pass
"""

MIGRATE_SCRIPT = """
import asyncio, sys
from mesh.persistence import RUNTIME_MIGRATIONS, Database, migrate

async def main() -> None:
    db = Database.from_url(sys.argv[1])
    try:
        await migrate(db, RUNTIME_MIGRATIONS)
    finally:
        await db.dispose()

asyncio.run(main())
"""


def write_migration_set(root: pathlib.Path, name: str, revisions: list[str]) -> MigrationSet:
    """A migration set whose revision n runs the Python statement revisions[n]."""
    (root / "versions").mkdir(parents=True)
    (root / "env.py").write_text(ENV_PY)
    down_revision = None
    for number, body in enumerate(revisions, start=1):
        revision = f"{number:04d}"
        source = REVISION.format(revision=revision, down_revision=down_revision, body=textwrap.indent(body, "    "))
        (root / "versions" / f"{revision}_{name}.py").write_text(source)
        down_revision = revision
    return MigrationSet(name=name, script_location=root, version_table=f"{name}_alembic_version")


async def versions(db: Database, version_table: str) -> list[str]:
    async with db.engine.connect() as connection:
        if not await connection.run_sync(lambda sync: inspect(sync).has_table(version_table)):
            return []
        rows = await connection.execute(select(column("version_num")).select_from(table(version_table)))
        return list(rows.scalars())


async def table_names(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def schema_diffs(db: Database, metadata: MetaData) -> list[object]:
    def compare(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"version_table": RUNTIME_MIGRATIONS.version_table})
        return compare_metadata(context, metadata)

    async with db.engine.connect() as connection:
        return await connection.run_sync(compare)


async def test_migrate_twice_leaves_runtime_schema_at_head(database: Database) -> None:
    await migrate(database, RUNTIME_MIGRATIONS)

    assert await versions(database, RUNTIME_MIGRATIONS.version_table) == [RUNTIME_HEAD]
    assert await table_names(database) == {*runtime_metadata.tables, RUNTIME_MIGRATIONS.version_table}


async def test_migrated_schema_equals_tables_metadata(database: Database) -> None:
    assert await schema_diffs(database, runtime_metadata) == []


async def test_schema_comparison_reports_a_column_the_migrations_lack(database: Database) -> None:
    drifted = MetaData(naming_convention=NAMING_CONVENTION)
    for source in runtime_metadata.tables.values():
        copy = source.to_metadata(drifted)
        copy.append_column(Column("extra", String(10)))

    diffs = await schema_diffs(database, drifted)

    assert [diff[0] for diff in diffs] == ["add_column"] * len(runtime_metadata.tables)


async def test_service_set_migrates_beside_runtime_set(database_url: str, tmp_path: pathlib.Path) -> None:
    widgets = write_migration_set(
        tmp_path / "widgets",
        "widgets",
        [
            'op.create_table("widgets", sa.Column("id", sa.Integer(), primary_key=True))',
            'op.add_column("widgets", sa.Column("label", sa.String(20)))',
        ],
    )
    db = Database.from_url(database_url)
    try:
        await migrate(db, RUNTIME_MIGRATIONS, widgets)
        await migrate(db, RUNTIME_MIGRATIONS, widgets)

        assert await versions(db, RUNTIME_MIGRATIONS.version_table) == [RUNTIME_HEAD]
        assert await versions(db, widgets.version_table) == ["0002"]
        assert {"idempotency_records", "widgets"} <= await table_names(db)
    finally:
        await db.dispose()


async def test_failing_revision_leaves_its_set_unchanged(database_url: str, tmp_path: pathlib.Path) -> None:
    broken = write_migration_set(
        tmp_path / "broken",
        "broken",
        [
            'op.create_table("gadgets", sa.Column("id", sa.Integer(), primary_key=True))',
            'op.execute("SELECT * FROM no_such_table")',
        ],
    )
    db = Database.from_url(database_url)
    try:
        with pytest.raises(Exception, match="no_such_table"):
            await migrate(db, broken)

        assert await versions(db, broken.version_table) == []
        assert "gadgets" not in await table_names(db)
    finally:
        await db.dispose()


async def test_two_processes_migrating_at_once_both_succeed(database_url: str) -> None:
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", MIGRATE_SCRIPT, database_url, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(2)
    ]
    errors = await asyncio.gather(*(process.communicate() for process in processes))
    outcomes = [(process.returncode, stderr.decode()) for process, (_, stderr) in zip(processes, errors, strict=True)]

    db = Database.from_url(database_url)
    try:
        assert outcomes == [(0, ""), (0, "")]
        assert await versions(db, RUNTIME_MIGRATIONS.version_table) == [RUNTIME_HEAD]
    finally:
        await db.dispose()
