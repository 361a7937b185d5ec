"""Merge and unmerge against the real store (SQLite and PostgreSQL): references
re-pointed, identifiers and links, one Provenance, exact restore, refusals, and one
transaction for the whole of it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hoso.core import jsonx
from hoso.core.errors import Conflict, ResourceNotFound, UnprocessableEntity
from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.fhir.operations import OperationContext
from hoso.fhir.operations import everything as patient_everything
from hoso.identity.merge import find_merge, merge_patients, unmerge_patients
from hoso.identity.merge_record import LIFECYCLE
from hoso.store.sql_store import SqlStore
from tests.builders.clinical import observation
from tests.builders.patient import patient
from tests.identity.merge_world import (
    MergeWorld,
    build_merge_world,
    comparable,
    page_content,
    search_plan,
    snapshot_resources,
    snapshot_searches,
)


@pytest.fixture
def world(store: SqlStore, tmp_path: Path) -> MergeWorld:
    return build_merge_world(store, tmp_path)


def _searches(store: SqlStore, w: MergeWorld) -> list[Any]:
    return snapshot_searches(lambda t, p: page_content(store.search(t, p)), search_plan(w))


def _everything(store: SqlStore, patient_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    ctx = OperationContext("http://hoso.test/fhir", "instance", "Patient", patient_id)
    bundle = patient_everything.run(store, ctx, {"_count": ["1000"]})
    assert not any(link["relation"] == "next" for link in bundle.get("link", []))
    return [
        (e["resource"]["resourceType"], e["resource"]["id"], comparable(e["resource"]))
        for e in bundle.get("entry", [])
    ]


def _ids(store: SqlStore, rtype: str, params: list[tuple[str, str]]) -> set[str]:
    return {h.id for h in store.search(rtype, [*params, ("_count", "1000")]).matches}


def _record(entries: list[tuple[str, str, dict[str, Any]]]) -> set[tuple[str, str]]:
    """The compartment part of `$everything`: not the Patient, not what it includes."""
    included = {"Patient", *patient_everything.INCLUDED_TYPES}
    return {(t, i) for t, i, _ in entries if t not in included}


def _history_total(store: SqlStore) -> int | None:
    return store.history(None, None).total


def test_merge_then_unmerge_restores_every_resource_and_every_search(
    store: SqlStore, world: MergeWorld
) -> None:
    w = world
    resources = snapshot_resources(store)
    searches = _searches(store, w)
    everything = {p: _everything(store, p) for p in (w.source, w.target)}
    source_record = _record(everything[w.source])
    assert {t for t, _ in source_record} >= {
        "Observation", "Condition", "Encounter", "MedicationRequest", "Immunization",
        "AllergyIntolerance", "RelatedPerson",
    }  # fmt: skip

    merged = merge_patients(store, w.source, w.target)

    # Everything of the source is now under the target; nothing active is under the source.
    assert source_record <= _record(_everything(store, w.target))
    assert _record(_everything(store, w.source)) == {("Provenance", merged.provenance_id)}
    for rtype, param in [("Observation", "patient"), ("Condition", "subject"),
                         ("Encounter", "patient"), ("RelatedPerson", "patient"),
                         ("Group", "member")]:  # fmt: skip
        assert _ids(store, rtype, [(param, f"Patient/{w.source}")]) == set()
    assert _ids(store, "Patient", [("link", f"Patient/{w.source}")]) == {w.target}  # replaces
    assert _ids(store, "Patient", [("identifier", w.source_cccd), ("active", "true")]) == {
        w.target
    }
    source = jsonx.loads(store.read("Patient", w.source).content)
    target = jsonx.loads(store.read("Patient", w.target).content)
    assert source["active"] is False
    assert {"other": {"reference": f"Patient/{w.target}"}, "type": "replaced-by"} in source["link"]
    assert {"other": {"reference": f"Patient/{w.source}"}, "type": "replaces"} in target["link"]
    copied = [i for i in target["identifier"] if i.get("value") == w.source_cccd]
    assert [i["use"] for i in copied] == ["old"]  # the target's own CCCD stays the current one
    group = jsonx.loads(store.read("Group", w.extra["group"]).content)
    assert [m["entity"]["reference"] for m in group["member"]] == [f"Patient/{w.target}"] * 2

    # One Provenance naming every version written.
    provenance = jsonx.loads(store.read("Provenance", merged.provenance_id).content)
    assert [t["reference"] for t in provenance["target"]] == list(merged.written)
    assert provenance["activity"]["coding"][0] == {
        "system": LIFECYCLE, "code": "merge", "display": "Merge Record Lifecycle Event"
    }  # fmt: skip
    assert provenance["entity"][0]["role"] == "source"
    assert provenance["entity"][0]["what"]["reference"].startswith(f"Patient/{w.source}/_history/")
    assert len(merged.written) == 2 + len(source_record) + 1  # + the relative linking to them
    for ref in merged.written:  # each a new version through the write path; history kept
        rtype, rid, _, version = ref.split("/")
        assert store.vread(rtype, rid, int(version) - 1)

    undone = unmerge_patients(store, merged.provenance_id)

    assert sorted(undone.written) != [] and len(undone.written) == len(merged.written)
    now = snapshot_resources(store)
    provenances = {("Provenance", merged.provenance_id), ("Provenance", undone.provenance_id)}
    assert set(now) - set(resources) == provenances
    assert {k: now[k] for k in resources} == resources
    assert _searches(store, w) == searches
    for p in (w.source, w.target):
        assert [e for e in _everything(store, p) if (e[0], e[1]) not in provenances] == (
            everything[p]
        )
    assert jsonx.loads(store.read("Provenance", undone.provenance_id).content)["entity"] == [
        {"role": "source", "what": {"reference": f"Provenance/{merged.provenance_id}"}}
    ]


def test_preview_writes_nothing(store: SqlStore, world: MergeWorld) -> None:
    before, history = snapshot_resources(store), _history_total(store)
    preview = merge_patients(store, world.source, world.target, preview=True)
    assert preview.preview and preview.provenance_id is None
    assert preview.written[0] == f"Patient/{world.source}/_history/2"
    assert preview.target["link"][-1]["type"] == "replaces"
    assert snapshot_resources(store) == before and _history_total(store) == history


def test_a_failure_midway_leaves_every_resource_unchanged(
    store: SqlStore, world: MergeWorld
) -> None:
    before, history = snapshot_resources(store), _history_total(store)
    failing = _FailingStore(store, fail_at=5)  # after both Patients and two re-pointed
    with pytest.raises(RuntimeError, match="injected"):
        merge_patients(failing, world.source, world.target)
    assert failing.updates == 5
    assert snapshot_resources(store) == before and _history_total(store) == history
    merged = merge_patients(store, world.source, world.target)
    failing = _FailingStore(store, fail_at=len(merged.written))  # the very last write
    with pytest.raises(RuntimeError, match="injected"):
        unmerge_patients(failing, merged.provenance_id)
    assert _ids(store, "Observation", [("patient", f"Patient/{world.source}")]) == set()
    unmerge_patients(store, merged.provenance_id)  # nothing of the failed one remained
    assert {k: v for k, v in snapshot_resources(store).items() if k[0] != "Provenance"} == before


def test_changes_after_the_merge_are_kept_by_the_unmerge(
    store: SqlStore, world: MergeWorld
) -> None:
    w = world
    merged = merge_patients(store, w.source, w.target)
    obs_id = next(iter(_ids(store, "Observation", [("performer", f"Patient/{w.target}")])))
    obs = jsonx.loads(store.read("Observation", obs_id).content)
    obs["valueQuantity"]["value"] = 62  # corrected after the merge
    store.update("Observation", obs_id, obs)
    target = jsonx.loads(store.read("Patient", w.target).content)
    target["telecom"] = [{"system": "phone", "value": "0909123456"}]
    target["identifier"].append({"system": "urn:test:his", "value": "HIS-1"})
    store.update("Patient", w.target, target)
    later = store.create(observation(w.target, value=140)).stored.id  # new, for the target

    unmerge_patients(store, merged.provenance_id)

    obs = jsonx.loads(store.read("Observation", obs_id).content)
    assert obs["valueQuantity"]["value"] == 62
    assert obs["subject"]["reference"] == obs["performer"][0]["reference"] == f"Patient/{w.source}"
    target = jsonx.loads(store.read("Patient", w.target).content)
    assert target["telecom"] == [{"system": "phone", "value": "0909123456"}]
    assert [i["value"] for i in target["identifier"]][-1] == "HIS-1"
    assert w.source_cccd not in [i["value"] for i in target["identifier"]]
    assert "link" not in target
    assert jsonx.loads(store.read("Observation", later).content)["subject"] == {
        "reference": f"Patient/{w.target}"
    }


def test_a_target_without_cccd_takes_the_source_cccd_and_gives_it_back(store: SqlStore) -> None:
    source = store.create(patient(cccd="079090001234", active=True)).stored.id
    target = store.create(patient(cccd=None, given=("Văn", "Ân"), active=True)).stored.id
    merged = merge_patients(store, source, target)
    active = [("identifier", f"{DEFAULT_CCCD_SYSTEM}|079090001234"), ("active", "true")]
    assert _ids(store, "Patient", active) == {target}
    assert [i.get("use") for i in merged.target["identifier"]] == [None]
    with pytest.raises(Conflict):  # the CCCD is the target's now: no one else may take it
        store.create(patient(cccd="079090001234", family="Lê"))
    unmerge_patients(store, merged.provenance_id)
    assert _ids(store, "Patient", active) == {source}
    assert "identifier" not in jsonx.loads(store.read("Patient", target).content)


def test_refusals(store: SqlStore) -> None:
    a = store.create(patient(cccd="079090001234")).stored.id
    b = store.create(patient(cccd="079190000002", family="Lê", gender="female")).stored.id
    c = store.create(patient(cccd="079190000003", family="Phạm", gender="female")).stored.id
    with pytest.raises(UnprocessableEntity) as itself:
        merge_patients(store, a, a)
    assert "chính nó" in itself.value.message and "into itself" in itself.value.message
    with pytest.raises(ResourceNotFound):
        merge_patients(store, "khong-co", a)
    with pytest.raises(ResourceNotFound):
        unmerge_patients(store, "khong-co")
    merged = merge_patients(store, a, b)
    with pytest.raises(UnprocessableEntity, match="already been merged"):
        merge_patients(store, a, c)
    with pytest.raises(UnprocessableEntity, match="inactive"):
        merge_patients(store, c, a)
    later = merge_patients(store, b, c)  # the target goes on to be merged itself
    with pytest.raises(Conflict, match="undo that merge first"):
        unmerge_patients(store, merged.provenance_id)
    unmerge_patients(store, later.provenance_id)
    assert find_merge(store, a, b) == merged.provenance_id
    unmerge_patients(store, merged.provenance_id)
    with pytest.raises(Conflict, match="already been undone"):
        unmerge_patients(store, merged.provenance_id)
    undone = store.search("Provenance", [("entity", f"Provenance/{merged.provenance_id}")])
    with pytest.raises(UnprocessableEntity, match="does not record a patient merge"):
        unmerge_patients(store, undone.matches[0].id)


class _FailingStore:
    """The store, whose `fail_at`-th update in a unit of work raises."""

    def __init__(self, store: SqlStore, fail_at: int) -> None:
        self.store, self.fail_at, self.updates = store, fail_at, 0

    @contextmanager
    def unit_of_work(self) -> Iterator[Any]:
        with self.store.unit_of_work() as session:
            yield _FailingSession(session, self)


class _FailingSession:
    def __init__(self, session: Any, owner: _FailingStore) -> None:
        self._session, self._owner = session, owner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    @contextmanager
    def unit_of_work(self) -> Iterator[Any]:
        yield self

    def update(self, *args: Any, **kwargs: Any) -> Any:
        self._owner.updates += 1
        if self._owner.updates == self._owner.fail_at:
            raise RuntimeError("injected failure")
        return self._session.update(*args, **kwargs)
