"""The Bundles the HL7 v2 mapper produces pass the real transaction processor, on
SQLite and PostgreSQL, and a resent message replaces rather than duplicates."""

from __future__ import annotations

import orjson
import pytest

from hoso.access.repository import AccessRepository
from hoso.core.settings import Settings
from hoso.ingest.hl7v2 import make_handler, parse_message, to_bundle
from hoso.ingest.intake import ACCEPTED, REJECTED, take_episode
from tests.ingest.hl7v2.messages import ADT_A01, ADT_A03, CCCD, FACILITY, ORU_R01, VXU_V04

BASE = "https://hoso.example/fhir"


def _facility(repo: AccessRepository, settings: Settings) -> None:
    """The facility's Organization, registered before it sends (the Encounter names it)."""
    repo.create(
        {
            "resourceType": "Organization",
            "active": True,
            "name": "Bệnh viện Quận 1",
            "identifier": [{"system": settings.facility_system, "value": FACILITY}],
        }
    )


def _take(repo: AccessRepository, settings: Settings, text: str):
    result = to_bundle(parse_message(text.encode()), settings=settings, facility=FACILITY)
    assert result.bundle is not None, result.errors
    return take_episode(repo, result.bundle, settings=settings, base_url=BASE)


@pytest.mark.parametrize("text", [ADT_A01, ORU_R01, VXU_V04], ids=["ADT", "ORU", "VXU"])
def test_bundle_is_accepted(repo: AccessRepository, settings: Settings, text: str) -> None:
    _facility(repo, settings)
    first = _take(repo, settings, text)
    assert first.status != REJECTED, first.issues
    again = _take(repo, settings, text)
    assert again.status != REJECTED, again.issues
    # the same resources, new versions; the Patient resolves to the resident on file
    assert [w.split("/_history")[0] for w in first.written] == [
        w.split("/_history")[0] for w in again.written
    ]


def test_admit_then_discharge_updates_the_encounter(
    repo: AccessRepository, settings: Settings
) -> None:
    _facility(repo, settings)
    admitted = _take(repo, settings, ADT_A01)
    discharged = _take(repo, settings, ADT_A03)
    assert admitted.written[1].split("/_history")[0] == discharged.written[1].split("/_history")[0]
    encounter = orjson.loads(repo.read("Encounter", discharged.written[1].split("/")[1]).content)
    assert encounter["status"] == "finished"
    assert encounter["period"]["end"] == "2025-03-18T10:15:00+07:00"
    patients = repo.search("Patient", [("identifier", f"{settings.cccd_system}|{CCCD}")])
    assert len(patients.matches) == 1


def test_handler_with_the_real_intake(repo: AccessRepository, settings: Settings) -> None:
    _facility(repo, settings)

    def take(bundle: dict):
        return take_episode(repo, bundle, settings=settings, base_url=BASE)

    answer = make_handler(take, settings=settings, facility=FACILITY)(ORU_R01.encode())
    assert b"MSA|AA|LAB0001" in answer
    assert ACCEPTED  # the intake's vocabulary is the handler's
