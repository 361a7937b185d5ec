"""Who is booking on the portal's pages (`/booking/`): a resident with a booking session
opened by a one-time code (`hoso.access.booking_codes`), or a person with a web login or
a bearer token (`hoso.api.page_session`) — a resident books for their own record, a
call-centre agent or the operator on the call-centre screen.

The booking session's cookie is `HttpOnly`, `SameSite=Strict` (no other site's link or
form ever carries it) and `Secure` whenever the server is not plain-HTTP loopback; its
name takes the `__Host-` prefix then (RFC 6265bis §4.1.3.2). Form tokens are HMACs under
the session's own secret, as the other pages' (`PageCaller.form_token`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from hoso.access.booking_codes import BookingCodes, BookingSession
from hoso.access.principal import Principal
from hoso.access.repository import AccessRepository
from hoso.api.deps import repository_of
from hoso.api.page_session import LoginRequired, get_page_caller, refuse_cross_site, secure_cookies
from hoso.core.errors import Forbidden, Unauthorized
from hoso.core.settings import Settings

__all__ = ["Booker", "booker_of", "booking_cookie", "booking_cookie_name", "source_ip"]


@dataclass(frozen=True, slots=True)
class Booker:
    principal: Principal
    repo: AccessRepository
    csrf_key: bytes
    lang: str
    who: dict[str, Any] | None  # the layout's header (a web login's)
    otp: BookingSession | None  # a booking session's

    @property
    def patient_id(self) -> str | None:
        """The resident booked for on the portal: a resident's own record."""
        return self.principal.claims.patient if self.principal.role == "resident" else None

    def form_token(self, purpose: str) -> str:
        mac = hmac.new(self.csrf_key, f"hoso-booking:{purpose}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")

    def check_form(self, request: Request, purpose: str, sent: str | None) -> None:
        refuse_cross_site(request)
        if not hmac.compare_digest((sent or "").encode(), self.form_token(purpose).encode()):
            raise Forbidden("Biểu mẫu không hợp lệ hoặc đã hết hạn; hãy tải lại trang / The "
                            "form is invalid or stale; reload the page")  # fmt: skip


def source_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def booking_cookie_name(settings: Settings) -> str:
    return "__Host-hoso_booking" if secure_cookies(settings) else "hoso_booking"


def booking_cookie(settings: Settings, value: str, *, clear: bool = False) -> str:
    """The Set-Cookie value of a booking session (Max-Age: the session's own 30 minutes)."""
    parts = [f"{booking_cookie_name(settings)}={'' if clear else value}", "Path=/", "HttpOnly",
             "SameSite=Strict", f"Max-Age={0 if clear else 1800}"]  # fmt: skip
    if secure_cookies(settings):
        parts.append("Secure")
    return "; ".join(parts)


async def booker_of(request: Request) -> Booker | None:
    """The booking session's resident, else the page caller; None for nobody."""
    state = request.app.state
    codes: BookingCodes = state.booking_codes
    value = request.cookies.get(booking_cookie_name(state.settings))
    session = await run_in_threadpool(codes.session, value) if value else None
    if session is not None:
        principal = codes.principal(session, source_ip(request))
        # No header: the portal's own pages show its "Thoát" (logout) button.
        return Booker(principal, repository_of(request, principal),
                      session.csrf_secret.encode(), "vi", None, session)  # fmt: skip
    try:
        caller = await get_page_caller(request)
    except (LoginRequired, Unauthorized):
        return None
    return Booker(caller.principal, caller.repo, caller.csrf_key, caller.lang, caller.who(),
                  None)  # fmt: skip
