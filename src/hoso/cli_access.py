"""`hoso` commands for access: OAuth clients, accounts, signing keys, tokens, logging
in, and the demo accounts. Registered on the main app by `hoso.cli`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from hoso.cli_options import BaseUrl, DatabaseUrl, fail, open_store

clients_app = typer.Typer(help="Ứng dụng OAuth / OAuth clients")
users_app = typer.Typer(help="Tài khoản đăng nhập / Login accounts")
keys_app = typer.Typer(help="Khóa ký mã truy cập / Token-signing keys")

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
def _auth(database_url: str | None, base_url: str | None = None) -> Iterator[Any]:
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


def _facility_client(
    auth: Any, facility: str, scopes: str, key_out: Path, name: str | None = None
) -> Any:
    from joserfc.jwk import ECKey

    key = ECKey.generate_key("P-384", auto_kid=True)
    _write_private_key(key_out, key)
    jwks = {"keys": [key.as_dict(private=False)]}
    return auth.clients.register_system(facility=facility, scopes=scopes, jwks=jwks, name=name)


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
    import json

    if (jwks is None) == (not generate_key):
        fail("Dùng --jwks FILE hoặc --generate-key / Give --jwks FILE or --generate-key")
    if generate_key and key_out is None:
        fail("--generate-key cần --key-out PATH / --generate-key needs --key-out PATH")
    with _auth(database_url, base_url) as auth:
        try:
            if jwks is not None:
                client = auth.clients.register_system(
                    facility=facility,
                    scopes=scopes,
                    name=name,
                    jwks=json.loads(jwks.read_text(encoding="utf-8")),
                )
            else:
                assert key_out is not None
                client = _facility_client(auth, facility, scopes, key_out, name)
        except ValueError as exc:
            fail(str(exc))
        typer.echo(f"client_id: {client.client_id}")
        typer.echo(f"token endpoint: {auth.urls.token}")
        if key_out is not None:
            typer.echo(f"Khóa bí mật / private key: {key_out} (chmod 600)")
            typer.echo("Lấy mã truy cập / get an access token:")
            typer.echo(
                TOKEN_SNIPPET.format(
                    key_out=str(key_out),
                    client_id=client.client_id,
                    token_url=auth.urls.token,
                    scopes=scopes,
                )
            )


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
    with _auth(database_url) as auth:
        auth.clients.register_public(
            client_id=client_id, name=name or client_id, redirect_uris=redirect_uri, scopes=scopes
        )
    typer.echo(f"client_id: {client_id}")


@clients_app.command("disable")
def clients_disable(client_id: str, database_url: DatabaseUrl = None) -> None:
    """Vô hiệu hóa ứng dụng / Disable a client (its tokens end within their lifetime)."""
    with _auth(database_url) as auth:
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
    import os

    if password_env:
        password = os.environ.get(password_env) or fail(f"{password_env} chưa đặt / unset")
    else:
        password = typer.prompt("Mật khẩu / Password", hide_input=True, confirmation_prompt=True)
    with _auth(database_url) as auth:
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
    with _auth(database_url, base_url) as auth:
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
    import os

    import pyotp

    from hoso.access.login_client import LoginFailed, log_in

    resident = username.isdigit() and len(username) == 12
    if password_env:
        password = os.environ.get(password_env) or fail(f"{password_env} chưa đặt / unset")
    else:
        password = typer.prompt("Mật khẩu / Password", hide_input=True)
    totp = pyotp.parse_uri(totp_uri).now() if totp_uri else None
    if totp is None and not resident:
        totp = typer.prompt("Mã TOTP / TOTP code")
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


@keys_app.command("rotate")
def keys_rotate(database_url: DatabaseUrl = None) -> None:
    """Tạo khóa ký mới; khóa cũ còn kiểm tra đến khi mã của nó hết hạn / New signing key."""
    with _auth(database_url) as auth:
        kid = auth.keys.rotate()
    typer.echo(f"kid: {kid}")


def demo(
    key_out: Annotated[Path, typer.Option(help="Khóa của cơ sở mẫu / demo facility key")] = Path(
        "var/demo/facility-key.json"
    ),
    database_url: DatabaseUrl = None,
    base_url: BaseUrl = None,
) -> None:
    """Dữ liệu và tài khoản mẫu (tổng hợp) / Synthetic demo data and accounts."""
    import secrets

    from hoso.access import claims as roles

    with _auth(database_url, base_url) as auth:
        if auth.store.account_by_username("bs.demo") is not None:
            fail("Đã có dữ liệu mẫu / demo data already exists", 1)
        ids = _demo_records(open_store(database_url))
        passwords = {name: secrets.token_urlsafe(12) for name in ("resident", "bs", "cb")}
        auth.accounts.create(
            ids["cccd"], passwords["resident"], roles.RESIDENT, patient_id=ids["patient"]
        )
        _, bs_totp = auth.accounts.create(
            "bs.demo",
            passwords["bs"],
            roles.CLINICIAN,
            facility=DEMO_FACILITY,
            practitioner_id=ids["practitioner"],
        )
        _, cb_totp = auth.accounts.create("cb.demo", passwords["cb"], roles.OFFICER)
        auth.clients.register_public(
            client_id="hoso-demo",
            name="Hồ Sơ demo",
            scopes=(
                "openid fhirUser profile launch/patient offline_access patient/*.rs user/*.cruds"
            ),
            redirect_uris=[f"{auth.urls.base_url}/demo/callback", "http://localhost:3000/cb"],
        )
        client = _facility_client(
            auth, DEMO_FACILITY, "system/*.cruds", key_out, "Bệnh viện Mẫu (demo)"
        )
        typer.echo(f"Cơ sở / facility {DEMO_FACILITY}: Organization/{ids['organization']}")
        typer.echo(
            f"Người dân / resident: {ids['cccd']} / {passwords['resident']} "
            f"(Patient/{ids['patient']})"
        )
        typer.echo(f"Bác sĩ / clinician: bs.demo / {passwords['bs']}  TOTP: {bs_totp}")
        typer.echo(f"Cán bộ y tế công cộng / officer: cb.demo / {passwords['cb']}  TOTP: {cb_totp}")
        typer.echo(
            "Ứng dụng đăng nhập / login app: hoso-demo "
            f"(redirect {auth.urls.base_url}/demo/callback)"
        )
        typer.echo(f"Hệ thống cơ sở / facility client: {client.client_id}  key: {key_out}")
        typer.echo(
            TOKEN_SNIPPET.format(
                key_out=str(key_out),
                client_id=client.client_id,
                token_url=auth.urls.token,
                scopes="system/*.rs",
            )
        )


DEMO_FACILITY = "79999"


def _demo_records(store: Any) -> dict[str, str]:
    """A synthetic facility, clinician, resident (valid synthetic CCCD) and encounter."""
    import random
    from datetime import UTC, datetime

    from hoso.core.settings import DEFAULT_CCCD_SYSTEM, DEFAULT_FACILITY_SYSTEM

    # 079 (TP.HCM) + 1 (born 1900s, female) + 90 (1990) + six random digits.
    cccd = f"079190{random.randrange(10**6):06d}"
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with store.unit_of_work() as session:
        org = session.create(
            {
                "resourceType": "Organization",
                "active": True,
                "name": "Bệnh viện Mẫu (demo)",
                "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": DEMO_FACILITY}],
            }
        ).stored.id
        practitioner = session.create(
            {
                "resourceType": "Practitioner",
                "active": True,
                "name": [{"family": "Lê", "given": ["Minh", "Khoa"], "text": "BS. Lê Minh Khoa"}],
            }
        ).stored.id
        patient = session.create(
            {
                "resourceType": "Patient",
                "active": True,
                "gender": "female",
                "birthDate": "1990-04-12",
                "name": [{"family": "Nguyễn", "given": ["Thị", "Mẫu"]}],
                "identifier": [{"system": DEFAULT_CCCD_SYSTEM, "value": cccd}],
                "managingOrganization": {"reference": f"Organization/{org}"},
            }
        ).stored.id
        session.create(
            {
                "resourceType": "Encounter",
                "status": "in-progress",
                "class": {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "code": "AMB",
                    "display": "ambulatory",
                },
                "subject": {"reference": f"Patient/{patient}"},
                "participant": [{"individual": {"reference": f"Practitioner/{practitioner}"}}],
                "serviceProvider": {"reference": f"Organization/{org}"},
                "period": {"start": now},
            }
        )
    store.engine.dispose()
    return {"organization": org, "practitioner": practitioner, "patient": patient, "cccd": cccd}


# -- audit trail (docs/security.md) -------------------------------------------------------
