"""The runtime's metadata: the idempotency_records table as the runtime's contract needs it."""

from __future__ import annotations

from sqlalchemy import DateTime, LargeBinary

from mesh.persistence import NAMING_CONVENTION, idempotency_records, runtime_metadata


def test_runtime_metadata_holds_only_idempotency_records() -> None:
    assert list(runtime_metadata.tables) == ["idempotency_records", "outbox", "inbox"]


def test_idempotency_key_is_tenant_method_request_id() -> None:
    primary_key = idempotency_records.primary_key

    assert [column.name for column in primary_key.columns] == ["tenant", "method", "request_id"]
    assert primary_key.name == "pk_idempotency_records"


def test_idempotency_outcome_columns_allow_either_response_or_status() -> None:
    columns = idempotency_records.c

    # status_code is NULL while the execution runs (atomic phases); set with its outcome.
    assert [columns[name].nullable for name in ("fingerprint", "status_code", "response", "status")] == [
        False,
        True,
        True,
        True,
    ]
    assert [columns[name].nullable for name in ("recovery_point", "owner", "locked_until")] == [False, True, True]
    assert isinstance(columns.response.type, LargeBinary) and isinstance(columns.status.type, LargeBinary)


def test_idempotency_timestamps_are_zoned_and_expiry_is_indexed() -> None:
    columns = idempotency_records.c
    indexes = {index.name: [column.name for column in index.columns] for index in idempotency_records.indexes}

    assert all(
        isinstance(columns[name].type.impl, DateTime) and columns[name].type.impl.timezone
        for name in ("created_at", "expires_at")
    )
    assert indexes == {"ix_idempotency_records_expires_at": ["expires_at"]}


def test_metadata_uses_the_shared_naming_convention() -> None:
    assert dict(runtime_metadata.naming_convention) == NAMING_CONVENTION
