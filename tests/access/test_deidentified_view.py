"""A public-health officer's de-identified view is closed under its own references, on
SQLite and PostgreSQL: every id the officer receives is a pseudonym, every reference in
what they receive reads back (as the de-identified resource it names), a pseudonym that
names nothing is the 404 of any absent resource, and no real id of a resource outside a
case linked to them ever reaches them: not in reads, searches (with includes) or `$everything`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from hoso.access import reads
from hoso.access.deidentify import PseudonymBook, pseudonym
from hoso.access.repository import AccessRepository
from hoso.core import jsonx
from hoso.core.errors import Forbidden, ResourceNotFound
from hoso.fhir.operations import OperationContext
from hoso.fhir.operations import everything as patient_everything
from hoso.store.sql_store import SqlStore
from tests.builders.cases import linked_case
from tests.builders.clinical import observation
from tests.builders.patient import patient
from tests.callers import as_caller, staff

CASE_REPORT = {"system": "http://loinc.org", "code": "55751-2"}
ANON = re.compile(r"anon-[0-9a-f]{20}")


@dataclass
class World:
    ids: dict[str, str]  # name → real id
    case_report: set[str]  # real ids the officer sees as stored (the case report's person)

    @property
    def hidden(self) -> dict[str, str]:
        """The real ids that must never reach the officer."""
        return {k: v for k, v in self.ids.items() if v not in self.case_report}


def _put(repo: AccessRepository, resource: dict[str, Any]) -> str:
    """A resource with the id given (as a HIS that chose it), or a new one."""
    if "id" in resource:
        return repo.update(resource["resourceType"], resource["id"], resource).stored.id
    return repo.create(resource).stored.id


def _ref(kind: str, real: str, **extra: Any) -> dict[str, Any]:
    return {"reference": f"{kind}/{real}", **extra}


def build_world(repo: AccessRepository) -> World:
    ids: dict[str, str] = {}
    ids["org"] = _put(repo, {"resourceType": "Organization", "name": "Bệnh viện Quận 1"})
    ids["doctor"] = _put(repo, {"resourceType": "Practitioner",
                                "name": [{"family": "Lê", "given": ["Minh"]}]})  # fmt: skip
    ids["p1"] = _put(repo, patient(cccd="079090001234"))
    ids["p2"] = _put(repo, patient(cccd="079185005678", family="Trần", given=("Thị", "Lan"),
                                   gender="female", birth_date="1985-02-03"))  # fmt: skip
    ids["p3"] = _put(repo, patient(cccd="079170009999", family="Phạm", given=("Văn", "Cường"),
                                   birth_date="1970-03-03"))  # fmt: skip
    ids["enc"] = _put(repo, {
        "resourceType": "Encounter", "id": "enc-0-3", "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": _ref("Patient", ids["p1"], display="Nguyễn Văn An"),
        "participant": [{"individual": _ref("Practitioner", ids["doctor"])}],
        "serviceProvider": _ref("Organization", ids["org"]),
    })  # fmt: skip
    ids["obs"] = _put(repo, {
        **observation(ids["p1"]), "encounter": _ref("Encounter", ids["enc"]),
        "performer": [_ref("Practitioner", ids["doctor"]), _ref("Organization", ids["org"])],
        # A reference deep in an extension is a reference too.
        "extension": [{"url": "https://fhir.hoso.hochiminhcity.gov.vn/ext/referral",
                       "valueReference": _ref("Encounter", ids["enc"])}],
    })  # fmt: skip
    ids["obs2"] = _put(repo, observation(ids["p2"], value=135))
    ids["obs3"] = _put(repo, {**observation(ids["p3"], value=140),
                              "performer": [_ref("Organization", ids["org"])]})  # fmt: skip
    ids["report"] = _put(repo, {
        "resourceType": "Composition", "status": "final", "type": {"coding": [CASE_REPORT]},
        "subject": _ref("Patient", ids["p3"]), "date": "2026-11-25",
        "author": [_ref("Organization", ids["org"])],
        "title": "Báo cáo ca bệnh sốt xuất huyết / Dengue case report",
    })  # fmt: skip
    # The officer manages p3's case (the case link): p3's record is shown as stored.
    linked_case(repo.store.engine, ids["p3"], "test:officer")
    return World(ids, {ids["p3"], ids["obs3"], ids["report"]})


@pytest.fixture
def world(repo: AccessRepository) -> World:
    return build_world(repo)


@pytest.fixture
def officer(store: SqlStore) -> Iterator[AccessRepository]:
    with as_caller(store, staff("officer", ("user/*.rs",))) as caller:
        yield caller


def _read(repo: AccessRepository, reference: str) -> dict[str, Any]:
    kind, rid = reference.split("/")[-2:]
    return dict(jsonx.loads(repo.read(kind, rid).content))


def _search(repo: AccessRepository, kind: str, params: list[tuple[str, str]]) -> list[dict]:
    page = repo.search(kind, [*params, ("_count", "100")])
    return [jsonx.loads(h.content) for h in (*page.matches, *page.includes)]


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "reference" and isinstance(v, str)] + [
            r for k, v in node.items() if k != "reference" for r in _references(v)]
    if isinstance(node, list):
        return [r for item in node for r in _references(item)]
    return []


def _everything(repo: AccessRepository, patient_id: str) -> list[dict[str, Any]]:
    ctx = OperationContext("http://hoso.test/fhir", "instance", "Patient", patient_id)
    bundle = patient_everything.run(repo, ctx, {"_count": ["100"]})
    return [e["resource"] for e in bundle.get("entry", [])]


def _crawl(officer: AccessRepository, answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Follow every reference in the answers, and in what they lead to: each reads back
    (200) as a resource of that type whose id is the one the reference gave."""
    seen: dict[str, dict[str, Any]] = {}
    todo = [r for a in answers for r in _references(a)]
    while todo:
        reference = todo.pop()
        if reference in seen:
            continue
        found = _read(officer, reference)
        assert f"{found['resourceType']}/{found['id']}" == reference
        seen[reference] = found
        todo += _references(found)
    return list(seen.values())


