"""`/auth` (OAuth 2.0 / OpenID Connect) and the discovery documents.

Thin handlers: parse the form, call `hoso.access` (`AuthServices`, built once per app by
`install`), render JSON or the login page. OAuth errors answer in OAuth's JSON
(RFC 6749 §5.2), not as OperationOutcomes.
"""

from __future__ import annotations

import json
import secrets
import urllib.request
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from hoso.access.accounts import LoginRefused
from hoso.access.audit_record import AuditTrail
from hoso.access.auth_services import AuthServices, build_auth
from hoso.access.discovery import capability_security, openid_configuration, smart_configuration
from hoso.access.external_idp import HttpJson
from hoso.access.oauth_errors import OAuthError, invalid_request
from hoso.access.oidc import AuthorizationRequest, CsrfFailed, RequestRefused
from hoso.api.layout import page_policy, render_page
from hoso.store.auth_store import SqlAuthStore

__all__ = ["install", "router", "security_block"]

router = APIRouter()

CSRF_COOKIE = "hoso_login_csrf"
RP_COOKIE = "hoso_rp_verifier"  # PKCE verifier of the leg to an external provider
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

class UrllibJson:
    """Outbound JSON over HTTPS to the external identity providers."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def get_json(self, url: str) -> dict[str, Any]:
        return self._send(urllib.request.Request(url, headers={"Accept": "application/json"}))

    def post_form(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        return self._send(
            urllib.request.Request(
                url,
                data=urlencode(form).encode(),
                method="POST",
                headers={"Accept": "application/json", "Content-Type": FORM_CONTENT_TYPE},
            )
        )

    def _send(self, request: urllib.request.Request) -> dict[str, Any]:
        with urllib.request.urlopen(request, timeout=self.timeout) as answer:
            body = json.load(answer)
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        return body


def install(
    app: FastAPI, *, audit: AuditTrail | None = None, idp_http: HttpJson | None = None
) -> AuthServices:
    """Build authentication over the app's store and put it on `app.state`
    (`auth`, and `tokens` for the bearer-token dependency)."""
    state = app.state
    auth = build_auth(
        SqlAuthStore(state.store.engine),
        state.settings,
        audit or state.audit_trail,
        idp_http=idp_http or UrllibJson(),
    )
    state.auth = auth
    state.tokens = auth.tokens
    return auth


def security_block(app: FastAPI) -> dict[str, Any]:
    """CapabilityStatement `rest.security` for /fhir/metadata."""
    return capability_security(app.state.auth.urls)


def get_auth(request: Request) -> AuthServices:
    return request.app.state.auth


AuthDep = Annotated[AuthServices, Depends(get_auth)]


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _oauth_error(exc: OAuthError) -> JSONResponse:
    return JSONResponse(exc.body(), exc.http_status, headers={"Cache-Control": "no-store"})


async def _form(request: Request) -> dict[str, str]:
    """Form parameters, each at most once (RFC 6749 §3.1, §3.2)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != FORM_CONTENT_TYPE:
        raise invalid_request(
            f"Nội dung phải là {FORM_CONTENT_TYPE}", f"Body must be {FORM_CONTENT_TYPE}"
        )
    items = (await request.form()).multi_items()
    names = [name for name, _ in items]
    if len(names) != len(set(names)):
        raise invalid_request("Tham số lặp lại", "Repeated parameter")
    return {name: value for name, value in items if isinstance(value, str)}


# -- discovery -------------------------------------------------------------------------
@router.get("/fhir/.well-known/smart-configuration")
def smart_config(auth: AuthDep) -> JSONResponse:
    return JSONResponse(smart_configuration(auth.urls))


@router.get("/.well-known/openid-configuration")
def openid_config(auth: AuthDep) -> JSONResponse:
    return JSONResponse(openid_configuration(auth.urls, auth.keys.alg))


@router.get("/auth/jwks")
def jwks(auth: AuthDep) -> JSONResponse:
    return JSONResponse(auth.keys.jwks(), media_type="application/jwk-set+json")


# -- token and revocation --------------------------------------------------------------
@router.post("/auth/token")
async def token(request: Request, auth: AuthDep) -> Response:
    try:
        form = await _form(request)
        body = await run_in_threadpool(auth.endpoint.token, form, source_ip=_ip(request))
    except OAuthError as exc:
        return _oauth_error(exc)
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@router.post("/auth/revoke")
async def revoke(request: Request, auth: AuthDep) -> Response:
    try:
        form = await _form(request)
        await run_in_threadpool(auth.endpoint.revoke, form, source_ip=_ip(request))
    except OAuthError as exc:
        return _oauth_error(exc)
    return Response(status_code=200, headers={"Cache-Control": "no-store"})


