"""`hoso login` and `hoso token --client-key` (hoso.cli.tokens) against a real server
process, as the README's recipes run them: `TOKEN=$(hoso …)` must capture the token and
nothing else, and the token must open records on that server.

One server for the module, started as tests/api/test_live.py starts its own (a free
port, `--no-demo-data`, HOSO_BASE_URL set to where it listens) on a copy of the migrated
SQLite template: what is checked here does not depend on the database, and a server
start is the slow part. `hoso demo` fills it with the demo accounts and the facility's
key. `login` runs in this process through Typer's CliRunner, whose `stdout` and
`stderr` are kept apart (Click 8.2+), so a prompt on stdout would show.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest
from typer.testing import CliRunner

from hoso.cli import app
from tests.api.test_live import _free_port, _wait_until_up
from tests.cli.conftest import ROOT, hoso

pytestmark = pytest.mark.live

JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class DemoServer(NamedTuple):
    origin: str
    printed: str  # what `hoso demo` printed: accounts, passwords, TOTP URIs, the command
    key_file: Path


@pytest.fixture(scope="module")
def demo_server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[DemoServer]:
    folder = tmp_path_factory.mktemp("demo-server")
    shutil.copyfile(sqlite_template, folder / "hoso.db")
    database_url = f"sqlite:///{folder / 'hoso.db'}"
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HOSO_DATABASE_URL": database_url, "HOSO_BASE_URL": origin}
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hoso.cli", "serve", "--port", str(port), "--no-demo-data"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        try:
            _wait_until_up(f"{origin}/fhir")
        except AssertionError as exc:
            log_text = (folder / "server.log").read_text(errors="replace")
            raise AssertionError(f"server did not start:\n{log_text[-3000:]}") from exc
        key_file = folder / "facility-key.json"
        made = hoso("demo", "--key-out", str(key_file), "--base-url", origin,
                    database_url=database_url)  # fmt: skip
        assert made.returncode == 0, made.stderr
        yield DemoServer(origin, made.stdout, key_file)
    finally:
        process.terminate()
        process.wait(timeout=10)


def printed(pattern: str, output: str) -> str:
    match = re.search(pattern, output)
    assert match is not None, output
    return match.group(1)


def claims_of(token: str) -> dict:
    """The token's payload, unverified: what the server put in it (the server checks
    the signature when the token is used)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def only_a_token(stdout: str) -> str:
    """stdout as `$(…)` captures it: it must be one JWT and nothing else."""
    token = stdout.removesuffix("\n")
    assert JWT.fullmatch(token), f"stdout is not a token alone: {stdout!r}"
    return token


def status_with(token: str, url: str) -> int:
    return httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code


def test_resident_login_with_a_typed_password_prints_only_the_token(
    demo_server: DemoServer,
) -> None:
    cccd, password = re.search(r"resident: (\d{12}) / (\S+)", demo_server.printed).groups()  # type: ignore[union-attr]
    patient = printed(r"\(Patient/([^)]+)\)", demo_server.printed)
    result = CliRunner().invoke(
        app, ["login", cccd, "--server", demo_server.origin], input=f"{password}\n"
    )
    assert result.exit_code == 0, result.stderr
    token = only_a_token(result.stdout)
    assert "Mật khẩu / Password" in result.stderr and password not in result.stderr
    assert claims_of(token)["patient"] == patient
    assert status_with(token, f"{demo_server.origin}/fhir/Patient/{patient}") == 200


def test_clinician_login_from_the_environment_prints_only_the_token(
    demo_server: DemoServer,
) -> None:
    env = {
        "BS_MAT_KHAU": printed(r"bs\.demo / (\S+)", demo_server.printed),
        "BS_TOTP": printed(r"bs\.demo / \S+\s+TOTP: (\S+)", demo_server.printed),
    }
    result = CliRunner(env=env).invoke(
        app,
        ["login", "bs.demo", "--server", demo_server.origin,
         "--password-env", "BS_MAT_KHAU", "--totp-env", "BS_TOTP"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    token = only_a_token(result.stdout)
    assert "Mật khẩu" not in result.stderr and "TOTP" not in result.stderr
    assert status_with(token, f"{demo_server.origin}/fhir/Encounter") == 200


def test_totp_code_asked_for_on_stderr(demo_server: DemoServer) -> None:
    import pyotp

    secret = pyotp.parse_uri(printed(r"cb\.demo / \S+\s+TOTP: (\S+)", demo_server.printed))
    result = CliRunner(
        env={"CB_MAT_KHAU": printed(r"cb\.demo / (\S+)", demo_server.printed)}
    ).invoke(
        app,
        ["login", "cb.demo", "--server", demo_server.origin, "--password-env", "CB_MAT_KHAU"],
        input=f"{secret.now()}\n",
    )
    assert result.exit_code == 0, result.stderr
    only_a_token(result.stdout)
    assert "Mã TOTP / TOTP code" in result.stderr


def test_a_refused_login_prints_nothing_on_stdout(demo_server: DemoServer) -> None:
    cccd = printed(r"resident: (\d{12})", demo_server.printed)
    result = CliRunner(env={"SAI": "khong-phai-mat-khau"}).invoke(
        app, ["login", cccd, "--server", demo_server.origin, "--password-env", "SAI"]
    )
    assert result.exit_code == 2
    assert result.stdout == "" and "Login failed" in result.stderr


def test_facility_token_from_the_key_file_opens_records(demo_server: DemoServer) -> None:
    """`hoso demo` prints the command; run as printed (from the repository, where
    `.venv/bin/hoso` is), it gets the facility system's token from the server."""
    command = printed(r"\n\s*(\S*hoso token --client-key .*)\n", demo_server.printed)
    assert f"--server {demo_server.origin}" in command
    ran = subprocess.run(shlex.split(command), capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert ran.returncode == 0, ran.stderr
    token = only_a_token(ran.stdout)
    client_id = printed(r"facility client: (\S+)", demo_server.printed)
    assert claims_of(token)["sub"] == f"client:{client_id}"
    assert status_with(token, f"{demo_server.origin}/fhir/Patient") == 200


def test_facility_token_refused_is_a_message(demo_server: DemoServer) -> None:
    asked = CliRunner().invoke(
        app,
        ["token", "--client-key", str(demo_server.key_file), "--scope", "user/*.rs",
         "--server", demo_server.origin],
    )  # fmt: skip
    assert asked.exit_code == 2 and asked.stdout == ""
    assert "Token refused" in asked.stderr
    nowhere = CliRunner().invoke(
        app, ["token", "--client-key", str(demo_server.key_file), "--server", "http://127.0.0.1:9"]
    )
    assert nowhere.exit_code == 2 and "Cannot reach the server" in nowhere.stderr


def test_a_key_made_elsewhere_needs_its_client_id(demo_server: DemoServer, tmp_path: Path) -> None:
    """A facility's own key file holds no client_id: `--client-id` names the client."""
    jwk = json.loads(demo_server.key_file.read_text())
    client_id = jwk.pop("client_id")
    bare = tmp_path / "khoa-rieng.json"
    bare.write_text(json.dumps(jwk))
    asked = ["token", "--client-key", str(bare), "--server", demo_server.origin]
    refused = CliRunner().invoke(app, asked)
    assert refused.exit_code == 2 and "names no client_id" in refused.stderr
    given = CliRunner().invoke(app, [*asked, "--client-id", client_id])
    assert given.exit_code == 0, given.stderr
    assert claims_of(only_a_token(given.stdout))["sub"] == f"client:{client_id}"
