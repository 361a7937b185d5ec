"""The token and revocation endpoints' logic (RFC 6749 §4.1.3, §4.4, §6; RFC 7009).

Every token issued or refused is recorded in the audit trail, with the grant type and
the reason, never the token itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from hoso.access import claims as roles
from hoso.access.accounts import AccountService
from hoso.access.audit_record import EXECUTE, MINOR_FAILURE, SUCCESS, AuditRecord, AuditTrail
from hoso.access.clients import PEER, PUBLIC, SYSTEM, Client, ClientRegistry, assertion_issuer
from hoso.access.grant_scopes import parse_scopes, uncovered
from hoso.access.oauth_errors import (
    OAuthError,
    invalid_grant,
    invalid_request,
    invalid_scope,
)
from hoso.access.oidc import BuiltInProvider
from hoso.access.refresh import RefreshTokens
from hoso.access.tokens import IssuedToken, TokenService

__all__ = ["OPERATOR_CLIENT", "TokenEndpoint"]

OPERATOR_CLIENT = "hoso-cli"
CLIENT_CREDENTIALS = "client_credentials"
AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"


def _scopes(text: str | None) -> tuple[str, ...]:
    try:
        return parse_scopes(text)
    except ValueError as exc:
        raise invalid_scope("Phạm vi không hợp lệ", "Malformed scope") from exc


def _within(requested: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    missing = uncovered(requested, allowed)
    if missing:
        raise invalid_scope(
            f"Phạm vi không được phép: {' '.join(missing)}",
            f"Scopes not allowed: {' '.join(missing)}",
        )


def _response(access: IssuedToken, **extra: Any) -> dict[str, Any]:
    body = {
        "access_token": access.token,
        "token_type": "Bearer",
        "expires_in": access.expires_in,
        "scope": " ".join(access.claims.scopes),
    }
    return body | {k: v for k, v in extra.items() if v is not None}


class TokenEndpoint:
    def __init__(
        self,
        *,
        tokens: TokenService,
        clients: ClientRegistry,
        accounts: AccountService,
        provider: BuiltInProvider,
        refresh: RefreshTokens,
        audit: AuditTrail,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tokens = tokens
        self.clients = clients
        self.accounts = accounts
        self.provider = provider
        self.refresh = refresh
        self.audit = audit
        self.clock = clock

    # -- POST /auth/token --------------------------------------------------------------
    def token(self, form: Mapping[str, str], *, source_ip: str | None = None) -> dict[str, Any]:
        """The token response for a form-encoded request; `OAuthError` if refused."""
        grant_type = form.get("grant_type", "")
        client: Client | None = None
        try:
            client = self._client(form)
            if grant_type == CLIENT_CREDENTIALS:
                body, access = self._client_credentials(client, form)
            elif grant_type == AUTHORIZATION_CODE:
                body, access = self._authorization_code(client, form)
            elif grant_type == REFRESH_TOKEN:
                body, access = self._refresh(client, form)
            elif not grant_type:
                raise invalid_request("Thiếu grant_type", "grant_type is missing")
            else:
                raise OAuthError(
                    "unsupported_grant_type",
                    "Loại cấp quyền không hỗ trợ",
                    "Unsupported grant_type",
                )
        except OAuthError as exc:
            self._refused(grant_type, client, form, exc, source_ip)
            raise
        self._issued(grant_type, access, source_ip)
        return body

    def _client(self, form: Mapping[str, str]) -> Client:
        return self.clients.authenticate(
            client_id=form.get("client_id"),
            assertion_type=form.get("client_assertion_type"),
            assertion=form.get("client_assertion"),
        )

    def _client_credentials(
        self, client: Client, form: Mapping[str, str]
    ) -> tuple[dict[str, Any], IssuedToken]:
        if client.kind not in (SYSTEM, PEER):
            raise OAuthError(
                "unauthorized_client",
                "Ứng dụng không được dùng client_credentials",
                "This client may not use client_credentials",
            )
        requested = _scopes(form.get("scope"))
        if not requested:
            raise invalid_scope("Thiếu scope", "scope is missing")
        # SMART lets a server grant less than asked: what the client is registered for
        # is granted, the rest left out (fhirclient adds `launch/patient` to every
        # backend request); the answer's `scope` says what was granted.
        scopes = tuple(s for s in requested if not uncovered((s,), client.scopes))
        if not scopes:
            _within(requested, client.scopes)  # none allowed: say which were refused
        access = self.tokens.mint(
            subject=f"client:{client.client_id}",
            role=roles.RECORD_SYSTEM if client.kind == PEER else roles.FACILITY_SYSTEM,
            scopes=scopes,
            client_id=client.client_id,
            facility=client.facility,
        )
        return _response(access), access

    def _authorization_code(
        self, client: Client, form: Mapping[str, str]
    ) -> tuple[dict[str, Any], IssuedToken]:
        if client.kind != PUBLIC:
            raise OAuthError(
                "unauthorized_client",
                "Ứng dụng không được dùng authorization_code",
                "This client may not use authorization_code",
            )
        code = form.get("code")
        if not code:
            raise invalid_request("Thiếu code", "code is missing")
        record = self.provider.redeem(
            code,
            client_id=client.client_id,
            redirect_uri=form.get("redirect_uri"),
            code_verifier=form.get("code_verifier"),
        )
        account = self.accounts.get(record.account_id)
        if account is None:
            raise invalid_grant("Tài khoản không còn hoạt động", "Account is no longer active")
        scopes = tuple(record.scope.split())
        access = self._person_token(account, scopes, client.client_id)
        refresh = self.refresh.start(
            family_id=record.family_id,
            client_id=client.client_id,
            account_id=account.id,
            scope=record.scope,
            access=access,
            auth_time=record.auth_time,
        )
        id_token = None
        if "openid" in scopes:
            id_token = self.provider.id_token(
                account,
                client_id=client.client_id,
                nonce=record.nonce,
                auth_time=record.auth_time,
                scope=scopes,
            )
        body = _response(
            access, refresh_token=refresh, id_token=id_token, patient=access.claims.patient
        )
        return body, access

    def _refresh(
        self, client: Client, form: Mapping[str, str]
    ) -> tuple[dict[str, Any], IssuedToken]:
        token = form.get("refresh_token")
        if not token:
            raise invalid_request("Thiếu refresh_token", "refresh_token is missing")
        record = self.refresh.check(token, client.client_id)
        granted = tuple(record.scope.split())
        scopes = _scopes(form.get("scope")) or granted
        _within(scopes, granted)
        account = self.accounts.get(record.account_id)
        if account is None:
            self.refresh.store.revoke_family(record.family_id, int(self.clock()))
            raise invalid_grant("Tài khoản không còn hoạt động", "Account is no longer active")
        access = self._person_token(account, scopes, client.client_id)
        new = self.refresh.rotate(token, record, access, " ".join(scopes))
        return _response(access, refresh_token=new, patient=access.claims.patient), access

    def _person_token(self, account: Any, scopes: tuple[str, ...], client_id: str) -> IssuedToken:
        return self.tokens.mint(
            subject=account.subject,
            role=account.role,
            scopes=scopes,
            client_id=client_id,
            facility=account.facility,
            patient=account.patient_id if account.role == roles.RESIDENT else None,
            fhir_user=account.fhir_user,
        )

    # -- POST /auth/revoke (RFC 7009) --------------------------------------------------
    def revoke(self, form: Mapping[str, str], *, source_ip: str | None = None) -> None:
        """Revoke a refresh token (its whole family) or an access token (by jti). An
        unknown or invalid token is not an error (RFC 7009 §2.2)."""
        client = self._client(form)
        token = form.get("token")
        if not token:
            raise invalid_request("Thiếu token", "token is missing")
        done = self.refresh.revoke(token, client.client_id)
        kind = "refresh"
        if done is None:
            kind = "access"
            claims = self.tokens.decode_for_revocation(token)
            if claims is not None:
                done = claims.client_id == client.client_id
                if done and claims.expires_at > self.clock():
                    self.tokens.revoke(claims.token_id, claims.expires_at)
        if done is False:
            raise OAuthError(
                "unauthorized_client",
                "Token thuộc ứng dụng khác",
                "The token was issued to another client",
            )
        if done:
            self.audit.record(
                AuditRecord(
                    action=EXECUTE,
                    subtype="revoke",
                    outcome=SUCCESS,
                    agent=f"client:{client.client_id}",
                    role=_client_role(client),
                    facility=client.facility,
                    client_id=client.client_id,
                    source_ip=source_ip,
                    description=f"{kind} token revoked",
                )
            )

    # -- `hoso token` ------------------------------------------------------------------
    def operator_token(
        self,
        *,
        operator: str,
        scopes: tuple[str, ...],
        facility: str | None = None,
        patient: str | None = None,
        audience: str | None = None,
    ) -> IssuedToken:
        """A token for the server's own operator (`hoso token` on its machine): acting
        as a facility system with `facility`, as a resident with `patient`."""
        role = (
            roles.RESIDENT if patient else roles.FACILITY_SYSTEM if facility else (roles.OPERATOR)
        )
        # One subject per role, facility and resident acted as: the audit trail tells
        # them apart, and nothing owned by one (an export job) answers to another.
        subject = f"operator:{operator}"
        if facility:
            subject += f"/facility:{facility}"
        if patient:
            subject += f"/patient:{patient}"
        access = self.tokens.mint(
            subject=subject,
            role=role,
            scopes=scopes,
            client_id=OPERATOR_CLIENT,
            facility=facility,
            patient=patient,
            fhir_user=f"Patient/{patient}" if patient else None,
            audience=audience,
        )
        self._issued("operator", access, None)
        return access

    # -- audit -------------------------------------------------------------------------
    def _issued(self, grant_type: str, access: IssuedToken, source_ip: str | None) -> None:
        claims = access.claims
        self.audit.record(
            AuditRecord(
                action=EXECUTE,
                subtype="token",
                outcome=SUCCESS,
                agent=claims.subject,
                role=claims.role,
                facility=claims.facility,
                client_id=claims.client_id,
                patients=(claims.patient,) if claims.patient else (),
                source_ip=source_ip,
                description=f"{grant_type} jti={claims.token_id} scope={' '.join(claims.scopes)}",
            )
        )

    def _refused(
        self,
        grant_type: str,
        client: Client | None,
        form: Mapping[str, str],
        exc: OAuthError,
        source_ip: str | None,
    ) -> None:
        claimed = (
            client.client_id
            if client
            else form.get("client_id") or (assertion_issuer(form.get("client_assertion") or ""))
        )
        self.audit.record(
            AuditRecord(
                action=EXECUTE,
                subtype="token",
                outcome=MINOR_FAILURE,
                agent=f"client:{claimed}" if claimed else "anonymous",
                role=_client_role(client) if client else "anonymous",
                facility=client.facility if client else None,
                client_id=claimed,
                source_ip=source_ip,
                description=f"{grant_type or '-'}: {exc.error}: {exc.description}",
            )
        )


def _client_role(client: Client) -> str:
    return roles.FACILITY_SYSTEM if client.kind == SYSTEM else "app"
