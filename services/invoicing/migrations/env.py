"""Alembic environment of the invoicing service's migration set (INVOICING_MIGRATIONS)."""

from mesh.persistence.migrations import run_in_alembic_env

run_in_alembic_env()
