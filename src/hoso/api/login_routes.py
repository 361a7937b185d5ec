"""People's way in and out of the pages: `/login`, `/login/callback`, `/logout`, `/lang`.

`/login` is an ordinary OAuth client of this server's own `/auth/authorize` (client
`hoso-web`, PKCE S256, registered at start for this deployment's base URL): the person
meets the same login form, lockout and TOTP as any app's user. Back at `/login/callback`
the server redeems the code itself (the tokens never reach the browser and are revoked
at once) and opens a server-side session (`hoso.access.web_sessions`). The PKCE
verifier, the state and where to go next travel in a short-lived signed cookie.
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from hoso.access.auth_services import AuthServices
from hoso.access.keys import BadSignature, KeyNotFound
from hoso.access.login_client import pkce_pair
from hoso.access.oauth_errors import OAuthError
from hoso.access.web_sessions import LANGUAGES, WebSessions
from hoso.api.layout import render_page
from hoso.api.page_session import (
    LoginRequired,
    get_page_caller,
    refuse_cross_site,
    secure_cookies,
    session_cookie,
    session_cookie_name,
)
from hoso.core.errors import Forbidden, InvalidRequest, Unauthorized
from hoso.store.web_sessions import SqlSessionStore

__all__ = ["WEB_CLIENT", "install", "router"]

router = APIRouter()

WEB_CLIENT = "hoso-web"
WEB_SCOPE = "openid fhirUser profile"  # no data scopes: the session acts by role
PENDING_COOKIE = "hoso_login_pending"
PENDING_TYPE = "web-login+jwt"
PENDING_SECONDS = 600
LANG_COOKIE = "hoso_lang"  # an anonymous visitor's choice, until a session holds it
MAX_FORM_BYTES = 2048


def install(app: FastAPI) -> WebSessions:
    """The sessions service on `app.state.web_sessions`, and the web client registered
    for this base URL."""
    state = app.state
    settings = state.settings
    auth: AuthServices = state.auth
    auth.clients.ensure_public(client_id=WEB_CLIENT, name="Hồ Sơ (trang web / web pages)",
                               redirect_uris=[_callback(settings.public_base_url)],
                               scopes=WEB_SCOPE)  # fmt: skip
    sessions = WebSessions(
        SqlSessionStore(state.store.engine),
        state.audit_trail,
        idle_seconds=settings.session_idle_minutes * 60,
        absolute_seconds=settings.session_hours * 3600,
        rotate_seconds=settings.session_rotate_minutes * 60,
    )
    state.web_sessions = sessions
    return sessions


def _callback(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/login/callback"


def safe_next(target: str | None) -> str:
    """Only a path on this server: never `//host`, `/\\host` or a URL (open redirect)."""
    unsafe = "\\" in target if target else True
    if (unsafe or not target or not target.startswith("/") or target.startswith("//")
            or any(ord(c) < 32 for c in target) or len(target) > 2048):  # fmt: skip
        return "/"
    return target


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get("/login", include_in_schema=False)
async def login(request: Request) -> Response:
    target = safe_next(request.query_params.get("next"))
    try:
        await get_page_caller(request)
        return RedirectResponse(target, status_code=303)  # already logged in
    except (LoginRequired, Unauthorized):
        pass
    state = request.app.state
    verifier, challenge = pkce_pair()
    nonce = secrets.token_urlsafe(16)
    now = int(time.time())
    pending = state.auth.keys.sign(
        {"v": verifier, "s": nonce, "n": target, "aud": WEB_CLIENT, "iat": now,
         "exp": now + PENDING_SECONDS}, typ=PENDING_TYPE)  # fmt: skip
    query = urlencode({
        "response_type": "code", "client_id": WEB_CLIENT,
        "redirect_uri": _callback(state.settings.public_base_url), "scope": WEB_SCOPE,
        "state": nonce, "code_challenge": challenge, "code_challenge_method": "S256",
    })  # fmt: skip
    response = RedirectResponse(f"/auth/authorize?{query}", status_code=303)
    response.set_cookie(PENDING_COOKIE, pending, max_age=PENDING_SECONDS, path="/login",
                        httponly=True, samesite="lax",
                        secure=secure_cookies(state.settings))  # fmt: skip
    return response


def _pending(auth: AuthServices, cookie: str | None) -> dict[str, Any]:
    refused = Forbidden(
        "Phiên đăng nhập không hợp lệ hoặc đã hết hạn; hãy đăng nhập lại / "
        "The login attempt is invalid or has expired; please log in again"
    )
    if not cookie or len(cookie) > 4096:
        raise refused
    try:
        signed = auth.keys.verify(cookie)
    except (ValueError, KeyNotFound, BadSignature):
        raise refused from None
    body = signed.claims
    expires = body.get("exp")
    if (signed.header.get("typ") != PENDING_TYPE or body.get("aud") != WEB_CLIENT
            or not isinstance(expires, int) or expires <= time.time()):  # fmt: skip
        raise refused
    return dict(body)


@router.get("/login/callback", include_in_schema=False)
async def callback(request: Request) -> Response:
    state = request.app.state
    query = request.query_params
    pending = _pending(state.auth, request.cookies.get(PENDING_COOKIE))
    if not secrets.compare_digest(str(query.get("state", "")), str(pending.get("s"))):
        raise Forbidden("Phiên đăng nhập không khớp (state); hãy đăng nhập lại / The login "
                        "does not match (state); please log in again")  # fmt: skip
    if query.get("error") or not query.get("code"):
        raise InvalidRequest("Đăng nhập không thành công / The login did not succeed")
    value = await run_in_threadpool(_open_session, request, query["code"], pending)
    response = RedirectResponse(safe_next(pending.get("n")), status_code=303)
    response.headers.append("set-cookie", session_cookie(state.settings, value))
    response.delete_cookie(PENDING_COOKIE, path="/login")
    return response


def _open_session(request: Request, code: str, pending: dict[str, Any]) -> str:
    state = request.app.state
    auth: AuthServices = state.auth
    form = {"grant_type": "authorization_code", "code": code, "client_id": WEB_CLIENT,
            "redirect_uri": _callback(state.settings.public_base_url),
            "code_verifier": str(pending.get("v"))}  # fmt: skip
    try:
        body = auth.endpoint.token(form, source_ip=_ip(request))
    except OAuthError:
        raise Forbidden("Mã đăng nhập không hợp lệ hoặc đã dùng; hãy đăng nhập lại / The "
                        "login code is invalid or used; please log in again") from None  # fmt: skip
    claims = auth.tokens.verify(body["access_token"], auth.tokens.audience)
    # The session replaces the tokens: none of them leaves the server, none stays valid.
    auth.tokens.revoke(claims.token_id, claims.expires_at)
    if body.get("refresh_token"):
        auth.endpoint.revoke({"token": body["refresh_token"], "client_id": WEB_CLIENT})
    account_id = claims.subject.removeprefix("account:")
    account = auth.accounts.get(account_id)
    username = account.username if account else account_id
    lang = request.cookies.get(LANG_COOKIE, "vi")
    value, _session = state.web_sessions.start(claims, account_id=account_id,
                                               username=username, lang=lang,
                                               source_ip=_ip(request))  # fmt: skip
    return value


async def _small_form(request: Request) -> dict[str, str]:
    refuse_cross_site(request)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data = await request.body()
    if media != "application/x-www-form-urlencoded" or len(data) > MAX_FORM_BYTES:
        raise InvalidRequest("Biểu mẫu không hợp lệ / Invalid form")
    from urllib.parse import parse_qs

    try:
        fields = parse_qs(data.decode("utf-8"), max_num_fields=8)
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest("Biểu mẫu không đọc được / Unreadable form") from None
    return {k: v[0] for k, v in fields.items() if v}


@router.post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    caller = await get_page_caller(request)
    form = await _small_form(request)
    caller.check_form(request, "logout", form.get("csrf"))
    if caller.session is not None:
        await run_in_threadpool(request.app.state.web_sessions.end, caller.session, _ip(request))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(session_cookie_name(request.app.state.settings), path="/")
    return response


@router.post("/lang", include_in_schema=False)
async def language(request: Request) -> Response:
    caller = await get_page_caller(request)
    form = await _small_form(request)
    caller.check_form(request, "lang", form.get("csrf"))
    lang = form.get("lang", "vi")
    if lang not in LANGUAGES:
        raise InvalidRequest("Ngôn ngữ không hỗ trợ / Unsupported language")
    if caller.session is not None:
        await run_in_threadpool(request.app.state.web_sessions.set_lang, caller.session, lang)
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    secure = secure_cookies(request.app.state.settings)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/", samesite="lax",
                        httponly=True, secure=secure)  # fmt: skip
    return response


@router.get("/demo/callback", include_in_schema=False)
def demo_callback(request: Request) -> HTMLResponse:
    """Where the demo app `hoso-demo` is sent back to after a login in a browser: this
    server is not that app, so say what happened and where to go instead."""
    return render_page(request, "demo_callback.html",
                       error=request.query_params.get("error"))  # fmt: skip
