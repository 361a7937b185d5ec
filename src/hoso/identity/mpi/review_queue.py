"""The data steward's review of the MPI's possible matches, without HTTP.

The queue lists open pairs, most likely first; a review shows both Patients side by
side, field by field, with the level the model puts each comparison in; a decision
either merges the pair (`merge_patients`, R5 `$merge` semantics, the one merge) or
records that they are two people. Everything goes through the caller's access layer
(`Reviewer`): the queue through its door (stewards and the operator, audited), the
Patients through the caller's own view, and a decision through `run_as_server`, so the
lock on the candidate, the merge and the candidate's new status commit together or not
at all, and a pair can be decided once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from hoso.core import clock, jsonx
from hoso.core.errors import Conflict, FhirError, InvalidRequest, ResourceNotFound
from hoso.core.settings import DEFAULT_BHYT_SYSTEM, DEFAULT_CCCD_SYSTEM
from hoso.fhir.repository import Repository
from hoso.fhir.store import MatchCandidate, MatchQueue, Session
from hoso.identity.merge import merge_patients
from hoso.identity.merge_record import MergeOutcome
from hoso.identity.mpi.features import patient_features
from hoso.identity.mpi.model import MatchModel

__all__ = [
    "DECISIONS", "Decision", "FieldRow", "QueuePage", "Review", "Reviewer", "agreement",
    "decide", "open_queue", "review", "shown_same",
]  # fmt: skip

DECISIONS = {"merge": "merged", "not-same": "rejected"}  # decision → candidate status
MAX_PAGE = 100
_SEX = {"male": "Nam / Male", "female": "Nữ / Female", "other": "Khác / Other",
        "unknown": "Không rõ / Unknown"}  # fmt: skip


class Reviewer(Repository, Protocol):
    """What the review needs of the caller's access layer (`hoso.access.repository`)."""

    def match_queue(self, *, write: bool = False) -> AbstractContextManager[MatchQueue]: ...
    def run_as_server(self, operation: str, entity: str,
                      fn: Callable[[Session, dict[str, Any]], Any]) -> Any: ...  # fmt: skip


# -- what each side shows ---------------------------------------------------------------
def _name(p: dict[str, Any]) -> dict[str, Any]:
    names = [n for n in p.get("name") or () if isinstance(n, dict)]
    official = [n for n in names if n.get("use") in ("official", "usual")]
    return (official or names or [{}])[0]


def _name_words(p: dict[str, Any]) -> tuple[str, str, str]:
    """(family, middle, given) as written: Vietnamese names put the given name last."""
    name = _name(p)
    family = name.get("family") if isinstance(name.get("family"), str) else ""
    words = [w for g in name.get("given") or () if isinstance(g, str) for w in g.split()]
    if not family and not words and isinstance(name.get("text"), str):
        text = name["text"].split()
        family, words = (text[0], text[1:]) if text else ("", [])
    return family, " ".join(words[:-1]), (words[-1] if words else "")


def display_name(p: dict[str, Any] | None) -> str:
    return " ".join(w for w in _name_words(p) if w) if p else ""


def display_date(value: Any) -> str:
    """FHIR yyyy-mm-dd (or yyyy-mm, yyyy) → dd/mm/yyyy, as Vietnamese forms write it."""
    if not isinstance(value, str) or not value:
        return ""
    return "/".join(reversed(value[:10].split("-")))


def _identifier(p: dict[str, Any], system: str) -> str:
    return ", ".join(str(i.get("value")) for i in p.get("identifier") or ()
                     if isinstance(i, dict) and i.get("system") == system and i.get("value"))


def _phone(p: dict[str, Any]) -> str:
    return ", ".join(str(t.get("value")) for t in p.get("telecom") or ()
                     if isinstance(t, dict) and t.get("system") == "phone" and t.get("value"))


def _address(p: dict[str, Any]) -> str:
    addresses = [a for a in p.get("address") or () if isinstance(a, dict)]
    home = ([a for a in addresses if a.get("use") == "home"] or addresses or [{}])[0]
    parts = [*(x for x in home.get("line") or () if isinstance(x, str)),
             *(home.get(k) for k in ("district", "city") if isinstance(home.get(k), str))]
    return ", ".join(x for x in parts if x) or (home.get("text") or "")


