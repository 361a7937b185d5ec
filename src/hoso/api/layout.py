"""The one page layout: every page for people extends `base.html`, links the one
stylesheet served from the package (`/static/hoso.css`, no build step, no CDN), is
Vietnamese first (`lang` set, English second, or the other way round when the person
chose English), and writes numbers and dates the Vietnamese way (`hoso.core.vi_format`).

`page_policy` is the pages' Content-Security-Policy: styles from our own origin, no
script at all, forms only to us (the login form also to the app it logs into)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from hoso.access import claims as roles
from hoso.api.pages import templates
from hoso.core.vi_format import vi_date, vi_datetime, vi_number, vi_percent

__all__ = ["ROLE_NAMES", "bilingual", "page_policy", "render_page"]

ROLE_NAMES = {
    roles.RESIDENT: ("Người dân", "Resident"),
    roles.CLINICIAN: ("Nhân viên y tế", "Clinician"),
    roles.OFFICER: ("Cán bộ y tế công cộng", "Public-health officer"),
    roles.STEWARD: ("Cán bộ quản lý dữ liệu", "Data steward"),
    roles.DPO: ("Cán bộ bảo vệ dữ liệu", "Data-protection officer"),
    roles.ADMIN: ("Quản trị viên", "Administrator"),
    roles.FACILITY_SYSTEM: ("Hệ thống cơ sở y tế", "Facility system"),
    roles.OPERATOR: ("Vận hành", "Operator"),
    roles.CALL_CENTRE: ("Tổng đài viên đặt lịch", "Booking call-centre agent"),
}


def page_policy(form_action: str = "'self'") -> str:
    return (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; "
        f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    )


def bilingual(lang: str, vi: str, en: str) -> Markup:
    """One phrase in both languages, the person's first, the other quieter."""
    if lang == "en":
        return Markup('<span lang="en">{}</span> <span lang="vi" class="alt">/ {}</span>').format(
            en, vi
        )
    return Markup('{} <span lang="en" class="alt">/ {}</span>').format(vi, en)


def render_page(
    request: Request,
    template: str,
    *,
    lang: str = "vi",
    who: dict[str, Any] | None = None,
    status: int = 200,
    form_action: str = "'self'",
    **context: Any,
) -> HTMLResponse:
    """`template` in the layout; `who` (name, role, csrf for the header's forms) shows
    the person and the language and logout buttons."""
    root = request.scope.get("root_path", "")
    html = templates.get_template(template).render(
        lang=lang,
        t=lambda vi, en: bilingual(lang, vi, en),
        root=root,
        who=who,
        here=request.url.path,
        role_name=lambda role: bilingual(lang, *ROLE_NAMES.get(role, (role, role))),
        number=vi_number,
        percent=vi_percent,
        date=vi_date,
        datetime=vi_datetime,
        escape=escape,
        **context,
    )
    headers = {"Content-Security-Policy": page_policy(form_action), "Cache-Control": "no-store"}
    return HTMLResponse(html, status, headers=headers)