def test_every_reference_in_the_officers_view_reads_back(world: World,
                                                          officer: AccessRepository) -> None:
    observations = _search(officer, "Observation", [])
    assert len(observations) == 3
    reached = _crawl(officer, observations)
    kinds = {r["resourceType"] for r in reached}
    assert kinds == {"Patient", "Encounter", "Practitioner", "Organization"}
    mine = next(o for o in observations if o["subject"]["reference"].startswith("Patient/anon-")
                and "encounter" in o)  # fmt: skip
    encounter = _read(officer, mine["encounter"]["reference"])
    assert ANON.fullmatch(encounter["id"]) and "display" not in encounter["subject"]
    assert encounter["subject"] == mine["subject"]  # one resident, one pseudonym
    assert mine["extension"][0]["valueReference"] == mine["encounter"]
    subject = _read(officer, mine["subject"]["reference"])
    assert set(subject) <= {"resourceType", "id", "gender", "birthDate", "meta", "address"}


def test_no_real_id_reaches_the_officer(world: World, officer: AccessRepository) -> None:
    answers: list[Any] = []
    for kind in ("Observation", "Encounter", "Patient", "Organization", "Practitioner",
                 "Composition"):  # fmt: skip
        answers += _search(officer, kind, [])
    answers += _search(officer, "Observation", [
        ("_include", "Observation:encounter"), ("_include", "Observation:subject"),
        ("_include", "Observation:performer"), ("_revinclude", "Condition:subject")])
    answers += _search(officer, "Encounter", [("_revinclude", "Observation:encounter")])
    answers += [_read(officer, f"Observation/{world.ids['obs']}")]  # by the id it has
    answers += _everything(officer, world.ids["p3"])  # the case report's person, whole
    answers += _crawl(officer, answers)
    received = jsonx.dumps_str(answers)
    leaked = {name for name, real in world.hidden.items() if real in received}
    assert leaked == set()
    assert world.ids["p3"] in received  # the case report's person is shown as stored


