"""The Bundles are accepted by the real transaction processor, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from hoso.access.repository import AccessRepository
from hoso.core.settings import Settings
from hoso.fhir.transaction import process_bundle
from hoso.ingest.xml130 import parse_xml130
from tests.ingest.xml130.files import clean, every_table, giamdinhhs, hoso, outpatient

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
