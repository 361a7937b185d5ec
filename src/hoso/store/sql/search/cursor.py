"""Opaque paging cursors: urlsafe base64 of a small JSON object.

A cursor carries where the previous page ended (the last `seq`, or a snapshot id and
position), the total computed on the first page, and a hash of the query's canonical
parameters, so that it cannot be replayed with a different query. It is not signed:
a forged cursor can only page through the caller's own query, which the access layer
filters like any other.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from hoso.core import jsonx
from hoso.core.errors import InvalidRequest
from hoso.fhir.search.ir import SearchQuery


@dataclass(frozen=True, slots=True)
class Cursor:
    query_hash: str
    last_seq: int | None = None  # keyset paging (no _sort)
    search_id: str | None = None  # snapshot paging (_sort)
    position: int = 0  # last snapshot position already returned
    created: int = 0  # µs since epoch when the snapshot was written
    total: int | None = None


def query_hash(query: SearchQuery, viewer: str = "") -> str:
    """Binds a cursor to its query and to the caller's view (`viewer`), so that a link
    handed to someone else cannot carry a total computed over rows they may not see."""
    text = query.canonical + "\n" + viewer
    digest = hashlib.blake2b(text.encode(), digest_size=12).digest()
    return base64.urlsafe_b64encode(digest).decode()


def encode_cursor(cursor: Cursor) -> str:
    body: dict[str, Any] = {"q": cursor.query_hash}
    if cursor.last_seq is not None:
        body["s"] = cursor.last_seq
    if cursor.search_id is not None:
        body.update(i=cursor.search_id, p=cursor.position, c=cursor.created)
    if cursor.total is not None:
        body["t"] = cursor.total
    return base64.urlsafe_b64encode(jsonx.dumps(body)).decode().rstrip("=")


def _invalid(reason_vi: str, reason_en: str) -> InvalidRequest:
    return InvalidRequest(
        f"Mã trang không hợp lệ: {reason_vi} / Invalid page cursor: {reason_en}",
        expression=["_cursor"],
    )


def decode_cursor(token: str, query: SearchQuery, viewer: str = "") -> Cursor:
    """The cursor in `token`; InvalidRequest if malformed or made for another query."""
    try:
        body = jsonx.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        cursor = Cursor(
            query_hash=str(body["q"]),
            last_seq=int(body["s"]) if "s" in body else None,
            search_id=str(body["i"]) if "i" in body else None,
            position=int(body.get("p", 0)),
            created=int(body.get("c", 0)),
            total=int(body["t"]) if "t" in body else None,
        )
    except (ValueError, TypeError, KeyError, InvalidRequest):
        raise _invalid("không đọc được", "cannot be decoded") from None
    if cursor.query_hash != query_hash(query, viewer):
        raise _invalid("thuộc về truy vấn khác", "it belongs to a different query")
    if (cursor.last_seq is None) == (cursor.search_id is None):
        raise _invalid("thiếu vị trí", "no position")
    return cursor
