"""OAuth 2.0 error responses (RFC 6749 §5.2): `{"error", "error_description"}`.

They are not FHIR errors: the token, revocation and authorization endpoints answer in
OAuth's own JSON, which every OAuth client library reads. Descriptions are Vietnamese
first, then English, and never say more than the client needs (a login failure does
not say whether the account exists).
"""

from __future__ import annotations

from typing import Any

__all__ = ["OAuthError", "invalid_client", "invalid_grant", "invalid_request", "invalid_scope"]


class OAuthError(Exception):
    """One refusal; `http_status` 401 for client authentication, 400 otherwise."""

    def __init__(self, error: str, vi: str, en: str, *, http_status: int | None = None) -> None:
        self.error = error
        self.description = f"{vi} / {en}"
        self.http_status = http_status or (401 if error == "invalid_client" else 400)
        super().__init__(f"{error}: {self.description}")

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description}


def invalid_request(vi: str, en: str) -> OAuthError:
    return OAuthError("invalid_request", vi, en)


def invalid_client(vi: str, en: str) -> OAuthError:
    return OAuthError("invalid_client", vi, en)


def invalid_grant(vi: str, en: str) -> OAuthError:
    return OAuthError("invalid_grant", vi, en)


def invalid_scope(vi: str, en: str) -> OAuthError:
    return OAuthError("invalid_scope", vi, en)
