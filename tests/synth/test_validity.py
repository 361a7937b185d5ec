"""Every generated resource is one the store accepts, and every reference resolves."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from hoso.assembly import store_hooks
from hoso.core.settings import DEFAULT_CCCD_SYSTEM, DEFAULT_FACILITY_SYSTEM, Settings
from hoso.fhir.repository import iter_references
from hoso.identity.cccd import cccd_mismatches, parse_cccd
from hoso.identity.mpi.model import MatchModel
from hoso.store.write import prepare
from hoso.synth import SynthReport

from .conftest import read_all, read_ndjson

ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def test_every_resource_passes_store_validation(
    small_run: tuple[Path, SynthReport], match_model: MatchModel
) -> None:
    out, report = small_run
    settings = Settings(database_url="sqlite://")
    hooks = store_hooks(settings, match_model)  # production's identifier rules
    resources = read_all(out)
    assert len(resources) == report.total
    warnings = Counter()
    for resource in resources:
        for issue in prepare(resource, settings, hooks):  # raises InvalidResource on any error
            warnings[issue.diagnostics] += 1
    assert not warnings  # no CCCD (or other) warnings on data without faults


def test_ids_are_valid_and_references_resolve(small_run: tuple[Path, SynthReport]) -> None:
    out, _ = small_run
    resources = read_all(out)
    keys = [f"{r['resourceType']}/{r['id']}" for r in resources]
    assert all(ID.match(r["id"]) for r in resources)
    assert len(set(keys)) == len(keys)
    known = set(keys)
    references = [ref for r in resources for _, ref in iter_references(r)]
    assert references
    assert [ref for ref in references if ref not in known] == []


def test_encounters_name_their_service_provider(small_run: tuple[Path, SynthReport]) -> None:
    out, _ = small_run
    encounters = read_ndjson(out, "Encounter")
    assert {e["class"]["code"] for e in encounters} == {"AMB", "IMP", "EMER"}
    assert all(e["serviceProvider"]["reference"].startswith("Organization/") for e in encounters)
    facilities = [o for o in read_ndjson(out, "Organization") if "identifier" in o]
    assert len(facilities) >= 8
    for org in facilities:
        [ident] = org["identifier"]
        assert ident["system"] == DEFAULT_FACILITY_SYSTEM
        assert re.fullmatch(r"79[0-9]{3}", ident["value"])


def test_cccd_agrees_with_birth_date_and_sex(faulted_run: tuple[Path, SynthReport]) -> None:
    out, _ = faulted_run
    patients = [p for p in read_ndjson(out, "Patient") if p["id"].startswith("pat-")]
    seen = set()
    for p in patients:
        for ident in p.get("identifier", []):
            assert ident["system"] == DEFAULT_CCCD_SYSTEM
            parts = parse_cccd(ident["value"])
            year = int(p["birthDate"][:4])
            assert cccd_mismatches(parts, year, p["gender"], 2026) == [], p["id"]
            seen.add(ident["value"])
    assert len(seen) > 1350  # unique, and most people have one


def test_cccds_are_unique_across_all_records(faulted_run: tuple[Path, SynthReport]) -> None:
    out, _ = faulted_run
    values = [i["value"] for p in read_ndjson(out, "Patient") for i in p.get("identifier", [])]
    assert len(values) == len(set(values))


def test_mean_resources_per_person(faulted_run: tuple[Path, SynthReport]) -> None:
    _, report = faulted_run
    assert report.per_person >= 20
    assert report.total == sum(report.counts.values())


def test_ndjson_is_compact_utf8(small_run: tuple[Path, SynthReport]) -> None:
    out, _ = small_run
    data = (out / "Patient.ndjson").read_bytes()
    assert b"\\u" not in data
    assert "Thành phố Hồ Chí Minh".encode() in data
    assert b"\n\n" not in data and data.endswith(b"\n")
    assert b": " not in data.split(b"\n")[0]