@dataclass(frozen=True, slots=True)
class _Field:
    key: str
    label: str  # Vietnamese / English
    comparison: str | None  # the model's comparison; None: compared here, exactly
    shown: Callable[[dict[str, Any], str, str], str]  # (patient, cccd, bhyt system)


FIELDS = (
    _Field("family", "Họ / Family name", "family", lambda p, c, b: _name_words(p)[0]),
    _Field("middle", "Tên đệm / Middle name", "middle", lambda p, c, b: _name_words(p)[1]),
    _Field("given", "Tên / Given name", "given", lambda p, c, b: _name_words(p)[2]),
    _Field("birth_date", "Ngày sinh / Date of birth", "birth_date",
           lambda p, c, b: display_date(p.get("birthDate"))),
    _Field("sex", "Giới tính / Sex", "sex", lambda p, c, b: _SEX.get(str(p.get("gender")), "")),
    _Field("cccd", "Số CCCD / Citizen ID", "cccd", lambda p, c, b: _identifier(p, c)),
    _Field("phone", "Điện thoại / Phone", "phone", lambda p, c, b: _phone(p)),
    _Field("address", "Địa chỉ (phường, xã) / Address (ward)", "ward",
           lambda p, c, b: _address(p)),
    _Field("bhyt", "Thẻ BHYT / Health insurance card", None, lambda p, c, b: _identifier(p, b)),
)  # fmt: skip


def shown_same(a: str, b: str) -> bool:
    """Whether two displayed values are the same text: trimmed, spaces collapsed, case
    ignored (NFC); diacritics count, so "Nguyễn" and "Nguyen" are not."""
    seen = [" ".join(unicodedata.normalize("NFC", x).casefold().split()) for x in (a, b)]
    return bool(seen[0]) and seen[0] == seen[1]


def agreement(level: str | None, a: str, b: str) -> str:
    """The page's word for one field: the model's level says whether the values agree
    at all (it folds diacritics); "exact" needs the displayed values to be the same
    text (`shown_same`), else they are only "close"."""
    if level is None or level == "null":
        return "missing"
    if level == "else":
        return "disagree"
    return "exact" if shown_same(a, b) else "close"


# -- the queue --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class QueuePage:
    items: list[dict[str, Any]]
    total_open: int
    limit: int
    offset: int

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total_open, "limit": self.limit, "offset": self.offset,
                "candidates": self.items}  # fmt: skip


def check_paging(limit: Any, offset: Any) -> tuple[int, int]:
    """`_count`-like paging parameters, or a 400 naming the bad one."""
    values = []
    for name, value, low, high in (("limit", limit, 1, MAX_PAGE), ("offset", offset, 0, 10**9)):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
        if not low <= number <= high:
            raise InvalidRequest(
                f"Tham số {name} phải là số nguyên từ {low} đến {high} / {name} must be an "
                f"integer from {low} to {high}",
                expression=[name],
            )
        values.append(number)
    return values[0], values[1]


