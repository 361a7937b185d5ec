"""`hoso demo`: a synthetic facility, clinician, resident and encounter; accounts for
the resident, the clinician, a public-health officer and a data steward
(docs/security-auth.md); and for each page, whom to log in as to find something on it.
Everyone in it is invented."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NamedTuple

import typer

from hoso.cli.access import DEMO_FACILITY, auth_services, facility_client
from hoso.cli.options import BaseUrl, DatabaseUrl, as_operator, fail, open_store
from hoso.cli.tokens import facility_token_command


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
        officer = auth.store.account_by_username("cb.demo")
        _officer_wards(database_url, f"account:{officer.id}")
        station = _station_account(auth, database_url)
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
        _print_demo(
            auth,
            ids,
            logins,
            client,
            key_out,
            _page_contents(database_url)._replace(station=station),
        )


class DemoLogin(NamedTuple):
    """A demo account as printed once: its username, fresh password and TOTP URI."""

    username: str
    password: str
    totp_uri: str | None


class DemoLogins(NamedTuple):
    """One account per role the demo pages and the API show something to."""

    resident: DemoLogin
    clinician: DemoLogin
    officer: DemoLogin
    steward: DemoLogin


STEWARD = "dl.demo"  # "dữ liệu": the data steward, beside bs (bác sĩ) and cb (cán bộ)


def _demo_accounts(auth: Any, ids: dict[str, str]) -> DemoLogins:
    """The resident, the clinician `bs.demo`, the officer `cb.demo` and the data steward
    `dl.demo`, each with a fresh password; the staff have a second factor (TOTP), the
    resident does not."""
    import secrets

    from hoso.access import claims as roles

    passwords = {name: secrets.token_urlsafe(12) for name in ("resident", "bs", "cb", "dl")}
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
    _, dl_totp = auth.accounts.create(STEWARD, passwords["dl"], roles.STEWARD)
    return DemoLogins(
        DemoLogin(ids["cccd"], passwords["resident"], None),
        DemoLogin("bs.demo", passwords["bs"], bs_totp),
        DemoLogin("cb.demo", passwords["cb"], cb_totp),
        DemoLogin(STEWARD, passwords["dl"], dl_totp),
    )


def _officer_wards(database_url: str | None, officer: str) -> None:
    """The demo officer answers for every ward of the city: the cases made from the
    demo population (and later ones) are theirs to open."""
    from hoso.assembly import case_access
    from hoso.publichealth.wards import ward_names

    store = open_store(database_url)
    with as_operator(store) as repo:
        cases = case_access(store, repo)
        for ward in sorted(ward_names()):
            cases.set_officer_ward(officer, ward, add=True)
    store.engine.dispose()


def _print_demo(
    auth: Any,
    ids: dict[str, str],
    logins: DemoLogins,
    client: Any,
    key_out: Path,
    contents: PageContents,
) -> None:
    """What the demo made, with the passwords: they are shown here only, once."""
    resident, clinician, officer, steward = logins
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
        f"Cán bộ quản lý dữ liệu / data steward: {steward.username} / {steward.password}  "
        f"TOTP: {steward.totp_uri}"
    )
    if contents.station:
        typer.echo(f"Trạm y tế / ward health station ({contents.station[2]}): {STATION_LOGIN} "
                   f"/ {contents.station[0]}  TOTP: {contents.station[1]}")  # fmt: skip
    for line in page_guide(auth.urls.base_url, ids, logins, contents):
        typer.echo(line)
    typer.echo(
        f"Ứng dụng đăng nhập / login app: hoso-demo (redirect {auth.urls.base_url}/demo/callback)"
    )
    typer.echo(f"Hệ thống cơ sở / facility client: {client.client_id}  key: {key_out}")
    typer.echo("Mã truy cập của cơ sở / the facility's access token:")
    typer.echo(f"  {facility_token_command(key_out, 'system/*.rs', auth.urls.base_url)}")


class PageContents(NamedTuple):
    """What the steward's pages have on them now (the first start's dedupe and quality
    run fill them; another store may have had neither)."""

    open_pairs: int
    scorecard: bool
    # The ward health station's demo login `tyt.demo` (its password, TOTP URI, ward name).
    station: tuple[str, str | None, str] | None = None


STATION_LOGIN = "tyt.demo"  # "trạm y tế": the ward health station's nurse


def _station_account(auth: Any, database_url: str | None) -> tuple[str, str | None, str] | None:
    """`tyt.demo`, a clinician of the ward health station whose ward has the most
    residents (the programmes' pages show that ward's lists); None when the store has no
    station yet (a store without the first start's population)."""
    import collections
    import secrets

    from hoso.access import claims as roles
    from hoso.api.ward_stations import StoreStations
    from hoso.core import jsonx
    from hoso.programmes.wards import home_ward
    from hoso.publichealth.wards import ward_name

    store = open_store(database_url)
    with as_operator(store) as repo:
        stations = StoreStations(repo, store.settings.facility_system)
        wards = collections.Counter(
            home_ward(jsonx.loads(row.content)) for row in repo.whole_store(["Patient"], "demo")
        )
    store.engine.dispose()
    found = [(n, w) for w, n in wards.most_common() if w and stations.station_of(w)]
    if not found:
        return None
    ward = found[0][1]
    password = secrets.token_urlsafe(12)
    _, totp = auth.accounts.create(STATION_LOGIN, password, roles.CLINICIAN,
                                   facility=stations.station_of(ward))  # fmt: skip
    return password, totp, ward_name(ward)


def _page_contents(database_url: str | None) -> PageContents:
    """Read as the operator through the access layer (audited): counts only."""
    store = open_store(database_url)
    with as_operator(store) as repo:
        with repo.match_queue() as queue:
            open_pairs = queue.count_by_status().get("open", 0)
        with repo.quality_tables() as tables:
            scorecard = bool(tables.latest_runs(1))
    store.engine.dispose()
    return PageContents(open_pairs, scorecard)


def page_guide(base: str, ids: dict[str, str], logins: DemoLogins,
               contents: PageContents) -> list[str]:  # fmt: skip
    """Each page, what is on it and whom to log in as to see it: the web pages take the
    browser login, the FHIR API a token (`hoso login USER`)."""
    from hoso.core.vi_format import vi_number

    resident, clinician, officer, steward = (login.username for login in logins)
    as_steward = f"{steward} (quản lý dữ liệu / data steward)"
    as_officer = f"{officer} (y tế công cộng / public health)"
    queue = (f"{vi_number(contents.open_pairs)} cặp chờ xem xét / pairs to review"
             if contents.open_pairs else "trống; chạy / empty; run `hoso mpi dedupe`")  # fmt: skip
    card = ("có lần kiểm tra / has a run" if contents.scorecard
            else "trống; chạy / empty; run `hoso quality run`")  # fmt: skip
    web = [
        ("Trang chủ / Home", f"{base}/", "mọi tài khoản trên / any account above"),
        ("Hồ sơ nghi trùng (MPI) / Possible duplicates", f"{base}/api/mpi/review.html",
         f"{as_steward}; {queue}"),
        ("Bảng điểm chất lượng dữ liệu / Data-quality scorecard",
         f"{base}/api/quality/scorecard.html", f"{as_steward}, {as_officer}; {card}"),
        ("Ca bệnh truyền nhiễm / Infectious-disease cases", f"{base}/publichealth/cases",
         as_officer),
        ("Chương trình y tế cộng đồng / Community health programmes", f"{base}/programmes/",
         f"{STATION_LOGIN} (trạm y tế / ward health station, {contents.station[2]})"
         if contents.station else "chưa có trạm y tế / no ward health station in the store"),
    ]  # fmt: skip
    api = [
        ("Hồ sơ của người dân / The resident's record",
         f"{base}/fhir/Patient/{ids['patient']}/$everything",
         f"{resident} (người dân / resident), {clinician} (bác sĩ cơ sở / clinician at "
         f"{DEMO_FACILITY})"),
        ("Dân số, đã khử định danh / The population, de-identified", f"{base}/fhir/Patient",
         as_officer),
    ]  # fmt: skip
    lines = [f"Đăng nhập / Log in: {base}/login, rồi mở / then open:"]
    for title, url, who in web:
        lines += [f"  {title}: {url}", f"      → {who}"]
    from hoso.cli.tokens import hoso_command

    lines.append("API FHIR, với mã truy cập / with a token: "
                 f"TOKEN=$({hoso_command()} login TÊN / NAME)")  # fmt: skip
    for title, url, who in api:
        lines += [f"  {title}: {url}", f"      → {who}"]
    return lines


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
