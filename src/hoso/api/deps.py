"""Dependencies the routers receive; the composition root fills `app.state`.

Record handlers get only `AccessRepository`, built per request from the bearer token:
there is no dependency that hands out the store itself.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Annotated

from fastapi import Depends, Request

from hoso.access.principal import Principal
from hoso.access.repository import AccessRepository
from hoso.assembly import repository_for
from hoso.core.errors import CredentialsMissing
from hoso.core.settings import Settings

AUDIT_RECEIPTS = "hoso.audit_receipts"  # key in the ASGI scope's "state"


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise CredentialsMissing(
            "Cần mã truy cập (Authorization: Bearer …) / "
            "An access token is required (Authorization: Bearer …)"
        )
    return token.strip()


# The dependencies are `async def`: FastAPI runs a plain `def` dependency on the thread
# pool, a hop each (two per request, with the handler's a third: a tenth of a read's
# time in the profile). They compute from caches; the store is reached only when a
# cache is stale (revocations every few seconds, a facility's Organization a minute).


async def get_principal(request: Request) -> Principal:
    state = request.app.state
    claims = state.tokens.verify(bearer_token(request), state.tokens.audience)
    limiter = getattr(state, "rate_limiter", None)
    if limiter is not None:
        limiter.check(f"client:{claims.client_id}", claims.role)
    source_ip = request.client.host if request.client else None
    return state.principals.resolve(claims, source_ip)


async def get_repository(
    request: Request, principal: Annotated[Principal, Depends(get_principal)]
) -> AccessRepository:
    return repository_of(request, principal)


def repository_of(request: Request, principal: Principal) -> AccessRepository:
    """`principal`'s repository for this request (a bearer's, a page session's, a
    gateway token's). Audit entries are queued; `AuditBarrier` holds the response until
    they are durable."""
    state = request.app.state
    receipts: list[Future[None]] = []
    request.scope.setdefault("state", {})[AUDIT_RECEIPTS] = receipts
    return repository_for(state.store, principal, state.audit_trail, key=state.pseudonym_key,
                          receipts=receipts)  # fmt: skip


async def get_job_repository(
    request: Request, principal: Annotated[Principal, Depends(get_principal)]
) -> AccessRepository:
    """The caller's repository for work that outlives the request (a bulk job): its
    audit entries are committed before each call returns, so the job can wait on them."""
    state = request.app.state
    return repository_for(state.store, principal, state.audit_trail, key=state.pseudonym_key)


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


PrincipalDep = Annotated[Principal, Depends(get_principal)]
RepoDep = Annotated[AccessRepository, Depends(get_repository)]
JobRepoDep = Annotated[AccessRepository, Depends(get_job_repository)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
