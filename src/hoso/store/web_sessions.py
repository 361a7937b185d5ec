"""SQL of the web-session table (`hoso.access.web_sessions` is its only user). Each call
is one short transaction; the lookup joins the account so a disabled account's sessions
stop at once without a write."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass

import sqlalchemy as sa

from hoso.store import auth_schema
from hoso.store.engine import transaction

__all__ = ["SqlSessionStore", "WebSessionRow"]

_S = auth_schema.web_session


@dataclass(frozen=True, slots=True)
class WebSessionRow:
    id: str
    account_id: str
    subject: str
    role: str
    scopes: str
    client_id: str
    facility: str | None
    patient_id: str | None
    fhir_user: str | None
    username: str
    csrf_secret: str
    lang: str
    created: int
    last_seen: int
    expires: int
    rotated: int
    ended: int | None
    current: bool


_COLUMNS = [c for c in WebSessionRow.__dataclass_fields__ if c != "current"]


class SqlSessionStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _tx(self, *, write: bool = True) -> AbstractContextManager[sa.Connection]:
        return transaction(self.engine, write=write)

    def add_session(self, values: dict[str, object]) -> None:
        with self._tx() as conn:
            conn.execute(sa.insert(_S).values(**values))

    def session_by_cookie(self, cookie_hash: str, grace_since: int) -> WebSessionRow | None:
        a = auth_schema.auth_account
        current = (_S.c.cookie_hash == cookie_hash).label("current")
        rotated_away = sa.and_(_S.c.previous_hash == cookie_hash, _S.c.rotated > grace_since)
        query = (
            sa.select(*[_S.c[name] for name in _COLUMNS], current)
            .join(a, a.c.id == _S.c.account_id)
            .where(a.c.status == "active")
            .where(sa.or_(_S.c.cookie_hash == cookie_hash, rotated_away))
        )
        with self._tx(write=False) as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        values = dict(row._mapping)
        values["current"] = bool(values["current"])
        return WebSessionRow(**values)

    def rotate_session(self, session_id: str, old_hash: str, new_hash: str, now: int) -> bool:
        with self._tx() as conn:
            done = conn.execute(
                sa.update(_S)
                .where(_S.c.id == session_id, _S.c.cookie_hash == old_hash, _S.c.ended.is_(None))
                .values(cookie_hash=new_hash, previous_hash=old_hash, rotated=now, last_seen=now)
            )
        return done.rowcount == 1

    def touch_session(self, session_id: str, now: int) -> None:
        with self._tx() as conn:
            conn.execute(sa.update(_S).where(_S.c.id == session_id).values(last_seen=now))

    def set_session_lang(self, session_id: str, lang: str) -> None:
        with self._tx() as conn:
            conn.execute(sa.update(_S).where(_S.c.id == session_id).values(lang=lang))

    def end_session(self, session_id: str, now: int) -> bool:
        with self._tx() as conn:
            done = conn.execute(
                sa.update(_S).where(_S.c.id == session_id, _S.c.ended.is_(None)).values(ended=now)
            )
        return done.rowcount == 1

    def end_account_sessions(self, account_id: str, now: int) -> int:
        with self._tx() as conn:
            done = conn.execute(
                sa.update(_S)
                .where(_S.c.account_id == account_id, _S.c.ended.is_(None))
                .values(ended=now)
            )
        return int(done.rowcount)
