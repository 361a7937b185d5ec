"""Refresh tokens: opaque, stored as SHA-256, rotated on every use, one family per login.

A refresh token presented after it was rotated means two parties hold it (the client
and a thief, or a replaying attacker): the whole family is revoked, with the access
tokens issued alongside it (https://datatracker.ietf.org/doc/html/rfc9700#section-4.14.2).
A family ends `lifetime_hours` after the login, however often it is refreshed.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable

from hoso.access.credential_store import CredentialStore, RefreshTokenRecord
from hoso.access.oauth_errors import invalid_grant
from hoso.access.tokens import IssuedToken

__all__ = ["RefreshTokens", "token_hash"]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class RefreshTokens:
    def __init__(
        self,
        store: CredentialStore,
        *,
        lifetime_hours: int = 12,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.lifetime_seconds = lifetime_hours * 3600
        self.clock = clock

    def start(
        self,
        *,
        family_id: str,
        client_id: str,
        account_id: str,
        scope: str,
        access: IssuedToken,
        auth_time: int,
    ) -> str:
        """The first refresh token of a login."""
        token = secrets.token_urlsafe(32)
        self.store.add_refresh_token(
            token_hash=token_hash(token),
            family_id=family_id,
            client_id=client_id,
            account_id=account_id,
            scope=scope,
            access_jti=access.claims.token_id,
            access_expires=access.claims.expires_at,
            auth_time=auth_time,
            issued=int(self.clock()),
            expires=auth_time + self.lifetime_seconds,
        )
        return token

    def check(self, token: str, client_id: str) -> RefreshTokenRecord:
        """The record of a usable refresh token. A rotated or revoked one revokes its
        family (replay detection); any refusal is `invalid_grant`."""
        now = int(self.clock())
        record = self.store.refresh_token(token_hash(token))
        if record is None or record.client_id != client_id:
            raise invalid_grant("Refresh token không hợp lệ", "Invalid refresh token")
        if record.status != "active":
            self.store.revoke_family(record.family_id, now)
            raise invalid_grant(
                "Refresh token đã được dùng: đã thu hồi cả phiên đăng nhập",
                "Refresh token reused: the whole login session has been revoked",
            )
        if record.expires <= now:
            raise invalid_grant("Refresh token đã hết hạn", "Refresh token has expired")
        return record

    def rotate(
        self, token: str, record: RefreshTokenRecord, access: IssuedToken, scope: str
    ) -> str:
        """Replace `token` by a new one of the same family; a concurrent use of the same
        token loses the race and revokes the family, as a replay would."""
        new = secrets.token_urlsafe(32)
        rotated = self.store.rotate_refresh_token(
            token_hash(token),
            token_hash=token_hash(new),
            family_id=record.family_id,
            client_id=record.client_id,
            account_id=record.account_id,
            scope=scope,
            access_jti=access.claims.token_id,
            access_expires=access.claims.expires_at,
            auth_time=record.auth_time,
            issued=int(self.clock()),
            expires=record.expires,
        )
        if not rotated:
            self.store.revoke_family(record.family_id, int(self.clock()))
            raise invalid_grant(
                "Refresh token đã được dùng: đã thu hồi cả phiên đăng nhập",
                "Refresh token reused: the whole login session has been revoked",
            )
        return new

    def revoke(self, token: str, client_id: str) -> bool | None:
        """RFC 7009 for a refresh token: None if it is not one of ours, False if it
        belongs to another client, True once its family is revoked."""
        record = self.store.refresh_token(token_hash(token))
        if record is None:
            return None
        if record.client_id != client_id:
            return False
        self.store.revoke_family(record.family_id, int(self.clock()))
        return True
