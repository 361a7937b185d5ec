"""`hoso` commands for access: OAuth clients, accounts, signing keys, tokens, logging
in, and the demo accounts (docs/security-auth.md). Registered on the main app by
`hoso.cli`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from hoso.cli.options import BaseUrl, DatabaseUrl, fail, open_store

clients_app = typer.Typer(help="Ứng dụng OAuth / OAuth clients")
users_app = typer.Typer(help="Tài khoản đăng nhập / Login accounts")
keys_app = typer.Typer(help="Khóa ký mã truy cập / Token-signing keys")

DEMO_FACILITY = "79999"

TOKEN_SNIPPET = """python - <<'PY'
import json, time, uuid, urllib.parse, urllib.request
from joserfc import jwt
from joserfc.jwk import ECKey
key = ECKey.import_key(json.load(open({key_out!r})))
now = int(time.time())
assertion = jwt.encode(
    {{"alg": "ES384", "kid": key.kid}},
    {{"iss": {client_id!r}, "sub": {client_id!r}, "aud": {token_url!r},
     "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex}},
    key, algorithms=["ES384"])
form = urllib.parse.urlencode({{
    "grant_type": "client_credentials",
    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    "client_assertion": assertion, "scope": {scopes!r}}}).encode()
print(json.load(urllib.request.urlopen({token_url!r}, form))["access_token"])
PY"""


@contextmanager
def auth_services(database_url: str | None, base_url: str | None = None) -> Iterator[Any]:
    """The authentication services over the store, auditing into its hash chain;
    `base_url` is the server's public URL its token endpoint and audience name."""
    from hoso.access.audit import GroupCommitAuditTrail
    from hoso.access.auth_services import build_auth
    from hoso.store.auth_store import SqlAuthStore
    from hoso.store.sql_store import SqlAuditLog

    store = open_store(database_url, base_url)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        yield build_auth(SqlAuthStore(store.engine), store.settings, trail)
    finally:
        trail.close()
        store.engine.dispose()


def _write_private_key(path: Path, key: Any) -> None:
    """Private key as JWK, readable by its owner only, and never inside a Git work tree
    unless Git ignores the path (var/ is)."""
    import json
    import os
    import subprocess

    target = path.resolve()
    tree = next((p for p in target.parents if (p / ".git").exists()), None)
    if tree is not None:
        ignored = (
            subprocess.run(
                ["git", "-C", str(tree), "check-ignore", "-q", str(target)], capture_output=True
            ).returncode
            == 0
        )
        if not ignored:
            fail(
                f"Không ghi khóa bí mật vào kho mã / Refusing to write a private key inside "
                f"the repository {tree}: choose a path outside it (or under var/)"
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(key.as_dict(private=True), out)


def facility_client(
    auth: Any, facility: str, scopes: str, key_out: Path, name: str | None = None
) -> Any:
    """A facility system with a key pair made here: the private half written to
    `key_out`, the public half registered."""
    from joserfc.jwk import ECKey

    key = ECKey.generate_key("P-384", auto_kid=True)
    _write_private_key(key_out, key)
    jwks = {"keys": [key.as_dict(private=False)]}
    return auth.clients.register_system(facility=facility, scopes=scopes, jwks=jwks, name=name)


def token_snippet(auth: Any, client: Any, key_out: Path, scopes: str) -> str:
    """A script the facility can run to get an access token with its private key."""
    return TOKEN_SNIPPET.format(
        key_out=str(key_out), client_id=client.client_id, token_url=auth.urls.token, scopes=scopes
    )


def _password(password_env: str | None, *, confirm: bool) -> str:
    """The password from the named environment variable, or asked for without echo."""
    import os

    if password_env:
        return os.environ.get(password_env) or fail(f"{password_env} chưa đặt / unset")
    return typer.prompt("Mật khẩu / Password", hide_input=True, confirmation_prompt=confirm)


@clients_app.command("add")
def clients_add(
    facility: Annotated[str, typer.Option(help="Mã cơ sở KCB / facility code")],
    scopes: Annotated[str, typer.Option(help='Phạm vi / scopes, e.g. "system/*.rs"')],
    jwks: Annotated[Path | None, typer.Option(help="JWKS công khai / public JWKS file")] = None,
    generate_key: Annotated[bool, typer.Option(help="Tạo khóa / generate a key")] = False,
    key_out: Annotated[Path | None, typer.Option(help="Nơi ghi khóa bí mật / key file")] = None,
    name: Annotated[str | None, typer.Option(help="Tên hiển thị / display name")] = None,
    database_url: DatabaseUrl = None,
    base_url: BaseUrl = None,
) -> None:
    """Đăng ký hệ thống của cơ sở y tế / Register a facility system (private_key_jwt)."""
    if (jwks is None) == (not generate_key):
        fail("Dùng --jwks FILE hoặc --generate-key / Give --jwks FILE or --generate-key")
    if generate_key and key_out is None:
        fail("--generate-key cần --key-out PATH / --generate-key needs --key-out PATH")
    with auth_services(database_url, base_url) as auth:
        client = _register_facility_system(auth, facility, scopes, name, jwks, key_out)
        typer.echo(f"client_id: {client.client_id}")
        typer.echo(f"token endpoint: {auth.urls.token}")
        if key_out is not None:
            typer.echo(f"Khóa bí mật / private key: {key_out} (chmod 600)")
            typer.echo("Lấy mã truy cập / get an access token:")
            typer.echo(token_snippet(auth, client, key_out, scopes))


def _register_facility_system(
    auth: Any,
    facility: str,
    scopes: str,
    name: str | None,
    jwks: Path | None,
    key_out: Path | None,
) -> Any:
    """The client, with the facility's own public JWKS file or with a key made here; a
    bad file or a refused registration is a message, not a traceback."""
    import json

    try:
        if jwks is not None:
            return auth.clients.register_system(
                facility=facility,
                scopes=scopes,
                name=name,
                jwks=json.loads(jwks.read_text(encoding="utf-8")),
            )
        assert key_out is not None
        return facility_client(auth, facility, scopes, key_out, name)
    except ValueError as exc:
        fail(str(exc))


@clients_app.command("add-app")
def clients_add_app(
    client_id: Annotated[str, typer.Argument(help="client_id")],
    redirect_uri: Annotated[list[str], typer.Option(help="redirect URI (lặp / repeatable)")],
    scopes: Annotated[str, typer.Option(help="Phạm vi / scopes")] = (
        "openid fhirUser profile launch/patient offline_access patient/*.rs user/*.cruds"
    ),
    name: Annotated[str | None, typer.Option(help="Tên hiển thị / display name")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Đăng ký ứng dụng đăng nhập (PKCE) / Register a login app (public client, PKCE)."""
    with auth_services(database_url) as auth:
        auth.clients.register_public(
            client_id=client_id, name=name or client_id, redirect_uris=redirect_uri, scopes=scopes
        )
    typer.echo(f"client_id: {client_id}")


@clients_app.command("disable")
def clients_disable(client_id: str, database_url: DatabaseUrl = None) -> None:
    """Vô hiệu hóa ứng dụng / Disable a client (its tokens end within their lifetime)."""
    with auth_services(database_url) as auth:
        if not auth.clients.disable(client_id):
            fail(f"Không có ứng dụng / no such client: {client_id}", 1)
    typer.echo(f"Đã vô hiệu hóa / disabled: {client_id}")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Tên đăng nhập (CCCD với người dân)")],
    role: Annotated[str, typer.Option(help="resident clinician officer steward dpo admin")],
    facility: Annotated[str | None, typer.Option(help="Mã cơ sở / facility code")] = None,
    patient: Annotated[str | None, typer.Option(help="Patient id (resident)")] = None,
    practitioner: Annotated[str | None, typer.Option(help="Practitioner id")] = None,
    password_env: Annotated[str | None, typer.Option(help="Biến môi trường chứa mật khẩu")] = None,
    totp: Annotated[bool, typer.Option(help="TOTP cho người dân / TOTP for a resident")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Tạo tài khoản / Create a login account (prints the TOTP URI for staff, once)."""
    password = _password(password_env, confirm=True)
    with auth_services(database_url) as auth:
        try:
            account, uri = auth.accounts.create(
                username,
                password,
                role,
                facility=facility,
                patient_id=patient,
                practitioner_id=practitioner,
                with_totp=totp,
            )
        except ValueError as exc:
            fail(str(exc))
    typer.echo(f"Tài khoản / account: {account.id} ({role})")
    if uri:
        typer.echo(f"TOTP (quét vào ứng dụng xác thực / add to an authenticator app): {uri}")


def token(
    scope: Annotated[str, typer.Option(help='Phạm vi / scopes, e.g. "system/*.rs"')],
    facility: Annotated[str | None, typer.Option(help="Đóng vai hệ thống cơ sở")] = None,
    patient: Annotated[str | None, typer.Option(help="Đóng vai người dân / as resident")] = None,
    audience: Annotated[str | None, typer.Option(help="aud; mặc định <base-url>/fhir")] = None,
    database_url: DatabaseUrl = None,
    base_url: BaseUrl = None,
) -> None:
    """In mã truy cập ngắn hạn (có ghi nhật ký) / Print a short-lived, audited access token."""
    import getpass

    from hoso.access.grant_scopes import parse_scopes

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
    typer.echo(issued.token)


def login(
    username: Annotated[str, typer.Argument(help="CCCD (người dân) hoặc tên / or username")],
    server: Annotated[str, typer.Option(help="Máy chủ / server")] = "http://127.0.0.1:8000",
    scope: Annotated[
        str | None, typer.Option(help="mặc định / default: patient/*.rs or user/*.rs")
    ] = None,
    client_id: Annotated[str, typer.Option(help="Ứng dụng / login app")] = "hoso-demo",
    redirect_uri: Annotated[
        str | None, typer.Option(help="URI đã đăng ký / registered (<server>/demo/callback)")
    ] = None,
    password_env: Annotated[str | None, typer.Option(help="Biến chứa mật khẩu / env var")] = None,
    totp_uri: Annotated[
        str | None, typer.Option(help="otpauth://… (tài khoản mẫu / demo accounts)")
    ] = None,
) -> None:
    """Đăng nhập (mã + PKCE) và in mã truy cập / Log in (code + PKCE), print the token."""
    from hoso.access.login_client import LoginFailed, log_in

    resident = username.isdigit() and len(username) == 12
    password = _password(password_env, confirm=False)
    totp = _totp_code(totp_uri, resident)
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


def _totp_code(totp_uri: str | None, resident: bool) -> str | None:
    """The current code of the `otpauth://` URI, or asked for; staff log in with a
    second factor, a resident may log in without one."""
    import pyotp

    totp = pyotp.parse_uri(totp_uri).now() if totp_uri else None
    if totp is None and not resident:
        totp = typer.prompt("Mã TOTP / TOTP code")
    return totp


@keys_app.command("rotate")
def keys_rotate(database_url: DatabaseUrl = None) -> None:
    """Tạo khóa ký mới; khóa cũ còn kiểm tra đến khi mã của nó hết hạn / New signing key."""
    with auth_services(database_url) as auth:
        kid = auth.keys.rotate()
    typer.echo(f"kid: {kid}")
