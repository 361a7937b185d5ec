"""`hoso` commands for access: OAuth clients, accounts and signing keys, and the
facility systems' key files (docs/security-auth.md); tokens and logging in are
`hoso.cli.tokens`. Registered on the main app by `hoso.cli`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from hoso.cli.options import BaseUrl, DatabaseUrl, fail, open_store, read_password
from hoso.cli.tokens import facility_token_command

clients_app = typer.Typer(help="Ứng dụng OAuth / OAuth clients")
users_app = typer.Typer(help="Tài khoản đăng nhập / Login accounts")
keys_app = typer.Typer(help="Khóa ký mã truy cập / Token-signing keys")

DEMO_FACILITY = "79999"


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


def _claim_private_key_file(path: Path) -> TextIO:
    """A new file for a private key, readable by its owner only, and never inside a Git
    work tree unless Git ignores the path (var/ is). An existing file is not
    overwritten: it may be the only copy of another client's key."""
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
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fail(
            f"Tệp khóa đã có, không ghi đè: xóa nó hoặc chọn --key-out khác / The key file "
            f"exists, not overwritten: remove it or choose another --key-out: {path}"
        )
    return os.fdopen(fd, "w")


def facility_client(
    auth: Any, facility: str, scopes: str, key_out: Path, name: str | None = None
) -> Any:
    """A facility system with a key pair made here: the public half registered, the
    private half written to `key_out` with the client_id beside it (an extra JWK member,
    which RFC 7517 §4 lets other readers ignore), so that `hoso token --client-key FILE`
    needs nothing else. The file is claimed first: a path that cannot take the key stops
    the command before anything is registered."""
    return client_with_new_key(key_out, lambda jwks: auth.clients.register_system(
        facility=facility, scopes=scopes, jwks=jwks, name=name))  # fmt: skip


def client_with_new_key(key_out: Path, register: Any) -> Any:
    """`register(public JWKS)` with a key pair made here, its private half written to
    `key_out` with the client_id beside it."""
    import json

    from joserfc.jwk import ECKey

    key = ECKey.generate_key("P-384", auto_kid=True)
    with _claim_private_key_file(key_out) as out:
        try:
            client = register({"keys": [key.as_dict(private=False)]})
        except BaseException:
            out.close()
            key_out.unlink(missing_ok=True)
            raise
        json.dump({**key.as_dict(private=True), "client_id": client.client_id}, out)
    return client


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
            typer.echo("Lấy mã truy cập từ máy chủ đang chạy / get an access token from the "
                       "running server:")  # fmt: skip
            typer.echo(facility_token_command(key_out, scopes, auth.urls.base_url))


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


@clients_app.command("add-gateway")
def clients_add_gateway(
    username: Annotated[str, typer.Argument(help="Tên đăng nhập / username")],
    facility: Annotated[str, typer.Option(help="Mã cơ sở KCB / facility code (MA_CSKCB)")],
    database_url: DatabaseUrl = None,
) -> None:
    """Tài khoản cổng XML 130 kiểu BHXH / A facility's login on the BHXH-shaped gateway
    (POST /api/token/take); prints its password once."""
    from hoso.access.gateway_login import GatewayLogin, md5_upper
    from hoso.store.gateway_accounts import SqlGatewayAccounts

    with auth_services(database_url) as auth:
        accounts = SqlGatewayAccounts(auth.store.engine)
        login = GatewayLogin(accounts, auth.tokens, auth.accounts.audit)
        if login.accounts.get(username) is not None:
            fail(f"Đã có tài khoản / account exists: {username}", 1)
        try:
            password = login.create(username, facility)
        except ValueError as exc:
            fail(str(exc))
    typer.echo(f"username: {username}  facility: {facility}")
    typer.echo(f"password: {password}")
    typer.echo(f"password (MD5, như HIS gửi / as the HIS sends it): {md5_upper(password)}")


@clients_app.command("add-peer")
def clients_add_peer(
    name: Annotated[str, typer.Option(help="Tên hệ thống / system name")],
    key_out: Annotated[Path, typer.Option(help="Nơi ghi khóa bí mật / key file")],
    scopes: Annotated[str, typer.Option(help="Phạm vi / scopes")] = "system/*.cruds",
    database_url: DatabaseUrl = None,
    base_url: BaseUrl = None,
) -> None:
    """Đăng ký hệ thống hồ sơ ngang hàng (CSDL quốc gia nhận từ tỉnh) / Register a peer
    record system: one that sends the records of many facilities (a province's Hồ Sơ
    feeding this server as the national database)."""
    with auth_services(database_url, base_url) as auth:
        try:
            client = client_with_new_key(key_out, lambda jwks: auth.clients.register_peer(
                name=name, scopes=scopes, jwks=jwks))  # fmt: skip
        except ValueError as exc:
            fail(str(exc))
        typer.echo(f"client_id: {client.client_id}")
        typer.echo(f"token endpoint: {auth.urls.token}")
        typer.echo(f"Khóa bí mật / private key: {key_out} (chmod 600): HOSO_NATIONAL_KEY_FILE "
                   "của máy chủ gửi / of the sending server")  # fmt: skip


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
    password = read_password(password_env, confirm=True)
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


@keys_app.command("rotate")
def keys_rotate(database_url: DatabaseUrl = None) -> None:
    """Tạo khóa ký mới; khóa cũ còn kiểm tra đến khi mã của nó hết hạn / New signing key."""
    with auth_services(database_url) as auth:
        kid = auth.keys.rotate()
    typer.echo(f"kid: {kid}")
