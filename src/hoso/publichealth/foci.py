"""Outbreak foci (ổ dịch, issue 18 point 6).

A focus is registered by an officer, or suggested by the daily job when a disease has
`focus_cases` cases (N) in one ward within `focus_days` (T) days by onset date (the
disease's rule). Its response deadline runs from the moment it is known — suggested or
registered — for the disease's `response_hours` (dengue 48 h): the team must have
visited and treated the area by then. While active it gets one report a day.

suggested → active (an officer confirms) | rejected; active → closed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from hoso.core.errors import Conflict, InvalidRequest
from hoso.publichealth.disease_rules import DiseaseRule
from hoso.publichealth.series.counts import CountCell

__all__ = [
    "FOCUS_MOVES",
    "STATUSES",
    "FocusSuggestion",
    "check_report_text",
    "next_focus_status",
    "suggest_foci",
]  # fmt: skip

HOUR_US = 3_600_000_000
STATUSES = ("suggested", "active", "closed", "rejected")
FOCUS_MOVES = {"confirm": ("suggested", "active"), "reject": ("suggested", "rejected"),
               "close": ("active", "closed")}  # fmt: skip
MAX_REPORT_CHARS = 4000


@dataclass(frozen=True, slots=True)
class FocusSuggestion:
    disease: str
    ward: str
    first_case_date: str
    last_case_date: str
    case_count: int


def suggest_foci(rules: Sequence[DiseaseRule], daily: Iterable[CountCell], day: date,
                 standing: Mapping[tuple[str, str], str]) -> list[FocusSuggestion]:  # fmt: skip
    """Wards where a disease reached its N cases within T days up to `day`, not already
    under a focus (`standing`: (disease, ward) → the latest focus's last case date for
    foci suggested, active or rejected — a rejected one is not suggested again for the
    same cases)."""
    by_rule = {rule.code: rule for rule in rules}
    cells: dict[tuple[str, str], list[CountCell]] = {}
    for cell in daily:
        rule = by_rule.get(cell.disease)
        if rule is None or cell.ward is None:
            continue
        start = (day - timedelta(days=rule.focus_days - 1)).isoformat()
        if start <= cell.period <= day.isoformat():
            cells.setdefault((cell.disease, cell.ward), []).append(cell)
    found = []
    for (disease, ward), group in sorted(cells.items()):
        total = sum(cell.count for cell in group)
        first, last = min(c.period for c in group), max(c.period for c in group)
        known = standing.get((disease, ward))
        if total >= by_rule[disease].focus_cases and (known is None or known < first):
            found.append(FocusSuggestion(disease, ward, first, last, total))
    return found


def is_overdue(status: str, response_deadline_at: int | None, reports: int, now_us: int) -> bool:
    """Past its response deadline, still open, and nothing reported yet: the team has
    not told us it went (dengue: 48 h)."""
    return status in ("suggested", "active") and reports == 0 and \
        response_deadline_at is not None and response_deadline_at < now_us  # fmt: skip


def next_focus_status(current: str, move: str) -> str:
    if move not in FOCUS_MOVES:
        raise InvalidRequest("Thao tác là confirm, reject hoặc close / The action is confirm, "
                             "reject or close", expression=["action"])  # fmt: skip
    before, after = FOCUS_MOVES[move]
    if current != before:
        raise Conflict(f"Ổ dịch đang ở trạng thái {current} / The focus is {current}")
    return after


def check_report_text(text: object, new_cases: object) -> tuple[str, int]:
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_REPORT_CHARS:
        raise InvalidRequest(f"Báo cáo là văn bản từ 1 đến {MAX_REPORT_CHARS} ký tự / The "
                             f"report is text of 1 to {MAX_REPORT_CHARS} characters",
                             expression=["text"])  # fmt: skip
    whole = isinstance(new_cases, int) and not isinstance(new_cases, bool)
    if not whole or not 0 <= new_cases <= 100_000:  # type: ignore[operator]
        raise InvalidRequest("Số ca mới là số nguyên không âm / new_cases is a whole number "
                             "from 0", expression=["new_cases"])  # fmt: skip
    return text.strip(), new_cases
