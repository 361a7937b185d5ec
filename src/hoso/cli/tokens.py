"""`hoso token` and `hoso login`: an access token on standard output, and nothing else.

`TOKEN=$(hoso token …)` and `TOKEN=$(hoso login …)` are how the README gets a token for
each role, so standard output carries the token alone: prompts (password, TOTP code) go
to the terminal through stderr, and what was granted is said on stderr too.

- `hoso token --scope S` signs a token here with the server's own key, as the operator
  (audited); it needs the server's database, not the server.
- `hoso token --client-key FILE` asks a running server, as a facility system: client
  credentials with a `private_key_jwt` assertion (SMART Backend Services), the way a
  hospital's HIS does.
- `hoso login USER` logs a person in through the login form (code + PKCE).
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Annotated, Any

import typer

from hoso.cli.options import BaseUrl, DatabaseUrl, ask, fail, read_password

LOCAL_SERVER = "http://127.0.0.1:8000"
FACILITY_DEFAULT_SCOPE = "system/*.rs"

Server = Annotated[
    str, typer.Option(help="Máy chủ đang chạy / the running server (scheme://host:port)")
]


def token(
    scope: Annotated[
        str | None,
        typer.Option(
            help='Phạm vi / scopes, e.g. "system/*.rs" (với --client-key mặc định / with '
            f"--client-key default: {FACILITY_DEFAULT_SCOPE})"
        ),
    ] = None,
    client_key: Annotated[
        Path | None,
        typer.Option(
            help="Khóa bí mật JWK của hệ thống cơ sở: xin mã từ máy chủ đang chạy / a "
            "facility system's private JWK: ask the running server (client credentials)"
        ),
    ] = None,
    client_id: Annotated[
        str | None,
        typer.Option(help="client_id (mặc định: ghi trong tệp khóa / default: the key file's)"),
    ] = None,
    server: Server = LOCAL_SERVER,
    facility: Annotated[str | None, typer.Option(help="Đóng vai hệ thống cơ sở")] = None,
    patient: Annotated[str | None, typer.Option(help="Đóng vai người dân / as resident")] = None,
    audience: Annotated[str | None, typer.Option(help="aud; mặc định <base-url>/fhir")] = None,
    database_url: DatabaseUrl = None,
    base_url: BaseUrl = None,
) -> None:
    """In mã truy cập ngắn hạn / Print a short-lived access token (operator: signed here,
    audited; --client-key: from the running server, as a facility system)."""
    if client_key is not None:
        if facility or patient or audience:
            fail(
                "--client-key không đi cùng --facility/--patient/--audience: cơ sở và đối "
                "tượng do máy chủ quyết định / --client-key does not take --facility, "
                "--patient or --audience: the server decides them from the client"
            )
        typer.echo(_facility_token(client_key, client_id, scope, server))
        return
    if scope is None:
        fail(
            "Thiếu --scope (hoặc dùng --client-key FILE) / "
            "--scope is required (or give --client-key FILE)"
        )
    typer.echo(_operator_token(scope, facility, patient, audience, database_url, base_url))


def _operator_token(
    scope: str,
    facility: str | None,
    patient: str | None,
    audience: str | None,
    database_url: str | None,
    base_url: str | None,
) -> str:
    """A token signed by the server's key for the OS user as operator (audited)."""
    import getpass

    from hoso.access.grant_scopes import parse_scopes
    from hoso.cli.access import auth_services

    try:
        scopes = parse_scopes(scope)
    except ValueError:
        fail("Phạm vi không hợp lệ / Malformed scope")
    with auth_services(database_url, base_url) as auth:
        issued = auth.endpoint.operator_token(
            operator=getpass.getuser(),
            scopes=scopes,
            facility=facility,
            patient=patient,
            audience=audience,
        )
    return issued.token


