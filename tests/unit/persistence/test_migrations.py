"""MigrationSet and migrate's argument checks, and the runtime set's revision history."""

from __future__ import annotations

import dataclasses
import pathlib

import pytest
from alembic.script import ScriptDirectory

from mesh.persistence import RUNTIME_MIGRATIONS, Database, MigrationSet, alembic_config, migrate


def test_migration_set_refuses_a_directory_without_env_py(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="no env.py"):
        MigrationSet(name="empty", script_location=tmp_path, version_table="empty_alembic_version")


async def test_migrate_refuses_sets_sharing_a_version_table(tmp_path: pathlib.Path) -> None:
    twin = dataclasses.replace(RUNTIME_MIGRATIONS, name="twin")
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'unit.db'}")
    try:
        with pytest.raises(ValueError, match="version table"):
            await migrate(db, RUNTIME_MIGRATIONS, twin)
        assert not (tmp_path / "unit.db").exists()
    finally:
        await db.dispose()


def test_runtime_set_has_one_linear_history() -> None:
    scripts = ScriptDirectory.from_config(alembic_config(RUNTIME_MIGRATIONS))

    assert scripts.get_heads() == ["0004"]
    assert [script.revision for script in scripts.walk_revisions()] == ["0004", "0003", "0002", "0001"]
