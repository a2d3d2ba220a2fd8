"""Keyset pagination (AIP-158) for every listing: one page-size policy, opaque page tokens.

A token carries the key of the last row the previous page showed (never an offset: rows created
or deleted meanwhile would shift an offset, so a page would skip or repeat them) and a
fingerprint of the query that issued it (parent and filters), so a token replayed with other
filters is refused instead of silently selecting other rows. Tokens are not secrets and not
signed: they only ever select the caller's own tenant's rows, which the query itself enforces;
a forged key of the wrong shape is refused like a foreign token.

    page = PageRequest.of(request.page_size, request.page_token, request.parent, request.state)
    rows = ... WHERE ORDER.after(page) ORDER BY ORDER.order_by() LIMIT page.limit
    return page.take(rows, key=ORDER.key_of)          # Page(items, next_page_token)
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import json
import operator
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, overload

import sqlalchemy as sa

from mesh.errors import Code, DomainError, common

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "Keyset", "Page", "PageRequest", "page_size"]

# Every List RPC's contract: "page_size is the most results to return: 0 means the default of 50,
# at most 500." Protovalidate refuses more than 500; the clamp keeps internal callers honest too.
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

T = TypeVar("T")
U = TypeVar("U")
KeyPart = int | str | datetime.datetime
P = TypeVar("P", int, str, datetime.datetime)  # one KeyPart type


def page_size(requested: int) -> int:
    """The size of a page the caller asked `requested` rows of."""
    return DEFAULT_PAGE_SIZE if requested <= 0 else min(requested, MAX_PAGE_SIZE)


@dataclasses.dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_page_token: str = ""  # "" on the last page

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        return Page([convert(item) for item in self.items], self.next_page_token)


@dataclasses.dataclass(frozen=True)
class PageRequest:
    """One page of one query: how many rows, and after which key (None: the first page)."""

    size: int
    query: tuple[object, ...]
    last_key: tuple[object, ...] | None = None  # as the token carried it, typed by `after`

    @classmethod
    def of(cls, requested_size: int, page_token: str, *query: object) -> PageRequest:
        """The page `page_token` names for `query`; INVALID_PAGE_TOKEN when it was issued for
        another query or is not a token at all."""
        return cls(page_size(requested_size), query, _decode(page_token, query) if page_token else None)

    @property
    def limit(self) -> int:
        return self.size + 1  # one row more than shown tells whether another page follows

    @overload
    def after(self, kind: type[P], /) -> tuple[P] | None: ...
    @overload
    def after(self, *types: type) -> tuple[KeyPart, ...] | None: ...
    def after(self, *types: type) -> tuple[KeyPart, ...] | None:
        """The previous page's last key with its parts as `types` (None on the first page)."""
        if self.last_key is None:
            return None
        if len(self.last_key) != len(types):
            raise _invalid()
        return tuple(_typed(part, kind) for part, kind in zip(self.last_key, types, strict=True))

    def take(self, rows: Sequence[T], *, key: Callable[[T], Sequence[KeyPart]]) -> Page[T]:
        """This page of `rows` (fetched with `limit`) and the token of the next one."""
        if len(rows) <= self.size:
            return Page(list(rows))
        return Page(list(rows[: self.size]), _encode(key(rows[self.size - 1]), self.query))


class Keyset:
    """A listing's order, by columns that together are unique (all ascending or all descending),
    and the rows that come after a key in it."""

    def __init__(self, *columns: sa.ColumnElement[Any], descending: bool = False) -> None:
        self.columns = columns
        self.descending = descending

    def order_by(self) -> list[sa.UnaryExpression[Any]]:
        return [column.desc() if self.descending else column.asc() for column in self.columns]

    def after(self, page: PageRequest) -> sa.ColumnElement[bool]:
        """The rows past the page's key: (a, b) > (x, y) is a > x OR (a = x AND b > y), spelled
        out rather than as a row value so each part binds with its own column's type
        (UtcDateTime stores SQLite times as naive UTC)."""
        key = page.after(*(_python_type(column.type) for column in self.columns))
        if key is None:
            return sa.true()
        beyond = operator.lt if self.descending else operator.gt
        clause: sa.ColumnElement[bool] = beyond(self.columns[-1], key[-1])
        for column, part in zip(reversed(self.columns[:-1]), reversed(key[:-1]), strict=True):
            clause = sa.or_(beyond(column, part), sa.and_(column == part, clause))
        return clause

    def key_of(self, row: object) -> tuple[KeyPart, ...]:
        """The key of a selected row (the key columns must be among those selected)."""
        return tuple(getattr(row, column.name) for column in self.columns)


def _python_type(column_type: sa.types.TypeEngine[Any]) -> type:
    """What a column holds in Python; a TypeDecorator (UtcDateTime) answers `object`, its impl knows."""
    if isinstance(column_type, sa.types.TypeDecorator):
        return column_type.impl_instance.python_type
    return column_type.python_type


# The token: base64url JSON {"k": the last key, "q": the query's fingerprint}.


def _encode(key: Sequence[KeyPart], query: tuple[object, ...]) -> str:
    parts = [part.isoformat() if isinstance(part, datetime.datetime) else part for part in key]
    payload = json.dumps({"k": parts, "q": _fingerprint(query)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode(token: str, query: tuple[object, ...]) -> tuple[object, ...]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if decoded["q"] == _fingerprint(query) and type(decoded["k"]) is list and decoded["k"]:
            return tuple(decoded["k"])
    except (ValueError, KeyError, TypeError):
        pass
    raise _invalid()


def _typed(part: object, kind: type) -> KeyPart:
    if kind is datetime.datetime and type(part) is str:
        try:
            parsed = datetime.datetime.fromisoformat(part)
        except ValueError:
            raise _invalid() from None
        if parsed.tzinfo is not None:
            return parsed
    elif kind in (int, str) and type(part) is kind:
        return part
    raise _invalid()


def _invalid() -> DomainError:
    return DomainError(Code.INVALID_ARGUMENT, common.INVALID_PAGE_TOKEN, "page_token was not issued for this query")


def _fingerprint(query: tuple[object, ...]) -> str:
    return hashlib.sha256(json.dumps(query, default=str).encode()).hexdigest()[:16]
