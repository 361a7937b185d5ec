"""The school eye programme's JSON API on SQLite and PostgreSQL (issue 19 point 3): a
station nurse opens a round at a school of her ward, saves a class row by row (a bad
row refused with its message, the others kept), a failing child is referred (a
ServiceRequest in their record) and tracked until glasses are dispensed; the results are
Observations in logMAR in each child's record; another ward's station gets the same 404
as for something absent; malformed and enormous input is 400/413, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access.programme_records import ProgrammeRecords
from hoso.access.publichealth_tracing import MappedStations
from hoso.assembly import programme_access
from hoso.core import clock
from hoso.programmes.eyes.criteria import packaged_criteria
from hoso.programmes.recompute import READ_TYPES, Recompute
from hoso.programmes.registry import PROGRAMMES, packaged_rules
from hoso.store.programme_eyes import SqlEyeRegistry
from hoso.store.programme_eyes_schema import prog_eye_screen
from hoso.store.sql_store import SqlStore
from tests.api.conftest import bearer
from tests.callers import as_caller
from tests.programmes.world import OTHER_STATION, OTHER_WARD, STATION, WARD, WARD_NAMES

FHIR_JSON = {"Content-Type": "application/fhir+json"}
EYE = "https://hoso.vn/fhir/CodeSystem/eye-screening"


def child(n: int, born: str = "2014-03-0") -> dict[str, Any]:
    """A child living in the station's ward (its home ward is the framework's)."""
    return {"resourceType": "Patient", "name": [{"family": "Nguyễn", "given": [f"Bé {n}"]}],
            "birthDate": f"{born}{n % 9 + 1}", "gender": "female" if n % 2 else "male",
            "address": [{"use": "home", "line": [f"{n} Lê Lợi"], "district": WARD_NAMES[WARD],
                         "city": "Hồ Chí Minh"}]}  # fmt: skip


class Eyes:
    def __init__(self, app: FastAPI, store: SqlStore, operator: TestClient) -> None:
        app.state.ph_ward_stations = MappedStations({WARD: STATION, OTHER_WARD: OTHER_STATION})
        self.app, self.clients = app, []  # type: ignore[var-annotated]
        rows = SqlEyeRegistry(store.engine)
        now = clock.now_us()
        self.school, _ = rows.put_school("THCS-01", "THCS Lê Lợi", WARD, now)
        self.other_school, _ = rows.put_school("THCS-99", "THCS Khác", OTHER_WARD, now)
        self.klass = rows.put_class(self.school, "2026-2027", "6A1", 6)
        self.children = []
        for n in range(1, 5):
            made = operator.post("/fhir/Patient", json=child(n), headers=FHIR_JSON)
            assert made.status_code == 201, made.text
            self.children.append(made.json()["id"])
        rows.add_to_roster(self.klass, self.children, now)

    def as_(self, role: str, subject: str, **claims: Any) -> TestClient:
        headers = bearer(self.app, role=role, scopes=("user/*.cruds",), subject=subject, **claims)
        made = TestClient(self.app, raise_server_exceptions=False, headers=headers)
        self.clients.append(made)
        return made


@pytest.fixture
def eyes(app: FastAPI, store: SqlStore, client: TestClient) -> Iterator[Eyes]:
    world = Eyes(app, store, client)
    yield world
    for c in world.clients:
        c.close()


def recompute(store: SqlStore) -> None:
    """The framework's recompute of every resident, as `hoso programmes recompute`."""
    with as_caller(store) as operator:
        Recompute(ProgrammeRecords(operator, READ_TYPES), programme_access(store, operator, None),
                  PROGRAMMES, packaged_rules()).everyone()  # fmt: skip


def school_eye(client: TestClient, patient_id: str) -> tuple[dict, list[str]]:
    view = client.get(f"/api/programmes/patients/{patient_id}").json()
    enrolment = next(e for e in view["enrolments"] if e["programme"] == "school-eye")
    return enrolment, [d["activity"] for d in view["due"] if d["programme"] == "school-eye"]


def _today() -> date:
    return clock.now().astimezone(clock.VN_TZ).date()


