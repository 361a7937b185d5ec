"""Every way a search could reveal what the caller may not see: counts, includes,
chains, history, paging links, $everything and error messages."""

from __future__ import annotations

from tests.api.access_world import (
    FACILITY_A,
    FACILITY_B,
    World,
    create,
    encounter,
    label_permit,
)
from tests.builders.clinical import condition


def entries(response) -> list[dict]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [e["resource"] for e in response.json().get("entry", [])]


def test_counts_only_count_what_the_caller_sees(world: World) -> None:
    me = world.resident("p1")
    everyone = world.operator.get("/fhir/Observation", params={"_summary": "count"}).json()
    mine = me.get("/fhir/Observation", params={"_summary": "count"}).json()
    assert everyone["total"] == 4
    assert mine["total"] == 2  # own and the child's
    page = me.get("/fhir/Observation", params={"_count": "1"}).json()
    assert page["total"] == 2
    doctor = world.clinician(FACILITY_A)
    hidden = doctor.get("/fhir/Condition", params={"_security": "HIV", "_summary": "count"}).json()
    assert hidden["total"] == 0


def test_includes_and_revincludes_add_only_visible_resources(world: World) -> None:
    ids, doctor = world.ids, world.clinician(FACILITY_A)
    # p2's Patient is visible (emergency summary) but its Observations are not.
    page = entries(
        doctor.get(
            "/fhir/Patient",
            params={"_id": ids["p2"], "_revinclude": ["Observation:subject", "Encounter:subject"]},
        )
    )
    assert [r["resourceType"] for r in page] == ["Patient"]
    page = entries(
        doctor.get("/fhir/Patient", params={"_id": ids["p1"], "_revinclude": "Condition:subject"})
    )
    assert ids["hivB1"] not in {r["id"] for r in page}
    me = world.resident("p1")
    page = entries(me.get("/fhir/RelatedPerson", params={"_include": "RelatedPerson:patient"}))
    assert {r["id"] for r in page} >= {ids["child"]}


def test_chained_parameters_cannot_probe_hidden_records(world: World) -> None:
    ids, his_a = world.ids, world.facility(FACILITY_A)
    # A sees p1's Encounter; chaining through to B's hidden HIV Condition finds nothing.
    probe = his_a.get(
        "/fhir/Patient",
        params={"_id": ids["p1"], "_has:Condition:subject:code": "B20"},
    )
    assert probe.status_code == 400  # `_has` is refused (unsupported), never evaluated
    chained = his_a.get("/fhir/Encounter", params={"subject:Patient.identifier": "079085004321"})
    assert entries(chained) == []  # p2 exists, but A sees no Encounter of theirs


def test_history_and_vread_of_hidden_records_answer_404(world: World) -> None:
    ids, doctor = world.ids, world.clinician(FACILITY_A)
    for path in (
        f"/fhir/Observation/{ids['obsB2']}/_history/1",
        f"/fhir/Condition/{ids['hivB1']}/_history/1",
    ):
        assert doctor.get(path).status_code == 404, path
    instance = doctor.get(f"/fhir/Observation/{ids['obsB2']}/_history")
    missing = doctor.get("/fhir/Observation/does-not-exist/_history")
    assert entries(instance) == entries(missing) == []  # the same answer as no record
    type_history = entries(doctor.get("/fhir/Observation/_history"))
    assert ids["obsB2"] not in {r["id"] for r in type_history}
    assert "total" not in doctor.get("/fhir/_history").json()


def test_not_found_and_forbidden_look_the_same(world: World) -> None:
    ids, doctor = world.ids, world.clinician(FACILITY_A)
    hidden = doctor.get(f"/fhir/Observation/{ids['obsB2']}")
    missing = doctor.get("/fhir/Observation/does-not-exist")
    assert hidden.status_code == missing.status_code == 404
    strip = lambda r: r.json()["issue"][0]["diagnostics"].replace(ids["obsB2"], "X")  # noqa: E731
    assert strip(hidden) == strip(missing).replace("does-not-exist", "X")


def test_a_paging_link_does_not_carry_over_to_another_caller(world: World) -> None:
    first = world.operator.get("/fhir/Observation", params={"_count": "2"}).json()
    following = next(link["url"] for link in first["link"] if link["relation"] == "next")
    path = following[following.index("/fhir/") :]
    me = world.resident("p1")
    response = me.get(path)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["_cursor"]


def test_everything_of_a_hidden_patient_is_404_and_partial_for_the_summary(world: World) -> None:
    ids = world.ids
    assert world.resident("p2").get(f"/fhir/Patient/{ids['p1']}/$everything").status_code == 404
    mine = {
        r["id"] for r in entries(world.resident("p1").get(f"/fhir/Patient/{ids['p1']}/$everything"))
    }
    assert {ids["obsA1"], ids["hivB1"], ids["encA1"]} <= mine
    his_b = world.facility("79002")
    theirs = {r["id"] for r in entries(his_b.get(f"/fhir/Patient/{ids['p1']}/$everything"))}
    assert ids["hivB1"] in theirs and ids["obsChild"] not in theirs


def test_one_residents_consent_unhides_nothing_of_another(world: World) -> None:
    """p1 lets A see p1's HIV records; p2's HIV record stays hidden from A, by read and
    by search, although A has p2 in care too."""
    ids = world.ids
    doctor, his_a = world.clinician(FACILITY_A), world.facility(FACILITY_A)
    hiv_p2 = create(world.facility(FACILITY_B), condition(ids["p2"], icd10="B20", text="HIV"))
    create(his_a, encounter(ids["p2"], ids["orgA"]))
    create(world.resident("p1"), label_permit(ids["p1"], ids["orgA"], "HIV"))
    assert doctor.get(f"/fhir/Condition/{ids['hivB1']}").status_code == 200
    for caller in (doctor, his_a):
        assert caller.get(f"/fhir/Condition/{hiv_p2}").status_code == 404
        found = caller.get("/fhir/Condition", params={"code": "B20"})
        assert [e["resource"]["id"] for e in found.json().get("entry", [])] == [ids["hivB1"]]
        assert found.json()["total"] == 1
