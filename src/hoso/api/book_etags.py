"""The ETags of the health books this API process built, so that a phone revalidating
its copy (`If-None-Match`) is answered 304 without the book being built again.

An ETag is the hash of the book's bytes, as before; it is remembered under what the
bytes were built from: the record, the language, the reader's view
(`hoso.fhir.visibility.Visibility`, which the access layer renews every minute) and the
record's state (`Session.compartment_state`, read before the book). A write to the
record changes the state, so an ETag is never reused for a changed record; a new
minute, another process or a forgotten entry only cost one rebuild. Building the book
for a ten-year record costs tens of milliseconds; the state, two index lookups.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

__all__ = ["KnownETags"]


class KnownETags:
    """At most `size` entries, the least recently used forgotten first. Used from the
    event loop's thread only (the handler's own code), so it takes no lock."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._known: OrderedDict[Hashable, str] = OrderedDict()

    def get(self, key: Hashable) -> str | None:
        etag = self._known.get(key)
        if etag is not None:
            self._known.move_to_end(key)
        return etag

    def put(self, key: Hashable, etag: str) -> None:
        self._known[key] = etag
        self._known.move_to_end(key)
        while len(self._known) > self.size:
            self._known.popitem(last=False)
