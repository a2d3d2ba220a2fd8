"""The payments service's migration set, applied after the runtime's."""

import pathlib

from mesh.persistence import MigrationSet

PAYMENTS_MIGRATIONS = MigrationSet(
    name="payments",
    script_location=pathlib.Path(__file__).parent,
    version_table="payments_alembic_version",
)
