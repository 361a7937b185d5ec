"""The Bundles are accepted by the real transaction processor, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from hoso.access.repository import AccessRepository
from hoso.core.settings import Settings
from hoso.fhir.transaction import process_bundle
from hoso.ingest.xml130 import parse_xml130
from tests.ingest.xml130.files import clean, giamdinhhs, hoso, outpatient

BASE = "https://hoso.example/fhir"


def _bundle(settings: Settings) -> dict[str, Any]:
    episode = parse_xml130(giamdinhhs(hoso(clean(outpatient()))), settings=settings).episodes[0]
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
