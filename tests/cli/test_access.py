"""`hoso clients`, `users`, `token` (as the operator), `keys rotate` and `demo`
(hoso.cli.access, hoso.cli.tokens), run as an operator would; `token --client-key` and
`login` against a live server are tests/cli/test_tokens.py."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from joserfc.jwk import ECKey

from hoso.access import claims as roles
from hoso.access.auth_services import AuthServices, build_auth
from hoso.api.app import create_app
from hoso.identity.cccd import cccd_mismatches, parse_cccd
from hoso.store import auth_schema, schema
from hoso.store.auth_store import SqlAuthStore
from hoso.store.engine import make_engine
from hoso.store.sql_store import make_store
from tests.builders.auth import AuditRecorder, client_assertion, client_credentials_form
from tests.callers import as_caller
from tests.cli.conftest import ROOT, hoso

BASE = "http://127.0.0.1:8000"  # the default HOSO_BASE_URL


@pytest.fixture
def auth(database_url: str) -> Iterator[AuthServices]:
    store = make_store(database_url)
    yield build_auth(SqlAuthStore(store.engine), store.settings, AuditRecorder())
    store.engine.dispose()


def printed(pattern: str, output: str) -> str:
    match = re.search(pattern, output)
    assert match is not None, output
    return match.group(1)


def audit_subtypes(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        found = list(conn.execute(sa.select(schema.audit_event.c.subtype)).scalars())
    engine.dispose()
    return found


def test_clients_add_generates_a_key_that_gets_a_token(database_url: str, tmp_path: Path) -> None:
    key_out = tmp_path / "benh-vien-79001.json"
    result = hoso(
        "clients",
        "add",
        "--facility",
        "79001",
        "--scopes",
        "system/*.rs",
        "--generate-key",
        "--key-out",
        str(key_out),
        database_url=database_url,
    )
    assert result.returncode == 0, result.stderr
    client_id = printed(r"client_id: (\S+)", result.stdout)
    assert stat.S_IMODE(key_out.stat().st_mode) == 0o600
    written = json.loads(key_out.read_text())
    # The client_id rides in the key file, so `hoso token --client-key FILE` needs no more.
    assert written["client_id"] == client_id
    key = ECKey.import_key(written)
    assert key.is_private
    command = printed(r"(\S*hoso token --client-key .*)", result.stdout)
    assert f"--client-key {key_out}" in command and f"--server {BASE}" in command
    store = make_store(database_url)
    with TestClient(create_app(store, store.settings)) as http:
        response = http.post(
            "/auth/token",
            data=client_credentials_form(
                client_assertion(key, client_id, f"{BASE}/auth/token"), "system/Patient.rs"
            ),
        )
    store.engine.dispose()
    assert response.status_code == 200, response.text


def test_an_existing_key_file_is_kept_and_nothing_registered(
    database_url: str, tmp_path: Path
) -> None:
    key_out = tmp_path / "khoa-cu.json"
    key_out.write_text("the only copy of another client's key")
    result = hoso(
        "clients", "add", "--facility", "79003", "--scopes", "system/*.rs",
        "--generate-key", "--key-out", str(key_out), database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 2 and "not overwritten" in result.stderr
    assert key_out.read_text() == "the only copy of another client's key"
    engine = make_engine(database_url)
    with engine.connect() as conn:
        facilities = conn.execute(sa.select(auth_schema.oauth_client.c.facility)).scalars().all()
    engine.dispose()
    assert "79003" not in facilities


def test_clients_add_with_a_jwks_file(
    database_url: str, tmp_path: Path, auth: AuthServices
) -> None:
    key = ECKey.generate_key("P-384", auto_kid=True)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [key.as_dict(private=False)]}))
    result = hoso(
        "clients",
        "add",
        "--facility",
        "79002",
        "--scopes",
        "system/*.rs",
        "--jwks",
        str(jwks),
        database_url=database_url,
    )
    assert result.returncode == 0, result.stderr
    client = auth.clients.require(printed(r"client_id: (\S+)", result.stdout))
    assert (client.facility, client.scopes) == ("79002", ("system/*.rs",))


def test_private_key_is_never_written_into_the_repository(database_url: str) -> None:
    target = ROOT / "src" / "facility-key.json"
    result = hoso(
        "clients",
        "add",
        "--facility",
        "79001",
        "--scopes",
        "system/*.rs",
        "--generate-key",
        "--key-out",
        str(target),
        database_url=database_url,
    )
    assert result.returncode == 2
    assert "repository" in result.stderr
    assert not target.exists()


def test_users_add_staff_get_a_totp_uri(database_url: str, auth: AuthServices) -> None:
    result = hoso(
        "users",
        "add",
        "bs.hoa",
        "--role",
        "clinician",
        "--facility",
        "79001",
        "--practitioner",
        "bs-9",
        "--password-env",
        "MAT_KHAU",
        database_url=database_url,
        MAT_KHAU="mat-khau-bac-si-2026",
    )
    assert result.returncode == 0, result.stderr
    uri = printed(r"(otpauth://totp/\S+)", result.stdout)
    assert "mat-khau-bac-si-2026" not in result.stdout + result.stderr
    account = auth.accounts.login(
        "bs.hoa", "mat-khau-bac-si-2026", pyotp.TOTP(pyotp.parse_uri(uri).secret).now()
    )
    assert (account.role, account.facility) == (roles.CLINICIAN, "79001")
    resident = hoso(
        "users",
        "add",
        "079090001234",
        "--role",
        "resident",
        "--patient",
        "bn-1",
        "--password-env",
        "MAT_KHAU",
        database_url=database_url,
        MAT_KHAU="mat-khau-nguoi-dan",
    )
    assert resident.returncode == 0, resident.stderr
    assert "otpauth" not in resident.stdout
    bad = hoso(
        "users",
        "add",
        "bs.x",
        "--role",
        "clinician",
        "--password-env",
        "MAT_KHAU",
        database_url=database_url,
        MAT_KHAU="mat-khau-bac-si-2026",
    )
    assert bad.returncode == 2 and "facility" in bad.stderr


@pytest.mark.parametrize(
    ("options", "role", "facility", "patient"),
    [
        ((), roles.OPERATOR, None, None),
        (("--facility", "79001"), roles.FACILITY_SYSTEM, "79001", None),
        (("--patient", "bn-1"), roles.RESIDENT, None, "bn-1"),
    ],
)
def test_token_is_signed_by_the_servers_key_and_audited(
    database_url: str,
    auth: AuthServices,
    options: tuple[str, ...],
    role: str,
    facility: str | None,
    patient: str | None,
) -> None:
    result = hoso("token", "--scope", "system/*.rs", *options, database_url=database_url)
    assert result.returncode == 0, result.stderr
    claims = auth.tokens.verify(result.stdout.strip(), f"{BASE}/fhir")
    assert (claims.role, claims.facility, claims.patient) == (role, facility, patient)
    assert claims.subject.startswith("operator:") and claims.client_id == "hoso-cli"
    assert "token" in audit_subtypes(database_url)


def test_token_for_another_audience(database_url: str, auth: AuthServices) -> None:
    result = hoso(
        "token",
        "--scope",
        "system/*.rs",
        "--audience",
        "https://hoso.example.vn/fhir",
        database_url=database_url,
    )
    token = result.stdout.strip()
    assert auth.tokens.verify(token, "https://hoso.example.vn/fhir").role == roles.OPERATOR


def test_keys_rotate_keeps_earlier_tokens_valid(database_url: str, auth: AuthServices) -> None:
    before = hoso("token", "--scope", "system/*.rs", database_url=database_url).stdout.strip()
    result = hoso("keys", "rotate", database_url=database_url)
    assert result.returncode == 0, result.stderr
    kid = printed(r"kid: (\S+)", result.stdout)
    kids = [k["kid"] for k in auth.keys.jwks()["keys"]]
    assert kids[0] == kid and len(kids) == 2
    assert auth.tokens.verify(before, f"{BASE}/fhir").role == roles.OPERATOR


def test_demo_creates_synthetic_records_and_accounts(
    database_url: str, tmp_path: Path, auth: AuthServices
) -> None:
    key_out = tmp_path / "demo-key.json"
    result = hoso("demo", "--key-out", str(key_out), database_url=database_url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    cccd, password = re.search(r"resident: (\d{12}) / (\S+)", out).groups()  # type: ignore[union-attr]
    patient_id = printed(r"\(Patient/([^)]+)\)", out)
    assert cccd_mismatches(parse_cccd(cccd), 1990, "female", 2026) == []
    assert auth.accounts.login(cccd, password, None).patient_id == patient_id
    bs_password = printed(r"bs\.demo / (\S+)", out)
    bs_secret = pyotp.parse_uri(printed(r"bs\.demo / \S+\s+TOTP: (\S+)", out)).secret
    clinician = auth.accounts.login("bs.demo", bs_password, pyotp.TOTP(bs_secret).now())
    assert clinician.facility == "79999"
    assert printed(r"cb\.demo / (\S+)", out)
    assert key_out.exists() and auth.clients.get("hoso-demo") is not None
    store = make_store(database_url)
    with as_caller(store) as repo:
        [encounter] = repo.search("Encounter", [("subject", f"Patient/{patient_id}")]).matches
        org = repo.search(
            "Organization",
            [("identifier", "https://fhir.hoso.hochiminhcity.gov.vn/sid/ma-cskcb|79999")],
        ).matches
    # The demo's records were written by the operator through the access layer: audited.
    assert "create" in audit_subtypes(database_url)
    store.engine.dispose()
    assert len(org) == 1 and org[0].id in encounter.content
    again = hoso("demo", "--key-out", str(tmp_path / "k2.json"), database_url=database_url)
    assert again.returncode == 1 and "already exists" in again.stderr
