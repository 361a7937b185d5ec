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
from hoso.api.responses import fhir_response
from hoso.core.errors import FhirError, Issue, Unauthorized, operation_outcome

__all__ = ["install_error_handlers"]

log = logging.getLogger("hoso.api")
_STATUS_CODES = {404: "not-found", 405: "not-supported", 413: "too-costly", 415: "not-supported"}


def _outcome(status: int, message: str, code: str = "invalid") -> Response:
    return fhir_response(operation_outcome([Issue("error", code, message)]), status)


async def _fhir_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FhirError)
    response = fhir_response(exc.outcome(), exc.http_status)
    if isinstance(exc, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="hoso", error="invalid_token"'
    # A throttled request (rate limit, the care-claim watch) tells how long to wait.
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "invalid")
    return _outcome(exc.status_code, str(exc.detail), code)


async def _client_gone(request: Request, _exc: Exception) -> Response:
    # Nobody is left to answer: one line, no traceback (it is not our fault).
    log.info("client disconnected during %s %s", request.method, route_template(request.scope))
    return _outcome(400, "Máy khách đã ngắt kết nối / The client disconnected")


async def _request_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return _outcome(400, f"Yêu cầu không hợp lệ / Invalid request: {exc.errors()}")


async def _unexpected(request: Request, _exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return _outcome(500, "Lỗi máy chủ / Internal server error", "exception")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FhirError, _fhir_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(RequestValidationError, _request_error)
    app.add_exception_handler(Exception, _unexpected)
