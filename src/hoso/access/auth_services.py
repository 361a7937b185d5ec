"""Authentication assembled from its parts, for the composition roots (API and CLI)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from hoso.access.accounts import AccountService
from hoso.access.audit_record import AuditTrail
from hoso.access.clients import ClientRegistry
from hoso.access.credential_store import CredentialStore
from hoso.access.discovery import AuthEndpoints
from hoso.access.external_idp import ExternalLogin, HttpJson
from hoso.access.grants import TokenEndpoint
from hoso.access.keys import SigningKeys
from hoso.access.oidc import ID_TOKEN_SECONDS, LOGIN_REQUEST_SECONDS, BuiltInProvider
from hoso.access.refresh import RefreshTokens
from hoso.access.sealing import Sealer
from hoso.access.tokens import TokenService
from hoso.core.settings import Settings

__all__ = ["AuthServices", "build_auth"]


@dataclass(frozen=True, slots=True)
class AuthServices:
    urls: AuthEndpoints
    keys: SigningKeys
    tokens: TokenService
    clients: ClientRegistry
    accounts: AccountService
    provider: BuiltInProvider
    refresh: RefreshTokens
    endpoint: TokenEndpoint
    store: CredentialStore
    external: ExternalLogin | None = None  # when external providers are configured


def build_auth(
    store: CredentialStore,
    settings: Settings,
    audit: AuditTrail,
    *,
    clock: Callable[[], float] = time.time,
    idp_http: HttpJson | None = None,
) -> AuthServices:
    """Every part, wired; `idp_http` reaches the external providers, if any."""
    urls = AuthEndpoints(settings.public_base_url.rstrip("/"))
    sealer = Sealer(settings.key_encryption_key)
    keys = SigningKeys(
        store,
        sealer,
        alg=settings.signing_alg,
        clock=clock,
        # A retired key verifies as long as the longest-lived JWT it signs.
        max_token_seconds=max(
            settings.access_token_seconds, LOGIN_REQUEST_SECONDS, ID_TOKEN_SECONDS
        ),
    )
    tokens = TokenService(
        keys,
        store,
        issuer=urls.issuer,
        audience=urls.fhir_base,
        lifetime_seconds=settings.access_token_seconds,
        revocation_refresh_seconds=settings.revocation_refresh_seconds,
        clock=clock,
    )
    clients = ClientRegistry(store, token_endpoint=urls.token, clock=clock)
    accounts = AccountService(
        store,
        sealer,
        audit,
        max_failures=settings.login_max_failures,
        lockout_minutes=settings.login_lockout_minutes,
        clock=clock,
    )
    provider = BuiltInProvider(
        keys,
        clients,
        store,
        issuer=urls.issuer,
        code_seconds=settings.authorization_code_seconds,
        clock=clock,
    )
    refresh = RefreshTokens(store, lifetime_hours=settings.refresh_token_hours, clock=clock)
    endpoint = TokenEndpoint(
        tokens=tokens,
        clients=clients,
        accounts=accounts,
        provider=provider,
        refresh=refresh,
        audit=audit,
        clock=clock,
    )
    external = None
    if settings.external_idps and idp_http is not None:
        external = ExternalLogin(
            settings.external_idps,
            keys,
            accounts,
            idp_http,
            callback_url=urls.callback,
            clock=clock,
        )
    return AuthServices(
        urls, keys, tokens, clients, accounts, provider, refresh, endpoint, store, external
    )
