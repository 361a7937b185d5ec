"""SQL of the share-link table (`hoso.access.share_links` is its only user). Each call is
one short transaction; counting an open is one conditional UPDATE, so two viewers opening
at once both count, and a link revoked or expired a moment before is not opened."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass

import sqlalchemy as sa

from hoso.core import jsonx
from hoso.store.engine import transaction
from hoso.store.share_schema import share_link

__all__ = ["ShareLinkRow", "SqlShareLinks"]

_L = share_link


@dataclass(frozen=True, slots=True)
class ShareLinkRow:
    id: int
    patient_id: str
    sections: tuple[str, ...]
    include_sensitive: bool
    created_by: str
    created_at: int
    expires_at: int
    revoked_at: int | None
    opened_count: int
    last_opened_at: int | None


_COLUMNS = [_L.c[name] for name in ShareLinkRow.__dataclass_fields__]


def _row(found: sa.Row[tuple[object, ...]]) -> ShareLinkRow:
    values = dict(found._mapping)
    values["sections"] = tuple(jsonx.loads(str(values["sections"])))
    values["include_sensitive"] = bool(values["include_sensitive"])
    return ShareLinkRow(**values)


class SqlShareLinks:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _tx(self, *, write: bool = True) -> AbstractContextManager[sa.Connection]:
        return transaction(self.engine, write=write)

    def add(self, *, patient_id: str, token_hash: str, sections: tuple[str, ...],
            include_sensitive: bool, created_by: str, created_at: int, expires_at: int
            ) -> ShareLinkRow:  # fmt: skip
        values = {"patient_id": patient_id, "token_hash": token_hash,
                  "sections": jsonx.dumps_str(list(sections)),
                  "include_sensitive": include_sensitive, "created_by": created_by,
                  "created_at": created_at, "expires_at": expires_at,
                  "opened_count": 0}  # fmt: skip
        with self._tx() as conn:
            result = conn.execute(sa.insert(_L).values(**values))
            new_id = int(result.inserted_primary_key[0])
        return ShareLinkRow(id=new_id, patient_id=patient_id, sections=sections,
                            include_sensitive=include_sensitive, created_by=created_by,
                            created_at=created_at, expires_at=expires_at, revoked_at=None,
                            opened_count=0, last_opened_at=None)  # fmt: skip

    def active_for(self, patient_id: str, now: int) -> list[ShareLinkRow]:
        """The links of one book neither revoked nor expired at `now`, newest first."""
        query = (sa.select(*_COLUMNS)
                 .where(_L.c.patient_id == patient_id, _L.c.revoked_at.is_(None),
                        _L.c.expires_at > now)
                 .order_by(_L.c.id.desc()))  # fmt: skip
        with self._tx(write=False) as conn:
            return [_row(found) for found in conn.execute(query)]

    def by_token_hash(self, token_hash: str) -> ShareLinkRow | None:
        with self._tx(write=False) as conn:
            found = conn.execute(sa.select(*_COLUMNS).where(_L.c.token_hash == token_hash)).first()
        return _row(found) if found else None

    def revoke(self, patient_id: str, link_id: int, now: int) -> bool:
        """Revoke one of this book's links (a second revocation keeps the first time);
        False when the book has no link `link_id`."""
        with self._tx() as conn:
            done = conn.execute(
                sa.update(_L).where(_L.c.id == link_id, _L.c.patient_id == patient_id)
                .values(revoked_at=sa.func.coalesce(_L.c.revoked_at, now)))  # fmt: skip
        return done.rowcount == 1

    def count_open(self, link_id: int, now: int) -> bool:
        """Count one open of a link still in force at `now`; False when it is not."""
        with self._tx() as conn:
            done = conn.execute(
                sa.update(_L).where(_L.c.id == link_id, _L.c.revoked_at.is_(None),
                                    _L.c.expires_at > now)
                .values(opened_count=_L.c.opened_count + 1, last_opened_at=now))  # fmt: skip
        return done.rowcount == 1
