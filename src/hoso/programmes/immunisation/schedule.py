"""The national immunisation schedule as versioned data (DOMAIN-VN.md §6: TT 13/2026
leaves the schedule to guidance, so it lives in files, not code).

Each file in `hoso/programmes/data/tcmr-<version>.json` is one version of the schedule
with the date it takes effect and its sources; `schedule_in_force(on)` picks the
version a date falls under. A malformed file is refused whole, with the path of the
first bad field, so a typo cannot silently drop a dose from every child's plan.
See docs/immunisation.md for the format.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any

__all__ = ["Age", "Dose", "Schedule", "ScheduleError", "Series", "load_schedule",
           "packaged_schedules", "schedule_in_force"]  # fmt: skip

_AGE = re.compile(r"(\d{1,3})([dwmy])")
AFTER_CATCH_UP = ("skip", "stop")


class ScheduleError(ValueError):
    """A schedule (or vaccine table) file that does not follow the format."""

    def __init__(self, origin: str, where: str, problem: str) -> None:
        super().__init__(f"Lịch tiêm chủng không hợp lệ / invalid immunisation schedule "
                         f"{origin}: {where}: {problem}")  # fmt: skip
        self.origin, self.where, self.problem = origin, where, problem


@dataclass(frozen=True, slots=True)
class Age:
    """An age or an interval as the schedule writes it: 0d, 6w, 2m, 7y. Months and
    years are calendar ones (born 31 Jan + 1m = 28/29 Feb), as people count a child's age."""

    count: int
    unit: str

    @classmethod
    def parse(cls, text: str) -> Age:
        match = _AGE.fullmatch(text)
        if match is None:
            raise ValueError(f"{text!r} is not an age like 0d, 6w, 2m or 7y")
        return cls(int(match[1]), match[2])

    def after(self, start: date) -> date:
        if self.unit in "dw":
            return start + timedelta(days=self.count * (7 if self.unit == "w" else 1))
        months = start.month - 1 + self.count * (12 if self.unit == "y" else 1)
        year, month = start.year + months // 12, months % 12 + 1
        if start.day <= 28:  # every month has it (the recompute calls this ~100× a child)
            return date(year, month, start.day)
        return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"


@dataclass(frozen=True, slots=True)
class Dose:
    """One dose of a series. `catch_up_until` is the age after which a missed dose is no
    longer given: then `after_catch_up` says whether the series moves on to the next
    dose ("skip") or ends ("stop", too late for catch-up)."""

    number: int
    min_age: Age
    recommended_age: Age
    latest_age: Age
    min_interval: Age | None = None
    recommended_interval: Age | None = None
    catch_up_until: Age | None = None
    after_catch_up: str | None = None
    label: dict[str, str] | None = None
    given_as: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Series:
    """The doses of one antigen (the antigen, not the product: a combination vaccine
    counts in several series)."""

    antigen: str
    name: dict[str, str]
    doses: tuple[Dose, ...]
    sources: dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Schedule:
    schedule: str
    version: str
    effective_from: date
    title: dict[str, str]
    legal_basis: str
    sources: dict[str, str]
    series: tuple[Series, ...]

    def antigen(self, key: str) -> Series | None:
        return next((s for s in self.series if s.antigen == key), None)


