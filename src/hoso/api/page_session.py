"""Who is looking at a page: a person's browser session, or a bearer token (a steward's
tool, the tests), and the CSRF tokens of the page's forms.

Both lead to the same `Principal` and the same `AccessRepository` as an API call, so a
page shows and changes exactly what the API would let that person see and change, and
every read behind it is audited the same way. A page reached with neither redirects the
browser to `/login` and back (`LoginRequired`).

CSRF: a form carries HMAC(key, purpose), the key being the session's own secret (or a
hash of the bearer token), so a token is bound to one person, one form and dies with
the session; on top of it, a POST whose `Origin` (or `Sec-Fetch-Site`) says another
site is refused before its body is read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hoso.access import claims as roles
from hoso.access.principal import Principal
from hoso.access.repository import AccessRepository
from hoso.access.web_sessions import WebSession
from hoso.api.deps import bearer_token, repository_of
from hoso.core.errors import CredentialsMissing, Forbidden
from hoso.core.settings import Settings

__all__ = ["LoginRequired", "PageCaller", "PageCallerDep", "SessionCookieRotation"]

ROTATED_COOKIE = "hoso.rotated_session_cookie"  # key in the ASGI scope's "state"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class LoginRequired(CredentialsMissing):
    """A page without a session: a browser is sent to the login (`hoso.api.errors`)."""


@dataclass(frozen=True, slots=True)
class PageCaller:
    principal: Principal
    repo: AccessRepository
    session: WebSession | None  # None for a bearer token
    csrf_key: bytes
    lang: str

    def form_token(self, purpose: str) -> str:
        mac = hmac.new(self.csrf_key, f"hoso-form:{purpose}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")

    def who(self) -> dict[str, str | None]:
        """What the layout's header shows and the forms it holds (a session only)."""
        claims = self.principal.claims
        name = self.session.username if self.session else claims.subject
        if claims.role == roles.RESIDENT and name.isdigit():  # a CCCD: shown masked
            name = f"{name[:3]}•••••{name[-3:]}"
        return {
            "name": name,
            "role": claims.role,
            "logout_csrf": self.form_token("logout") if self.session else None,
            "lang_csrf": self.form_token("lang") if self.session else None,
        }

    def check_form(self, request: Request, purpose: str, sent: str | None) -> None:
        """`Forbidden` unless the form came from our own page, for this purpose."""
        refuse_cross_site(request)
        if not hmac.compare_digest((sent or "").encode(), self.form_token(purpose).encode()):
            raise Forbidden(
                "Biểu mẫu không hợp lệ hoặc đã hết hạn; hãy tải lại trang / The form is "
                "invalid or stale; reload the page"
            )


def secure_cookies(settings: Settings) -> bool:
    """`Secure` everywhere except a server on the loopback address over plain HTTP."""
    parts = urlsplit(settings.public_base_url)
    return parts.scheme == "https" or (parts.hostname or "") not in LOOPBACK


def session_cookie_name(settings: Settings) -> str:
    # `__Host-` binds the cookie to this host and path / (RFC 6265bis §4.1.3.2); it
    # requires Secure, so a loopback server over HTTP uses the plain name.
    return "__Host-hoso_session" if secure_cookies(settings) else "hoso_session"


def refuse_cross_site(request: Request) -> None:
    """A state-changing request another site's page sent (the browser says so)."""
    settings: Settings = request.app.state.settings
    origin = request.headers.get("origin")
    own = {_origin(settings.public_base_url), f"{request.url.scheme}://{request.url.netloc}"}
    site = request.headers.get("sec-fetch-site")
    # Our pages send no referrer, so browsers send `Origin: null` on their own form
    # posts (Fetch §3.1): then Sec-Fetch-Site, which every current browser sends, decides.
    foreign = origin is not None and origin != "null" and origin not in own
    if foreign or site in ("cross-site", "same-site"):
        raise Forbidden(
            "Yêu cầu đến từ trang khác bị từ chối (CSRF) / A request from another site "
            "was refused (CSRF)"
        )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _source_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def get_page_caller(request: Request) -> PageCaller:
    state = request.app.state
    if request.headers.get("authorization"):
        token = bearer_token(request)
        claims = state.tokens.verify(token, state.tokens.audience)
        key, session, lang = hashlib.sha256(token.encode()).digest(), None, "vi"
    else:
        # The session's row is read (and touched) on the thread pool, off the event loop.
        found = await run_in_threadpool(
            state.web_sessions.find,
            request.cookies.get(session_cookie_name(state.settings)), _source_ip(request),
        )
        if found is None:
            raise LoginRequired("Cần đăng nhập / Please log in")
        if found.new_cookie is not None:
            request.scope.setdefault("state", {})[ROTATED_COOKIE] = found.new_cookie
        session = found.session
        claims, key, lang = session.claims, session.csrf_secret.encode(), session.lang
    limiter = getattr(state, "rate_limiter", None)
    if limiter is not None:
        # A bearer is limited per client, as on the API; every person's session shares
        # the web client's id, so a session is limited per person.
        bucket = f"session:{claims.subject}" if session else f"client:{claims.client_id}"
        limiter.check(bucket, claims.role)
    principal = state.principals.resolve(claims, _source_ip(request))
    repo = repository_of(request, principal)
    return PageCaller(principal, repo, session, key, lang)


PageCallerDep = Annotated[PageCaller, Depends(get_page_caller)]


def session_cookie(settings: Settings, value: str) -> str:
    """The Set-Cookie value of a session (no Max-Age: the server ends it, and the
    browser forgets it when closed)."""
    attributes = [f"{session_cookie_name(settings)}={value}", "Path=/", "HttpOnly",
                  "SameSite=Lax"]  # fmt: skip
    if secure_cookies(settings):
        attributes.append("Secure")
    return "; ".join(attributes)


class SessionCookieRotation:
    """Pure ASGI middleware: when a page's session rotated its cookie value on this
    request, the response carries the new value (whatever the handler answered)."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_rotated(message: Message) -> None:
            if message["type"] == "http.response.start":
                value = scope.get("state", {}).get(ROTATED_COOKIE)
                if value:
                    cookie = session_cookie(self.settings, value).encode("latin-1")
                    message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
            await send(message)

        await self.app(scope, receive, send_rotated)
