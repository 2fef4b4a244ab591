"""Keyset pagination shared by every list endpoint (issue 16).

A list is ordered newest first by a key of one or more columns (for most tables the id; the merchants'
registry by created_at and address). A page is at most `limit` rows (default 50, at most 200); when more
rows follow, the answer carries a `next` cursor: an opaque, URL-safe string (base64 of the last row's
key as JSON). The next page holds the rows whose key is below it, so rows added between two page
requests never make a row appear twice or go missing: new rows land before the first page.

List endpoints keep answering a bare JSON list; the cursor travels in the `X-Next-Cursor` header (and a
`Link: <...>; rel="next"` header), absent on the last page (README, "Lists and paging").
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Request, Response
from sqlalchemy import ColumnElement, Select, and_, or_

from backend.errors import BadCursor

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
NEXT_HEADER = "X-Next-Cursor"

T = TypeVar("T")
Q = TypeVar("Q", bound=Select)  # type: ignore[type-arg]  # any select, its row type kept
KeyValue = int | str | datetime

# Route parameters (the same two on every list).
Limit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"rows per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})")
]
Cursor = Annotated[
    str | None,
    Query(max_length=400, description="the previous page's `X-Next-Cursor` header; omit for the first page"),
]


@dataclass(frozen=True)
class Key:
    """One column of a list's order (descending), and the Python type of its values."""

    column: Any  # an ORM attribute or column expression
    kind: type  # int, str or datetime


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next: str | None


def encode(values: Sequence[KeyValue]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, keys: Sequence[Key]) -> tuple[KeyValue, ...]:
    """The key values in `cursor`, checked against the list's keys; BadCursor (422) if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        plain = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise BadCursor(cursor) from exc
    if not isinstance(plain, list) or len(plain) != len(keys):
        raise BadCursor(cursor)
    values: list[KeyValue] = []
    for value, key in zip(plain, keys, strict=True):
        values.append(_typed(cursor, value, key.kind))
    return tuple(values)


def _typed(cursor: str, value: object, kind: type) -> KeyValue:
    if kind is int and isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        return value
    if kind is str and isinstance(value, str) and len(value) <= 200:
        return value
    if kind is datetime and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise BadCursor(cursor) from exc
        if moment.tzinfo is not None:  # the columns hold UTC times; a naive one is not ours
            return moment
    raise BadCursor(cursor)


def bounded(limit: int | None) -> int:
    """The page size to use: the default when none is given, never above MAX_LIMIT or below 1."""
    if limit is None:
        return DEFAULT_LIMIT
    return max(1, min(MAX_LIMIT, limit))


def _below(keys: Sequence[Key], values: Sequence[KeyValue]) -> ColumnElement[bool]:
    """Rows whose key sorts after `values` in descending order: (k1 < v1) or (k1 = v1 and k2 < v2) ..."""
    terms = []
    for i, key in enumerate(keys):
        equal = [keys[j].column == values[j] for j in range(i)]
        terms.append(and_(*equal, key.column < values[i]))
    return or_(*terms)


def keyset(query: Q, keys: Sequence[Key], cursor: str | None, limit: int | None) -> Q:
    """`query` ordered newest first by `keys`, starting below `cursor`, one row more than a page
    (so `page_of` knows whether another page follows)."""
    if cursor:
        query = query.where(_below(keys, decode(cursor, keys)))
    return query.order_by(*(key.column.desc() for key in keys)).limit(bounded(limit) + 1)


def page_of(rows: Sequence[T], limit: int | None, key_of: Callable[[T], Sequence[KeyValue]]) -> Page[T]:
    """The page from the rows `keyset` fetched, and the cursor of the next one (None on the last)."""
    size = bounded(limit)
    items = list(rows[:size])
    more = len(rows) > size
    return Page(items=items, next=encode(key_of(items[-1])) if more and items else None)


def send_next(response: Response, request: Request, next_cursor: str | None) -> None:
    """Puts the next page's cursor in the answer's headers (nothing on the last page)."""
    if next_cursor is None:
        return
    response.headers[NEXT_HEADER] = next_cursor
    url = request.url.include_query_params(cursor=next_cursor)
    response.headers["Link"] = f'<{url}>; rel="next"'


def every(fetch: Callable[[str | None], Page[T]]) -> list[T]:
    """All rows of a list, page by page (for the command line, which shows everything):
    `every(lambda cursor: service.list_x(session, cursor=cursor, limit=MAX_LIMIT))`."""
    rows: list[T] = []
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        rows.extend(page.items)
        if page.next is None:
            return rows
        cursor = page.next
