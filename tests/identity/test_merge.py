"""Merge and unmerge against the real store (SQLite and PostgreSQL): references
re-pointed, identifiers and links, one Provenance, exact restore, refusals, and one
transaction for the whole of it.

Records are written and read through the operator's access repository (`repo`); merges
and unmerges run as `Patient/$merge` and `Patient/$unmerge` run them, in the unit of
work the access layer's `run_as_server` gives (`hoso.identity.merge_operations`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hoso.access.repository import AccessRepository
from hoso.core import jsonx
from hoso.core.errors import Conflict, ResourceNotFound, UnprocessableEntity
from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.fhir.operations import OperationContext
from hoso.fhir.operations import everything as patient_everything
from hoso.fhir.store import Session, Store
from hoso.identity.merge import MergeOutcome, find_merge, merge_patients, unmerge_patients
from hoso.identity.merge_record import LIFECYCLE
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
def world(repo: AccessRepository, tmp_path: Path) -> MergeWorld:
    return build_merge_world(repo, tmp_path)


def _merge(repo: AccessRepository, source_id: str, target_id: str, *,
           preview: bool = False) -> MergeOutcome:  # fmt: skip
    """`merge_patients` in the session `run_as_server` gives, as `$merge` runs it."""

    def work(session: Session, agent: dict[str, Any]) -> MergeOutcome:
        return merge_patients(session, source_id, target_id, preview=preview, agent=agent,
                              cccd_system=session.settings.cccd_system)  # fmt: skip

    outcome: MergeOutcome = repo.run_as_server("merge", "Patient/$merge", work)
    return outcome


def _unmerge(repo: AccessRepository, provenance_id: str) -> MergeOutcome:
    """`unmerge_patients` in the session `run_as_server` gives, as `$unmerge` runs it."""

    def work(session: Session, agent: dict[str, Any]) -> MergeOutcome:
        return unmerge_patients(session, provenance_id, agent=agent)

    outcome: MergeOutcome = repo.run_as_server("unmerge", "Patient/$unmerge", work)
    return outcome


def _searches(repo: AccessRepository, w: MergeWorld) -> list[Any]:
    return snapshot_searches(lambda t, p: page_content(repo.search(t, p)), search_plan(w))


def _everything(repo: AccessRepository, patient_id: str
                ) -> list[tuple[str, str, dict[str, Any]]]:  # fmt: skip
    ctx = OperationContext("http://hoso.test/fhir", "instance", "Patient", patient_id)
    bundle = patient_everything.run(repo, ctx, {"_count": ["1000"]})
    assert not any(link["relation"] == "next" for link in bundle.get("link", []))
    return [
        (e["resource"]["resourceType"], e["resource"]["id"], comparable(e["resource"]))
        for e in bundle.get("entry", [])
    ]


def _ids(repo: AccessRepository, rtype: str, params: list[tuple[str, str]]) -> set[str]:
    return {h.id for h in repo.search(rtype, [*params, ("_count", "1000")]).matches}


def _record(entries: list[tuple[str, str, dict[str, Any]]]) -> set[tuple[str, str]]:
    """The compartment part of `$everything`: not the Patient, not what it includes."""
    included = {"Patient", *patient_everything.INCLUDED_TYPES}
    return {(t, i) for t, i, _ in entries if t not in included}


def _history_total(repo: AccessRepository) -> int | None:
    return repo.history(None, None).total


def _new(repo: AccessRepository, resource: dict[str, Any]) -> str:
    """Create a resource: a new record, not one the MPI matched to a resident."""
    result = repo.create(resource)
    assert result.created and not result.matched_existing
    return result.stored.id


def _registered(repo: AccessRepository, patient_id: str, resource: dict[str, Any]) -> str:
    """A Patient stored under the id the client chose (PUT): the MPI leaves that record to
    the client, so look-alikes (one resident registered twice) stay two records to merge;
    the unique CCCD rule still applies."""
    result = repo.update("Patient", patient_id, {**resource, "id": patient_id})
    assert result.created and not result.matched_existing
    return result.stored.id


def test_merge_then_unmerge_restores_every_resource_and_every_search(
    repo: AccessRepository, world: MergeWorld
) -> None:
    w = world
    resources = snapshot_resources(repo)
    searches = _searches(repo, w)
    everything = {p: _everything(repo, p) for p in (w.source, w.target)}
    source_record = _record(everything[w.source])
    assert {t for t, _ in source_record} >= {
        "Observation", "Condition", "Encounter", "MedicationRequest", "Immunization",
        "AllergyIntolerance", "RelatedPerson",
    }  # fmt: skip

    merged = _merge(repo, w.source, w.target)

    # Everything of the source is now under the target; nothing active is under the source.
    assert source_record <= _record(_everything(repo, w.target))
    assert _record(_everything(repo, w.source)) == {("Provenance", merged.provenance_id)}
    for rtype, param in [("Observation", "patient"), ("Condition", "subject"),
                         ("Encounter", "patient"), ("RelatedPerson", "patient"),
                         ("Group", "member")]:  # fmt: skip
        assert _ids(repo, rtype, [(param, f"Patient/{w.source}")]) == set()
    assert _ids(repo, "Patient", [("link", f"Patient/{w.source}")]) == {w.target}  # replaces
    assert _ids(repo, "Patient", [("identifier", w.source_cccd), ("active", "true")]) == {
        w.target
    }
    source = jsonx.loads(repo.read("Patient", w.source).content)
    target = jsonx.loads(repo.read("Patient", w.target).content)
    assert source["active"] is False
    assert {"other": {"reference": f"Patient/{w.target}"}, "type": "replaced-by"} in source["link"]
    assert {"other": {"reference": f"Patient/{w.source}"}, "type": "replaces"} in target["link"]
    copied = [i for i in target["identifier"] if i.get("value") == w.source_cccd]
    assert [i["use"] for i in copied] == ["old"]  # the target's own CCCD stays the current one
    group = jsonx.loads(repo.read("Group", w.extra["group"]).content)
    assert [m["entity"]["reference"] for m in group["member"]] == [f"Patient/{w.target}"] * 2

    # One Provenance naming every version written.
    provenance = jsonx.loads(repo.read("Provenance", merged.provenance_id).content)
    assert [t["reference"] for t in provenance["target"]] == list(merged.written)
    assert provenance["activity"]["coding"][0] == {
        "system": LIFECYCLE, "code": "merge", "display": "Merge Record Lifecycle Event"
    }  # fmt: skip
    assert provenance["entity"][0]["role"] == "source"
    assert provenance["entity"][0]["what"]["reference"].startswith(f"Patient/{w.source}/_history/")
    assert len(merged.written) == 2 + len(source_record) + 1  # + the relative linking to them
    for ref in merged.written:  # each a new version through the write path; history kept
        rtype, rid, _, version = ref.split("/")
        assert repo.vread(rtype, rid, int(version) - 1)

    undone = _unmerge(repo, merged.provenance_id)

    assert sorted(undone.written) != [] and len(undone.written) == len(merged.written)
    now = snapshot_resources(repo)
    provenances = {("Provenance", merged.provenance_id), ("Provenance", undone.provenance_id)}
    assert set(now) - set(resources) == provenances
    assert {k: now[k] for k in resources} == resources
    assert _searches(repo, w) == searches
    for p in (w.source, w.target):
        assert [e for e in _everything(repo, p) if (e[0], e[1]) not in provenances] == (
            everything[p]
        )
    assert jsonx.loads(repo.read("Provenance", undone.provenance_id).content)["entity"] == [
        {"role": "source", "what": {"reference": f"Provenance/{merged.provenance_id}"}}
    ]


def test_preview_writes_nothing(repo: AccessRepository, world: MergeWorld) -> None:
    before, history = snapshot_resources(repo), _history_total(repo)
    preview = _merge(repo, world.source, world.target, preview=True)
    assert preview.preview and preview.provenance_id is None
    assert preview.written[0] == f"Patient/{world.source}/_history/2"
    assert preview.target["link"][-1]["type"] == "replaces"
    assert snapshot_resources(repo) == before and _history_total(repo) == history


def test_a_failure_midway_leaves_every_resource_unchanged(
    repo: AccessRepository, world: MergeWorld
) -> None:
    before, history = snapshot_resources(repo), _history_total(repo)
    failing = _FailingStore(repo.store, fail_at=5)  # after both Patients and two re-pointed
    with pytest.raises(RuntimeError, match="injected"):
        _merge(failing.operator(repo), world.source, world.target)
    assert failing.updates == 5
    assert snapshot_resources(repo) == before and _history_total(repo) == history
    merged = _merge(repo, world.source, world.target)
    failing = _FailingStore(repo.store, fail_at=len(merged.written))  # the very last write
    with pytest.raises(RuntimeError, match="injected"):
        _unmerge(failing.operator(repo), merged.provenance_id)
    assert failing.updates == len(merged.written)
    assert _ids(repo, "Observation", [("patient", f"Patient/{world.source}")]) == set()
    _unmerge(repo, merged.provenance_id)  # nothing of the failed one remained
    assert {k: v for k, v in snapshot_resources(repo).items() if k[0] != "Provenance"} == before


def test_changes_after_the_merge_are_kept_by_the_unmerge(
    repo: AccessRepository, world: MergeWorld
) -> None:
    w = world
    merged = _merge(repo, w.source, w.target)
    obs_id = next(iter(_ids(repo, "Observation", [("performer", f"Patient/{w.target}")])))
    obs = jsonx.loads(repo.read("Observation", obs_id).content)
    obs["valueQuantity"]["value"] = 62  # corrected after the merge
    repo.update("Observation", obs_id, obs)
    target = jsonx.loads(repo.read("Patient", w.target).content)
    target["telecom"] = [{"system": "phone", "value": "0909123456"}]
    target["identifier"].append({"system": "urn:test:his", "value": "HIS-1"})
    repo.update("Patient", w.target, target)
    later = _new(repo, observation(w.target, value=140))  # new, for the target

    _unmerge(repo, merged.provenance_id)

    obs = jsonx.loads(repo.read("Observation", obs_id).content)
    assert obs["valueQuantity"]["value"] == 62
    assert obs["subject"]["reference"] == obs["performer"][0]["reference"] == f"Patient/{w.source}"
    target = jsonx.loads(repo.read("Patient", w.target).content)
    assert target["telecom"] == [{"system": "phone", "value": "0909123456"}]
    assert [i["value"] for i in target["identifier"]][-1] == "HIS-1"
    assert w.source_cccd not in [i["value"] for i in target["identifier"]]
    assert "link" not in target
    assert jsonx.loads(repo.read("Observation", later).content)["subject"] == {
        "reference": f"Patient/{w.target}"
    }


def test_a_target_without_cccd_takes_the_source_cccd_and_gives_it_back(
    repo: AccessRepository,
) -> None:
    source = _registered(repo, "merge-source", patient(cccd="079090001234", active=True))
    target = _registered(repo, "merge-target",
                         patient(cccd=None, given=("Văn", "Ân"), active=True))  # fmt: skip
    merged = _merge(repo, source, target)
    active = [("identifier", f"{DEFAULT_CCCD_SYSTEM}|079090001234"), ("active", "true")]
    assert _ids(repo, "Patient", active) == {target}
    assert [i.get("use") for i in merged.target["identifier"]] == [None]
    # The CCCD is the target's now: no one else may take it (the store's unique CCCD rule).
    with pytest.raises(Conflict) as taken:
        _registered(repo, "merge-other", patient(cccd="079090001234", family="Lê"))
    assert taken.value.issues[0].expression == ("Patient.identifier",)
    _unmerge(repo, merged.provenance_id)
    assert _ids(repo, "Patient", active) == {source}
    assert "identifier" not in jsonx.loads(repo.read("Patient", target).content)


def test_refusals(repo: AccessRepository) -> None:
    a = _registered(repo, "refusal-a", patient(cccd="079090001234"))
    b = _registered(repo, "refusal-b", patient(cccd="079190000002", family="Lê",
                                                gender="female"))  # fmt: skip
    c = _registered(repo, "refusal-c", patient(cccd="079190000003", family="Phạm",
                                                gender="female"))  # fmt: skip
    with pytest.raises(UnprocessableEntity) as itself:
        _merge(repo, a, a)
    assert "chính nó" in itself.value.message and "into itself" in itself.value.message
    with pytest.raises(ResourceNotFound):
        _merge(repo, "khong-co", a)
    with pytest.raises(ResourceNotFound):
        _unmerge(repo, "khong-co")
    merged = _merge(repo, a, b)
    with pytest.raises(UnprocessableEntity, match="already been merged"):
        _merge(repo, a, c)
    with pytest.raises(UnprocessableEntity, match="inactive"):
        _merge(repo, c, a)
    later = _merge(repo, b, c)  # the target goes on to be merged itself
    with pytest.raises(Conflict, match="undo that merge first"):
        _unmerge(repo, merged.provenance_id)
    _unmerge(repo, later.provenance_id)
    assert find_merge(repo, a, b) == merged.provenance_id
    _unmerge(repo, merged.provenance_id)
    with pytest.raises(Conflict, match="already been undone"):
        _unmerge(repo, merged.provenance_id)
    undone = repo.search("Provenance", [("entity", f"Provenance/{merged.provenance_id}")])
    with pytest.raises(UnprocessableEntity, match="does not record a patient merge"):
        _unmerge(repo, undone.matches[0].id)


class _FailingStore:
    """The store, whose `fail_at`-th update in a unit of work raises (after the real
    update of every earlier one, in the same transaction)."""

    def __init__(self, store: Store, fail_at: int) -> None:
        self.store, self.fail_at, self.updates = store, fail_at, 0
        self.settings = store.settings

    def __getattr__(self, name: str) -> Any:  # row_builder, reserve_seqs…: the store's
        return getattr(self.store, name)

    @contextmanager
    def unit_of_work(self, **options: Any) -> Iterator[Any]:
        with self.store.unit_of_work(**options) as session:
            yield _FailingSession(session, self)

    def operator(self, repo: AccessRepository) -> AccessRepository:
        """`repo`'s caller (the operator) over this store: same decisions, same trail."""
        return AccessRepository(self, repo.decider, repo.auditor,
                                pseudonym_key=repo.pseudonym_key)  # fmt: skip


class _FailingSession:
    def __init__(self, session: Session, owner: _FailingStore) -> None:
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
