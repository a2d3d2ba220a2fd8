"""The invoicing service's migration set, applied after the runtime's."""

import pathlib

from mesh.persistence import MigrationSet

INVOICING_MIGRATIONS = MigrationSet(
    name="invoicing",
    script_location=pathlib.Path(__file__).parent,
    version_table="invoicing_alembic_version",
)
