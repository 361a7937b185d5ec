"""One incoming Patient against the residents already stored.

The order the issue and DOMAIN-VN.md set: an exact current CCCD first; without one (or
when it finds nobody), the Fellegi–Sunter model over the candidates the batch's blocking
rules pair with the incoming record (`blocking`): found by FHIR searches, then kept only
where a rule holds, so that every pair scored here is one `hoso mpi dedupe` scores too,
with the same model and thresholds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from hoso.identity.cccd import current_cccds
from hoso.identity.mpi.blocking import blocked, candidate_queries
from hoso.identity.mpi.features import patient_features
from hoso.identity.mpi.model import MatchModel, PairScore

__all__ = ["Candidate", "Resolution", "resolve_patient"]

# The Patients matching any of the searches, each once.
SearchAny = Callable[[list[list[tuple[str, str]]]], Iterable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Candidate:
    patient_id: str
    resource: dict[str, Any]
    score: PairScore


@dataclass(frozen=True, slots=True)
class Resolution:
    outcome: str  # match | possible | new | cccd-conflict
    by: str  # cccd | model | none
    patient_id: str | None  # the resident matched (match, cccd-conflict)
    candidates: tuple[Candidate, ...]  # scored at or above the review threshold, best first


def _active(resource: dict[str, Any]) -> bool:
    return resource.get("active", True) is not False


def resolve_patient(patient: dict[str, Any], search_any: SearchAny, model: MatchModel,
                    cccd_system: str) -> Resolution:
    """What the MPI makes of `patient`; `search_any` runs Patient searches over every
    resident (all the candidate searches at once: the CCCD's is one of them)."""
    mine = patient_features(patient, cccd_system)
    own_id = patient.get("id")
    cccd = mine["cccd"]
    seen: dict[str, dict[str, Any]] = {}
    for other in search_any(candidate_queries(mine, cccd_system)):
        other_id = str(other.get("id"))
        if other_id != own_id and _active(other):
            seen.setdefault(other_id, other)
    holder = next((r for r in seen.values() if cccd and cccd in current_cccds(r, cccd_system)),
                  None)  # fmt: skip
    if holder is not None:
        score = model.score(mine, patient_features(holder, cccd_system))
        found = (Candidate(str(holder["id"]), holder, score),)
        # The same number on a record whose name and birth date say another person is
        # a mistyped CCCD, not a reason to join two records.
        outcome = "match" if score.grade != "certainly-not" else "cccd-conflict"
        return Resolution(outcome, "cccd", str(holder["id"]), found)
    # The searches return more than the rules pair (prefixes, whole years): scoring
    # those too would queue pairs the batch never compares.
    scored = []
    for pid, resource in seen.items():
        theirs = patient_features(resource, cccd_system)
        if blocked(mine, theirs):
            scored.append(Candidate(pid, resource, model.score(mine, theirs)))
    kept = sorted((c for c in scored if c.score.grade != "certainly-not"),
                  key=lambda c: (-c.score.weight, c.patient_id))
    certain = [c for c in kept if c.score.grade == "certain"]
    if len(certain) == 1:
        return Resolution("match", "model", certain[0].patient_id, tuple(kept))
    # Two residents both certain means the store itself holds a duplicate: a person
    # decides, and nothing is joined automatically.
    return Resolution("possible" if kept else "new", "model" if kept else "none", None,
                      tuple(kept))
