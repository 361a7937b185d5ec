"""The Bundles are accepted by the real transaction processor, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson

from hoso.access.repository import AccessRepository
from hoso.core.settings import Settings
from hoso.fhir.transaction import process_bundle
from hoso.ingest.xml130 import parse_xml130
from hoso.ingest.xml130.signature import SIGNATURE_EXTENSION
from hoso.ingest.xml130_intake import take_xml130
from tests.ingest.xml130.files import clean, every_table, giamdinhhs, hoso, outpatient
from tests.ingest.xml130.signing import sign

BASE = "https://hoso.example/fhir"


def _bundle(settings: Settings, tables: dict[str, Any] | None = None) -> dict[str, Any]:
    data = giamdinhhs(hoso(clean(tables or outpatient())))
    episode = parse_xml130(data, settings=settings).episodes[0]
    assert episode.bundle is not None, [str(m) for m in episode.messages]
    return episode.bundle


def _facility(repo: AccessRepository, settings: Settings) -> None:
    """The facility's Organization, registered before it sends (the Encounter names it)."""
    repo.create({"resourceType": "Organization", "active": True, "name": "Trạm y tế",
                 "identifier": [{"system": settings.facility_system, "value": "79001"}]})


def test_outpatient_episode_is_stored(repo: AccessRepository, settings: Settings) -> None:
    _facility(repo, settings)
    response = process_bundle(repo, _bundle(settings), base_url=BASE)
    statuses = [e["response"]["status"] for e in response["entry"]]
    assert all(s.startswith("201") or s.startswith("200") for s in statuses), statuses
    again = process_bundle(repo, _bundle(settings), base_url=BASE)
    locations = [e["response"].get("location", "").split("/_history")[0] for e in response["entry"]]
    repeated = [e["response"].get("location", "").split("/_history")[0] for e in again["entry"]]
    assert locations == repeated  # the same resources, new versions


def test_episode_with_every_table_is_stored(repo: AccessRepository, settings: Settings) -> None:
    """XML6–XML15 too: labelled Observations and CarePlan, Compositions, ServiceRequest,
    Appointment; resubmitted, the same resources get new versions."""
    _facility(repo, settings)
    bundle = _bundle(settings, every_table())
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls))
    response = process_bundle(repo, bundle, base_url=BASE)
    statuses = [e["response"]["status"] for e in response["entry"]]
    assert all(s.startswith("201") for s in statuses), statuses
    again = process_bundle(repo, _bundle(settings, every_table()), base_url=BASE)
    assert all(e["response"]["status"].startswith("200") for e in again["entry"][1:])
    locations = [e["response"].get("location", "").split("/_history")[0] for e in response["entry"]]
    repeated = [e["response"].get("location", "").split("/_history")[0] for e in again["entry"]]
    assert locations == repeated
    kinds = {loc.split("/")[0] for loc in locations}
    assert {"Appointment", "Composition", "ServiceRequest", "CarePlan"} <= kinds


def _document_of(repo: AccessRepository, written: list[str]) -> dict[str, Any]:
    (location,) = [w for w in written if w.startswith("DocumentReference/")]
    return dict(orjson.loads(repo.read("DocumentReference", location.split("/")[1]).content))


def test_the_signature_is_recorded_and_required_when_set(
    repo: AccessRepository, settings: Settings
) -> None:
    """Through take_xml130, the door every other one calls: a signed file is taken and
    its DocumentReference says so, naming the facility as authenticator; with
    HOSO_XML130_REQUIRE_SIGNATURE a tampered file writes nothing."""
    _facility(repo, settings)
    required = replace(settings, xml130_require_signature=True)
    signed = sign(giamdinhhs(hoso(clean(outpatient()))))
    answer = take_xml130(repo, signed, settings=required, base_url=BASE, facility="79001")
    (record,) = answer.records
    assert answer.accepted and record.status != "rejected", record.messages
    assert any(m["truong"] == "CHUKYDONVI" and m["mucDo"] == "information"
               for m in record.messages)  # fmt: skip
    document = _document_of(repo, record.written)
    assert document["authenticator"]["reference"].startswith("Organization/")
    status = document["extension"][0]["extension"][0]
    assert document["extension"][0]["url"] == SIGNATURE_EXTENSION
    assert status == {"url": "status", "valueCode": "valid"}
    tampered = signed.replace(b"<NGAYLAP>20250310</NGAYLAP>", b"<NGAYLAP>20250311</NGAYLAP>")
    patients = len(repo.search("Patient", [("_count", "10")]).matches)
    refused = take_xml130(repo, tampered, settings=required, base_url=BASE, facility="79001")
    (record,) = refused.records
    assert not refused.accepted and record.status == "rejected" and not record.written
    assert next(m for m in record.messages if m["truong"] == "CHUKYDONVI")["mucDo"] == "error"
    assert len(repo.search("Patient", [("_count", "10")]).matches) == patients
    warned = take_xml130(repo, tampered, settings=settings, base_url=BASE, facility="79001")
    assert warned.records[0].status == "accepted-with-warnings"


def test_dispenses_are_linked_and_a_resubmission_replaces_them(
    repo: AccessRepository, settings: Settings
) -> None:
    _facility(repo, settings)
    for _ in range(2):
        response = process_bundle(repo, _bundle(settings), base_url=BASE)
        assert all(e["response"]["status"][:3] in ("200", "201") for e in response["entry"])
    dispenses = repo.search("MedicationDispense", [("_count", "50")]).matches
    requests = {f"MedicationRequest/{m.id}"
                for m in repo.search("MedicationRequest", [("_count", "50")]).matches}
    assert len(dispenses) == len(requests) == 3  # three drug rows, sent twice
    for stored in dispenses:
        dispense = orjson.loads(stored.content)
        assert dispense["meta"]["versionId"] == "2"  # replaced in place, history kept
        assert dispense["authorizingPrescription"][0]["reference"] in requests
        assert dispense["performer"][0]["actor"]["reference"].startswith("Organization/")
    linked = repo.search("MedicationDispense", [("prescription", sorted(requests)[0])])
    assert len(linked.matches) == 1