def _patients(repo: Any, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The Patients the caller may see, in one audited search."""
    if not ids:
        return {}
    page = repo.search("Patient", [("_id", ",".join(ids)), ("_count", str(len(ids)))])
    return {h.id: jsonx.loads(h.content) for h in page.matches}


def _side(candidate_id: str, p: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": candidate_id,
        "reference": f"Patient/{candidate_id}",
        "found": p is not None,
        "active": bool(p) and p.get("active", True) is not False,
        "name": display_name(p),
        "birthDate": display_date((p or {}).get("birthDate")),
    }


def _basics(c: MatchCandidate) -> dict[str, Any]:
    return {"id": c.id, "status": c.status, "grade": c.grade, "origin": c.origin,
            "weight": round(c.weight, 3), "probability": c.probability,
            "decided": c.decided, "decidedBy": c.decided_by}  # fmt: skip


def open_queue(repo: Reviewer, *, limit: int = 20, offset: int = 0) -> QueuePage:
    """Open pairs, highest match weight first, each with both residents' names."""
    with repo.match_queue() as queue:
        rows = queue.open(limit=limit, offset=offset)
        total = queue.count_by_status().get("open", 0)
    ids = sorted({i for c in rows for i in (c.patient_a, c.patient_b)})
    found = _patients(repo, ids)
    items = [{**_basics(c), "a": _side(c.patient_a, found.get(c.patient_a)),
              "b": _side(c.patient_b, found.get(c.patient_b))} for c in rows]  # fmt: skip
    return QueuePage(items, total, limit, offset)


# -- one pair side by side --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FieldRow:
    key: str
    label: str
    a: str
    b: str
    level: str | None  # the model's level label (None: not a model comparison)
    agreement: str  # exact | close | disagree | missing


@dataclass(frozen=True, slots=True)
class Review:
    candidate: MatchCandidate
    a: dict[str, Any]
    b: dict[str, Any]
    fields: tuple[FieldRow, ...]
    weight: float
    probability: float
    grade: str
    suggested_keep: str  # "a" | "b"
    resources: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            **_basics(self.candidate),
            "storedWeight": round(self.candidate.weight, 3),
            "weight": round(self.weight, 3),
            "probability": self.probability,
            "grade": self.grade,
            "a": self.a,
            "b": self.b,
            "suggestedKeep": self.suggested_keep,
            "fields": [{"field": f.key, "label": f.label, "a": f.a, "b": f.b, "level": f.level,
                        "agreement": f.agreement} for f in self.fields],
        }  # fmt: skip


def _candidate(repo: Reviewer, candidate_id: int) -> MatchCandidate:
    with repo.match_queue() as queue:
        found = queue.get(candidate_id)
    if found is None:
        raise _not_found(candidate_id)
    return found


def _not_found(candidate_id: int) -> ResourceNotFound:
    return ResourceNotFound(
        f"Không có cặp hồ sơ nghi trùng số {candidate_id} / No possible match {candidate_id}"
    )


def _read(repo: Any, patient_id: str) -> dict[str, Any] | None:
    try:
        return dict(jsonx.loads(repo.read("Patient", patient_id).content))
    except FhirError:
        return None  # deleted or out of reach: shown as absent, never a 500


def _completeness(p: dict[str, Any] | None, cccd: str, bhyt: str) -> int:
    return sum(1 for f in FIELDS if p and f.shown(p, cccd, bhyt)) if p else -1


def _created(repo: Any, patient_id: str) -> int:
    """When the record was first stored (its version 1); unknown sorts last."""
    try:
        return int(repo.vread("Patient", patient_id, 1).last_updated_us)
    except FhirError:
        return 2**63


def review(repo: Reviewer, candidate_id: int, model: MatchModel, *,
           cccd_system: str = DEFAULT_CCCD_SYSTEM, bhyt_system: str = DEFAULT_BHYT_SYSTEM
           ) -> Review:  # fmt: skip
    """Both records as they are now, field by field, scored by the model again (they may
    have changed since the pair was queued); which one to keep is suggested: the more
    complete, then the older."""
    c = _candidate(repo, candidate_id)
    pa, pb = _read(repo, c.patient_a), _read(repo, c.patient_b)
    if pa is not None and pb is not None:
        score = model.score(patient_features(pa, cccd_system), patient_features(pb, cccd_system))
        levels, weight, prob, grade = score.levels, score.weight, score.probability, score.grade
    else:
        stored = jsonx.loads(c.details).get("levels") or {}
        levels, weight, prob, grade = stored, c.weight, c.probability, c.grade
    rows = []
    for f in FIELDS:
        a = f.shown(pa, cccd_system, bhyt_system) if pa else ""
        b = f.shown(pb, cccd_system, bhyt_system) if pb else ""
        if f.comparison is not None:
            level = levels.get(f.comparison)
            rows.append(FieldRow(f.key, f.label, a, b, level, agreement(level, a, b)))
        elif a or b:  # BHYT: only when a card is recorded; the model does not weigh it
            same = "missing" if not (a and b) else ("exact" if shown_same(a, b) else "disagree")
            rows.append(FieldRow(f.key, f.label, a, b, None, same))
    rank = {
        side: (_completeness(p, cccd_system, bhyt_system), -_created(repo, pid))
        for side, p, pid in (("a", pa, c.patient_a), ("b", pb, c.patient_b))
    }
    keep = "a" if rank["a"] >= rank["b"] else "b"
    return Review(c, _side(c.patient_a, pa), _side(c.patient_b, pb), tuple(rows), weight,
                  prob, grade, keep, {"a": pa, "b": pb})  # fmt: skip


