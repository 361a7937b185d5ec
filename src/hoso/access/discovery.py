"""What clients read to find the endpoints: SMART configuration
(https://hl7.org/fhir/smart-app-launch/conformance.html), OpenID provider metadata
(https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata) and the
CapabilityStatement `rest.security` block."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hoso.access.clients import ASSERTION_ALGORITHMS

__all__ = ["AuthEndpoints", "capability_security", "openid_configuration", "smart_configuration"]

SCOPES_SUPPORTED = [
    "openid",
    "fhirUser",
    "profile",
    "launch/patient",
    "offline_access",
    "online_access",
    "patient/*.rs",
    "user/*.cruds",
    "system/*.cruds",
]
CAPABILITIES = [
    "launch-standalone",
    "client-public",
    "client-confidential-asymmetric",
    "sso-openid-connect",
    "context-standalone-patient",
    "permission-patient",
    "permission-user",
    "permission-online",
    "permission-v1",
    "permission-v2",
]
GRANT_TYPES = ["authorization_code", "client_credentials", "refresh_token"]


@dataclass(frozen=True, slots=True)
class AuthEndpoints:
    """Every URL derived from the server's public base URL (`HOSO_BASE_URL`)."""

    base_url: str

    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def fhir_base(self) -> str:
        return f"{self.base_url}/fhir"

    @property
    def authorize(self) -> str:
        return f"{self.base_url}/auth/authorize"

    @property
    def token(self) -> str:
        return f"{self.base_url}/auth/token"

    @property
    def revoke(self) -> str:
        return f"{self.base_url}/auth/revoke"

    @property
    def jwks(self) -> str:
        return f"{self.base_url}/auth/jwks"

    @property
    def callback(self) -> str:
        return f"{self.base_url}/auth/callback"


def smart_configuration(urls: AuthEndpoints) -> dict[str, Any]:
    """`GET /fhir/.well-known/smart-configuration`."""
    return {
        "issuer": urls.issuer,
        "jwks_uri": urls.jwks,
        "authorization_endpoint": urls.authorize,
        "token_endpoint": urls.token,
        "revocation_endpoint": urls.revoke,
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "grant_types_supported": GRANT_TYPES,
        "scopes_supported": SCOPES_SUPPORTED,
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "capabilities": CAPABILITIES,
    }


def openid_configuration(urls: AuthEndpoints, signing_alg: str) -> dict[str, Any]:
    """`GET /.well-known/openid-configuration` for the built-in provider."""
    return {
        "issuer": urls.issuer,
        "authorization_endpoint": urls.authorize,
        "token_endpoint": urls.token,
        "revocation_endpoint": urls.revoke,
        "jwks_uri": urls.jwks,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": GRANT_TYPES,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [signing_alg],
        "scopes_supported": SCOPES_SUPPORTED,
        # Public clients (apps with PKCE) send no credential; systems sign an assertion.
        "token_endpoint_auth_methods_supported": ["private_key_jwt", "none"],
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "amr",
            "fhirUser",
            "preferred_username",
        ],
        "ui_locales_supported": ["vi", "en"],
    }


def capability_security(urls: AuthEndpoints) -> dict[str, Any]:
    """The CapabilityStatement `rest.security` element for `/fhir/metadata`
    (https://hl7.org/fhir/smart-app-launch/conformance.html#declaring-support-for-oauth2-endpoints)."""
    return {
        "cors": False,
        "service": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                        "code": "SMART-on-FHIR",
                        "display": "SMART-on-FHIR",
                    }
                ],
                "text": "OAuth 2.0 theo SMART on FHIR / OAuth 2.0 using SMART on FHIR",
            }
        ],
        "extension": [
            {
                "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                "extension": [
                    {"url": "token", "valueUri": urls.token},
                    {"url": "authorize", "valueUri": urls.authorize},
                    {"url": "revoke", "valueUri": urls.revoke},
                ],
            }
        ],
        "description": (
            "Mã truy cập Bearer (JWT) từ /auth/token: cơ sở y tế dùng client credentials với "
            "private_key_jwt; người dân và nhân viên đăng nhập qua authorization code + PKCE / "
            "Bearer access tokens (JWT) from /auth/token: facility systems use client "
            "credentials with private_key_jwt; residents and staff log in through the "
            "authorization code flow with PKCE"
        ),
    }