class _Reader:
    """Walks the parsed JSON, raising ScheduleError with the path of what is wrong."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, where: str, problem: str) -> ScheduleError:
        return ScheduleError(self.origin, where, problem)

    def need(self, obj: dict[str, Any], key: str, kind: type, where: str) -> Any:
        if key not in obj:
            raise self.fail(f"{where}.{key}", "missing")
        value = obj[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"{where}.{key}", f"expected {kind.__name__}, got {value!r}")
        return value

    def text_pair(self, obj: dict[str, Any], key: str, where: str) -> dict[str, str]:
        pair = self.need(obj, key, dict, where)
        for lang in ("vi", "en"):
            if not isinstance(pair.get(lang), str) or not pair[lang].strip():
                raise self.fail(f"{where}.{key}.{lang}", "a Vietnamese and an English text")
        return {"vi": pair["vi"], "en": pair["en"]}

    def age(self, obj: dict[str, Any], key: str, where: str, required: bool = True) -> Age | None:
        if not required and obj.get(key) is None:
            return None
        try:
            return Age.parse(self.need(obj, key, str, where))
        except ValueError as error:
            raise self.fail(f"{where}.{key}", str(error)) from None


def _reference_days(age: Age) -> int:
    """Ages compared on one fixed birth date, so 2m < 10w < 3m holds as on a calendar."""
    born = date(2000, 1, 31)
    return (age.after(born) - born).days


def _dose(read: _Reader, raw: Any, number: int, where: str) -> Dose:
    if not isinstance(raw, dict):
        raise read.fail(where, "a dose is an object")
    if read.need(raw, "dose", int, where) != number:
        raise read.fail(f"{where}.dose", f"doses are numbered 1, 2, … in order: expected {number}")
    dose = Dose(
        number=number,
        min_age=read.age(raw, "min_age", where),  # type: ignore[arg-type]
        recommended_age=read.age(raw, "recommended_age", where),  # type: ignore[arg-type]
        latest_age=read.age(raw, "latest_age", where),  # type: ignore[arg-type]
        min_interval=read.age(raw, "min_interval", where, required=False),
        recommended_interval=read.age(raw, "recommended_interval", where, required=False),
        catch_up_until=read.age(raw, "catch_up_until", where, required=False),
        after_catch_up=raw.get("after_catch_up"),
        label=read.text_pair(raw, "label", where) if "label" in raw else None,
        given_as=read.text_pair(raw, "given_as", where) if "given_as" in raw else None,
    )
    _check_dose(read, dose, where)
    return dose


def _check_dose(read: _Reader, dose: Dose, where: str) -> None:
    ages = [("min_age", dose.min_age), ("recommended_age", dose.recommended_age),
            ("latest_age", dose.latest_age)]  # fmt: skip
    if dose.catch_up_until is not None:
        ages.append(("catch_up_until", dose.catch_up_until))
    for (low_name, low), (high_name, high) in pairwise(ages):
        if _reference_days(low) > _reference_days(high):
            raise read.fail(where, f"{low_name} {low} is after {high_name} {high}")
    if dose.number > 1 and dose.min_interval is None:
        raise read.fail(f"{where}.min_interval", "missing: every dose after the first needs one")
    if (dose.catch_up_until is None) != (dose.after_catch_up is None):
        raise read.fail(f"{where}.after_catch_up", "given exactly when catch_up_until is")
    if dose.after_catch_up is not None and dose.after_catch_up not in AFTER_CATCH_UP:
        raise read.fail(f"{where}.after_catch_up", f"one of {AFTER_CATCH_UP}")


def _series(read: _Reader, raw: Any, where: str, source_keys: set[str]) -> Series:
    if not isinstance(raw, dict):
        raise read.fail(where, "an antigen is an object")
    antigen = read.need(raw, "antigen", str, where)
    doses = read.need(raw, "doses", list, where)
    if not doses:
        raise read.fail(f"{where}.doses", "at least one dose")
    sources: dict[str, tuple[str, ...]] = {}
    for topic, keys in read.need(raw, "sources", dict, where).items():
        unknown = [k for k in keys if k not in source_keys] if isinstance(keys, list) else [keys]
        if unknown:
            raise read.fail(f"{where}.sources.{topic}", f"not in the file's sources: {unknown}")
        sources[topic] = tuple(keys)
    return Series(antigen=antigen, name=read.text_pair(raw, "name", where), sources=sources,
                  doses=tuple(_dose(read, d, i, f"{where}.doses[{i - 1}]")
                              for i, d in enumerate(doses, 1)))  # fmt: skip


def load_schedule(raw: str | bytes | dict[str, Any], origin: str = "<schedule>") -> Schedule:
    """One schedule version from its JSON text (or parsed JSON); ScheduleError if malformed."""
    read = _Reader(origin)
    if not isinstance(raw, dict):
        try:
            raw = json.loads(raw)
        except ValueError as error:
            raise read.fail("$", f"not JSON ({error})") from None
        if not isinstance(raw, dict):
            raise read.fail("$", "a schedule is a JSON object")
    try:
        effective = date.fromisoformat(read.need(raw, "effective_from", str, "$"))
    except ValueError:
        raise read.fail("$.effective_from", "a date YYYY-MM-DD") from None
    sources = read.need(raw, "sources", dict, "$")
    if not sources or not all(isinstance(v, str) and v.strip() for v in sources.values()):
        raise read.fail("$.sources", "each source cited with its text")
    series = tuple(_series(read, s, f"$.antigens[{i}]", set(sources))
                   for i, s in enumerate(read.need(raw, "antigens", list, "$")))  # fmt: skip
    keys = [s.antigen for s in series]
    if len(set(keys)) != len(keys):
        raise read.fail("$.antigens", f"an antigen listed twice: {keys}")
    return Schedule(schedule=read.need(raw, "schedule", str, "$"),
                    version=read.need(raw, "version", str, "$"), effective_from=effective,
                    title=read.text_pair(raw, "title", "$"),
                    legal_basis=read.need(raw, "legal_basis", str, "$"),
                    sources=dict(sources), series=series)  # fmt: skip


@cache
def packaged_schedules() -> tuple[Schedule, ...]:
    """Every version shipped in the package, oldest first."""
    folder = resources.files("hoso.programmes").joinpath("data")
    found = [load_schedule(entry.read_text(encoding="utf-8"), entry.name)
             for entry in folder.iterdir() if entry.name.startswith("tcmr-")
             and entry.name.endswith(".json")]  # fmt: skip
    return tuple(sorted(found, key=lambda s: s.effective_from))


def schedule_in_force(on: date, schedules: tuple[Schedule, ...] | None = None) -> Schedule:
    """The version in force on `on`: the latest whose effective date is not after it."""
    versions = sorted(schedules or packaged_schedules(), key=lambda s: s.effective_from)
    in_force = [s for s in versions if s.effective_from <= on]
    if not in_force:
        first = versions[0].effective_from if versions else None
        raise LookupError(f"no immunisation schedule in force on {on} (the first starts {first})")
    return in_force[-1]
