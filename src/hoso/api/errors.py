"""One place turns every error into an OperationOutcome (https://hl7.org/fhir/R4/
operationoutcome.html): the domain's `FhirError` tree with its status, the framework's
own errors, a client gone mid-request, and anything unexpected (logged by path and type,
never with the body, which may hold health data)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from hoso.api.access_log import route_template
from hoso.api.error_pages import TITLES, error_page, wants_html
from hoso.api.responses import fhir_response
from hoso.core.errors import CredentialsMissing, FhirError, Issue, Unauthorized, operation_outcome

__all__ = ["install_error_handlers"]

log = logging.getLogger("hoso.api")
_STATUS_CODES = {404: "not-found", 405: "not-supported", 413: "too-costly", 415: "not-supported"}


def _outcome(status: int, message: str, code: str = "invalid") -> Response:
    return fhir_response(operation_outcome([Issue("error", code, message)]), status)


async def _fhir_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FhirError)
    if wants_html(request):
        response = error_page(request, exc.http_status, str(exc), exc)
        if response.status_code == 303:  # to the login: no challenge on a redirect
            return response
    else:
        response = fhir_response(exc.outcome(), exc.http_status)
    if isinstance(exc, CredentialsMissing):  # no token at all: no error code (RFC 6750 §3.1)
        response.headers["WWW-Authenticate"] = 'Bearer realm="hoso"'
    elif isinstance(exc, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="hoso", error="invalid_token"'
    # A throttled request (rate limit, the care-claim watch) tells how long to wait.
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "invalid")
    vi, en = TITLES.get(exc.status_code, (str(exc.detail), str(exc.detail)))
    if exc.status_code == 404:  # the framework's: no route here (a record's 404 is ours)
        vi, en = "Không có đường dẫn này", "No such path"
    message = f"{vi} / {en}"
    if wants_html(request):
        response = error_page(request, exc.status_code, message, None)
    else:
        response = _outcome(exc.status_code, message, code)
    for name, value in (exc.headers or {}).items():  # Allow on a 405
        response.headers.setdefault(name, value)
    return response


async def _client_gone(request: Request, _exc: Exception) -> Response:
    # Nobody is left to answer: one line, no traceback (it is not our fault).
    log.info("client disconnected during %s %s", request.method, route_template(request.scope))
    return _outcome(400, "Máy khách đã ngắt kết nối / The client disconnected")


async def _request_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return _outcome(400, f"Yêu cầu không hợp lệ / Invalid request: {exc.errors()}")


async def _unexpected(request: Request, _exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    message = "Lỗi máy chủ / Internal server error"
    if wants_html(request):
        return error_page(request, 500, message, None)
    return _outcome(500, message, "exception")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FhirError, _fhir_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(RequestValidationError, _request_error)
    app.add_exception_handler(Exception, _unexpected)
