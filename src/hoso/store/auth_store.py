"""SQL of the authentication tables (schema section "authentication").

`hoso.access` reaches these through its `CredentialStore` protocol; each method is one
short transaction of its own, so that a refused login or a replayed assertion is
recorded even when the request that caused it fails.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hoso.store import auth_schema
from hoso.store.engine import transaction

__all__ = [
    "AccountRow",
    "AuthorizationCodeRow",
    "ClientRow",
    "RefreshTokenRow",
    "SigningKeyRow",
    "SqlAuthStore",
]


@dataclass(frozen=True, slots=True)
class SigningKeyRow:
    kid: str
    alg: str
    public_jwk: str
    private_key: str
    created: int
    retired: int | None
    verify_until: int | None


@dataclass(frozen=True, slots=True)
class ClientRow:
    client_id: str
    name: str
    kind: str
    facility: str | None
    scopes: str
    jwks: str | None
    redirect_uris: str | None
    status: str
    created: int


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: str
    username: str
    password_hash: str
    role: str
    facility: str | None
    patient_id: str | None
    practitioner_id: str | None
    totp_secret: str | None
    totp_last_step: int | None
    failed_attempts: int
    locked_until: int | None
    status: str
    created: int


@dataclass(frozen=True, slots=True)
class AuthorizationCodeRow:
    code_hash: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    account_id: str
    scope: str
    nonce: str | None
    family_id: str
    auth_time: int
    expires: int
    used: bool


@dataclass(frozen=True, slots=True)
class RefreshTokenRow:
    token_hash: str
    family_id: str
    client_id: str
    account_id: str
    scope: str
    access_jti: str
    access_expires: int
    auth_time: int
    issued: int
    expires: int
    status: str


class SqlAuthStore:
    """The authentication tables on the record store's engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _tx(self, *, write: bool = True) -> AbstractContextManager[sa.Connection]:
        return transaction(self.engine, write=write)

    # -- signing keys ------------------------------------------------------------------
    def signing_keys(self, now: int) -> list[SigningKeyRow]:
        """Keys that still sign or verify, the signing one first."""
        k = auth_schema.signing_key
        with self._tx(write=False) as conn:
            rows = conn.execute(
                sa.select(k)
                .where(sa.or_(k.c.verify_until.is_(None), k.c.verify_until > now))
                # The active key first, then retired ones, most recently retired first.
                .order_by(
                    sa.case((k.c.retired.is_(None), 0), else_=1),
                    k.c.retired.desc(),
                    k.c.created.desc(),
                    k.c.kid,
                )
            ).all()
        return [SigningKeyRow(**row._mapping) for row in rows]

    def add_signing_key(
        self,
        *,
        kid: str,
        alg: str,
        public_jwk: str,
        private_key: str,
        now: int,
        retired_verify_until: int,
    ) -> None:
        """Make `kid` the signing key: the active one retires (verifying until
        `retired_verify_until`) and keys past their verification end are deleted."""
        k = auth_schema.signing_key
        with self._tx() as conn:
            conn.execute(k.delete().where(k.c.verify_until <= now))
            conn.execute(
                k.update()
                .where(k.c.retired.is_(None))
                .values(retired=now, verify_until=retired_verify_until)
            )
            conn.execute(
                k.insert().values(
                    kid=kid,
                    alg=alg,
                    public_jwk=public_jwk,
                    private_key=private_key,
                    created=now,
                    retired=None,
                    verify_until=None,
                )
            )

    # -- clients -----------------------------------------------------------------------
    def add_client(self, **values: Any) -> None:
        with self._tx() as conn:
            conn.execute(auth_schema.oauth_client.insert().values(**values))

    def client(self, client_id: str) -> ClientRow | None:
        c = auth_schema.oauth_client
        with self._tx(write=False) as conn:
            row = conn.execute(sa.select(c).where(c.c.client_id == client_id)).first()
        return ClientRow(**row._mapping) if row else None

    def set_client_status(self, client_id: str, status: str) -> bool:
        c = auth_schema.oauth_client
        with self._tx() as conn:
            done = conn.execute(c.update().where(c.c.client_id == client_id).values(status=status))
        return done.rowcount == 1

    def set_client_redirect_uris(self, client_id: str, redirect_uris: str) -> bool:
        c = auth_schema.oauth_client
        with self._tx() as conn:
            done = conn.execute(
                c.update().where(c.c.client_id == client_id).values(redirect_uris=redirect_uris)
            )
        return done.rowcount == 1

    def use_assertion_jti(self, client_id: str, jti: str, expires: int, now: int) -> bool:
        """Record a client assertion's jti; False when it was already used (a replay)."""
        j = auth_schema.client_assertion_jti
        try:
            with self._tx() as conn:
                conn.execute(j.delete().where(j.c.expires <= now))
                conn.execute(j.insert().values(client_id=client_id, jti=jti, expires=expires))
        except sa.exc.IntegrityError:
            return False
        return True

    # -- accounts ----------------------------------------------------------------------
    def add_account(self, **values: Any) -> None:
        with self._tx() as conn:
            conn.execute(auth_schema.auth_account.insert().values(**values))

    def account(self, account_id: str) -> AccountRow | None:
        return self._account(auth_schema.auth_account.c.id == account_id)

    def account_by_username(self, username: str) -> AccountRow | None:
        return self._account(auth_schema.auth_account.c.username == username)

    def _account(self, where: sa.ColumnElement[bool]) -> AccountRow | None:
        with self._tx(write=False) as conn:
            row = conn.execute(sa.select(auth_schema.auth_account).where(where)).first()
        return AccountRow(**row._mapping) if row else None

    def count_login_failure(self, account_id: str, *, max_failures: int, lock_until: int) -> bool:
        """Count one failed login; at `max_failures` lock the account until `lock_until`
        and restart the count. True when this failure locked it."""
        a = auth_schema.auth_account
        with self._tx() as conn:
            count = conn.execute(
                a.update()
                .where(a.c.id == account_id)
                .values(failed_attempts=a.c.failed_attempts + 1)
                .returning(a.c.failed_attempts)
            ).scalar_one()
            if count < max_failures:
                return False
            conn.execute(
                a.update()
                .where(a.c.id == account_id)
                .values(failed_attempts=0, locked_until=lock_until)
            )
        return True

    def login_succeeded(self, account_id: str, totp_step: int | None) -> bool:
        """Clear the failure count and remember the TOTP step just used; False when a
        concurrent login already used that step (the code is accepted once)."""
        a = auth_schema.auth_account
        where = [a.c.id == account_id]
        if totp_step is not None:
            where.append(sa.or_(a.c.totp_last_step.is_(None), a.c.totp_last_step < totp_step))
        values: dict[str, Any] = {"failed_attempts": 0, "locked_until": None}
        if totp_step is not None:
            values["totp_last_step"] = totp_step
        with self._tx() as conn:
            done = conn.execute(a.update().where(*where).values(**values))
        return done.rowcount == 1

    # -- authorization codes -----------------------------------------------------------
    def add_authorization_code(self, **values: Any) -> None:
        c = auth_schema.authorization_code
        with self._tx() as conn:
            conn.execute(c.delete().where(c.c.expires <= values["auth_time"] - 3600))
            conn.execute(c.insert().values(used=False, **values))

    def take_authorization_code(self, code_hash: str) -> tuple[AuthorizationCodeRow | None, bool]:
        """The code's row and whether this is its first use (it is marked used now)."""
        c = auth_schema.authorization_code
        with self._tx() as conn:
            first = (
                conn.execute(
                    c.update()
                    .where(c.c.code_hash == code_hash, c.c.used.is_(False))
                    .values(used=True)
                ).rowcount
                == 1
            )
            row = conn.execute(sa.select(c).where(c.c.code_hash == code_hash)).first()
        return (AuthorizationCodeRow(**row._mapping) if row else None), first

    # -- refresh tokens ----------------------------------------------------------------
    def add_refresh_token(self, **values: Any) -> None:
        r = auth_schema.refresh_token
        with self._tx() as conn:
            conn.execute(r.delete().where(r.c.expires <= values["issued"]))
            conn.execute(r.insert().values(status="active", **values))

    def refresh_token(self, token_hash: str) -> RefreshTokenRow | None:
        r = auth_schema.refresh_token
        with self._tx(write=False) as conn:
            row = conn.execute(sa.select(r).where(r.c.token_hash == token_hash)).first()
        return RefreshTokenRow(**row._mapping) if row else None

    def rotate_refresh_token(self, old_hash: str, **new: Any) -> bool:
        """Retire `old_hash` and store its successor; False if it was no longer active
        (used concurrently or revoked), in which case nothing is stored."""
        r = auth_schema.refresh_token
        with self._tx() as conn:
            done = conn.execute(
                r.update()
                .where(r.c.token_hash == old_hash, r.c.status == "active")
                .values(status="rotated")
            )
            if done.rowcount != 1:
                return False
            conn.execute(r.insert().values(status="active", **new))
        return True

    def revoke_family(self, family_id: str, now: int) -> int:
        """Revoke every refresh token of the family and the access tokens issued with
        them that have not yet expired; returns how many access tokens were revoked."""
        r = auth_schema.refresh_token
        with self._tx() as conn:
            conn.execute(r.update().where(r.c.family_id == family_id).values(status="revoked"))
            live = conn.execute(
                sa.select(r.c.access_jti, r.c.access_expires).where(
                    r.c.family_id == family_id, r.c.access_expires > now
                )
            ).all()
            for jti, expires in live:
                _insert_revoked(conn, jti, expires, now)
        return len(live)

    # -- revoked access tokens ---------------------------------------------------------
    def revoke_access_token(self, jti: str, expires: int, now: int) -> None:
        with self._tx() as conn:
            _insert_revoked(conn, jti, expires, now)

    def revoked_token_ids(self, now: int) -> set[str]:
        v = auth_schema.revoked_token
        with self._tx(write=False) as conn:
            return set(conn.execute(sa.select(v.c.jti).where(v.c.expires > now)).scalars())


def _insert_revoked(conn: sa.Connection, jti: str, expires: int, now: int) -> None:
    """Idempotent: revoking a token twice (two requests at once) is not an error.
    Rows of tokens that have expired anyway go first: they protect nothing."""
    v = auth_schema.revoked_token
    conn.execute(v.delete().where(v.c.expires <= now))
    if conn.execute(sa.select(v.c.jti).where(v.c.jti == jti)).first() is not None:
        return
    try:
        with conn.begin_nested():
            conn.execute(v.insert().values(jti=jti, expires=expires, revoked=now))
    except sa.exc.IntegrityError:
        pass  # revoked by a concurrent request meanwhile
