"""Enrolment rules and cohort criteria: versioned data evaluated over one resident's
record (`hoso.programmes.framework.Record`) on a given day.

A rule is JSON: `{"code", "version", "name": {vi, en}, "source", "all": [...],
"any": [...], "none": [...]}` — the resident matches when every `all` criterion holds,
at least one `any` criterion holds (if there are any) and no `none` criterion holds.
A criterion is one of:

- `{"age": {"min": 60, "max": null}}` — completed years on the day;
- `{"sex": "female"}` — Patient.gender;
- `{"condition": {"icd10": ["I10-I15", "E11"], "within_days": null}}` — an active (or
  status-less) Condition with an ICD-10 code in one of the ranges (a 3-character code
  or range covers its subcodes: `I10-I15` is I10…I15.x); optionally recorded (onset or
  recordedDate) within the last N days; `"any_status": true` also counts resolved ones;
- `{"observation": {"code": "http://loinc.org|8480-6", "min": 140, "max": null,
  "count": 1, "within_days": 365}}` — at least `count` final Observations with that code
  (also as a component) and a value in [min, max], in the last N days; with
  `"value_code": "http://loinc.org|LA15173-0"` instead of min/max, a coded answer
  (valueCodeableConcept) — e.g. pregnancy status "Pregnant", which FHIRPath would say
  at ~8 ms a record (measured, docs/programmes-cohorts-reports.md);
- `{"measure": {"programme": "immunisation", "name": "up_to_date", "equals": false}}`
  — a measure another programme's assessment produced (`Assessment.measures`);
- `{"fhirpath": "…"}` — a FHIRPath expression (fhirpathpy) over a Bundle of the
  record, with `%asOf` the day (`YYYY-MM-DD`); true when it yields a single true.

The structured criteria are what a FHIR search would say (`Patient?birthdate=le…`,
`Condition?code:below=…`, `Observation?code=…&value-quantity=ge140`) evaluated in
memory, because a city's recompute evaluates them millions of times: fhirpathpy takes
about 0.6 ms per expression on a small record (measured; docs/programmes.md), the
structured form microseconds. FHIRPath stays for what the structured form cannot say.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hoso.core.errors import InvalidRequest
from hoso.programmes.framework import Record
from hoso.programmes.quantities import as_number

__all__ = ["ICD10", "Rule", "RuleError", "parse_rule"]

ICD10 = "http://hl7.org/fhir/sid/icd-10"
_ICD_SYSTEMS = (ICD10, "http://hl7.org/fhir/sid/icd-10-vn", "urn:oid:2.16.840.1.113883.6.3")
_RANGE = re.compile(r"^([A-Z])(\d{2})(?:\.\d{1,2})?(?:-([A-Z])(\d{2}))?$")
_CODE = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
_KINDS = ("age", "sex", "condition", "observation", "measure", "fhirpath")
Measures = Mapping[str, Mapping[str, Any]]  # programme → its measures for this resident


class RuleError(InvalidRequest):
    """A rule document that cannot be used; the message names the field."""


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    version: str
    name: Mapping[str, str]
    source: str
    all: tuple[Callable[[Record, date, Measures], bool], ...]
    any: tuple[Callable[[Record, date, Measures], bool], ...]
    none: tuple[Callable[[Record, date, Measures], bool], ...]
    document: Mapping[str, Any] = field(default_factory=dict)

    def matches(self, record: Record, day: date, measures: Measures | None = None) -> bool:
        seen = measures or {}
        if not all(c(record, day, seen) for c in self.all):
            return False
        if self.any and not any(c(record, day, seen) for c in self.any):
            return False
        return not any(c(record, day, seen) for c in self.none)

    @property
    def needs_measures(self) -> tuple[str, ...]:
        """The programmes whose measures this rule reads (they are assessed first)."""
        found = []
        for key in ("all", "any", "none"):
            for c in self.document.get(key) or []:
                if "measure" in c:
                    found.append(str(c["measure"]["programme"]))
        return tuple(dict.fromkeys(found))


def parse_rule(document: Any) -> Rule:
    if not isinstance(document, dict):
        raise RuleError("Quy tắc phải là một đối tượng JSON / a rule must be a JSON object")
    code, version = document.get("code"), document.get("version")
    if not isinstance(code, str) or not _CODE.match(code):
        raise RuleError("code: chữ thường, số, gạch nối / lowercase letters, digits, hyphens")
    if not isinstance(version, str) or not version.strip():
        raise RuleError("version: bắt buộc / required")
    name = document.get("name")
    if not (isinstance(name, dict) and isinstance(name.get("vi"), str)):
        raise RuleError("name.vi: bắt buộc / required")
    parts = {k: tuple(_criterion(c, f"{k}[{i}]") for i, c in enumerate(_list(document, k)))
             for k in ("all", "any", "none")}  # fmt: skip
    if not parts["all"] and not parts["any"]:
        raise RuleError("all/any: cần ít nhất một tiêu chí / at least one criterion")
    return Rule(code, version, name, str(document.get("source") or ""), parts["all"],
                parts["any"], parts["none"], document)  # fmt: skip


def _list(document: Mapping[str, Any], key: str) -> list[Any]:
    value = document.get(key) or []
    if not isinstance(value, list) or len(value) > 50:
        raise RuleError(f"{key}: một danh sách (≤ 50) / a list (at most 50)")
    return value


def _criterion(c: Any, where: str) -> Callable[[Record, date, Measures], bool]:
    if not isinstance(c, dict) or len(c) != 1 or next(iter(c)) not in _KINDS:
        raise RuleError(f"{where}: một trong / one of {', '.join(_KINDS)}")
    kind, spec = next(iter(c.items()))
    return {"age": _age, "sex": _sex, "condition": _condition, "observation": _observation,
            "measure": _measure, "fhirpath": _fhirpath}[kind](spec, f"{where}.{kind}")  # fmt: skip


def _number(spec: Mapping[str, Any], key: str, where: str) -> float | None:
    value = spec.get(key)
    if isinstance(value, Decimal) and value.is_finite():  # hoso.core.jsonx reads 6.5 so
        return float(value)  # (packaged_rules): a threshold like HbA1c ≥ 6.5 % is one
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise RuleError(f"{where}.{key}: một số / a number")
    return value


def _age(spec: Any, where: str) -> Callable[[Record, date, Measures], bool]:
    if not isinstance(spec, dict):
        raise RuleError(f"{where}: {{min, max}}")
    low, high = _number(spec, "min", where), _number(spec, "max", where)

    def check(record: Record, day: date, _m: Measures) -> bool:
        age = record.age_on(day)
        return age is not None and (low is None or age >= low) and (high is None or age <= high)

    return check


def _sex(spec: Any, where: str) -> Callable[[Record, date, Measures], bool]:
    if spec not in ("male", "female", "other", "unknown"):
        raise RuleError(f"{where}: male | female | other | unknown")
    return lambda record, _d, _m: record.sex == spec


def icd10_ranges(ranges: Any, where: str) -> tuple[tuple[str, str], ...]:
    """["I10-I15", "E11"] → (("I10", "I15"), ("E11", "E11")), checked."""
    if not isinstance(ranges, list) or not ranges:
        raise RuleError(f"{where}: danh sách mã ICD-10 / a list of ICD-10 codes")
    found = []
    for text in ranges:
        m = _RANGE.match(text) if isinstance(text, str) else None
        if not m:
            raise RuleError(f"{where}: mã ICD-10 không hợp lệ / invalid ICD-10 code {text!r}")
        low = f"{m.group(1)}{m.group(2)}"
        found.append((low, f"{m.group(3)}{m.group(4)}" if m.group(3) else low))
    return tuple(found)


def icd10_of(resource: Mapping[str, Any]) -> list[str]:
    codes = []
    for coding in (resource.get("code") or {}).get("coding") or []:
        if isinstance(coding, dict) and coding.get("system") in _ICD_SYSTEMS:
            codes.append(str(coding.get("code") or "").upper())
    return codes


def in_ranges(code: str, ranges: Sequence[tuple[str, str]]) -> bool:
    head = code[:3]
    return any(low <= head <= high for low, high in ranges)


def _active(condition: Mapping[str, Any]) -> bool:
    status = condition.get("clinicalStatus") or {}
    codes = {c.get("code") for c in status.get("coding") or [] if isinstance(c, dict)}
    if codes & {"inactive", "resolved", "remission"}:
        return False
    verification = condition.get("verificationStatus") or {}
    vcodes = {c.get("code") for c in verification.get("coding") or [] if isinstance(c, dict)}
    return not vcodes & {"refuted", "entered-in-error"}


def recorded_day(resource: Mapping[str, Any]) -> date | None:
    for key in ("effectiveDateTime", "recordedDate", "onsetDateTime", "occurrenceDateTime",
                "authored", "issued"):  # fmt: skip
        value = resource.get(key)
        if isinstance(value, str) and len(value) >= 10:
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                return None
    period = resource.get("effectivePeriod") or {}
    return recorded_day({"issued": period.get("start")}) if period.get("start") else None


def _condition(spec: Any, where: str) -> Callable[[Record, date, Measures], bool]:
    if not isinstance(spec, dict):
        raise RuleError(f"{where}: {{icd10: [...]}}")
    ranges = icd10_ranges(spec.get("icd10"), f"{where}.icd10")
    days = _number(spec, "within_days", where)
    any_status = bool(spec.get("any_status"))

    def check(record: Record, day: date, _m: Measures) -> bool:
        for c in record.of("Condition"):
            if not (any_status or _active(c)):
                continue
            if not any(in_ranges(code, ranges) for code in icd10_of(c)):
                continue
            when = recorded_day(c)
            if days is None or (when is not None and day - timedelta(days=days) <= when <= day):
                return True
        return False

    return check


def observation_values(resource: Mapping[str, Any], system: str, code: str) -> list[float]:
    """The numeric values of `system|code` in an Observation, itself or a component."""
    values = []
    for part in [resource, *(resource.get("component") or [])]:
        codings = (part.get("code") or {}).get("coding") or []
        if any(c.get("system") == system and c.get("code") == code for c in codings
               if isinstance(c, dict)):  # fmt: skip
            quantity = part.get("valueQuantity") or {}
            value = as_number(quantity.get("value", part.get("valueInteger")))
            if value is not None:  # a Decimal from the store (jsonx) is a number too
                values.append(value)
    return values


def observation_codes(resource: Mapping[str, Any], system: str, code: str) -> set[str]:
    """The coded answers ('system|code') of `system|code` in an Observation, itself or
    a component (valueCodeableConcept)."""
    found = set()
    for part in [resource, *(resource.get("component") or [])]:
        codings = (part.get("code") or {}).get("coding") or []
        if any(c.get("system") == system and c.get("code") == code for c in codings
               if isinstance(c, dict)):  # fmt: skip
            for c in (part.get("valueCodeableConcept") or {}).get("coding") or []:
                if isinstance(c, dict):
                    found.add(f"{c.get('system')}|{c.get('code')}")
    return found


def _observation(spec: Any, where: str) -> Callable[[Record, date, Measures], bool]:
    if not isinstance(spec, dict) or not isinstance(spec.get("code"), str) \
            or "|" not in spec["code"]:  # fmt: skip
        raise RuleError(f"{where}.code: 'system|code'")
    system, code = spec["code"].split("|", 1)
    low, high = _number(spec, "min", where), _number(spec, "max", where)
    count = int(_number(spec, "count", where) or 1)
    days = _number(spec, "within_days", where)
    wanted = spec.get("value_code")  # a coded answer instead of a number (cohorts)
    if wanted is not None and (not isinstance(wanted, str) or "|" not in wanted):
        raise RuleError(f"{where}.value_code: 'system|code'")

    def holds(o: Mapping[str, Any]) -> bool:
        if wanted is not None:
            return wanted in observation_codes(o, system, code)
        return any((low is None or v >= low) and (high is None or v <= high)
                   for v in observation_values(o, system, code))  # fmt: skip

    def check(record: Record, day: date, _m: Measures) -> bool:
        hits = 0
        for o in record.of("Observation"):
            if o.get("status") not in ("final", "amended", "corrected"):
                continue
            # the code and value first: most Observations are of other codes, and the
            # date is the costlier test (measured: rules 2-3x faster on synthetic records)
            if not holds(o):
                continue
            when = recorded_day(o)
            if days is not None and (when is None or not day - timedelta(days=days) <= when <= day):
                continue
            hits += 1
        return hits >= count

    return check


def _measure(spec: Any, where: str) -> Callable[[Record, date, Measures], bool]:
    if not isinstance(spec, dict) or not all(isinstance(spec.get(k), str)
                                             for k in ("programme", "name")):  # fmt: skip
        raise RuleError(f"{where}: {{programme, name, equals}}")
    programme, name, wanted = spec["programme"], spec["name"], spec.get("equals", True)
    return lambda _r, _d, measures: (measures.get(programme) or {}).get(name) == wanted


def _fhirpath(spec: Any, where: str) -> Callable[[Record, date, Measures], bool]:
    import fhirpathpy
    from fhirpathpy.models import models

    if not isinstance(spec, str) or not spec.strip() or len(spec) > 2000:
        raise RuleError(f"{where}: một biểu thức FHIRPath / a FHIRPath expression")
    try:
        compiled = fhirpathpy.compile(spec, models["r4"])
    except Exception as exc:  # fhirpathpy raises bare Exceptions for syntax errors
        raise RuleError(f"{where}: FHIRPath không hợp lệ / invalid FHIRPath ({exc})") from None

    def check(record: Record, day: date, _m: Measures) -> bool:
        entries = [{"resource": dict(record.patient)}]
        entries += [{"resource": dict(r)} for rs in record.resources.values() for r in rs]
        try:
            result = compiled({"resourceType": "Bundle", "type": "collection",
                               "entry": entries}, {"asOf": day.isoformat()})  # fmt: skip
        except Exception:  # an expression that fails on this record does not match it
            return False
        return result == [True]

    return check
