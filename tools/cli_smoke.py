"""CLI smoke run: every `hoso` command once, for real, in a fresh virtual environment
with the package installed WITHOUT extras (`pip install .`).

Why: the test suite runs in `.venv`, which also holds the test extras; a runtime import
that only the extras bring (pandas came in through `recordlinkage`) passes every test
and breaks `hoso mpi dedupe` on an operator's machine. Here nothing but `[project]
dependencies` is installed, and each command runs on a small store: a SQLite file in a
temporary folder, a synthetic population from `hoso synth` imported with `hoso import`,
then the rest, with a server on a free port for `serve`, `login` and `token
--client-key`. The commands are enumerated from the Typer app; the run fails if one of
them was not exercised (a new command needs a step here).

Usage: python3 tools/cli_smoke.py [--keep]   (`make smoke`; .ci/run runs it). Needs
only the standard library and Python 3.11+; the folder is removed unless --keep.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Printed by the fresh environment's Python: every command path of the Typer app
# ("serve", "db upgrade", "mpi queue", …), walked from the Click group Typer builds.
LIST_COMMANDS = """
import json, typer.main
from hoso.cli import app
def walk(command, path):
    children = getattr(command, "commands", None)
    if not children:
        yield " ".join(path)
        return
    for name, child in children.items():
        yield from walk(child, [*path, name])
print(json.dumps(sorted(walk(typer.main.get_command(app), []))))
"""


class SmokeFailed(Exception):
    """A step that did not do what it should, with what the command printed."""


class Smoke:
    """The fresh environment, its work folder and the commands run so far."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.work = base / "work"
        self.work.mkdir()
        self.bin = base / "venv" / "bin"
        self.commands: set[str] = set()
        self.exercised: set[str] = set()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
        self.env["HOSO_DATABASE_URL"] = f"sqlite:///{self.work / 'hoso.db'}"

    def install(self) -> float:
        """A copy of the working tree's package (src, pyproject, README, LICENSE: what
        the wheel is built from, so the checkout gets no build/ folder) installed
        into a new virtual environment, without extras. Returns the seconds taken."""
        started = time.monotonic()
        source = self.base / "source"
        shutil.copytree(ROOT / "src", source / "src",
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))  # fmt: skip
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy2(ROOT / name, source / name)
        step([sys.executable, "-m", "venv", str(self.base / "venv")], self.base)
        # --no-compile: byte-compiling every module of every dependency (pandas,
        # pyarrow, …) costs half the install; the commands compile what they import.
        step([str(self.bin / "pip"), "install", "--quiet", "--disable-pip-version-check",
              "--no-compile", str(source)], self.base)  # fmt: skip
        listed = step([str(self.bin / "python"), "-c", LIST_COMMANDS], self.base)
        self.commands = set(json.loads(listed.stdout))
        return time.monotonic() - started

    def hoso(self, *args: str, stdin: str | None = None, **env: str) -> str:
        """Run `hoso ARGS` in the work folder; its stdout. The command path (the longest
        prefix of ARGS naming a command) is marked exercised."""
        words = [a for a in args if not a.startswith("-")]
        path = next((" ".join(words[:n]) for n in (3, 2, 1)
                     if " ".join(words[:n]) in self.commands), None)  # fmt: skip
        if path is None:
            raise SmokeFailed(f"not a hoso command: {' '.join(args)}")
        started = time.monotonic()
        done = step([str(self.bin / "hoso"), *args], self.work, {**self.env, **env}, stdin)
        self.exercised.add(path)
        print(f"  ok  hoso {' '.join(args)}  ({time.monotonic() - started:.1f} s)", flush=True)
        return done.stdout


