"""Alembic environment of the payments service's migration set (PAYMENTS_MIGRATIONS)."""

from mesh.persistence.migrations import run_in_alembic_env

run_in_alembic_env()
