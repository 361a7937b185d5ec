"""Domain errors; each knows its HTTP status and FHIR issue code.

One handler in `hoso.api` renders any `FhirError` as an OperationOutcome, so nothing
below the API raises HTTP exceptions. Messages are Vietnamese first, then English.

    FhirError
    ├── InvalidRequest            400 invalid      malformed input, bad search, bad envelope
    │   ├── InvalidResource       400 invalid      failed FHIR structure or a hard business rule
    │   └── UnknownParameter      400 not-supported unknown search parameter (strict handling)
    ├── NotSupported              400 not-supported interaction or feature the server lacks
    ├── ResourceNotFound          404 not-found
    ├── MethodNotAllowed          405 not-supported
    ├── NotAcceptable             406 not-supported a response format the server does not write
    ├── RequestTimeout            408 timeout      the request body did not arrive in time
    ├── Conflict                  409 conflict     duplicate CCCD, concurrent version clash
    ├── ResourceGone              410 deleted
    ├── PreconditionFailed        412 conflict     If-Match mismatch, multiple conditional matches
    ├── PayloadTooLarge           413 too-costly   body, Bundle or patch over a documented limit
    ├── UnsupportedMediaType      415 not-supported
    ├── UnprocessableEntity       422 business-rule well-formed, but a business rule refuses it
    ├── Unauthorized              401 login
    ├── Forbidden                 403 forbidden
    ├── TooManyRequests           429 throttled
    └── QueryTimeout              503 timeout      a statement ran past the statement timeout
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome.issue: `expression` holds FHIRPath element paths."""

    severity: str
    code: str
    diagnostics: str
    expression: tuple[str, ...] = field(default=())

    def to_fhir(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            out["expression"] = list(self.expression)
        return out


def operation_outcome(issues: list[Issue] | tuple[Issue, ...]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.to_fhir() for i in issues]}


class FhirError(Exception):
    """Base of every error that reaches a client as an OperationOutcome."""

    http_status: ClassVar[int] = 500
    issue_code: ClassVar[str] = "exception"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        expression: tuple[str, ...] | list[str] = (),
        issues: list[Issue] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.issues: list[Issue] = issues or [
            Issue("error", code or self.issue_code, message, tuple(expression))
        ]

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.issues)


class InvalidRequest(FhirError):
    """The request cannot be understood: JSON syntax, envelope, search syntax."""

    http_status = 400
    issue_code = "invalid"


class InvalidResource(InvalidRequest):
    """The resource fails FHIR structure validation or a hard business rule."""


class UnknownParameter(InvalidRequest):
    """A search parameter the server does not know, under strict handling."""

    issue_code = "not-supported"


class NotSupported(FhirError):
    http_status = 400
    issue_code = "not-supported"


class ResourceNotFound(FhirError):
    http_status = 404
    issue_code = "not-found"


class MethodNotAllowed(FhirError):
    http_status = 405
    issue_code = "not-supported"


class NotAcceptable(FhirError):
    """`Accept` or `_format` asks for a format the server does not write (XML, Turtle)."""

    http_status = 406
    issue_code = "not-supported"


class RequestTimeout(FhirError):
    """The client stopped sending the body it announced (or sent it too slowly)."""

    http_status = 408
    issue_code = "timeout"


class Conflict(FhirError):
    """The write clashes with stored state (unique CCCD, concurrent update)."""

    http_status = 409
    issue_code = "conflict"


class ResourceGone(FhirError):
    """The resource was deleted (read after DELETE)."""

    http_status = 410
    issue_code = "deleted"


class PreconditionFailed(FhirError):
    """If-Match did not match, or a conditional interaction matched several resources."""

    http_status = 412
    issue_code = "conflict"


class UnprocessableEntity(FhirError):
    """Well-formed, but a business rule refuses it (R5 `$merge`: 422 Unprocessable Entity)."""

    http_status = 422
    issue_code = "business-rule"


class PayloadTooLarge(FhirError):
    http_status = 413
    issue_code = "too-costly"


class UnsupportedMediaType(FhirError):
    http_status = 415
    issue_code = "not-supported"


class Unauthorized(FhirError):
    """No valid access token: the client must (re)authenticate."""

    http_status = 401
    issue_code = "login"


class CredentialsMissing(Unauthorized):
    """No credentials at all (not a bad one): RFC 6750 §3.1 says the challenge then
    carries no error code."""


class Forbidden(FhirError):
    """Authenticated, but the policy refuses this interaction.

    Used only where refusing does not reveal that a record exists; a record the caller
    may not see answers `ResourceNotFound`, exactly like a missing one.
    """

    http_status = 403
    issue_code = "forbidden"


class TooManyRequests(FhirError):
    http_status = 429
    issue_code = "throttled"


class QueryTimeout(FhirError):
    """A database statement ran past the statement timeout and was cancelled: the
    request asked for more work than the server gives one request."""

    http_status = 503
    issue_code = "timeout"


class StoreUnavailable(FhirError):
    """The database connection was lost (a restart, a network cut): the connection is
    dropped and the next request gets a fresh one; this one may be retried."""

    http_status = 503
    issue_code = "transient"
    retry_after = 1