def step(
    argv: list[str], cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, env=env, input=stdin, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    if done.returncode != 0:
        raise SmokeFailed(
            f"{' '.join(argv)} → exit {done.returncode}\n"
            f"--- stdout ---\n{done.stdout[-3000:]}\n--- stderr ---\n{done.stderr[-3000:]}"
        )
    return done


def expect(condition: bool, what: str, output: str) -> None:
    if not condition:
        raise SmokeFailed(f"{what}\n--- output ---\n{output[-3000:]}")


def xml130_file() -> bytes:
    """One outpatient visit as a HIS writes it (GIAMDINHHS with an XML1 table)."""
    summary = ("<TONG_HOP><MA_LK>LK1</MA_LK><STT>1</STT><HO_TEN>Nguyễn Văn Bình</HO_TEN>"
               "<SO_CCCD>079085012345</SO_CCCD><NGAY_SINH>198501020000</NGAY_SINH>"
               "<GIOI_TINH>1</GIOI_TINH><MA_BENH_CHINH>J06.9</MA_BENH_CHINH>"
               "<NGAY_VAO>202511030800</NGAY_VAO><NGAY_RA>202511030930</NGAY_RA>"
               "<MA_LOAI_KCB>01</MA_LOAI_KCB><MA_CSKCB>79001</MA_CSKCB></TONG_HOP>")  # fmt: skip
    table = base64.b64encode(summary.encode()).decode()
    return ("<GIAMDINHHS><THONGTINDONVI><MACSKCB>79001</MACSKCB></THONGTINDONVI>"
            "<THONGTINHOSO><DANHSACHHOSO><HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO>"
            f"<NOIDUNGFILE>{table}</NOIDUNGFILE></FILEHOSO></HOSO></DANHSACHHOSO>"
            "</THONGTINHOSO></GIAMDINHHS>").encode()  # fmt: skip


def offline_commands(smoke: Smoke) -> None:
    """Everything that works on the store without a server."""
    smoke.hoso("db", "upgrade")
    smoke.hoso("synth", "--people", "60", "--seed", "79", "--out", "population",
               "--faults", "duplicate=0.1,typo=0.05")  # fmt: skip
    out = smoke.hoso("import", "population", "--no-progress", "--workers", "0")
    expect("Patient" in out, "import: no Patient imported", out)
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [{
        "resource": {"resourceType": "Practitioner", "name": [{"family": "Trần"}]},
        "request": {"method": "POST", "url": "Practitioner"}}]}  # fmt: skip
    (smoke.work / "bundle.json").write_text(json.dumps(bundle), encoding="utf-8")
    smoke.hoso("load", "bundle.json")
    # Facility 79001's Organization came with the synthetic population.
    (smoke.work / "hoso.xml").write_bytes(xml130_file())
    out = smoke.hoso("import-xml130", "hoso.xml", "--facility", "79001", "--no-progress")
    expect("refused: 0" in out, "import-xml130: the record was refused", out)
    smoke.hoso("reindex")
    smoke.hoso("quality", "run")
    smoke.hoso("quality", "report", "--format", "json")
    smoke.hoso("mpi", "dedupe", "--report", "pairs.csv")
    out = smoke.hoso("mpi", "queue")
    expect("{}" not in out, "mpi queue printed {}", out)
    smoke.hoso("mpi", "score", "population")
    smoke.hoso("mpi", "train", "population", "--out", "model.json")
    smoke.hoso("export", "exported", "--type", "Patient")
    expect((smoke.work / "exported" / "Patient.ndjson").is_file(), "export: no Patient", "")
    columns = [{"name": "id", "path": "getResourceKey()"},
               {"name": "family", "path": "name.family.first()"}]  # fmt: skip
    view = {"resource": "Patient", "select": [{"column": columns}]}
    (smoke.work / "view.json").write_text(json.dumps(view), encoding="utf-8")
    patient = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Lê"}]}
    (smoke.work / "tiny.ndjson").write_text(json.dumps(patient) + "\n", encoding="utf-8")
    out = smoke.hoso("warehouse", "run-view", "view.json", "--input", "tiny.ndjson")
    expect(json.loads(out) == {"id": "p1", "family": "Lê"}, "warehouse run-view: wrong row", out)


