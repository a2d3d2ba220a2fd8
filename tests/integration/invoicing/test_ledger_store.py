"""The ledger's store on SQLite and PostgreSQL: the chain, idempotent appends, tenants apart,
concurrent appends, balances, append-only tables, tampering found, migrations equal to tables."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator, Callable

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mesh.money import Money
from mesh.persistence import RUNTIME_MIGRATIONS, Database, migrate
from services.invoicing import store
from services.invoicing.app import InvoicingApp
from services.invoicing.domain.accounts import NormalSide
from services.invoicing.domain.chain import GENESIS, Verification, Violation
from services.invoicing.domain.entries import EntryDraft, credit, debit
from services.invoicing.domain.errors import AccountNotFound
from services.invoicing.domain.journal import EntryFilter, Totals
from services.invoicing.migrations import INVOICING_MIGRATIONS

TENANT = "acme"
OTHER = "globex"
CASH = "cash-at-psp-sandbox-alpha"
FEES = "psp-fees-sandbox-alpha"
AR = "accounts-receivable"
T0 = datetime.datetime(2026, 11, 21, 9, 0, tzinfo=datetime.UTC)
SECOND = datetime.timedelta(seconds=1)
INVOICING_TABLES = ("journal_entries", "ledger_postings", "ledger_heads")


@pytest.fixture
async def ledger_db(database_url: str) -> AsyncIterator[Database]:
    db = Database.from_url(database_url)
    await migrate(db, RUNTIME_MIGRATIONS, INVOICING_MIGRATIONS)
    yield db
    await db.dispose()


class Clock:
    """Returns the given instants in turn, then the last one forever."""

    def __init__(self, *instants: datetime.datetime) -> None:
        self._instants = list(instants)

    def __call__(self) -> datetime.datetime:
        return self._instants.pop(0) if len(self._instants) > 1 else self._instants[0]


def ticking(start: datetime.datetime = T0) -> Callable[[], datetime.datetime]:
    now = [start]

    def tick() -> datetime.datetime:
        now[0] += SECOND
        return now[0]

    return tick


def money(minor: int, currency: str = "EUR") -> Money:
    return Money(currency, minor)


def capture(key: str, amount: int, fee: int = 0, currency: str = "EUR") -> EntryDraft:
    return EntryDraft.of(
        key,
        [
            debit(CASH, money(amount - fee, currency)),
            debit(FEES, money(fee, currency)),
            credit(AR, money(amount, currency)),
        ],
        description=f"Capture {key}",
        source_resource=f"tenants/x/paymentIntents/{key}",
        source_event_id=f"evt-{key}",
        source_event_type="commerce.payments.v1.PaymentCaptured",
    )


def refund(key: str, amount: int, currency: str = "EUR") -> EntryDraft:
    return EntryDraft.of(
        key,
        [debit(AR, money(amount, currency)), credit(CASH, money(amount, currency))],
        description=f"Refund {key}",
        source_resource=f"tenants/x/refunds/{key}",
    )


async def post(db: Database, app: InvoicingApp, tenant: str, *drafts: EntryDraft):
    booked = []
    for draft in drafts:
        async with db.transaction() as conn:
            booked.append(await app.post(conn, tenant, draft))
    return booked


async def all_entries(db: Database, tenant: str):
    async with db.transaction() as conn:
        return await store.entries(conn, tenant, after_sequence=0, limit=1_000)


async def rows(db: Database, table: str) -> list[tuple]:
    async with db.transaction() as conn:
        return [tuple(row) for row in (await conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1, 2, 3")))]


async def execute(db: Database, *statements: str) -> None:
    async with db.transaction() as conn:
        for statement in statements:
            await conn.execute(sa.text(statement))


def broken(
    entries, sequence: int, violation: Violation, *, name: str | None = None, checked: int | None = None
) -> Verification:
    """The verification of a chain found intact up to sequence − 1 and broken at `sequence`."""
    return Verification(
        False,
        sequence if checked is None else checked,
        sequence - 1,
        entries[sequence - 2].hash if sequence > 1 else b"",
        entries[sequence - 1].name if name is None else name,
        sequence,
        violation,
    )


def without_detail(result: Verification) -> Verification:
    assert result.detail
    return Verification(
        result.ok,
        result.entries_checked,
        result.head_sequence,
        result.head_hash,
        result.first_broken_entry,
        result.first_broken_sequence,
        result.violation,
    )


# -- the chain ------------------------------------------------------------------------------------


async def test_appends_chain_entries_one_after_the_other(ledger_db: Database) -> None:
    app = InvoicingApp(ledger_db, clock=ticking())

    booked = await post(ledger_db, app, TENANT, *(capture(f"pi_{n}", 1_000 * n, n) for n in range(1, 6)))

    assert [entry.sequence for entry in booked] == [1, 2, 3, 4, 5]
    assert booked[0].prev_hash == GENESIS
    assert [entry.prev_hash for entry in booked[1:]] == [entry.hash for entry in booked[:-1]]
    assert [entry.name for entry in booked] == [
        f"tenants/{TENANT}/journalEntries/{store.entry_id_of(TENANT, capture(f'pi_{n}', 1))}" for n in range(1, 6)
    ]
    assert await all_entries(ledger_db, TENANT) == booked  # what was read back is what was sealed
    assert await app.verify(TENANT) == Verification(True, 5, 5, booked[-1].hash)
    async with ledger_db.transaction() as conn:
        assert await store.head(conn, TENANT) == store.Head(5, booked[-1].hash, T0 + 5 * SECOND)


async def test_an_empty_ledger_verifies_with_no_head(ledger_db: Database) -> None:
    app = InvoicingApp(ledger_db)

    assert await app.verify(TENANT) == Verification(True, 0, 0, b"")
    async with ledger_db.transaction() as conn:
        assert await store.head(conn, TENANT) == store.Head(
            0, GENESIS, datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
        )


async def test_verify_a_range_trusting_the_entry_before_it(ledger_db: Database) -> None:
    app = InvoicingApp(ledger_db, clock=ticking())
    booked = await post(ledger_db, app, TENANT, *(capture(f"pi_{n}", 100 * n) for n in range(1, 8)))

    assert await app.verify(TENANT, start_sequence=3) == Verification(True, 5, 7, booked[6].hash)
    assert await app.verify(TENANT, start_sequence=3, end_sequence=5) == Verification(True, 3, 5, booked[4].hash)


async def test_verify_walks_more_than_one_batch(ledger_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("services.invoicing.app.VERIFY_BATCH", 2)
    app = InvoicingApp(ledger_db, clock=ticking())
    booked = await post(ledger_db, app, TENANT, *(capture(f"pi_{n}", 100 * n) for n in range(1, 6)))

    assert await app.verify(TENANT) == Verification(True, 5, 5, booked[-1].hash)


async def test_create_time_never_decreases_when_the_clock_goes_backwards(ledger_db: Database) -> None:
    clock = Clock(T0, T0 - datetime.timedelta(hours=1), T0 + SECOND, T0 + SECOND / 2)
    app = InvoicingApp(ledger_db, clock=clock)

    booked = await post(ledger_db, app, TENANT, *(capture(f"pi_{n}", 100 * n) for n in range(1, 5)))

    times = [entry.create_time.ToDatetime(datetime.UTC) for entry in booked]
    assert times == [T0, T0, T0 + SECOND, T0 + SECOND]
    assert [e.create_time.ToDatetime(datetime.UTC) for e in await all_entries(ledger_db, TENANT)] == times
    assert (await app.verify(TENANT)).ok


async def test_microseconds_survive_the_round_trip(ledger_db: Database) -> None:
    precise = T0 + datetime.timedelta(microseconds=123_457)
    app = InvoicingApp(ledger_db, clock=lambda: precise.astimezone(datetime.timezone(datetime.timedelta(hours=2))))

    [entry] = await post(ledger_db, app, TENANT, capture("pi_1", 100))

    assert entry.create_time.ToDatetime(datetime.UTC) == precise
    assert (await all_entries(ledger_db, TENANT))[0].create_time.ToDatetime(datetime.UTC) == precise
    assert (await app.verify(TENANT)).ok


# -- idempotency -------------------------------------------------------------------------------


async def test_the_same_draft_key_books_one_entry(ledger_db: Database) -> None:
    app = InvoicingApp(ledger_db, clock=ticking())
    async with ledger_db.transaction() as conn:
        first, created = await store.append(conn, TENANT, capture("pi_1", 10_000, 320), T0)
    async with ledger_db.transaction() as conn:
        again, created_again = await store.append(conn, TENANT, capture("pi_1", 10_000, 320), T0 + SECOND)
    async with ledger_db.transaction() as conn:
        # The key decides: a draft that reuses it books nothing, whatever it says.
        different, created_different = await store.append(conn, TENANT, capture("pi_1", 5, 1), T0 + 2 * SECOND)

    assert (created, created_again, created_different) == (True, False, False)
    assert again == first
    assert different == first
    assert await post(ledger_db, app, TENANT, capture("pi_1", 10_000, 320)) == [first]
    assert await all_entries(ledger_db, TENANT) == [first]
    assert len(await rows(ledger_db, "ledger_postings")) == 3
    async with ledger_db.transaction() as conn:
        assert (await store.head(conn, TENANT)).sequence == 1


async def test_a_rolled_back_append_leaves_nothing(ledger_db: Database) -> None:
    app = InvoicingApp(ledger_db, clock=ticking())

    with pytest.raises(RuntimeError):
        async with ledger_db.transaction() as conn:
            await app.post(conn, TENANT, capture("pi_1", 100))
            raise RuntimeError("the caller's state change failed")

    assert await all_entries(ledger_db, TENANT) == []
    [entry] = await post(ledger_db, app, TENANT, capture("pi_1", 100))
    assert (entry.sequence, entry.prev_hash) == (1, GENESIS)


# -- tenants ---------------------------------------------------------------------------------------


async def test_two_tenants_have_independent_chains(ledger_db: Database) -> None:
    app = InvoicingApp(ledger_db, clock=ticking())

    acme = await post(ledger_db, app, TENANT, capture("pi_1", 10_000, 300), capture("pi_2", 2_000))
    globex = await post(ledger_db, app, OTHER, capture("pi_1", 7_000))  # the same key, another tenant

    assert [entry.sequence for entry in acme] == [1, 2]
    assert [entry.sequence for entry in globex] == [1]
    assert globex[0].prev_hash == GENESIS
    assert globex[0].name.startswith(f"tenants/{OTHER}/journalEntries/")
    assert globex[0].name != acme[0].name.replace(TENANT, OTHER)  # ids derive from tenant and key
    assert await all_entries(ledger_db, TENANT) == acme
    assert await all_entries(ledger_db, OTHER) == globex
    assert await app.entries(OTHER, after_sequence=0, limit=10, where=EntryFilter(source_event_id="evt-pi_1")) == globex
    assert (await app.balances(TENANT, CASH)).totals == [Totals("EUR", 11_700, 0, 2)]
    assert (await app.balances(OTHER, CASH)).totals == [Totals("EUR", 7_000, 0, 1)]
    assert (await app.balances(OTHER, FEES)).totals == []
    assert (await app.balances("initech", CASH)).totals == []
    assert await app.verify(TENANT) == Verification(True, 2, 2, acme[-1].hash)
    assert await app.verify(OTHER) == Verification(True, 1, 1, globex[-1].hash)


async def test_40_concurrent_appends_end_gap_free(ledger_db: Database) -> None:
    app = InvoicingApp(ledger_db)

    async def append(number: int):
        async with ledger_db.transaction() as conn:
            return await app.post(conn, TENANT, capture(f"pi_{number}", 100 + number))

    booked = await asyncio.gather(*(append(number) for number in range(40)))

    assert sorted(entry.sequence for entry in booked) == list(range(1, 41))
    stored = await all_entries(ledger_db, TENANT)
    assert [entry.sequence for entry in stored] == list(range(1, 41))
    assert sorted(entry.postings[-1].amount.amount_minor for entry in stored) == [100 + n for n in range(40)]
    times = [entry.create_time.ToDatetime(datetime.UTC) for entry in stored]
    assert times == sorted(times)
    assert await app.verify(TENANT) == Verification(True, 40, 40, stored[-1].hash)


async def test_concurrent_appends_of_one_key_book_it_once(ledger_db: Database) -> None:
    app = InvoicingApp(ledger_db)

    async def append():
        async with ledger_db.transaction() as conn:
            return await app.post(conn, TENANT, capture("pi_1", 100))

    booked = await asyncio.gather(*(append() for _ in range(10)))

    assert {entry.name for entry in booked} == {booked[0].name}
    assert [entry.sequence for entry in await all_entries(ledger_db, TENANT)] == [1]


# -- balances ----------------------------------------------------------------------------------


async def test_balances_sum_debits_and_credits_per_currency(ledger_db: Database) -> None:
    app = InvoicingApp(ledger_db, clock=ticking())
    await post(
        ledger_db,
        app,
        TENANT,
        capture("pi_1", 10_000, 320),  # 1: cash EUR +9680
        capture("pi_2", 5_000, 0, "USD"),  # 2: cash USD +5000
        refund("re_1", 2_500),  # 3: cash EUR −2500
        capture("pi_3", 1_000, 30),  # 4: cash EUR +970
        refund("re_2", 700, "USD"),
    )  # 5: cash USD −700

    cash = await app.balances(TENANT, CASH)

    assert cash.account.id == CASH
    assert cash.account.normal is NormalSide.DEBIT
    assert cash.as_of_sequence == 5
    assert cash.totals == [Totals("EUR", 10_650, 2_500, 3), Totals("USD", 5_000, 700, 2)]
    assert (await app.balances(TENANT, AR)).totals == [Totals("EUR", 2_500, 11_000, 3), Totals("USD", 700, 5_000, 2)]
    assert (await app.balances(TENANT, FEES)).totals == [Totals("EUR", 350, 0, 2)]  # the zero USD fee was dropped
    assert (await app.balances(TENANT, CASH, "USD")).totals == [Totals("USD", 5_000, 700, 2)]
    assert (await app.balances(TENANT, CASH, "GBP")).totals == [Totals("GBP", 0, 0, 0)]
    assert (await app.balances(TENANT, "revenue")).totals == []
    async with ledger_db.transaction() as conn:
        assert await store.totals(conn, TENANT, CASH, up_to_sequence=3) == [
            Totals("EUR", 9_680, 2_500, 2),
            Totals("USD", 5_000, 0, 1),
        ]
        assert await store.totals(conn, TENANT, CASH, up_to_sequence=1) == [Totals("EUR", 9_680, 0, 1)]
        assert await store.totals(conn, TENANT, CASH, up_to_sequence=0) == []
        assert await store.totals(conn, TENANT, CASH, up_to_sequence=4, currency_code="USD") == [
            Totals("USD", 5_000, 0, 1)
        ]


async def test_balances_of_an_account_outside_the_chart_are_not_found(ledger_db: Database) -> None:
    with pytest.raises(AccountNotFound):
        await InvoicingApp(ledger_db).balances(TENANT, "cash")


async def test_entries_filter_by_account_source_and_position(ledger_db: Database) -> None:
    app = InvoicingApp(ledger_db, clock=ticking())
    booked = await post(
        ledger_db,
        app,
        TENANT,
        capture("pi_1", 100, 10),
        capture("pi_2", 200),
        refund("re_1", 50),
        capture("pi_3", 300, 5),
    )

    assert await app.entries(TENANT, after_sequence=0, limit=10, where=EntryFilter(account=FEES)) == [
        booked[0],
        booked[3],
    ]
    assert await app.entries(TENANT, after_sequence=1, limit=1, where=EntryFilter(account=FEES)) == [booked[3]]
    assert await app.entries(
        TENANT, after_sequence=0, limit=10, where=EntryFilter(source_resource="tenants/x/refunds/re_1")
    ) == [booked[2]]
    assert await app.entries(TENANT, after_sequence=1, limit=2, where=EntryFilter()) == booked[1:3]
    async with ledger_db.transaction() as conn:
        assert await store.entry_at(conn, TENANT, 3) == booked[2]
        assert await store.entry_at(conn, TENANT, 5) is None


# -- append-only ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE journal_entries SET description = 'rewritten'",
        "UPDATE journal_entries SET hash = prev_hash WHERE sequence = 2",
        "DELETE FROM journal_entries WHERE sequence = 2",
        "DELETE FROM journal_entries",
        "UPDATE ledger_postings SET amount_minor = amount_minor + 1",
        "UPDATE ledger_postings SET account = 'revenue' WHERE entry_sequence = 1 AND position = 0",
        "DELETE FROM ledger_postings WHERE entry_sequence = 1",
        "DELETE FROM ledger_postings",
    ],
)
async def test_rewriting_booked_entries_fails_in_the_database(ledger_db: Database, statement: str) -> None:
    app = InvoicingApp(ledger_db, clock=ticking())
    booked = await post(ledger_db, app, TENANT, capture("pi_1", 10_000, 320), refund("re_1", 500))
    before = {table: await rows(ledger_db, table) for table in INVOICING_TABLES}

    with pytest.raises(sa.exc.DBAPIError, match="the ledger is append-only"):
        await execute(ledger_db, statement)

    assert {table: await rows(ledger_db, table) for table in INVOICING_TABLES} == before
    assert await app.verify(TENANT) == Verification(True, 2, 2, booked[-1].hash)


@pytest.fixture
async def postgres_ledger_db(postgres_schema_url: str) -> AsyncIterator[Database]:
    db = Database.from_url(postgres_schema_url)
    await migrate(db, RUNTIME_MIGRATIONS, INVOICING_MIGRATIONS)
    yield db
    await db.dispose()


@pytest.mark.parametrize("table", ["journal_entries", "ledger_postings"])
async def test_truncate_fails_on_postgresql(postgres_ledger_db: Database, table: str) -> None:
    db = postgres_ledger_db  # SQLite has no TRUNCATE
    app = InvoicingApp(db, clock=ticking())
    await post(db, app, TENANT, capture("pi_1", 100))
    before = await rows(db, table)

    with pytest.raises(sa.exc.DBAPIError, match="the ledger is append-only: TRUNCATE on " + table):
        await execute(db, f"TRUNCATE {table}")

    assert await rows(db, table) == before


# -- tampering by someone who can drop the triggers ------------------------------------------


async def drop_triggers(db: Database) -> None:
    if db.dialect == "postgresql":
        await execute(
            db, *(f"DROP TRIGGER {table}_append_only ON {table}" for table in ("journal_entries", "ledger_postings"))
        )
    else:
        await execute(
            db,
            *(
                f"DROP TRIGGER {table}_no_{operation}"
                for table in ("journal_entries", "ledger_postings")
                for operation in ("update", "delete")
            ),
        )


@pytest.fixture
async def tampered(ledger_db: Database):
    app = InvoicingApp(ledger_db, clock=ticking())
    booked = await post(ledger_db, app, TENANT, *(capture(f"pi_{n}", 1_000 * n, n) for n in range(1, 6)))
    await post(ledger_db, app, OTHER, capture("pi_1", 1_000, 1))
    await drop_triggers(ledger_db)
    return app, booked


async def test_dropping_the_triggers_is_what_allows_rewrites(ledger_db: Database, tampered) -> None:
    await execute(ledger_db, "UPDATE journal_entries SET description = description WHERE sequence = 1")
    await execute(ledger_db, "UPDATE ledger_postings SET amount_minor = amount_minor WHERE entry_sequence = 1")


async def test_a_changed_posting_amount_is_a_hash_mismatch(ledger_db: Database, tampered) -> None:
    app, booked = tampered

    await execute(
        ledger_db,
        f"UPDATE ledger_postings SET amount_minor = amount_minor + 100 "
        f"WHERE tenant = '{TENANT}' AND entry_sequence = 2 AND position = 0",
    )

    result = await app.verify(TENANT)
    assert without_detail(result) == broken(booked, 2, Violation.HASH_MISMATCH)
    assert (await app.verify(OTHER)).ok


async def test_a_deleted_middle_entry_is_a_sequence_gap(ledger_db: Database, tampered) -> None:
    app, booked = tampered

    await execute(
        ledger_db,
        f"DELETE FROM ledger_postings WHERE tenant = '{TENANT}' AND entry_sequence = 3",
        f"DELETE FROM journal_entries WHERE tenant = '{TENANT}' AND sequence = 3",
    )

    result = await app.verify(TENANT)
    # Entry 4 is found where 3 should be.
    assert without_detail(result) == broken(booked, 3, Violation.SEQUENCE_GAP, name=booked[3].name)
    assert result.detail == "expected sequence 3, found 4"


async def test_a_deleted_last_entry_is_a_sequence_gap_at_the_head(ledger_db: Database, tampered) -> None:
    app, booked = tampered

    await execute(
        ledger_db,
        f"DELETE FROM ledger_postings WHERE tenant = '{TENANT}' AND entry_sequence = 5",
        f"DELETE FROM journal_entries WHERE tenant = '{TENANT}' AND sequence = 5",
    )

    result = await app.verify(TENANT)
    assert without_detail(result) == broken(booked, 5, Violation.SEQUENCE_GAP, name="")
    assert result.detail == "entry 5 is missing: the chain's head is past it"


async def test_a_range_whose_trusted_predecessor_was_deleted_is_a_sequence_gap(ledger_db: Database, tampered) -> None:
    app, booked = tampered

    await execute(
        ledger_db,
        f"DELETE FROM ledger_postings WHERE tenant = '{TENANT}' AND entry_sequence = 3",
        f"DELETE FROM journal_entries WHERE tenant = '{TENANT}' AND sequence = 3",
    )

    result = await app.verify(TENANT, start_sequence=4)
    assert (result.ok, result.violation, result.first_broken_sequence) == (False, Violation.SEQUENCE_GAP, 3)
    assert result.detail == "entry 3 is missing: the chain's head is past it"


async def test_a_range_past_the_head_checks_up_to_the_head(ledger_db: Database) -> None:
    app = InvoicingApp(ledger_db, clock=ticking())
    booked = await post(ledger_db, app, TENANT, *(capture(f"pi_{n}", 100 * n) for n in range(1, 6)))

    assert await app.verify(TENANT, end_sequence=50) == Verification(True, 5, 5, booked[-1].hash)
    assert await app.verify(TENANT, start_sequence=9) == Verification(True, 0, 0, b"")


async def test_a_deleted_posting_is_a_hash_mismatch(ledger_db: Database, tampered) -> None:
    app, booked = tampered

    await execute(
        ledger_db, f"DELETE FROM ledger_postings WHERE tenant = '{TENANT}' AND entry_sequence = 4 AND position = 1"
    )

    assert without_detail(await app.verify(TENANT)) == broken(booked, 4, Violation.HASH_MISMATCH)


async def test_a_rewritten_description_is_a_hash_mismatch(ledger_db: Database, tampered) -> None:
    app, booked = tampered

    await execute(
        ledger_db,
        f"UPDATE journal_entries SET description = 'nothing to see' WHERE tenant = '{TENANT}' AND sequence = 1",
    )

    assert without_detail(await app.verify(TENANT)) == broken(booked, 1, Violation.HASH_MISMATCH)


# -- the schema -------------------------------------------------------------------------------------


async def versions(db: Database) -> list[str]:
    return [row[0] for row in await rows_of(db, f"SELECT version_num FROM {INVOICING_MIGRATIONS.version_table}")]


async def rows_of(db: Database, query: str) -> list[tuple]:
    async with db.transaction() as conn:
        return [tuple(row) for row in await conn.execute(sa.text(query))]


async def schema_diffs(db: Database) -> list[object]:
    def ours_only(obj, name, type_, reflected, compare_to) -> bool:
        return type_ != "table" or name in store.invoicing_metadata.tables

    def compare(connection: sa.Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"version_table": INVOICING_MIGRATIONS.version_table, "include_object": ours_only}
        )
        return compare_metadata(context, store.invoicing_metadata)

    async with db.engine.connect() as connection:
        return await connection.run_sync(compare)


async def test_the_migrated_schema_equals_the_store_tables(ledger_db: Database) -> None:
    assert await schema_diffs(ledger_db) == []


async def test_the_schema_comparison_can_see_drift(ledger_db: Database) -> None:
    await execute(ledger_db, "CREATE INDEX ix_extra ON ledger_heads (sequence)")

    diffs = await schema_diffs(ledger_db)

    assert [(diff[0], diff[1].name) for diff in diffs] == [("remove_index", "ix_extra")]


async def test_migrating_twice_changes_nothing(ledger_db: Database) -> None:
    app = InvoicingApp(ledger_db, clock=ticking())
    booked = await post(ledger_db, app, TENANT, capture("pi_1", 100), capture("pi_2", 200))

    await migrate(ledger_db, RUNTIME_MIGRATIONS, INVOICING_MIGRATIONS)

    assert await versions(ledger_db) == ["0003"]  # the head: ledger (0001), billing (0002), collections (0003)
    assert await schema_diffs(ledger_db) == []
    assert await all_entries(ledger_db, TENANT) == booked
    with pytest.raises(sa.exc.DBAPIError, match="the ledger is append-only"):  # the triggers are still there
        await execute(ledger_db, "DELETE FROM journal_entries")
    assert await app.verify(TENANT) == Verification(True, 2, 2, booked[-1].hash)
