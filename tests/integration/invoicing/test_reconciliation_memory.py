"""Reconciling through the service path (ReconciliationUseCases.reconcile: facts read from
psp_items, the upload streamed through the reader and matcher, the report stored) keeps the
ledger window's facts in memory, never the file: with the same facts booked, four times the rows
costs at most a set entry per settled fact, not a copy of each row."""

from __future__ import annotations

import datetime
import tracemalloc
from collections.abc import Iterable, Iterator

from mesh.money import Money
from services.invoicing import reconciliation_store
from services.invoicing.reconciliation import ItemKind, LedgerFact, SettlementWindow
from tests.integration.invoicing.conftest import PSP, BillingUnderTest

BOOKED = datetime.datetime(2026, 11, 21, 9, tzinfo=datetime.UTC)
FACTS, FEW_ROWS, MANY_ROWS = 8000, 2000, 8000
HEADER = b"psp_reference,type,currency,gross_minor,fee_minor,net_minor,settled_at\r\n"
# A settled fact's bookkeeping is a set slot (tens of bytes); a kept row costs ~70 bytes raw,
# ~400 parsed, on top of that.
MAX_BYTES_PER_EXTRA_ROW = 120


def capture(n: int) -> LedgerFact:
    return LedgerFact(
        f"cap_{n:08d}",
        ItemKind.CAPTURE,
        Money("EUR", 1000 + n % 977),
        Money("EUR", 59),
        BOOKED,
        f"tenants/acme/journalEntries/je_{n}",
    )


def settlement(rows: int) -> Iterator[bytes]:
    """The PSP's report of the first `rows` captures, made 500 rows a chunk (never whole)."""
    yield HEADER
    for start in range(0, rows, 500):
        yield "".join(
            f"cap_{n:08d},capture,EUR,{1000 + n % 977},59,{941 + n % 977},2026-11-21T09:00:00Z\r\n"
            for n in range(start, min(start + 500, rows))
        ).encode()


class StreamingPeak:
    """Wraps the upload: the peak of traced memory from its first chunk to its end, i.e. while
    the rows stream (the facts are loaded and indexed before the first chunk is asked for)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks
        self.bytes = 0

    def __iter__(self) -> Iterator[bytes]:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        yield from self._chunks
        self.bytes = tracemalloc.get_traced_memory()[1] - baseline


async def book_facts(billing: BillingUnderTest) -> None:
    async with billing.runtime.database.transaction() as conn:
        for n in range(FACTS):
            await reconciliation_store.record_item(conn, billing.tenant, PSP, capture(n))


async def streaming_peak(billing: BillingUnderTest, rows: int, day: str) -> tuple[int, int]:
    """(peak bytes while `rows` rows streamed, rows matched)."""
    upload = StreamingPeak(settlement(rows))
    tracemalloc.start()
    try:
        report = await billing.app.reconciliation.reconcile(
            billing.tenant, PSP, day, upload, SettlementWindow.of_day(BOOKED.date())
        )
    finally:
        tracemalloc.stop()
    return upload.bytes, report.matched_count


async def test_four_times_the_rows_costs_no_copy_of_the_rows(billing: BillingUnderTest) -> None:
    await book_facts(billing)

    few, few_matched = await streaming_peak(billing, FEW_ROWS, "2026-11-21")
    # The first report settled what it matched; the same facts again, unsettled, under a new tenant.
    billing.tenant = billing.tenant + "-b"
    await book_facts(billing)
    many, many_matched = await streaming_peak(billing, MANY_ROWS, "2026-11-21")

    assert (few_matched, many_matched) == (FEW_ROWS, MANY_ROWS)
    assert many - few < MAX_BYTES_PER_EXTRA_ROW * (MANY_ROWS - FEW_ROWS), (few, many)