def licence_commands(smoke: Smoke) -> None:
    """The warehouse's licence registry (issue 20 group 3): a register of practising
    certificates and one of operating licences imported, the alerts, the check."""
    (smoke.work / "gphn.csv").write_text(
        "so_giay_phep,loai,ho_ten,chuc_danh,pham_vi,ngay_cap,ngay_het_han,noi_cap\n"
        "000101/HCM-GPHN,GPHN,Nguyễn Văn An,bac-si,y-khoa,01/03/2024,,Sở Y tế TP.HCM\n"
        "000103/HCM-GPHN,GPHN,Phạm Văn Dũng,bac-si,,01/02/2024,30/06/2026,Sở Y tế TP.HCM\n",
        encoding="utf-8")  # fmt: skip
    source = "Sở Y tế TP.HCM, công khai 01/12/2026"
    out = smoke.hoso("warehouse", "import-licences", "gphn.csv", "--kind", "certificates",
                     "--source", source)  # fmt: skip
    expect("created 2" in out, "import-licences: certificates not created", out)
    (smoke.work / "gphd.csv").write_text(
        "so_giay_phep,ten_co_so,ma_co_so,hinh_thuc,dia_chi,ngay_cap,noi_cap\n"
        "01234/HCM-GPHD,Phòng khám Bến Thành,79001,phong-kham-da-khoa,12 Lê Lợi,01/03/2020,"
        "Sở Y tế TP.HCM\n", encoding="utf-8")  # fmt: skip
    out = smoke.hoso("warehouse", "import-licences", "gphd.csv", "--kind", "facilities",
                     "--source", source)  # fmt: skip
    expect("1 dòng / rows" in out, "import-licences: the facility's licence not imported", out)
    out = smoke.hoso("warehouse", "licences", "expiring", "--days", "90", "--format", "json")
    expect("000103/HCM-GPHN" in out, "licences expiring: the expired GPHN not listed", out)
    out = smoke.hoso("warehouse", "check-licences", "--format", "json")
    expect(out.strip().startswith("["), "check-licences: no JSON list", out)


def surveillance_commands(smoke: Smoke) -> None:
    """Disease definitions, case detection over the imported population, the ward's
    officer, and the R_t command over a small incidence series."""
    out = smoke.hoso("disease", "seed")
    expect("dengue" in out, "disease seed: dengue not added", out)
    out = smoke.hoso("disease", "list")
    expect("measles" in out and "tuberculosis" in out, "disease list: shipped ones missing", out)
    emerging = {"code": "nipah", "name": {"vi": "Bệnh do vi rút Nipah", "en": "Nipah"},
                "group": "A", "report_deadline": "24h", "icd10": ["B33.8"],
                "classifications": {k: {"vi": k, "en": k, "criteria_vi": k, "criteria_en": k}
                                    for k in ("suspected", "probable", "confirmed",
                                              "discarded")},
                "from_diagnosis": "probable", "episode_days": 30,
                "followup": {"days": 21, "visit_every_days": 1}, "serial_interval": None,
                "detection": {"method": "farrington"},
                "focus": {"cases": 1, "days": 21, "response_hours": 24},
                "sources": [{"title": "smoke test"}]}  # fmt: skip
    (smoke.work / "nipah.json").write_text(json.dumps(emerging), encoding="utf-8")
    out = smoke.hoso("disease", "add", "nipah.json")
    expect("nipah v1" in out, "disease add: no version 1", out)
    smoke.hoso("surveillance", "officer-ward", "account:smoke-officer", "26740")
    out = smoke.hoso("surveillance", "cases", "--until-idle")
    expect("new cases" in out, "surveillance cases: no summary", out)
    days = "\n".join(f"2026-11-{d:02d},{d + 2}" for d in range(1, 21))
    (smoke.work / "incidence.csv").write_text(f"dates,I\n{days}\n", encoding="utf-8")
    smoke.hoso("surveillance", "rt", "--incidence", "incidence.csv", "--si-mean", "4.7",
               "--si-sd", "2.9", "--output", "rt.csv")  # fmt: skip
    expect("Mean(R)" in (smoke.work / "rt.csv").read_text(), "surveillance rt: no output", "")
    weeks = "\n".join(f"{t},{(t * 7) % 11}" for t in range(1, 31))
    (smoke.work / "series.csv").write_text(f"t,count\n{weeks}\n", encoding="utf-8")
    smoke.hoso("surveillance", "detect", "--method", "ears-c1", "--input", "series.csv",
               "--output", "alarms.csv")  # fmt: skip
    expect("upperbound" in (smoke.work / "alarms.csv").read_text(), "detect: no output", "")
    smoke.hoso("surveillance", "population", "synth", "--year", "2026")
    (smoke.work / "population.csv").write_text("ward,year,population\n26740,2025,47000\n",
                                               encoding="utf-8")  # fmt: skip
    smoke.hoso("surveillance", "population", "load", "population.csv")
    out = smoke.hoso("surveillance", "daily", "--format", "json")
    expect('"signals_added"' in out, "surveillance daily: no summary", out)
    smoke.hoso("tracing", "close")
    smoke.hoso("tracing", "snapshot", "--disease", "dengue")
    out = smoke.hoso("programmes", "recompute")
    expect("assessed" in out, "programmes recompute: no count", out)
    smoke.hoso("programmes", "due", "--programme", "immunisation")
    exported = (smoke.work / "exported" / "Patient.ndjson").read_text(encoding="utf-8")
    patient = json.loads(exported.splitlines()[0])["id"]
    out = smoke.hoso("programmes", "enrol", "--programme", "elderly", "--patient", patient,
                     "--reason", "kiểm tra / smoke")  # fmt: skip
    expect("saved" in out, "programmes enrol: not saved", out)
    eyes_commands(smoke)


