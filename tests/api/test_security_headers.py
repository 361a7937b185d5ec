"""Security headers on every answer of the real app, `no-store` on health data, HSTS
only over TLS, and a docs page whose only inline script is allowed by its hash."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi import Response
from fastapi.testclient import TestClient

from hoso.api.app import create_app
from hoso.api.security_headers import HSTS, docs_policy, is_https
from hoso.store.sql_store import SqlStore
from tests.api.conftest import FHIR_JSON

# Headers, discovery and the in-process limiter: nothing the database decides.
pytestmark = pytest.mark.backend_independent

BASE = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def _app_client(store: SqlStore, **changes: object) -> TestClient:
    settings = dataclasses.replace(store.settings, **changes)  # type: ignore[arg-type]
    return TestClient(create_app(store, settings), raise_server_exceptions=False)


@pytest.fixture
def plain(store: SqlStore) -> Iterator[TestClient]:
    with _app_client(store) as c:
        yield c


def _directives(policy: str) -> dict[str, str]:
    parts = (p.strip().split(" ", 1) for p in policy.split(";") if p.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def _assert_base_headers(headers: dict[str, str] | object) -> None:
    for name, value in BASE.items():
        assert headers[name] == value, name  # type: ignore[index]
    permissions = headers["permissions-policy"]  # type: ignore[index]
    assert "camera=()" in permissions and "geolocation=()" in permissions


def test_fhir_answers_carry_the_headers_and_no_store(plain: TestClient) -> None:
    # 200, 404 (unknown id), 400 (unknown type) and 415 (wrong media type): the
    # middleware sits outside the routes and the FhirError handler, so all are covered.
    answers = [
        plain.get("/fhir/metadata"),
        plain.get("/fhir/Patient/khong-co"),
        plain.get("/fhir/KhongPhaiLoai"),
        plain.post("/fhir/Patient", content=b"{}", headers={"Content-Type": "text/plain"}),
    ]
    for response in answers:
        _assert_base_headers(response.headers)
        assert response.headers["cache-control"] == "no-store"
        assert "strict-transport-security" not in response.headers  # plain http
        csp = _directives(response.headers["content-security-policy"])
        assert csp["default-src"] == "'self'"
        assert csp["frame-ancestors"] == "'none'"
        assert csp["base-uri"] == "'none'"
        assert csp["form-action"] == "'self'"
        assert csp["object-src"] == "'none'"
    assert [r.status_code // 100 for r in answers] != [2, 2, 2, 2]  # errors were in the mix


def test_a_refused_oversize_body_carries_the_headers_too(store: SqlStore) -> None:
    with _app_client(store, max_body_bytes=10) as client:
        response = client.post("/fhir/Patient", content=b"{" + b" " * 64 + b"}", headers=FHIR_JSON)
    assert response.status_code == 413
    _assert_base_headers(response.headers)
    assert response.headers["cache-control"] == "no-store"


def test_a_route_cannot_make_health_data_cacheable_but_may_set_its_own_csp(
    store: SqlStore,
) -> None:
    app = create_app(store, store.settings)

    @app.get("/api/thu-nghiem")
    def probe() -> Response:
        return Response(
            "{}",
            headers={"Cache-Control": "public, max-age=600", "Content-Security-Policy": "x"},
        )

    with TestClient(app) as client:
        response = client.get("/api/thu-nghiem")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-security-policy"] == "x"


def test_the_schema_is_not_forced_to_no_store(plain: TestClient) -> None:
    response = plain.get("/openapi.json")
    assert response.status_code == 200
    _assert_base_headers(response.headers)
    assert response.headers.get("cache-control") != "no-store"


def test_hsts_over_tls(store: SqlStore) -> None:
    with TestClient(create_app(store, store.settings), base_url="https://testserver") as client:
        response = client.get("/fhir/metadata")
    assert response.headers["strict-transport-security"] == HSTS
    assert "max-age=31536000" in HSTS


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (False, "https", False),  # a client cannot claim TLS by a header
        (True, "https", True),  # the operator says a TLS proxy sets it
        (True, "https, http", True),  # the first (client-facing) proxy's view counts
        (True, "http", False),
    ],
)
def test_x_forwarded_proto_counts_only_behind_a_trusted_proxy(
    store: SqlStore, trusted: bool, forwarded: str, expected: bool
) -> None:
    with _app_client(store, trust_proxy_headers=trusted) as client:
        response = client.get("/fhir/metadata", headers={"X-Forwarded-Proto": forwarded})
    assert ("strict-transport-security" in response.headers) is expected


def test_is_https_reads_the_scope_scheme_first() -> None:
    assert is_https({"scheme": "https", "headers": []}, trust_proxy_headers=False)
    assert not is_https({"scheme": "http", "headers": []}, trust_proxy_headers=True)


@pytest.mark.parametrize("path", ["/docs", "/docs/oauth2-redirect"])
def test_docs_allow_their_own_inline_script_by_hash_and_nothing_else(
    plain: TestClient, path: str
) -> None:
    response = plain.get(path)
    assert response.status_code == 200
    _assert_base_headers(response.headers)
    policy = response.headers["content-security-policy"]
    csp = _directives(policy)
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert inline, "the Swagger page starts with an inline script"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp["script-src"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert csp["default-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["connect-src"] == "'self'"  # Swagger fetches /openapi.json and nothing else


def test_docs_policy_hashes_each_inline_script() -> None:
    html = b"<script src='x.js'></script><script>a()</script><script>b()</script>"
    policy = docs_policy(html)
    assert policy.count("'sha256-") == 2
    scripts = _directives(policy)["script-src"]
    assert scripts.startswith("'self' ") and "http" not in scripts  # no CDN: works offline