def _facility_token(key_file: Path, client_id: str | None, scope: str | None, server: str) -> str:
    """The running server's token for the facility system whose private key is in
    `key_file` (client credentials, `private_key_jwt`)."""
    import json

    from hoso.access.login_client import LoginFailed, facility_token

    try:
        jwk: Any = json.loads(key_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"Không đọc được tệp khóa / Cannot read the key file {key_file}: {exc}")
    if not isinstance(jwk, dict):
        fail(f"Tệp khóa không phải một JWK / The key file is not a JWK: {key_file}")
    # `hoso clients add --generate-key` and `hoso demo` write the client_id into the key
    # file (an extra JWK member, which RFC 7517 §4 lets readers ignore).
    client_id = client_id or jwk.pop("client_id", None)
    if not isinstance(client_id, str) or not client_id:
        fail(f"Tệp khóa {key_file} không ghi client_id: dùng --client-id / {key_file} "
             "names no client_id: give --client-id")  # fmt: skip
    try:
        result = facility_token(
            server, private_jwk=jwk, client_id=client_id, scope=scope or FACILITY_DEFAULT_SCOPE
        )
    except LoginFailed as exc:
        fail(str(exc))
    typer.echo(f"scope: {result.scope}; {result.expires_in} s", err=True)
    return result.access_token


def login(
    username: Annotated[str, typer.Argument(help="CCCD (người dân) hoặc tên / or username")],
    server: Server = LOCAL_SERVER,
    scope: Annotated[
        str | None, typer.Option(help="mặc định / default: patient/*.rs or user/*.rs")
    ] = None,
    client_id: Annotated[str, typer.Option(help="Ứng dụng / login app")] = "hoso-demo",
    redirect_uri: Annotated[
        str | None, typer.Option(help="URI đã đăng ký / registered (<server>/demo/callback)")
    ] = None,
    password_env: Annotated[
        str | None,
        typer.Option(
            help="Đọc mật khẩu từ biến môi trường này / read the password from this "
            "environment variable (default: ask on the terminal)"
        ),
    ] = None,
    totp_env: Annotated[
        str | None,
        typer.Option(
            help="Đọc mã TOTP (6 số) hoặc otpauth://… từ biến môi trường này / read "
            "the TOTP code, or an otpauth:// URI, from this environment variable"
        ),
    ] = None,
    totp_uri: Annotated[
        str | None, typer.Option(help="otpauth://… (tài khoản mẫu / demo accounts)")
    ] = None,
) -> None:
    """Đăng nhập (mã + PKCE) và in mã truy cập / Log in (code + PKCE), print the token."""
    from hoso.access.login_client import LoginFailed, log_in

    resident = username.isdigit() and len(username) == 12
    password = read_password(password_env, confirm=False)
    totp = _totp_code(totp_env, totp_uri, resident)
    try:
        result = log_in(
            server,
            username=username,
            password=password,
            totp=totp,
            scope=scope or ("openid patient/*.rs" if resident else "openid user/*.rs"),
            client_id=client_id,
            redirect_uri=redirect_uri or f"{server.rstrip('/')}/demo/callback",
        )
    except LoginFailed as exc:
        fail(str(exc))
    typer.echo(
        f"scope: {result.scope}; {result.expires_in} s"
        + (f"; Patient/{result.patient}" if result.patient else ""),
        err=True,
    )
    typer.echo(result.access_token)


def _totp_code(totp_env: str | None, totp_uri: str | None, resident: bool) -> str | None:
    """The second factor: from the environment (a code, or an `otpauth://` URI whose
    current code is taken), from `--totp-uri`, or asked for on the terminal. Staff log
    in with a second factor; a resident may log in without one."""
    import pyotp

    given = totp_uri
    if totp_env:
        given = os.environ.get(totp_env) or fail(
            f"Biến môi trường {totp_env} chưa đặt hoặc trống / "
            f"environment variable {totp_env} is unset or empty"
        )
    if given is None:
        return None if resident else ask("Mã TOTP / TOTP code", hidden=False)
    if not given.startswith("otpauth://"):
        return given.strip()
    try:
        return pyotp.parse_uri(given).now()
    except ValueError as exc:
        fail(f"URI TOTP không hợp lệ / Invalid otpauth URI: {exc}")


def hoso_command() -> str:
    """How to run this `hoso` from the current directory, for commands printed for
    people to copy: `.venv/bin/hoso` in a checkout set up by `make run`, else the
    installed script's full path, else `hoso`."""
    import sys

    script = Path(sys.prefix) / "bin" / "hoso"
    if not script.is_file():
        return "hoso"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def facility_token_command(key_file: Path, scopes: str, server: str) -> str:
    """The command a facility runs to get an access token with its private key."""
    return " ".join(
        [hoso_command(), "token", "--client-key", shlex.quote(str(key_file)),
         "--scope", shlex.quote(scopes), "--server", shlex.quote(server)]
    )  # fmt: skip
