"""Alembic environment of the runtime's migration set (RUNTIME_MIGRATIONS)."""

from mesh.persistence.migrations import run_in_alembic_env

run_in_alembic_env()