def eyes_commands(smoke: Smoke) -> None:
    """School eye programme: a roster (a child the MPI cannot find is reported, never
    made), a round at its school, the referrals list."""
    header = "school_code,school_name,school_ward,school_year,class,grade,cccd,family_name," \
             "given_name,birth_date,sex"  # fmt: skip
    row = "TH-SMOKE,Trường Tiểu học Khói,26740,2026-2027,1A,1,,Không,Có Ai,01/01/2019,nam"
    (smoke.work / "roster.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    out = smoke.hoso("programmes", "eyes", "import-roster", "roster.csv")
    expect("1 dòng chưa xếp" in out, "eyes import-roster: unresolved row not reported", out)
    out = smoke.hoso("programmes", "eyes", "round", "--school", "TH-SMOKE", "--day",
                     time.strftime("%d/%m/%Y", time.gmtime(time.time() + 7 * 3600)))  # fmt: skip
    expect("TH-SMOKE" in out or "Khói" in out, "eyes round: not opened", out)
    out = smoke.hoso("programmes", "eyes", "referrals", "--status", "open")
    expect("giấy chuyển" in out, "eyes referrals: no summary", out)


def programme_report_command(smoke: Smoke) -> None:
    """A monthly report of every programme as the ward's spreadsheet (issue 19 point 7)."""
    out = smoke.hoso("programmes", "report", "--programme", "all", "--month", "2026-11",
                     "--ward", "26740", "--out", "report.xlsx")  # fmt: skip
    expect((smoke.work / "report.xlsx").stat().st_size > 0, "programmes report: no .xlsx", out)


def warehouse_commands(smoke: Smoke) -> None:
    """The warehouse: a full build of the store, an incremental one (nothing new), its
    status, and an analyst's query over the snapshot (issue 20 point 2)."""
    out = smoke.hoso("warehouse", "build", "--full")
    expect(out.startswith("full:"), "warehouse build --full: no summary", out)
    out = smoke.hoso("warehouse", "build")
    expect(out.startswith(("unchanged:", "incremental:")), "warehouse build: no summary", out)
    out = smoke.hoso("warehouse", "status")
    expect('"position"' in out, "warehouse status: no position", out)
    out = smoke.hoso("warehouse", "query", "SELECT count(*) AS n FROM patient", "--format",
                     "csv")  # fmt: skip
    expect(out.splitlines()[0] == "n" and int(out.splitlines()[1]) > 0,
           "warehouse query: no residents counted", out)  # fmt: skip
def warehouse_exchange_commands(smoke: Smoke) -> None:
    """The warehouse's aggregate exchange from a values file (issue 20 point 6): the DHIS2
    export with the packaged mapping (values it cannot place listed, not dropped) and an
    indicator's MeasureReports."""
    values = {"definitions": [{"code": "visits", "name_vi": "Số lượt khám", "name_en": "Visits",
                               "group": 1, "scale": 1, "unit_vi": "lượt"}],
              "values": [{"indicator": "visits", "period": "2026-11", "org_kind": "ward",
                          "org": "26740", "numerator": 12}]}  # fmt: skip
    (smoke.work / "values.json").write_text(json.dumps(values), encoding="utf-8")
    out = smoke.hoso("warehouse", "export-dhis2", "--period", "2026-11", "--format", "csv",
                     "--values", "values.json")  # fmt: skip
    expect(out.startswith("dataelement,period,orgunit"), "export-dhis2: no CSV header", out)
    out = smoke.hoso("warehouse", "measure-report", "visits", "--period", "2026-11",
                     "--values", "values.json")  # fmt: skip
    expect('"MeasureReport"' in out and '"total":1' in out, "measure-report: no report", out)


def immunisation_commands(smoke: Smoke) -> None:
    """The immunisation programme's denominators and the national dataset's export."""
    (smoke.work / "cohorts.csv").write_text("ward,birth_year,children\n26740,2025,410\n")
    out = smoke.hoso("programmes", "immunisation", "cohorts", "cohorts.csv", "--source", "smoke")
    expect("stored: 1" in out, "programmes immunisation cohorts: not stored", out)
    month = time.strftime("%Y-%m")
    out = smoke.hoso("programmes", "immunisation", "export", "--month", month,
                     "--out", "tiem-chung.csv")  # fmt: skip
    header = (smoke.work / "tiem-chung.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    expect(header.startswith("Mã đối tượng,Họ và tên"), "immunisation export: no header", out)
    smoke.hoso("programmes", "immunisation", "export", "--month", month, "--ward", "26740",
               "--out", "tiem-chung.xlsx")  # fmt: skip
    expect((smoke.work / "tiem-chung.xlsx").read_bytes()[:2] == b"PK", "export: not .xlsx", "")


def warehouse_supply_commands(smoke: Smoke) -> None:
    """Group 2 of the warehouse: the packaged sample files (staff, devices, goods
    received) imported for facility 79001, an adjustment, the stock table as CSV."""
    data = ROOT / "src" / "hoso" / "warehouse" / "data"
    for command, sample in (("import-workforce", "mau-nhan-luc.csv"),
                            ("import-devices", "mau-thiet-bi.csv"),
                            ("import-stock", "mau-nhap-kho.csv")):  # fmt: skip
        shutil.copyfile(data / sample, smoke.work / sample)
        out = smoke.hoso("warehouse", command, sample, "--facility", "79001")
        expect(f"{sample}: rows" in out, f"warehouse {command}: nothing imported", out)
    out = smoke.hoso("warehouse", "adjust-stock", "--facility", "79001", "--drug",
                     "VD-12345-19", "--quantity", "-5", "--reason", "vỡ khi kiểm kê")  # fmt: skip
    expect("adjusted: 1" in out, "warehouse adjust-stock: no entry", out)
    out = smoke.hoso("warehouse", "stock", "--facility", "79001", "--csv", "--sync")
    expect("VD-12345-19" in out and ",145" in out, "warehouse stock: 150 − 5 not on hand", out)


def booking_reminder_commands(smoke: Smoke) -> None:
    """Issue 21 point 5: the imported XML 130 visit's resident (CCCD 079085012345) put
    on the waitlist, listed, and one dispatch run (nothing due: nothing sent)."""
    first = time.strftime("%d/%m/%Y", time.localtime(time.time() + 86_400))
    last = time.strftime("%d/%m/%Y", time.localtime(time.time() + 7 * 86_400))
    out = smoke.hoso("booking", "waitlist", "add", "--cccd", "079085012345", "--service",
                     "kham-noi", "--from", first, "--to", last,
                     "--phone", "0912345678")  # fmt: skip
    expect("waitlist #" in out, "booking waitlist add: no entry", out)
    out = smoke.hoso("booking", "waitlist", "list", "--state", "waiting")
    expect("\tkham-noi\t" in out, "booking waitlist list: the entry is missing", out)
    out = smoke.hoso("booking", "dispatch")
    expect("đã gửi / sent: 0" in out, "booking dispatch: no report", out)


BOOKING = "https://hoso.vn/fhir/StructureDefinition/"
BOOKING_SERVICE = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/booking-service"


def booking_queue_commands(smoke: Smoke) -> None:
    """The queue's commands (issue 21 point 3, hoso.cli.booking_queue): a room published
    with `hoso booking slots`, a walk-in number, a check-in refused with its Vietnamese
    message (exit 1: a walk-in has arrived already; the success path needs a booking,
    tested in tests/cli), the no-show sweep and the numbers as CSV."""
    system = "https://fhir.hoso.hochiminhcity.gov.vn/sid/ma-cskcb"  # the default facility system
    room = {"resourceType": "Location", "id": "smoke-room", "name": "Phòng khám 1",
            "managingOrganization": {"reference": "Organization/smoke-org"}}  # fmt: skip
    service = {"resourceType": "HealthcareService", "id": "smoke-hs", "name": "Khám Nội",
               "providedBy": {"reference": "Organization/smoke-org"},
               "type": [{"coding": [{"system": BOOKING_SERVICE, "code": "kham-noi"}]}],
               "location": [{"reference": "Location/smoke-room"}],
               "availableTime": [{"daysOfWeek": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                                  "availableStartTime": "07:00:00",
                                  "availableEndTime": "11:00:00"}]}  # fmt: skip
    schedule = {"resourceType": "Schedule", "id": "smoke-sch", "active": True,
                "actor": [{"reference": "HealthcareService/smoke-hs"},
                          {"reference": "Location/smoke-room"}],
                "extension": [{"url": f"{BOOKING}schedule-slot-template", "extension": [
                    {"url": "minutes", "valueUnsignedInt": 30},
                    {"url": "capacity", "valueUnsignedInt": 2}]}]}  # fmt: skip
    org = {"resourceType": "Organization", "id": "smoke-org", "name": "Phòng khám thử",
           "identifier": [{"system": system, "value": "79991"}]}  # fmt: skip
    entries = [{"resource": r, "request": {"method": "PUT",
                                           "url": f"{r['resourceType']}/{r['id']}"}}
               for r in (org, room, service, schedule)]  # fmt: skip
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    (smoke.work / "booking-room.json").write_text(json.dumps(bundle), encoding="utf-8")
    smoke.hoso("load", "booking-room.json")
    # Two weeks: a holiday (Tết) publishes nothing, and the room needs one published day.
    first, last = (time.strftime("%d/%m/%Y", time.localtime(time.time() + d * 86_400))
                   for d in (1, 14))  # fmt: skip
    smoke.hoso("booking", "slots", "--facility", "79991", "--from", first, "--to", last)
    out = smoke.hoso("booking", "walk-in", "--room", "smoke-room")
    expect("Số 001" in out, "booking walk-in: no number 001", out)
    refused = ""
    try:
        smoke.hoso("booking", "check-in", "--room", "smoke-room", "--number", "1")
    except SmokeFailed as exc:
        refused = str(exc)
    expect("exit 1" in refused and "không thể tiếp đón" in refused,
           "booking check-in: an arrived walk-in was not refused", refused)  # fmt: skip
    smoke.exercised.add("booking check-in")  # hoso() marks only commands that exit 0
    out = smoke.hoso("booking", "sweep")
    expect(json.loads(out)["noshow"] == 0, "booking sweep: no-shows on an empty day", out)
    out = smoke.hoso("booking", "numbers", "--facility", "79991", "--format", "csv")
    expect(out.startswith("facility,service_type,day"), "booking numbers: no CSV header", out)


def booking_setup_commands(smoke: Smoke) -> None:
    """Issue 21: facility 79001's bookable services set up from the catalogue, then the
    same again writes nothing (`hoso booking setup`, wired by the lead)."""
    out = smoke.hoso("booking", "setup", "--facility", "79001")
    expect("79001 (" in out and "facilities 1, created" in out, "booking setup: no plan", out)
    out = smoke.hoso("booking", "setup", "--facility", "79001")
    expect("created 0, updated 0" in out, "booking setup: a second run wrote again", out)


def access_commands(smoke: Smoke) -> None:
    """Clients, accounts, keys and the operator's token."""
    smoke.hoso("clients", "add", "--facility", "79001", "--scopes", "system/*.rs",
               "--generate-key", "--key-out", "keys/79001.json")  # fmt: skip
    smoke.hoso("clients", "add-app", "smoke-app", "--redirect-uri", "http://localhost:3000/cb")
    smoke.hoso("clients", "disable", "smoke-app")
    out = smoke.hoso("clients", "add-gateway", "bv79001", "--facility", "79001")
    expect("password:" in out, "add-gateway: no password printed", out)
    smoke.hoso("users", "add", "bs.smoke", "--role", "clinician", "--facility", "79001",
               "--password-env", "SMOKE_PW", SMOKE_PW="mat-khau-kiem-tra-2026")  # fmt: skip
    smoke.hoso("keys", "rotate")
    token = smoke.hoso("token", "--scope", "system/*.rs").strip()
    expect(token.count(".") == 2 and " " not in token, "token: not a token alone", token)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(url: str, token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def served_commands(smoke: Smoke) -> None:
    """`serve` on a free port; `demo` for it, then each way to a token against it."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    log = (smoke.work / "serve.log").open("w")
    server = subprocess.Popen([str(smoke.bin / "hoso"), "serve", "--port", str(port),
                               "--no-demo-data"], cwd=smoke.work, env=smoke.env,
                              stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    started = time.monotonic()
    try:
        wait_for(f"{origin}/fhir/metadata", server, smoke.work / "serve.log")
        smoke.exercised.add("serve")
        print(f"  ok  hoso serve --port {port} --no-demo-data  (up in "
              f"{time.monotonic() - started:.1f} s)", flush=True)  # fmt: skip
        expect(status(f"{origin}/fhir/Patient") == 401, "records without a token", "")
        demo = smoke.hoso("demo", "--base-url", origin)
        tokens_against(smoke, origin, demo)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Until the server answers (a minute at most: the machine may be busy)."""
    for _ in range(600):
        if server.poll() is not None:
            break
        try:
            if status(url) == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    raise SmokeFailed(f"the server did not answer {url}:\n{log.read_text(errors='replace')}")


def tokens_against(smoke: Smoke, origin: str, demo: str) -> None:
    """The facility's token from the key file `hoso demo` wrote, the resident's login
    (password typed on stdin) and the clinician's (password and TOTP from the
    environment): each token opens records on the server."""
    resident = re.search(r"resident: (\d{12}) / (\S+) \((Patient/[^)]+)\)", demo)
    clinician = re.search(r"bs\.demo / (\S+)\s+TOTP: (\S+)", demo)
    if resident is None or clinician is None:
        raise SmokeFailed(f"demo: no resident or clinician printed\n{demo}")
    cccd, password, patient = resident.groups()
    token = smoke.hoso("token", "--client-key", "var/demo/facility-key.json",
                       "--server", origin).strip()  # fmt: skip
    expect(status(f"{origin}/fhir/Patient", token) == 200, "facility token refused", token)
    token = smoke.hoso("login", cccd, "--server", origin, stdin=f"{password}\n").strip()
    expect(status(f"{origin}/fhir/{patient}", token) == 200, "resident token refused", token)
    secrets = {"BS_PW": clinician[1], "BS_TOTP": clinician[2]}
    token = smoke.hoso("login", "bs.demo", "--server", origin, "--password-env", "BS_PW",
                       "--totp-env", "BS_TOTP", **secrets).strip()  # fmt: skip
    expect(status(f"{origin}/fhir/Encounter", token) == 200, "clinician token refused", token)


def mllp_command(smoke: Smoke) -> None:
    """`hoso mllp` for facility 79001 (its Organization came with the population): one
    ADT^A04 over a socket, answered AA, then stopped by SIGTERM."""
    import signal

    listener = subprocess.Popen([str(smoke.bin / "hoso"), "mllp", "--facility", "79001",
                                 "--port", "0"], cwd=smoke.work, env=smoke.env,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert listener.stderr is not None
        line = listener.stderr.readline()
        found = re.search(r":(\d+),", line)
        expect(found is not None, "mllp: no port announced", line)
        assert found is not None
        visit = [""] * 46  # PV1 by field number: 2 class, 3 location, 19 visit, 44 admit
        visit[0:4], visit[19], visit[44] = ["PV1", "1", "O", "KHAM"], "KB-SMOKE-1", "20251103080000"
        message = "\r".join([
            "MSH|^~\\&|HIS|79001|HOSO|SYT|20251103080000||ADT^A04^ADT_A01|SMOKE1|P|2.5",
            "PID|1||079085012345^^^BCA^NNVNM||Nguyễn^Bình^Văn||19850102|M",
            "|".join(visit),
        ])
        with socket.create_connection(("127.0.0.1", int(found.group(1))), timeout=30) as c:
            c.sendall(b"\x0b" + message.encode() + b"\x1c\x0d")
            answer = c.recv(65536).decode(errors="replace")
        expect("MSA|AA|SMOKE1" in answer, "mllp: no AA", answer)
    finally:
        listener.send_signal(signal.SIGTERM)
        listener.wait(timeout=30)
    smoke.exercised.add("mllp")
    print("  ok  hoso mllp --facility 79001 --port 0", flush=True)


def audit_commands(smoke: Smoke) -> None:
    """After the server stopped: its spool chained and the chain checked."""
    smoke.hoso("audit", "verify")
    smoke.hoso("audit", "head")
    smoke.hoso("audit", "anomalies")


def sync_commands(smoke: Smoke) -> None:
    """A second server as the national database (its own SQLite file, this province
    registered there as a peer); `hoso sync run` sends the whole store to it."""
    national_db = {"HOSO_DATABASE_URL": f"sqlite:///{smoke.work / 'national.db'}"}
    smoke.hoso("clients", "add-peer", "--name", "Hồ Sơ TP.HCM", "--key-out",
               "keys/peer.json", **national_db)  # fmt: skip
    port = free_port()
    log = (smoke.work / "national.log").open("w")
    server = subprocess.Popen([str(smoke.bin / "hoso"), "serve", "--port", str(port),
                               "--no-demo-data", "--no-sync"], cwd=smoke.work,
                              env={**smoke.env, **national_db}, stdout=log,
                              stderr=subprocess.STDOUT)  # fmt: skip
    national = {"HOSO_NATIONAL_FHIR_URL": f"http://127.0.0.1:{port}/fhir",
                "HOSO_NATIONAL_KEY_FILE": str(smoke.work / "keys" / "peer.json")}
    try:
        wait_for(f"http://127.0.0.1:{port}/fhir/metadata", server, smoke.work / "national.log")
        smoke.hoso("sync", "run", "--until-idle", **national)
        out = smoke.hoso("sync", "status", "--json")
        figures = json.loads(out)
        expect(figures["pending"] == 0 and figures["sent"] > 0, "sync: not everything sent", out)
        expect(figures["dead_letters"] == 0, "sync: changes refused by the national side", out)
        out = smoke.hoso("sync", "retry")
        expect(out.strip().endswith(": 0"), "sync retry: dead letters after a clean sync", out)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    keep = parser.parse_args().keep
    started = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="hoso-cli-smoke-"))
    smoke = Smoke(base)
    try:
        print(f"Cài đặt / installing `pip install .` (no extras) into {base / 'venv'}", flush=True)
        installed = smoke.install()
        print(f"  ok  ({installed:.0f} s); {len(smoke.commands)} commands", flush=True)
        for part in (offline_commands, licence_commands, surveillance_commands,
                     programme_report_command, immunisation_commands, warehouse_commands,
                     warehouse_exchange_commands, warehouse_supply_commands,
                     booking_queue_commands, booking_reminder_commands,
                     booking_setup_commands, access_commands,
                     served_commands, mllp_command, sync_commands, audit_commands):  # fmt: skip
            part(smoke)
        missing = sorted(smoke.commands - smoke.exercised)
        if missing:
            raise SmokeFailed(f"commands not exercised (add a step): {', '.join(missing)}")
    except SmokeFailed as exc:
        print(f"THẤT BẠI / FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
    print(f"Xong / done: {len(smoke.exercised)} lệnh / commands, "
          f"{time.monotonic() - started:.0f} s (install {installed:.0f} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
