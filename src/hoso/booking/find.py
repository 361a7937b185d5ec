"""`Appointment/$find` (IHE ITI-115, Find Potential Appointments): the parameters as IHE
names them, and the ranking of what the seats table offers.

Options are the earliest free Slot of each facility and service in the window; they are
ranked by a score of waiting time and distance from the resident's ward (an hour of
waiting weighs as much as `KM_PER_HOUR` km of travel: HOUSE, a city resident crosses
about that much in the time), nearest first on a tie. Without a ward, by time alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hoso.booking.model import Option
from hoso.core.errors import InvalidRequest

__all__ = ["FindQuery", "parse_find", "rank_options"]

KM_PER_HOUR = 2.0
MAX_WINDOW_DAYS = 62
MAX_COUNT = 100
Distance = Callable[[str | None, str | None], float | None]


@dataclass(frozen=True, slots=True)
class FindQuery:
    start_us: int
    end_us: int
    service_types: tuple[str, ...] = ()
    facilities: tuple[str, ...] = ()
    service_points: tuple[str, ...] = ()
    patient_id: str | None = None
    referral: str | None = None
    insurance: str | None = None
    count: int = 10
    ignored: tuple[str, ...] = field(default=())


def _instant(name: str, value: str) -> int:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise InvalidRequest(
            f"Tham số {name} phải là thời điểm ISO 8601 (vd. 2026-12-08T07:00:00+07:00) / "
            f"{name} must be an ISO 8601 instant", expression=[name]) from None  # fmt: skip
    if moment.tzinfo is None:
        raise InvalidRequest(f"Tham số {name} cần múi giờ (+07:00) / {name} needs an offset",
                             expression=[name])  # fmt: skip
    return int(moment.timestamp() * 1_000_000)


def _reference(name: str, value: object, kind: str) -> str:
    text = value.get("reference") if isinstance(value, dict) else value
    valid = isinstance(text, str) and text.startswith(f"{kind}/")
    if not valid or not 0 < len(str(text)) - len(kind) - 1 <= 64:
        raise InvalidRequest(f"Tham số {name} phải là tham chiếu {kind}/<id> / {name} must be "
                             f"a {kind}/<id> reference", expression=[name])  # fmt: skip
    return str(text).split("/", 1)[1]


def _codes(values: Sequence[object]) -> tuple[str, ...]:
    codes = []
    for value in values:
        if isinstance(value, dict):  # a Coding or CodeableConcept
            codings = value.get("coding") or [value]
            codes += [str(c.get("code")) for c in codings if isinstance(c, dict) and c.get("code")]
        elif isinstance(value, str):
            codes += [v.split("|")[-1] for v in value.split(",") if v.strip()]
    return tuple(c[:64] for c in codes)


def parse_find(params: dict[str, list[object]]) -> FindQuery:
    """The IHE parameters: `start`, `end` (required), `specialty`/`visit-type` (service
    codes), `practitioner` (not used to narrow here: Schedules are per service point),
    `location-reference`, `organization` (facility code), `patient-reference`,
    `referral-identifier`, `insurance-reference`, `_count`."""
    def one(name: str) -> object | None:
        values = params.get(name) or []
        if len(values) > 1:
            raise InvalidRequest(f"Tham số {name} chỉ được có một giá trị / {name} may appear "
                                 "once", expression=[name])  # fmt: skip
        return values[0] if values else None

    start, end = one("start"), one("end")
    if not isinstance(start, str) or not isinstance(end, str):
        raise InvalidRequest("Cần start và end / start and end are required",
                             expression=["start", "end"])  # fmt: skip
    start_us, end_us = _instant("start", start), _instant("end", end)
    if not start_us < end_us <= start_us + MAX_WINDOW_DAYS * 86_400_000_000:
        raise InvalidRequest(f"Khoảng thời gian phải dương và tối đa {MAX_WINDOW_DAYS} ngày / "
                             f"the window must be positive and at most {MAX_WINDOW_DAYS} days",
                             expression=["end"])  # fmt: skip
    count = one("_count")
    try:
        n = 10 if count is None else int(str(count))
    except ValueError:
        n = -1
    if not 1 <= n <= MAX_COUNT:
        raise InvalidRequest(f"_count phải từ 1 đến {MAX_COUNT} / _count must be 1–{MAX_COUNT}",
                             expression=["_count"])  # fmt: skip
    patient = one("patient-reference")
    location = params.get("location-reference") or []
    referral, insurance = one("referral-identifier"), one("insurance-reference")
    return FindQuery(
        start_us, end_us,
        service_types=_codes([*(params.get("specialty") or []), *(params.get("visit-type") or [])]),
        facilities=tuple(str(v)[:16] for v in params.get("organization") or []),
        service_points=tuple(_reference("location-reference", v, "Location") for v in location),
        patient_id=_reference("patient-reference", patient, "Patient") if patient else None,
        referral=str(referral)[:64] if referral else None,
        insurance=_reference("insurance-reference", insurance, "Coverage") if insurance else None,
        count=n,
    )  # fmt: skip


def rank_options(options: Sequence[Option], now_us: int, count: int) -> list[Option]:
    """Best first: waiting hours plus distance (as hours), then the start, then the slot."""
    def score(o: Option) -> tuple[float, int, str]:
        hours = max(0, o.start_us - now_us) / 3_600_000_000
        km = o.distance_km if o.distance_km is not None else 0.0
        return hours + km / KM_PER_HOUR, o.start_us, o.slot_id

    return sorted(options, key=score)[:count]