def test_a_round_from_entry_to_glasses(eyes: Eyes, client: TestClient, store: SqlStore) -> None:
    nurse = eyes.as_("clinician", "account:tyt-a", facility=STATION)
    assert [s["code"] for s in nurse.get("/api/programmes/eyes/schools").json()["schools"]] \
        == ["THCS-01"]  # fmt: skip
    opened = nurse.post(f"/api/programmes/eyes/schools/{eyes.school}/rounds",
                        json={"day": _today().strftime("%d/%m/%Y")})  # fmt: skip
    assert opened.status_code == 201, opened.text
    rid, base = opened.json()["id"], ""
    base = f"/api/programmes/eyes/rounds/{rid}/classes/{eyes.klass}"
    sheet = nurse.get(base).json()
    assert len(sheet["children"]) == 4 and sheet["criteria"]["fail_above_logmar"] == 0.18
    a, b, c, d = eyes.children
    rows = [
        {"patient": a, "ucva": {"right": "10/10", "left": "6/9"}},  # pass at the cut-off
        {"patient": b, "ucva": {"right": "20/40", "left": "0.8"},
         "refraction": {"right": {"sphere": "-1,25", "cylinder": -0.5, "axis": 180}}},
        {"patient": c, "status": "absent"},
        {"patient": d, "ucva": {"right": "abc", "left": "6/6"}},  # refused, kept for retyping
    ]  # fmt: skip
    saved = nurse.post(f"{base}/results", json={"rows": rows})
    assert saved.status_code == 200, saved.text
    answers = saved.json()["rows"]
    assert [r["ok"] for r in answers] == [True, True, True, False], [
        r.get("error") for r in answers
    ]
    assert answers[0]["outcome"] == "pass" and answers[1]["outcome"] == "fail"
    assert answers[1]["myopia"] == "myopia" and answers[1]["referral"] is not None
    assert answers[3]["status"] == 400 and "ucva.right" in answers[3]["error"]
    progress = nurse.get(f"/api/programmes/eyes/rounds/{rid}/progress").json()["classes"][0]
    assert (progress["screened"], progress["absent"], progress["not_done"],
            progress["failed"]) == (2, 1, 1, 1)  # fmt: skip
    # The results are in the child's record, in logMAR, and so is the referral.
    found = client.get(f"/fhir/Observation?subject=Patient/{b}&code={EYE}|ucva-right").json()
    value = found["entry"][0]["resource"]["valueQuantity"]
    assert (value["value"], value["code"]) == (0.3, "{logMAR}")
    sr = client.get(f"/fhir/ServiceRequest?subject=Patient/{b}").json()["entry"][0]["resource"]
    assert sr["status"] == "active" and sr["code"]["coding"][0]["code"] == "eye-clinic-referral"
    # Saving a child again replaces their round's Observations (no duplicates).
    again = nurse.post(f"{base}/results", json={"rows": [rows[0]]}).json()["rows"][0]
    assert again["ok"] is True
    live = client.get(f"/fhir/Observation?subject=Patient/{a}&code={EYE}|ucva-right"
                      "&status=final").json()  # fmt: skip
    assert len(live.get("entry", [])) == 1
    # The framework's register: the rule enrols the screened child (their logMAR and SE
    # read from the stored record), failed, myopic, referred, follow-up due.
    recompute(store)
    enrolment, due = school_eye(nurse, b)
    assert enrolment["by_hand"] is False and enrolment["rule_version"] == "2026.1"
    assert {k for k, v in enrolment["measures"].items() if v} == {
        "screened_this_year",
        "failed",
        "refracted",
        "myopia",
        "referred",
    }
    assert due == ["eye-referral"]
    listed = nurse.get("/api/programmes/eyes/referrals?status=open").json()
    assert listed["total"] == 1 and listed["referrals"][0]["patient_id"] == b
    ref_id = listed["referrals"][0]["id"]
    done = nurse.post(f"/api/programmes/eyes/referrals/{ref_id}", json={"status": "dispensed"})
    assert done.status_code == 200, done.text
    sr = client.get(f"/fhir/ServiceRequest/{sr['id']}").json()
    assert sr["status"] == "completed" and "Đã cấp kính" in sr["note"][-1]["text"]
    assert nurse.get("/api/programmes/eyes/referrals?status=open").json()["total"] == 0
    recompute(store)
    enrolment, due = school_eye(nurse, b)
    assert enrolment["measures"]["glasses_dispensed"] is True and due == []
    again = nurse.post(f"/api/programmes/eyes/referrals/{ref_id}", json={"status": "dispensed"})
    assert again.status_code == 400
    history = nurse.get(f"/api/programmes/eyes/children/{b}").json()
    assert history["progression"][0]["se"] == {"right": -1.5}
    assert history["progression"][0]["outcome"] == "fail"
    groups = nurse.get("/api/programmes/eyes/prevalence?year=2026-2027").json()["groups"]
    if _today() >= date(2026, 9, 1):
        assert sum(g["screened"] for g in groups) == 2 and sum(g["myopia"] for g in groups) == 1
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(prog_eye_screen)).scalar() == 3


