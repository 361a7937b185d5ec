"""`Patient/{id}/$everything` on a real store: the compartment, one level of includes,
filters and paging."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from hoso.access.repository import AccessRepository
from hoso.core import clock
from hoso.core.errors import InvalidRequest, NotSupported, ResourceNotFound
from hoso.fhir.operations import OperationContext, OperationParams
from hoso.fhir.operations.everything import run
from tests.builders.clinical import condition, observation
from tests.builders.patient import patient

BASE = "https://hoso.example/fhir"


def _ctx(patient_id: str) -> OperationContext:
    return OperationContext(BASE, "instance", "Patient", patient_id)


def _ids(bundle: dict[str, Any], mode: str = "match") -> list[str]:
    return [
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in bundle.get("entry", [])
        if e["search"]["mode"] == mode
    ]


def _next_params(bundle: dict[str, Any]) -> OperationParams | None:
    link = next((lk["url"] for lk in bundle["link"] if lk["relation"] == "next"), None)
    if link is None:
        return None
    assert urlsplit(link).path.endswith("/$everything")
    params: OperationParams = {}
    for key, value in parse_qsl(urlsplit(link).query):
        params.setdefault(key, []).append(value)
    return params


@pytest.fixture
def record(repo: AccessRepository) -> dict[str, str]:
    """Two residents; An has a doctor, a hospital and an Observation he recorded himself."""
    org = repo.create({"resourceType": "Organization", "name": "BV Chợ Rẫy"}).stored.id
    doc = repo.create({"resourceType": "Practitioner", "name": [{"family": "Võ"}]}).stored.id
    an = repo.create(
        patient(cccd="079090001234", managingOrganization={"reference": f"Organization/{org}"})
    )
    binh = repo.create(patient(cccd="079190001235", family="Trần", gender="female"))
    a, b = an.stored.id, binh.stored.id
    obs = observation(a) | {"performer": [{"reference": f"Practitioner/{doc}"}]}
    ids = {
        "an": a,
        "binh": b,
        "org": org,
        "doc": doc,
        "obs": repo.create(obs).stored.id,
        "self": repo.create(
            observation(a) | {"performer": [{"reference": f"Patient/{a}"}]}
        ).stored.id,
        "cond": repo.create(condition(a)).stored.id,
        "binh_obs": repo.create(observation(b)).stored.id,
    }
    return ids


def test_everything_is_the_patients_compartment_only(repo: AccessRepository, record: dict) -> None:
    bundle = run(repo, _ctx(record["an"]), {})
    assert bundle["type"] == "searchset"
    matches = _ids(bundle)
    assert matches[0] == f"Patient/{record['an']}"
    assert sorted(matches[1:]) == sorted(
        [
            f"Condition/{record['cond']}",
            f"Observation/{record['obs']}",
            f"Observation/{record['self']}",
        ]
    )  # the self-recorded Observation (subject and performer) appears once
    assert f"Observation/{record['binh_obs']}" not in matches
    assert f"Patient/{record['binh']}" not in matches
    assert sorted(_ids(bundle, "include")) == sorted(
        [f"Organization/{record['org']}", f"Practitioner/{record['doc']}"]
    )
    assert not _next_params(bundle)


def test_paging_returns_each_resource_once(repo: AccessRepository, record: dict) -> None:
    params: OperationParams | None = {"_count": ["1"]}
    seen: list[str] = []
    pages = 0
    while params is not None and pages < 20:
        bundle = run(repo, _ctx(record["an"]), params)
        assert len(_ids(bundle)) <= 1
        seen += _ids(bundle)
        params = _next_params(bundle)
        pages += 1
    assert params is None
    assert len(seen) == len(set(seen)) == 4


def test_type_and_since_filters(repo: AccessRepository, record: dict) -> None:
    only = run(repo, _ctx(record["an"]), {"_type": ["Condition,Organization"]})
    assert _ids(only) == [f"Condition/{record['cond']}"]
    assert _ids(only, "include") == []  # the Organization is referenced by the Patient only

    since = clock.fhir_instant(clock.now())
    later = repo.create(condition(record["an"], icd10="E11")).stored.id
    recent = run(repo, _ctx(record["an"]), {"_since": [since]})
    assert _ids(recent) == [f"Condition/{later}"]


def test_errors(repo: AccessRepository, record: dict) -> None:
    with pytest.raises(ResourceNotFound):
        run(repo, _ctx("nobody"), {})
    with pytest.raises(InvalidRequest):
        run(repo, _ctx(record["an"]), {"_type": ["Spaceship"]})
    with pytest.raises(InvalidRequest):
        run(repo, _ctx(record["an"]), {"_count": ["many"]})
    with pytest.raises(InvalidRequest):
        run(repo, _ctx(record["an"]), {"_since": ["yesterday"]})
    with pytest.raises(InvalidRequest):
        run(repo, _ctx(record["an"]), {"_cursor": ["not-a-cursor"]})
    with pytest.raises(NotSupported):
        run(repo, _ctx(record["an"]), {"start": ["2020-01-01"]})
