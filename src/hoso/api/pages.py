"""What every server-rendered page shares: the template environment (autoescaped) and
its Content-Security-Policy, which allows the page's one inline style by hash and no
script at all."""

from __future__ import annotations

import base64
import hashlib

from jinja2 import Environment, PackageLoader, select_autoescape

__all__ = ["page_csp", "templates"]

templates = Environment(
    loader=PackageLoader("hoso.api", "templates"), autoescape=select_autoescape(["html"])
)


def page_csp(style: str, form_action: str = "'self'") -> str:
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; form-action {form_action}; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
