"""Persistence of the ledger (SQLAlchemy Core; SQLite or PostgreSQL).

Three tables: journal_entries and ledger_postings are append-only (database triggers refuse
UPDATE and DELETE, so no code path can rewrite history by accident; the hash chain catches a
deliberate rewrite), and ledger_heads holds each tenant's chain head. `append` locks the head
row, so appends of one tenant run one after the other and sequences stay gap-free in commit
order; other tenants are not blocked.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from commerce.invoicing.v1 import journal_entry_pb2
from mesh.ids import derive_id
from mesh.persistence import UtcDateTime, insert_for
from mesh.persistence.tables import NAMING_CONVENTION
from services.invoicing import journal_encoding
from services.invoicing.domain.chain import GENESIS
from services.invoicing.domain.entries import Direction, EntryDraft
from services.invoicing.domain.journal import EntryFilter, Totals

invoicing_metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

journal_entries = sa.Table(
    "journal_entries",
    invoicing_metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("sequence", sa.BigInteger, primary_key=True),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("description", sa.String(500), nullable=False),
    sa.Column("source_resource", sa.String(512), nullable=False),
    sa.Column("source_event_id", sa.String(128), nullable=False),
    sa.Column("source_event_type", sa.String(256), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("prev_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
    sa.UniqueConstraint("tenant", "id"),
    sa.Index("ix_journal_entries_source_resource", "tenant", "source_resource"),
    sa.Index("ix_journal_entries_source_event_id", "tenant", "source_event_id"),
)

ledger_postings = sa.Table(
    "ledger_postings",
    invoicing_metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("entry_sequence", sa.BigInteger, primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),  # the posting's index within its entry
    sa.Column("account", sa.String(64), nullable=False),  # an account id of the chart
    sa.Column("direction", sa.Integer, nullable=False),  # a PostingDirection value
    sa.Column("currency_code", sa.String(3), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Index("ix_ledger_postings_account", "tenant", "account", "currency_code"),
)

ledger_heads = sa.Table(
    "ledger_heads",
    invoicing_metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@dataclasses.dataclass(frozen=True)
class Head:
    sequence: int
    hash: bytes
    created_at: datetime.datetime


def entry_id_of(tenant: str, draft: EntryDraft) -> str:
    return derive_id("je", tenant, draft.key)


async def append(
    conn: AsyncConnection, tenant: str, draft: EntryDraft, now: datetime.datetime
) -> tuple[journal_entry_pb2.JournalEntry, bool]:
    """Seal `draft` as the tenant's next entry, in the caller's transaction. The same draft key
    again gives back the entry it booked, and False: nothing new is posted."""
    head = await _lock_head(conn, tenant)
    entry_id = entry_id_of(tenant, draft)
    existing = await _load_by_id(conn, tenant, entry_id)
    if existing is not None:
        return existing, False
    created = max(now, head.created_at)  # create_time never decreases along the chain
    entry = journal_encoding.seal(
        draft, tenant=tenant, entry_id=entry_id, sequence=head.sequence + 1, prev_hash=head.hash, create_time=created
    )
    await conn.execute(
        sa.insert(journal_entries).values(
            tenant=tenant,
            sequence=entry.sequence,
            id=entry_id,
            description=entry.description,
            source_resource=entry.source_resource,
            source_event_id=entry.source_event_id,
            source_event_type=entry.source_event_type,
            created_at=created,
            prev_hash=entry.prev_hash,
            hash=entry.hash,
        )
    )
    await conn.execute(
        sa.insert(ledger_postings),
        [
            dict(
                tenant=tenant,
                entry_sequence=entry.sequence,
                position=position,
                account=posting.account,
                direction=journal_encoding.direction_number(posting.direction),
                currency_code=posting.amount.currency_code,
                amount_minor=posting.amount.amount_minor,
            )
            for position, posting in enumerate(draft.postings)
        ],
    )
    await conn.execute(
        sa.update(ledger_heads)
        .where(ledger_heads.c.tenant == tenant)
        .values(sequence=entry.sequence, hash=entry.hash, created_at=created)
    )
    return entry, True


async def head(conn: AsyncConnection, tenant: str) -> Head:
    row = (await conn.execute(sa.select(ledger_heads).where(ledger_heads.c.tenant == tenant))).first()
    return Head(0, GENESIS, _EPOCH) if row is None else Head(row.sequence, row.hash, row.created_at)


async def entries(
    conn: AsyncConnection,
    tenant: str,
    *,
    after_sequence: int,
    limit: int,
    up_to_sequence: int | None = None,
    where: EntryFilter = EntryFilter(),
) -> list[journal_entry_pb2.JournalEntry]:
    """Entries with sequence > after_sequence (and ≤ up_to_sequence), ascending, at most `limit`."""
    e = journal_entries.c
    query = sa.select(journal_entries).where(e.tenant == tenant, e.sequence > after_sequence)
    if up_to_sequence is not None:
        query = query.where(e.sequence <= up_to_sequence)
    if where.source_resource:
        query = query.where(e.source_resource == where.source_resource)
    if where.source_event_id:
        query = query.where(e.source_event_id == where.source_event_id)
    if where.account:
        p = ledger_postings.c
        query = query.where(
            sa.exists().where(p.tenant == e.tenant, p.entry_sequence == e.sequence, p.account == where.account)
        )
    rows = (await conn.execute(query.order_by(e.sequence).limit(limit))).all()
    postings = await _postings_of(conn, tenant, [row.sequence for row in rows])
    return [_entry(tenant, row, postings.get(row.sequence, [])) for row in rows]


async def entry_at(conn: AsyncConnection, tenant: str, sequence: int) -> journal_entry_pb2.JournalEntry | None:
    found = await entries(conn, tenant, after_sequence=sequence - 1, up_to_sequence=sequence, limit=1)
    return found[0] if found else None


async def totals(
    conn: AsyncConnection, tenant: str, account: str, *, up_to_sequence: int, currency_code: str = ""
) -> list[Totals]:
    """The account's debit and credit sums per currency over entries up to `up_to_sequence`."""
    p = ledger_postings.c
    debit = journal_encoding.direction_number(Direction.DEBIT)
    query = (
        sa.select(
            p.currency_code,
            sa.func.coalesce(sa.func.sum(sa.case((p.direction == debit, p.amount_minor), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((p.direction != debit, p.amount_minor), else_=0)), 0),
            sa.func.count(),
        )
        .where(p.tenant == tenant, p.account == account, p.entry_sequence <= up_to_sequence)
        .group_by(p.currency_code)
        .order_by(p.currency_code)
    )
    if currency_code:
        query = query.where(p.currency_code == currency_code)
    return [
        Totals(currency, int(debits), int(credits), count)
        for currency, debits, credits, count in (await conn.execute(query)).all()
    ]


async def _lock_head(conn: AsyncConnection, tenant: str) -> Head:
    await conn.execute(
        insert_for(conn.dialect.name, ledger_heads)
        .values(tenant=tenant, sequence=0, hash=GENESIS, created_at=_EPOCH)
        .on_conflict_do_nothing()
    )
    row = (await conn.execute(sa.select(ledger_heads).where(ledger_heads.c.tenant == tenant).with_for_update())).one()
    return Head(row.sequence, row.hash, row.created_at)


async def _load_by_id(conn: AsyncConnection, tenant: str, entry_id: str) -> journal_entry_pb2.JournalEntry | None:
    row = (
        await conn.execute(
            sa.select(journal_entries.c.sequence).where(
                journal_entries.c.tenant == tenant, journal_entries.c.id == entry_id
            )
        )
    ).first()
    return None if row is None else await entry_at(conn, tenant, row.sequence)


async def _postings_of(conn: AsyncConnection, tenant: str, sequences: Sequence[int]) -> dict[int, list]:
    if not sequences:
        return {}
    p = ledger_postings.c
    rows = (
        await conn.execute(
            sa.select(ledger_postings)
            .where(p.tenant == tenant, p.entry_sequence.in_(sequences))
            .order_by(p.entry_sequence, p.position)
        )
    ).all()
    found: dict[int, list] = {}
    for row in rows:
        found.setdefault(row.entry_sequence, []).append(
            journal_entry_pb2.Posting(
                account=journal_encoding.account_name(tenant, row.account),
                direction=row.direction,
                amount={"currency_code": row.currency_code, "amount_minor": row.amount_minor},
            )
        )
    return found


def _entry(tenant: str, row, postings: list) -> journal_entry_pb2.JournalEntry:
    entry = journal_entry_pb2.JournalEntry(
        name=f"tenants/{tenant}/journalEntries/{row.id}",
        sequence=row.sequence,
        postings=postings,
        description=row.description,
        source_resource=row.source_resource,
        source_event_id=row.source_event_id,
        source_event_type=row.source_event_type,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
    entry.create_time.FromDatetime(row.created_at)
    return entry
