"""The health books this API process built, kept so that a book whose record has not
changed is not built again: a phone revalidating its copy (`If-None-Match`) gets a 304,
and a reader asking again gets the same bytes.

A book is kept under what it was built from: the record, the language, the reader's
scopes and view (`hoso.fhir.visibility.Visibility`, which the access layer renews every
minute) and the record's state (`Session.compartment_state`, read before the book). A
write to the record changes the state, so a kept book is never served for a changed
record; a new minute, another process or a forgotten entry only cost one rebuild.
Building the book of a ten-year record (~800 resources) costs tens of milliseconds of
CPU, the state two index lookups (docs/performance.md, the health book).

ETags (small) are kept for the last `ETAGS` books; the bytes within a budget of
`HOSO_BOOK_CACHE_MIB` MiB per process (default 32; 0 keeps none, every 200 is built).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Hashable

__all__ = ["BuiltBooks"]

ETAGS = 4096
DEFAULT_MIB = 32


class BuiltBooks:
    """Least recently used forgotten first. Used from the event loop's thread only
    (the handler's own code, between awaits), so it takes no lock."""

    def __init__(self, budget_bytes: int | None = None, etags: int = ETAGS) -> None:
        if budget_bytes is None:
            budget_bytes = int(os.environ.get("HOSO_BOOK_CACHE_MIB", DEFAULT_MIB)) * 2**20
        self.budget, self.etags = budget_bytes, etags
        self._etag: OrderedDict[Hashable, str] = OrderedDict()
        self._body: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0

    def etag(self, key: Hashable) -> str | None:
        found = self._etag.get(key)
        if found is not None:
            self._etag.move_to_end(key)
        return found

    def body(self, key: Hashable) -> bytes | None:
        found = self._body.get(key)
        if found is not None:
            self._body.move_to_end(key)
        return found

    def put(self, key: Hashable, etag: str, body: bytes) -> None:
        self._etag[key] = etag
        self._etag.move_to_end(key)
        while len(self._etag) > self.etags:
            self._etag.popitem(last=False)
        if len(body) > self.budget:
            return
        old = self._body.pop(key, None)
        self._bytes += len(body) - (len(old) if old is not None else 0)
        self._body[key] = body
        while self._bytes > self.budget:
            _, dropped = self._body.popitem(last=False)
            self._bytes -= len(dropped)