# -- the decision -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Decision:
    candidate_id: int
    status: str  # merged | rejected
    patients: tuple[str, str]
    merge: MergeOutcome | None = None

    # What the access layer's audit entry names (`run_as_server`).
    @property
    def audit_patients(self) -> tuple[str, ...]:
        return self.merge.audit_patients if self.merge else self.patients

    @property
    def audit_entities(self) -> tuple[str, ...]:
        return self.merge.audit_entities if self.merge else ()

    @property
    def audit_description(self) -> str:
        done = self.merge.audit_description if self.merge else "not the same person"
        return f"MPI candidate {self.candidate_id}: {done}"

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.candidate_id, "status": self.status}
        if self.merge is not None:
            body["kept"] = f"Patient/{self.merge.target_id}"
            body["retired"] = f"Patient/{self.merge.source_id}"
            body["provenance"] = f"Provenance/{self.merge.provenance_id}"
        return body


def check_decision(decision: Any, keep: Any) -> tuple[str, str | None]:
    """The body's two fields, or a 400 naming the bad one."""
    if not isinstance(decision, str) or decision not in DECISIONS:
        raise InvalidRequest(
            "decision phải là \"merge\" hoặc \"not-same\" / decision must be \"merge\" or "
            "\"not-same\"", expression=["decision"],
        )  # fmt: skip
    if keep is not None and keep not in ("a", "b"):
        raise InvalidRequest(
            "keep phải là \"a\" hoặc \"b\" / keep must be \"a\" or \"b\"", expression=["keep"]
        )
    return str(decision), keep


def _already(c: MatchCandidate) -> Conflict:
    return Conflict(
        f"Cặp hồ sơ số {c.id} đã được quyết định ({c.status}) bởi {c.decided_by}; không thể "
        f"quyết định lại / Possible match {c.id} was already decided ({c.status}) by "
        f"{c.decided_by}; it cannot be decided again"
    )


def decide(repo: Reviewer, candidate_id: int, decision: str, *,
           keep: str | None = None, model: MatchModel | None = None,
           steward: str | None = None) -> Decision:  # fmt: skip
    """Merge the pair (into the record `keep` names, else the suggested one) or record
    that they are two people; `steward` defaults to the caller's agent. A pair decided
    already (now or by a concurrent click) is a 409 and nothing is written."""
    decision, keep = check_decision(decision, keep)
    first = _candidate(repo, candidate_id)
    if first.status != "open":
        raise _already(first)
    if decision == "merge" and keep is None:
        if model is None:
            raise InvalidRequest("Cần chọn hồ sơ giữ lại / keep is required", expression=["keep"])
        keep = review(repo, candidate_id, model).suggested_keep
    by = steward or str(getattr(getattr(repo, "principal", None), "agent", "server"))
    status = DECISIONS[decision]

    def work(server: Session, agent: dict[str, Any]) -> Decision:
        c = server.matches.get(candidate_id, lock=True)
        if c is None:
            raise _not_found(candidate_id)
        if c.status != "open":
            raise _already(c)
        # Decided first: the merge then moves the queue's other pairs (identity.merge).
        if not server.matches.decide_open(candidate_id, status, by, clock.now_us()):
            raise _already(server.matches.get(candidate_id) or c)
        outcome = None
        if decision == "merge":  # the one merge
            target, source = (c.patient_a, c.patient_b) if keep == "a" else (c.patient_b,
                                                                              c.patient_a)
            outcome = merge_patients(server, source, target, agent=agent,
                                     cccd_system=server.settings.cccd_system)
        return Decision(candidate_id, status, (c.patient_a, c.patient_b), outcome)

    operation = "merge" if decision == "merge" else "mpi-not-same"
    entity = "Patient/$merge" if decision == "merge" else f"mpi-candidate/{candidate_id}"
    result: Decision = repo.run_as_server(operation, entity, work)
    return result