def test_the_case_report_names_the_rest_by_pseudonym(world: World,
                                                     officer: AccessRepository) -> None:
    record = {r["id"]: r for r in _everything(officer, world.ids["p3"])}
    assert {world.ids["p3"], world.ids["obs3"], world.ids["report"]} <= set(record)
    org = f"Organization/{pseudonym(world.ids['org'], officer.pseudonym_key)}"
    assert record[world.ids["obs3"]]["performer"] == [{"reference": org}]
    assert record[world.ids["obs3"]]["subject"] == {"reference": f"Patient/{world.ids['p3']}"}
    assert org.split("/")[1] in record  # the included Organization, under that name
    assert _read(officer, org)["name"] == "Bệnh viện Quận 1"  # not personal: kept


def test_a_pseudonym_that_names_nothing_is_an_absent_resource(
    world: World, officer: AccessRepository
) -> None:
    absent = "anon-" + "0" * 20
    with pytest.raises(ResourceNotFound) as nothing:
        officer.read("Patient", absent)
    with pytest.raises(ResourceNotFound) as missing:
        officer.read("Patient", "no-such-patient")
    assert nothing.value.http_status == missing.value.http_status == 404
    assert str(nothing.value) == str(missing.value).replace("no-such-patient", absent)
    # A real resource's pseudonym under another type names nothing either.
    p1 = pseudonym(world.ids["p1"], officer.pseudonym_key)
    with pytest.raises(ResourceNotFound) as wrong_type:
        officer.read("Encounter", p1)
    assert world.ids["p1"] not in str(wrong_type.value)
    assert _search(officer, "Patient", [("_id", absent)]) == []


def test_searches_name_resources_by_pseudonym(world: World, officer: AccessRepository) -> None:
    # The officer knows pseudonyms from answers: this one names the three below.
    shown = _read(officer, f"Observation/{world.ids['obs']}")
    key = officer.pseudonym_key
    p1, enc = pseudonym(world.ids["p1"], key), pseudonym(world.ids["enc"], key)
    obs = pseudonym(world.ids["obs"], key)
    assert shown["id"] == obs and shown["subject"]["reference"] == f"Patient/{p1}"
    assert [o["id"] for o in _search(officer, "Observation", [("subject", f"Patient/{p1}")])
            ] == [obs]  # fmt: skip
    assert [o["id"] for o in _search(officer, "Observation", [("patient", p1)])] == [obs]
    assert [o["id"] for o in _search(officer, "Observation", [("encounter", f"Encounter/{enc}")])
            ] == [obs]  # fmt: skip
    assert [p["id"] for p in _search(officer, "Patient", [("_id", p1)])] == [p1]
    assert officer.vread("Observation", obs, 1).id == obs
    # Real ids remain what they were: not a way to name a person in a search.
    with pytest.raises(Forbidden):
        officer.search("Observation", [("subject", f"Patient/{world.ids['p1']}")])
    with pytest.raises(Forbidden):  # still only a case report's person, whole
        _everything(officer, p1)


def test_a_pseudonym_reads_back_in_another_process(
    world: World, officer: AccessRepository, store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same key, same pseudonym: one this process never handed out (another worker's,
    before a restart) is found in the store's pseudonym index, with no scan; one that
    was never handed out names nothing, like any absent id."""
    shown = _read(officer, f"Observation/{world.ids['obs']}")
    monkeypatch.setattr(reads, "BOOK", PseudonymBook())  # nothing remembered
    with as_caller(store, staff("officer", ("user/*.rs",))) as another:
        assert _read(another, f"Observation/{shown['id']}") == shown
        assert _read(another, shown["encounter"]["reference"])["status"] == "finished"
        never_shown = pseudonym(world.ids["p2"], another.pseudonym_key)
        monkeypatch.setattr(reads, "BOOK", PseudonymBook())
        with pytest.raises(ResourceNotFound):
            another.read("Patient", never_shown)


def test_other_roles_read_real_ids_as_before(world: World, repo: AccessRepository,
                                             store: SqlStore) -> None:
    with as_caller(store, staff("steward")) as steward:
        assert _read(steward, f"Patient/{world.ids['p1']}")["id"] == world.ids["p1"]
        with pytest.raises(ResourceNotFound):
            steward.read("Patient", pseudonym(world.ids["p1"], steward.pseudonym_key))
    stored = _read(repo, f"Observation/{world.ids['obs']}")
    assert stored["id"] == world.ids["obs"]
    assert stored["encounter"] == {"reference": "Encounter/enc-0-3"}