def test_another_ward_is_absent_and_input_is_checked(eyes: Eyes) -> None:
    nurse = eyes.as_("clinician", "account:tyt-a", facility=STATION)
    other = eyes.as_("clinician", "account:tyt-b", facility=OTHER_STATION)
    rid = nurse.post(f"/api/programmes/eyes/schools/{eyes.school}/rounds",
                     json={"day": _today().isoformat()}).json()["id"]  # fmt: skip
    a = eyes.children[0]
    pairs = [
        (f"/api/programmes/eyes/schools/{eyes.school}/classes",
         "/api/programmes/eyes/schools/999999/classes"),
        (f"/api/programmes/eyes/rounds/{rid}/classes/{eyes.klass}",
         "/api/programmes/eyes/rounds/999999/classes/1"),
        (f"/api/programmes/eyes/children/{a}", "/api/programmes/eyes/children/no-such-child"),
        (f"/programmes/eyes/rounds/{rid}/classes/{eyes.klass}",
         "/programmes/eyes/rounds/999999/classes/1"),
    ]  # fmt: skip
    for hidden, absent in pairs:
        h, ab = other.get(hidden), other.get(absent)
        assert h.status_code == ab.status_code == 404, (hidden, h.text)
        if hidden.startswith("/api"):
            assert h.json()["issue"][0]["code"] == ab.json()["issue"][0]["code"]
        else:  # the page: the same error page, the ids aside
            assert h.text.replace(str(rid), "#") == ab.text.replace("999999", "#")
    posted = other.post(f"/api/programmes/eyes/rounds/{rid}/classes/{eyes.klass}/results",
                        json={"rows": [{"patient": a, "ucva": {"right": "6/6"}}]})  # fmt: skip
    assert posted.status_code == 404
    mine = other.get("/api/programmes/eyes/schools").json()["schools"]
    assert [s["code"] for s in mine] == ["THCS-99"]  # its own ward's school only
    resident = eyes.as_("resident", "account:r", patient=a)
    assert resident.get("/api/programmes/eyes/schools").status_code == 403
    base = f"/api/programmes/eyes/rounds/{rid}/classes/{eyes.klass}/results"
    for body in ({"rows": "x"}, {"rows": []}, {"rows": [{}] * 81}, [1, 2]):
        assert nurse.post(base, json=body).status_code == 400, body
    assert (
        nurse.post(
            base, content=b"{" * 600_000, headers={"Content-Type": "application/json"}
        ).status_code
        == 413
    )
    bad = [{"patient": a, "ucva": {"right": "6/6"}, "refraction": {"right": {"sphere": -1.3}}},
           {"patient": a, "ucva": {"right": "99/1"}}, {"patient": a, "status": "gone"},
           {"patient": "x" * 65, "ucva": {"right": "6/6"}},
           {"patient": "not-on-roster", "ucva": {"right": "6/6"}}]  # fmt: skip
    answers = nurse.post(base, json={"rows": bad}).json()["rows"]
    assert [r["status"] for r in answers] == [400, 400, 400, 400, 404]
    for body in ({"day": "31/02/2026"}, {"day": "2099-01-01"}, {}):
        assert nurse.post(f"/api/programmes/eyes/schools/{eyes.school}/rounds",
                          json=body).status_code == 400, body  # fmt: skip
    assert nurse.get("/api/programmes/eyes/schools/abc/classes").status_code == 400


