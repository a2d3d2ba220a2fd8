"""The invoicing use cases. The ledger's are here: book an entry in the caller's transaction,
read balances and entries, verify the chain. Invoices and credit notes (invoices.py), collecting
an invoice through payments (collecting.py) and reconciliation (reconciling.py) are composed here
and book through the same `post`."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from commerce.invoicing.v1 import journal_entry_pb2
from mesh.pagination import Page, PageRequest
from mesh.persistence import Database
from mesh.resilience import ResilientClient
from services.invoicing import journal_encoding, store
from services.invoicing.collecting import CollectionUseCases
from services.invoicing.domain import accounts, chain
from services.invoicing.domain.entries import EntryDraft
from services.invoicing.domain.journal import EntryFilter, Totals
from services.invoicing.domain.tax import Jurisdiction, TaxCalculator
from services.invoicing.invoices import InvoiceUseCases, TaxSetup
from services.invoicing.payments_client import PaymentsClient
from services.invoicing.reconciling import ReconciliationUseCases
from services.invoicing.tax_hook import TaxHook
from services.invoicing.tax_rules import DEFAULT_TAX_CODE, KNOWN_TAX_CODES, default_calculator

VERIFY_BATCH = 500
DEFAULT_TAX_SETUP = TaxSetup(Jurisdiction("DE"), DEFAULT_TAX_CODE, KNOWN_TAX_CODES)


@dataclasses.dataclass(frozen=True)
class AccountBalances:
    account: accounts.Account
    totals: list[Totals]
    as_of_sequence: int


class InvoicingApp:
    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
        tax_calculator: TaxCalculator | None = None,
        tax_setup: TaxSetup = DEFAULT_TAX_SETUP,
        resilience: ResilientClient | None = None,
        payments: PaymentsClient | None = None,
    ) -> None:
        self.db = database
        self._now = clock
        tax = TaxHook(tax_calculator or default_calculator(), client=resilience)
        self.invoices = InvoiceUseCases(database, self.post, tax, tax_setup, clock=clock)
        self.collection = CollectionUseCases(self.invoices, payments)  # no payments client: cannot collect
        self.reconciliation = ReconciliationUseCases(database, clock=clock)

    async def post(self, conn: AsyncConnection, tenant: str, draft: EntryDraft) -> journal_entry_pb2.JournalEntry:
        """Book `draft` as the tenant's next entry in the caller's transaction, so the entry commits
        with whatever caused it (a state change, an inbox row) or not at all."""
        entry, _ = await store.append(conn, tenant, draft, self._now())
        return entry

    async def balances(self, tenant: str, account_id: str, currency_code: str = "") -> AccountBalances:
        account = accounts.classify(account_id)  # AccountNotFound outside the chart
        async with self.db.transaction() as conn:
            head = await store.head(conn, tenant)
            totals = await store.totals(
                conn, tenant, account_id, up_to_sequence=head.sequence, currency_code=currency_code
            )
        if currency_code and not totals:
            totals = [Totals(currency_code, 0, 0, 0)]
        return AccountBalances(account, totals, head.sequence)

    async def entries(
        self, tenant: str, *, after_sequence: int, limit: int, where: EntryFilter
    ) -> list[journal_entry_pb2.JournalEntry]:
        if where.account:
            accounts.classify(where.account)
        async with self.db.transaction() as conn:
            return await store.entries(conn, tenant, after_sequence=after_sequence, limit=limit, where=where)

    async def entries_page(
        self, tenant: str, where: EntryFilter, page: PageRequest
    ) -> Page[journal_entry_pb2.JournalEntry]:
        """One page of `entries`, in ledger order; the key is the last sequence shown."""
        (after_sequence,) = page.after(int) or (0,)
        found = await self.entries(tenant, after_sequence=after_sequence, limit=page.limit, where=where)
        return page.take(found, key=lambda entry: (entry.sequence,))

    async def verify(self, tenant: str, start_sequence: int = 0, end_sequence: int = 0) -> chain.Verification:
        """Walk the chain from start (default 1) to end (default the head), a batch per transaction:
        entries never change, so a long walk need not hold one transaction (on SQLite, the write
        lock) open."""
        start = max(start_sequence, 1)
        async with self.db.transaction() as conn:
            head = (await store.head(conn, tenant)).sequence
            end = min(end_sequence or head, head)
            before = await store.entry_at(conn, tenant, start - 1) if 1 < start <= end + 1 else None
        if start > end:
            return chain.Verification(True, 0, 0, b"")  # nothing booked in the range
        verifier = chain.ChainVerifier(tenant, start, before.hash if before else chain.GENESIS)
        if start > 1 and before is None:
            verifier.missing(start - 1)  # the entry the range must trust is gone
            return verifier.result()
        after = start - 1
        while after < end and not verifier.broken:
            async with self.db.transaction() as conn:
                batch = await store.entries(conn, tenant, after_sequence=after, up_to_sequence=end, limit=VERIFY_BATCH)
            if not batch:
                verifier.missing(after + 1)
                break
            for entry in batch:
                if not verifier.feed(journal_encoding.recorded(entry)):
                    break
            after = batch[-1].sequence
        return verifier.result()