# -- login (built-in provider) ---------------------------------------------------------
@router.get("/auth/authorize")
def authorize(request: Request, auth: AuthDep) -> Response:
    try:
        login = auth.provider.parse_request(request.query_params)
        idp = request.query_params.get("idp")
        if idp:
            return _to_external_provider(request, auth, login, idp)
    except RequestRefused as exc:
        return _refused(request, exc)
    cookie = secrets.token_urlsafe(32)
    response = _login_page(request, login, auth.provider.login_form_token(login, cookie))
    response.set_cookie(
        CSRF_COOKIE,
        cookie,
        max_age=600,
        path="/auth",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/auth/authorize")
async def authorize_login(request: Request, auth: AuthDep) -> Response:
    try:
        form = await _form(request)
        login = auth.provider.read_login_form(
            form.get("csrf_token"), request.cookies.get(CSRF_COOKIE)
        )
    except (CsrfFailed, OAuthError):
        return _error_page(
            request,
            "Phiên đăng nhập không hợp lệ hoặc đã hết hạn (CSRF) / "
            "The login form is invalid or has expired (CSRF)",
            403,
        )
    try:
        account = await run_in_threadpool(
            auth.accounts.login,
            form.get("username", ""),
            form.get("password", ""),
            form.get("totp") or None,
            client_id=login.client_id,
            source_ip=_ip(request),
        )
        auth.provider.check_person_scopes(login, account)
    except LoginRefused as exc:
        return _login_page(
            request,
            login, form["csrf_token"], error=str(exc), username=form.get("username", ""), status=401
        )
    except RequestRefused as exc:
        return _refused(request, exc)
    location = await run_in_threadpool(auth.provider.approve, login, account)
    return RedirectResponse(location, status_code=303, headers=_page_headers(login))


def _to_external_provider(
    request: Request, auth: AuthServices, login: AuthorizationRequest, idp: str
) -> Response:
    if auth.external is None:
        raise RequestRefused(
            OAuthError(
                "invalid_request",
                "Chưa cấu hình nhà cung cấp định danh ngoài",
                "No external identity provider is configured",
            ),
            login.redirect_with(error="invalid_request"),
        )
    location, verifier = auth.external.start(idp, login)
    response = RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})
    # Lax, not Strict: the provider's redirect back is a cross-site top-level GET.
    response.set_cookie(
        RP_COOKIE,
        verifier,
        max_age=600,
        path="/auth/callback",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/auth/callback")
def external_callback(request: Request, auth: AuthDep) -> Response:
    """Back from an external provider: map its person to an account, then answer the
    client exactly as after a login here."""
    if auth.external is None:
        return _error_page(
            request, "Không có nhà cung cấp định danh ngoài / No external provider", 404
        )
    try:
        login, account = auth.external.finish(
            request.query_params, request.cookies.get(RP_COOKIE), _ip(request)
        )
        auth.provider.check_person_scopes(login, account)
    except CsrfFailed:
        return _error_page(
            request,
            "Phiên đăng nhập không hợp lệ hoặc đã hết hạn (CSRF) / "
            "The login session is invalid or has expired (CSRF)",
            403,
        )
    except RequestRefused as exc:
        return _refused(request, exc)
    response = RedirectResponse(
        auth.provider.approve(login, account),
        status_code=303,
        headers={"Cache-Control": "no-store"},
    )
    response.delete_cookie(RP_COOKIE, path="/auth/callback")
    return response


def _login_page(
    request: Request,
    login: AuthorizationRequest,
    form_token: str,
    *,
    error: str | None = None,
    username: str = "",
    status: int = 200,
) -> HTMLResponse:
    response = render_page(
        request,
        "login.html",
        status=status,
        show_login=False,
        form_action=_form_targets(login),
        client_name=login.client_name or login.client_id,
        scope=login.scope,
        action="authorize",  # relative: this same path, whatever prefix a proxy adds
        csrf_token=form_token,
        error=error,
        username=username,
    )
    response.headers.update(_page_headers(login))
    if status == 401:
        # The form is the challenge.
        response.headers["WWW-Authenticate"] = 'FormBased realm="hoso"'
    return response


def _error_page(request: Request, message: str, status: int) -> HTMLResponse:
    response = render_page(request, "auth_error.html", status=status,
                           message=message)  # fmt: skip
    response.headers.update(_page_headers(None))
    return response


def _refused(request: Request, exc: RequestRefused) -> Response:
    if exc.redirect:
        return RedirectResponse(exc.redirect, status_code=303)
    return _error_page(request, exc.error.description, 400)


def _form_targets(login: AuthorizationRequest | None) -> str:
    """Form submission to us and then (by redirect) to the client's registered origin."""
    targets = "'self'"
    if login is not None:
        parts = urlsplit(login.redirect_uri)  # an app's own scheme has no host
        targets += f" {parts.scheme}://{parts.netloc}" if parts.netloc else f" {parts.scheme}:"
    return targets


def _page_headers(login: AuthorizationRequest | None) -> dict[str, str]:
    """The login page's own policy: the layout's stylesheet, no script at all, and
    form submission to us and then to the client (`_form_targets`)."""
    return {
        "Content-Security-Policy": page_policy(_form_targets(login)),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
