"""One incoming Patient against the residents already stored.

The order the issue and DOMAIN-VN.md set: an exact current CCCD first; without one (or
when it finds nobody), the Fellegi–Sunter model over candidates found by FHIR searches
that mirror the batch's blocking rules (`splink_model.BLOCKING_RULES`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from hoso.identity.cccd import current_cccds
from hoso.identity.mpi.features import Features, patient_features
from hoso.identity.mpi.model import MatchModel, PairScore

__all__ = ["Candidate", "Resolution", "candidate_queries", "resolve_patient"]

# The Patients matching any of the searches, each once.
SearchAny = Callable[[list[list[tuple[str, str]]]], Iterable[dict[str, Any]]]
_PAGE = "200"


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


def candidate_queries(features: Features, cccd_system: str) -> list[list[tuple[str, str]]]:
    """FHIR searches that return at least the pairs the batch's blocking rules form."""
    f = features
    queries = []
    if f["birth_date"]:
        queries.append([("birthdate", f"eq{f['birth_date']}")])
    if f["birth_swapped"]:
        queries.append([("birthdate", f"eq{f['birth_swapped']}")])
    if f["family"] and f["given"] and f["birth_year"]:
        queries.append([("family", f["family"]), ("given", f["given"]),
                        ("birthdate", f["birth_year"])])
    if f["cccd"]:
        queries.append([("identifier", f"{cccd_system}|{f['cccd']}")])
    if f["phone"] and f["given"]:
        queries.append([("phone", f["phone"]), ("given", f["given"])])
    return [[*q, ("_count", _PAGE)] for q in queries]


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
    scored = [Candidate(pid, r, model.score(mine, patient_features(r, cccd_system)))
              for pid, r in seen.items()]
    kept = sorted((c for c in scored if c.score.grade != "certainly-not"),
                  key=lambda c: (-c.score.weight, c.patient_id))
    certain = [c for c in kept if c.score.grade == "certain"]
    if len(certain) == 1:
        return Resolution("match", "model", certain[0].patient_id, tuple(kept))
    # Two residents both certain means the store itself holds a duplicate: a person
    # decides, and nothing is joined automatically.
    return Resolution("possible" if kept else "new", "model" if kept else "none", None,
                      tuple(kept))
