"""Errors as a person's browser sees them: a page, Vietnamese then English, with a way
back, instead of an OperationOutcome. Only for a request that asks for HTML and not for
JSON or XML (a browser's navigation); every API client keeps its OperationOutcome.
A page that needs a login sends the browser to `/login` and back."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from hoso.api.layout import render_page
from hoso.api.page_session import LoginRequired

__all__ = ["TITLES", "error_page", "wants_html"]

TITLES = {
    400: ("Yêu cầu không hợp lệ", "Bad request"),
    401: ("Cần đăng nhập", "Login required"),
    403: ("Không được phép", "Not allowed"),
    404: ("Không tìm thấy trang", "Page not found"),
    405: ("Không hỗ trợ thao tác này", "Method not allowed"),
    409: ("Xung đột dữ liệu", "Conflict"),
    413: ("Nội dung quá lớn", "Content too large"),
    415: ("Định dạng không được hỗ trợ", "Unsupported format"),
    422: ("Dữ liệu không hợp lệ", "Unprocessable content"),
    429: ("Quá nhiều yêu cầu, hãy thử lại sau", "Too many requests, try again later"),
    500: ("Lỗi máy chủ", "Server error"),
    503: ("Dịch vụ tạm thời không sẵn sàng", "Service temporarily unavailable"),
}


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "").lower()
    if "text/html" not in accept or "_format" in request.query_params:
        return False
    return not any(kind in accept for kind in ("json", "fhir", "text/xml", "ndjson"))


def error_page(request: Request, status: int, message: str, exc: Exception | None) -> Response:
    if isinstance(exc, LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
    vi, _, en = message.partition(" / ")
    title = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])
    lang = "en" if request.cookies.get("hoso_lang") == "en" else "vi"
    return render_page(request, "error.html", lang=lang, status=status, code=status, title=title,
                       detail_vi=vi, detail_en=en or vi)  # fmt: skip