def test_a_roster_file_through_the_api(eyes: Eyes, client: TestClient, store: SqlStore) -> None:
    cccd = "079215000777"
    ids = [{"system": store.settings.cccd_system, "value": cccd}]
    made = client.post("/fhir/Patient", headers=FHIR_JSON, json={**child(7), "identifier": ids})
    kid = made.json()["id"]
    nurse = eyes.as_("clinician", "account:tyt-a", facility=STATION)
    head = "school_code,school_name,school_ward,school_year,class,grade,cccd,family_name," \
           "given_name,birth_date,sex\n"  # fmt: skip
    body = head + f"THCS-01,THCS Lê Lợi,{WARD},2026-2027,7A2,7,{cccd},,,,\n" \
                  f"THCS-77,THCS Xa,{OTHER_WARD},2026-2027,7A2,7,{cccd},,,,\n"  # fmt: skip
    csv = {"Content-Type": "text/csv"}
    answer = nurse.post("/api/programmes/eyes/rosters", content=body.encode(), headers=csv)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["placed"] == 1 and [p["line"] for p in report["problems"]] == [3]
    # On the roster, the child is enrolled by hand in the framework's register.
    assert report["enrolled"] == 1
    recompute(store)
    view = nurse.get(f"/api/programmes/patients/{kid}").json()
    mine = [e for e in view["enrolments"] if e["programme"] == "school-eye"]
    assert mine and mine[0]["by_hand"] is True
    assert [d["activity"] for d in view["due"] if d["programme"] == "school-eye"] == [
        "eye-screening"
    ]
    classes = nurse.get(f"/api/programmes/eyes/schools/{eyes.school}/classes").json()["classes"]
    assert {c["name"]: c["children"] for c in classes} == {"6A1": 4, "7A2": 1}
    assert nurse.get(f"/api/programmes/eyes/children/{kid}").status_code == 200
    bad = nurse.post("/api/programmes/eyes/rosters", content=body.encode(),
                     headers={"Content-Type": "application/json"})  # fmt: skip
    assert bad.status_code == 415
    huge = nurse.post("/api/programmes/eyes/rosters", content=b"x" * (5 * 1024 * 1024 + 1),
                      headers=csv)  # fmt: skip
    assert huge.status_code == 413
    for broken in (b"\xff\xfe\x00", b"a,b\n1,2\n"):
        assert nurse.post("/api/programmes/eyes/rosters", content=broken,
                          headers=csv).status_code == 400, broken  # fmt: skip
    unclosed = nurse.post("/api/programmes/eyes/rosters", headers=csv,
                          content=head.encode() + b'"unclosed,\n')  # fmt: skip
    assert unclosed.json()["problems"][0]["line"] == 2  # a row reported, nothing placed
    officer = eyes.as_("officer", "account:officer-a")
    assert officer.post("/api/programmes/eyes/rosters", content=body.encode(),
                        headers=csv).status_code == 403  # fmt: skip


def test_an_unanswered_referral_lapses(eyes: Eyes, store: SqlStore) -> None:
    nurse = eyes.as_("clinician", "account:tyt-a", facility=STATION)
    day = _today() - timedelta(days=95)  # 90 days to lapse (the criteria's HOUSE value)
    rid = nurse.post(f"/api/programmes/eyes/schools/{eyes.school}/rounds",
                     json={"day": day.strftime("%d/%m/%Y")}).json()["id"]  # fmt: skip
    a = eyes.children[0]
    row = {"patient": a, "ucva": {"right": "6/18", "left": "6/6"}}
    saved = nurse.post(f"/api/programmes/eyes/rounds/{rid}/classes/{eyes.klass}/results",
                       json={"rows": [row]})  # fmt: skip
    assert saved.json()["rows"][0]["outcome"] == "fail"
    lapsed = nurse.get(f"/api/programmes/eyes/referrals?status=lapsed&ward={WARD}").json()
    assert lapsed["total"] == 1 and lapsed["referrals"][0]["state"] == "lapsed"
    assert lapsed["referrals"][0]["lapse_on"] == (day + timedelta(days=90)).isoformat()
    assert nurse.get("/api/programmes/eyes/referrals?status=open").json()["total"] == 0
    assert nurse.get(f"/api/programmes/eyes/referrals?ward={OTHER_WARD}").json()["total"] == 0
    if day >= packaged_criteria().year_start(_today()):  # the round in this school year
        recompute(store)
        enrolment, _due = school_eye(nurse, a)
        assert enrolment["measures"]["referral_lapsed"] is True
        view = nurse.get(f"/api/programmes/patients/{a}").json()
        follow = [d for d in view["due"] if d["activity"] == "eye-referral"]
        assert follow and follow[0]["status"] == "overdue"
