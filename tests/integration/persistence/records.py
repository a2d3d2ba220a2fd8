"""Rows of idempotency_records for persistence tests."""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mesh.persistence import Database, idempotency_records

NOW = datetime.datetime(2026, 1, 12, 9, 30, tzinfo=datetime.UTC)


def record(
    *,
    request_id: str | None = None,
    expires_at: datetime.datetime = NOW + datetime.timedelta(hours=24),
    tenant: str = "tenant-a",
) -> dict[str, object]:
    """A completed OK record; unique unless request_id is given."""
    return {
        "tenant": tenant,
        "method": "/commerce.payments.v1.PaymentService/CapturePayment",
        "request_id": request_id or str(uuid.uuid4()),
        "fingerprint": "f" * 64,
        "status_code": 0,
        "response": b"\x0a\x03pay",
        "status": None,
        "created_at": NOW,
        "expires_at": expires_at,
    }


async def count_records(db: Database) -> int:
    async with db.engine.connect() as connection:
        return await _count(connection)


async def _count(connection: AsyncConnection) -> int:
    return (await connection.execute(select(func.count()).select_from(idempotency_records))).scalar_one()
