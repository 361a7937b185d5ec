"""`hoso demo`: a synthetic facility, clinician, resident and encounter, with accounts
to log in as each of them (docs/security-auth.md). Everyone in it is invented."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NamedTuple

import typer

from hoso.cli.access import DEMO_FACILITY, auth_services, facility_client, token_snippet
from hoso.cli.options import BaseUrl, DatabaseUrl, as_operator, fail, open_store


def demo(
    key_out: Annotated[Path, typer.Option(help="Khóa của cơ sở mẫu / demo facility key")] = Path(
        "var/demo/facility-key.json"
    ),
    database_url: DatabaseUrl = None,
    base_url: BaseUrl = None,
) -> None:
    """Dữ liệu và tài khoản mẫu (tổng hợp) / Synthetic demo data and accounts."""
    with auth_services(database_url, base_url) as auth:
        if auth.store.account_by_username("bs.demo") is not None:
            fail("Đã có dữ liệu mẫu / demo data already exists", 1)
        ids = _demo_records(database_url)
        logins = _demo_accounts(auth, ids)
        auth.clients.register_public(
            client_id="hoso-demo",
            name="Hồ Sơ demo",
            scopes=(
                "openid fhirUser profile launch/patient offline_access patient/*.rs user/*.cruds"
            ),
            redirect_uris=[f"{auth.urls.base_url}/demo/callback", "http://localhost:3000/cb"],
        )
        client = facility_client(
            auth, DEMO_FACILITY, "system/*.cruds", key_out, "Bệnh viện Mẫu (demo)"
        )
        _print_demo(auth, ids, logins, client, key_out)


class DemoLogin(NamedTuple):
    """A demo account as printed once: its username, fresh password and TOTP URI."""

    username: str
    password: str
    totp_uri: str | None


def _demo_accounts(auth: Any, ids: dict[str, str]) -> tuple[DemoLogin, DemoLogin, DemoLogin]:
    """The resident, the clinician `bs.demo` and the officer `cb.demo`, each with a
    fresh password; the staff have a second factor (TOTP), the resident does not."""
    import secrets

    from hoso.access import claims as roles

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
    return (
        DemoLogin(ids["cccd"], passwords["resident"], None),
        DemoLogin("bs.demo", passwords["bs"], bs_totp),
        DemoLogin("cb.demo", passwords["cb"], cb_totp),
    )


def _print_demo(
    auth: Any,
    ids: dict[str, str],
    logins: tuple[DemoLogin, DemoLogin, DemoLogin],
    client: Any,
    key_out: Path,
) -> None:
    """What the demo made, with the passwords: they are shown here only, once."""
    resident, clinician, officer = logins
    typer.echo(f"Cơ sở / facility {DEMO_FACILITY}: Organization/{ids['organization']}")
    typer.echo(
        f"Người dân / resident: {resident.username} / {resident.password} "
        f"(Patient/{ids['patient']})"
    )
    typer.echo(
        f"Bác sĩ / clinician: {clinician.username} / {clinician.password}  "
        f"TOTP: {clinician.totp_uri}"
    )
    typer.echo(
        f"Cán bộ y tế công cộng / officer: {officer.username} / {officer.password}  "
        f"TOTP: {officer.totp_uri}"
    )
    typer.echo(
        f"Ứng dụng đăng nhập / login app: hoso-demo (redirect {auth.urls.base_url}/demo/callback)"
    )
    typer.echo(f"Hệ thống cơ sở / facility client: {client.client_id}  key: {key_out}")
    typer.echo(token_snippet(auth, client, key_out, "system/*.rs"))


def _demo_records(database_url: str | None) -> dict[str, str]:
    """A synthetic facility, clinician, resident (valid synthetic CCCD) and encounter,
    written by the operator through the access layer in one audited transaction."""
    import random

    # 079 (TP.HCM) + 1 (born 1900s, female) + 90 (1990) + six random digits.
    cccd = f"079190{random.randrange(10**6):06d}"
    store = open_store(database_url)
    with as_operator(store) as repo, repo.unit_of_work() as uow:
        org = uow.create(_demo_organization()).stored.id
        practitioner = uow.create(_demo_practitioner()).stored.id
        patient = uow.create(_demo_patient(cccd, org)).stored.id
        uow.create(_demo_encounter(patient, practitioner, org))
    store.engine.dispose()
    return {"organization": org, "practitioner": practitioner, "patient": patient, "cccd": cccd}


def _demo_organization() -> dict[str, Any]:
    from hoso.core.settings import DEFAULT_FACILITY_SYSTEM

    return {
        "resourceType": "Organization",
        "active": True,
        "name": "Bệnh viện Mẫu (demo)",
        "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": DEMO_FACILITY}],
    }


def _demo_practitioner() -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "active": True,
        "name": [{"family": "Lê", "given": ["Minh", "Khoa"], "text": "BS. Lê Minh Khoa"}],
    }


def _demo_patient(cccd: str, org: str) -> dict[str, Any]:
    from hoso.core.settings import DEFAULT_CCCD_SYSTEM

    return {
        "resourceType": "Patient",
        "active": True,
        "gender": "female",
        "birthDate": "1990-04-12",
        "name": [{"family": "Nguyễn", "given": ["Thị", "Mẫu"]}],
        "identifier": [{"system": DEFAULT_CCCD_SYSTEM, "value": cccd}],
        "managingOrganization": {"reference": f"Organization/{org}"},
    }


def _demo_encounter(patient: str, practitioner: str, org: str) -> dict[str, Any]:
    """An ambulatory visit, in progress since now."""
    from datetime import UTC, datetime

    return {
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
        "period": {"start": datetime.now(UTC).isoformat(timespec="seconds")},
    }
