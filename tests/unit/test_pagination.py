"""Page tokens carry the last key seen, refuse another query's filters, and keep one size policy."""

from __future__ import annotations

import datetime

import pytest
import sqlalchemy as sa

from mesh.errors import Code, DomainError
from mesh.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Keyset, PageRequest, page_size
from mesh.persistence import UtcDateTime

WHEN = datetime.datetime(2026, 11, 21, 10, 0, 0, 123456, tzinfo=datetime.UTC)
rows = sa.table("rows", sa.column("created_at", UtcDateTime), sa.column("id", sa.String))
NEWEST_FIRST = Keyset(rows.c.created_at, rows.c.id, descending=True)


def next_request(rows_fetched, key, *query, size=2) -> PageRequest:
    token = PageRequest.of(size, "", *query).take(rows_fetched, key=key).next_page_token
    return PageRequest.of(size, token, *query)


def test_no_token_is_the_first_page() -> None:
    assert PageRequest.of(10, "", "tenants/acme").after(int) is None


def test_a_token_carries_the_last_key_shown_not_the_one_fetched_beyond() -> None:
    request = next_request([(WHEN, "b"), (WHEN, "a"), (WHEN, "_")], lambda row: row, "tenants/acme", "OPEN")

    assert request.after(datetime.datetime, str) == (WHEN, "a")


def test_the_last_page_has_no_token() -> None:
    page = PageRequest.of(2, "", "tenants/acme").take([1, 2], key=lambda n: (n,))

    assert (page.items, page.next_page_token) == ([1, 2], "")


@pytest.mark.parametrize(("requested", "size"), [(0, DEFAULT_PAGE_SIZE), (7, 7), (MAX_PAGE_SIZE + 1, MAX_PAGE_SIZE)])
def test_page_size_follows_the_contract_default_50_at_most_500(requested: int, size: int) -> None:
    assert (DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE) == (50, 500)
    assert page_size(requested) == size
    assert PageRequest.of(requested, "").limit == size + 1


def foreign_tokens() -> list[str]:
    def token(key, *query) -> str:
        return PageRequest.of(1, "", *query).take([key, key], key=lambda k: k).next_page_token

    return [
        token((7,), "tenants/acme", "revenue"),  # issued for other filters
        token((7,), "tenants/globex", "refunds"),  # issued for another parent
        "not-a-token",
        "e30",  # "{}"
        token(("seven",), "tenants/acme", "refunds"),  # a key of another shape
        token((7, 8), "tenants/acme", "refunds"),
    ]


@pytest.mark.parametrize("token", foreign_tokens())
def test_a_foreign_or_forged_token_is_invalid(token: str) -> None:
    with pytest.raises(DomainError) as raised:
        PageRequest.of(1, token, "tenants/acme", "refunds").after(int)
    assert raised.value.code is Code.INVALID_ARGUMENT
    assert raised.value.reason.name == "INVALID_PAGE_TOKEN"


def test_a_datetime_key_without_a_time_zone_is_invalid() -> None:
    request = next_request([(WHEN.replace(tzinfo=None), "a")] * 3, lambda row: row, "tenants/acme")

    with pytest.raises(DomainError):
        request.after(datetime.datetime, str)


def test_keyset_selects_rows_strictly_after_the_key_in_its_order() -> None:
    request = next_request([(WHEN, "b"), (WHEN, "a"), (WHEN, "_")], lambda row: row, "tenants/acme")
    clause = NEWEST_FIRST.after(request).compile(compile_kwargs={"literal_binds": True})

    assert str(clause) == (
        "rows.created_at < '2026-11-21 10:00:00.123456+00:00' OR "
        "rows.created_at = '2026-11-21 10:00:00.123456+00:00' AND rows.id < 'a'"
    )


def test_keyset_selects_everything_on_the_first_page() -> None:
    assert str(NEWEST_FIRST.after(PageRequest.of(1, "")).compile()) == "true"
