"""Persistence of what reconciliation reads and writes: the PSP items the ledger booked, and the
reports (immutable: a trigger refuses UPDATE; one per PSP and content hash).

psp_items is written by the capture and refund handlers in the same transaction as the journal
entry, because the journal keeps the PSP reference only in its description text.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from commerce.invoicing.v1 import reconciliation_report_pb2
from mesh.money import Money
from mesh.pagination import Keyset, Page, PageRequest
from mesh.persistence import UtcDateTime, insert_for
from services.invoicing.reconciliation import ItemKind, LedgerFact
from services.invoicing.store import invoicing_metadata

psp_items = sa.Table(
    "psp_items",
    invoicing_metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("psp", sa.String(64), primary_key=True),
    sa.Column("psp_reference", sa.String(256), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("currency_code", sa.String(3), nullable=False),
    sa.Column("gross_minor", sa.BigInteger, nullable=False),
    sa.Column("fee_minor", sa.BigInteger, nullable=False),
    sa.Column("booked_at", UtcDateTime, nullable=False),
    sa.Column("journal_entry", sa.String(256), nullable=False),
    sa.Column("settled_on", sa.String(10), nullable=False),
    sa.Index("ix_psp_items_booked", "tenant", "psp", "booked_at"),
)

reconciliation_reports = sa.Table(
    "reconciliation_reports",
    invoicing_metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("psp", sa.String(64), nullable=False),
    sa.Column("content_sha256", sa.LargeBinary(32), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("report", sa.LargeBinary, nullable=False),
    sa.UniqueConstraint("tenant", "psp", "content_sha256", name="uq_reconciliation_reports_content"),
    sa.Index("ix_reconciliation_reports_listing", "tenant", "created_at", "id"),
)

Report = reconciliation_report_pb2.ReconciliationReport


async def record_item(conn: AsyncConnection, tenant: str, psp: str, fact: LedgerFact) -> None:
    """Remember a booked capture or refund; a reference seen again keeps its first booking."""
    await conn.execute(
        insert_for(conn.dialect.name, psp_items)
        .values(
            tenant=tenant,
            psp=psp,
            psp_reference=fact.psp_reference,
            kind=fact.kind.value,
            currency_code=fact.gross.currency_code,
            gross_minor=fact.gross.amount_minor,
            fee_minor=fact.fee.amount_minor,
            booked_at=fact.booked_at,
            journal_entry=fact.journal_entry,
            settled_on="",
        )
        .on_conflict_do_nothing()
    )


async def facts(
    conn: AsyncConnection, tenant: str, psp: str, *, since: datetime.datetime, until: datetime.datetime
) -> list[LedgerFact]:
    """Items booked in [since, until), and older ones no report has settled yet."""
    c = psp_items.c
    query = sa.select(psp_items).where(
        c.tenant == tenant, c.psp == psp, c.booked_at < until, sa.or_(c.booked_at >= since, c.settled_on == "")
    )
    rows = await conn.execute(query.order_by(c.booked_at, c.psp_reference))
    return [
        LedgerFact(
            row.psp_reference,
            ItemKind(row.kind),
            Money(row.currency_code, row.gross_minor),
            Money(row.currency_code, row.fee_minor),
            row.booked_at,
            row.journal_entry,
            row.settled_on,
        )
        for row in rows
    ]


async def mark_settled(conn: AsyncConnection, tenant: str, psp: str, references: Iterable[str], day: str) -> None:
    c = psp_items.c
    await conn.execute(
        sa.update(psp_items)
        .where(c.tenant == tenant, c.psp == psp, c.psp_reference.in_(list(references)), c.settled_on == "")
        .values(settled_on=day)
    )


async def insert_report(
    conn: AsyncConnection,
    tenant: str,
    report_id: str,
    psp: str,
    content_sha256: bytes,
    created_at: datetime.datetime,
    report: Report,
) -> bool:
    """Store the report; False when this PSP's file was stored already (the first one stays)."""
    result = await conn.execute(
        insert_for(conn.dialect.name, reconciliation_reports)
        .values(
            tenant=tenant,
            id=report_id,
            psp=psp,
            content_sha256=content_sha256,
            created_at=created_at,
            report=report.SerializeToString(),
        )
        .on_conflict_do_nothing()
        .returning(reconciliation_reports.c.id)
    )
    return result.first() is not None  # a row back means inserted: an ON CONFLICT insert has no dependable rowcount


async def report_by_content(conn: AsyncConnection, tenant: str, psp: str, content_sha256: bytes) -> Report | None:
    c = reconciliation_reports.c
    row = (
        await conn.execute(
            sa.select(c.report).where(c.tenant == tenant, c.psp == psp, c.content_sha256 == content_sha256)
        )
    ).first()
    return None if row is None else Report.FromString(row.report)


async def load_report(conn: AsyncConnection, tenant: str, report_id: str) -> Report | None:
    c = reconciliation_reports.c
    row = (await conn.execute(sa.select(c.report).where(c.tenant == tenant, c.id == report_id))).first()
    return None if row is None else Report.FromString(row.report)


# Newest first; the id breaks ties of one clock tick, so the key is unique.
REPORT_LISTING = Keyset(reconciliation_reports.c.created_at, reconciliation_reports.c.id, descending=True)


async def list_reports(conn: AsyncConnection, tenant: str, psp: str, page: PageRequest) -> Page[Report]:
    """The tenant's reports (of `psp`, if given) after the page's key, newest first."""
    c = reconciliation_reports.c
    query = sa.select(c.report, c.created_at, c.id).where(c.tenant == tenant, REPORT_LISTING.after(page))
    if psp:
        query = query.where(c.psp == psp)
    rows = (await conn.execute(query.order_by(*REPORT_LISTING.order_by()).limit(page.limit))).all()
    return page.take(rows, key=REPORT_LISTING.key_of).map(lambda row: Report.FromString(row.report))
