"""Disease definitions: what makes a case of a disease, decided at run time, not in code.

A definition is a JSON document (format in docs/publichealth.md; the shipped ones in
`hoso/publichealth/data/diseases/`), added by an officer (`POST
/api/publichealth/diseases`, `hoso disease add FILE`) and kept in every version: a case
names the version that classified it. `parse_definition` refuses a malformed document
whole, naming the first bad field, so a typo cannot silently stop cases of a disease
from being made.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["CLASSIFICATIONS", "DEADLINES", "DefinitionError", "DiseaseDefinition", "LabTrigger",
           "Severity", "packaged_definitions", "parse_definition"]  # fmt: skip

CLASSIFICATIONS = ("suspected", "probable", "confirmed", "discarded")
# Report deadlines by the notification rule: hours from diagnosis to the report.
DEADLINES = {"24h": 24, "48h": 48, "weekly": 7 * 24}
GROUPS = ("A", "B", "C")
METHODS = ("farrington", "noufaily", "ears-c1", "ears-c2", "ears-c3", "four-week")
_CODE = re.compile(r"^[a-z][a-z0-9-]{1,63}$")
_ICD10 = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")


class DefinitionError(ValueError):
    """A malformed definition; the message names the field."""


@dataclass(frozen=True, slots=True)
class LabTrigger:
    system: str
    code: str


@dataclass(frozen=True, slots=True)
class Severity:
    code: str
    vi: str
    en: str
    icd10: tuple[str, ...]  # codes that mean this grade when diagnosed (prefixes)
    rank: int  # higher is more severe


@dataclass(frozen=True, slots=True)
class DiseaseDefinition:
    code: str
    name_vi: str
    name_en: str
    group: str  # notifiable group A/B/C
    report_deadline: str  # 24h | 48h | weekly
    icd10: tuple[str, ...]  # code prefixes that trigger a case ("A97" matches A97.1)
    labs: tuple[LabTrigger, ...]  # lab codes whose positive result triggers a case
    classifications: dict[str, dict[str, str]]  # key → {"vi", "en", "criteria_vi", …}
    from_diagnosis: str  # the classification a diagnosis alone gives
    severities: tuple[Severity, ...]
    episode_days: int  # evidence within this many days joins the same case
    followup_days: int  # contacts' follow-up period
    visit_every_days: int
    serial_interval: tuple[float, float] | None  # (mean, sd) in days, for R_t
    detection_method: str
    detection_controls: dict[str, Any]  # the method's R controls (docs/outbreak-detection.md)
    focus_cases: int  # a focus is suggested when this many cases …
    focus_days: int  # … fall in one ward within this many days
    response_hours: int  # a focus's response deadline
    sources: tuple[dict[str, str], ...]
    enabled: bool
    document: dict[str, Any]  # the JSON it was read from, kept as given

    @property
    def deadline_hours(self) -> int:
        return DEADLINES[self.report_deadline]

    def matches_icd10(self, code: str) -> bool:
        return any(code == p or code.startswith(p + ".") or (len(p) == 3 and code.startswith(p))
                   for p in self.icd10)  # fmt: skip

    def severity_of(self, code: str) -> Severity | None:
        found = [s for s in self.severities
                 if any(code == p or code.startswith(p + ".") for p in s.icd10)]  # fmt: skip
        return max(found, key=lambda s: s.rank) if found else None


def parse_definition(document: Any) -> DiseaseDefinition:
    if not isinstance(document, dict):
        raise DefinitionError("định nghĩa phải là đối tượng JSON / a definition is a JSON object")
    r = _Reader(document)
    code = r.text("code")
    if not _CODE.match(code):
        raise DefinitionError("code: chữ thường, số, gạch nối / lowercase letters, digits, hyphens")
    classes = _classifications(r)
    detection = r.obj("detection")
    method = _Reader(detection, "detection").text("method")
    if method not in METHODS:
        raise DefinitionError(f"detection.method: một trong / one of {', '.join(METHODS)}")
    si = _serial_interval(r)
    return DiseaseDefinition(
        code=code, name_vi=_Reader(r.obj("name"), "name").text("vi"),
        name_en=_Reader(r.obj("name"), "name").text("en"),
        group=r.choice("group", GROUPS), report_deadline=r.choice("report_deadline", DEADLINES),
        icd10=_icd10(r), labs=_labs(r), classifications=classes,
        from_diagnosis=r.choice("from_diagnosis", CLASSIFICATIONS[:3]),
        severities=_severities(r), episode_days=r.integer("episode_days", 1, 3650),
        followup_days=_Reader(r.obj("followup"), "followup").integer("days", 0, 3650),
        visit_every_days=_Reader(r.obj("followup"), "followup").integer("visit_every_days", 1, 365),
        serial_interval=si, detection_method=method,
        detection_controls=dict(detection.get("controls") or {}),
        focus_cases=_Reader(r.obj("focus"), "focus").integer("cases", 1, 10_000),
        focus_days=_Reader(r.obj("focus"), "focus").integer("days", 1, 365),
        response_hours=_Reader(r.obj("focus"), "focus").integer("response_hours", 1, 24 * 60),
        sources=_sources(r), enabled=bool(document.get("enabled", True)), document=document,
    )  # fmt: skip


class _Reader:
    def __init__(self, doc: dict[str, Any], path: str = "") -> None:
        self.doc, self.path = doc, path

    def _name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def text(self, key: str) -> str:
        value = self.doc.get(key)
        if not isinstance(value, str) or not value.strip() or len(value) > 500:
            raise DefinitionError(f"{self._name(key)}: thiếu hoặc sai / missing or not a text")
        return value.strip()

    def choice(self, key: str, allowed: Any) -> str:
        value = self.text(key)
        if value not in allowed:
            raise DefinitionError(f"{self._name(key)}: một trong / one of {', '.join(allowed)}")
        return value

    def integer(self, key: str, low: int, high: int) -> int:
        value = self.doc.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise DefinitionError(f"{self._name(key)}: số nguyên {low}–{high} / an integer "
                                  f"{low}–{high}")  # fmt: skip
        return value

    def obj(self, key: str) -> dict[str, Any]:
        value = self.doc.get(key)
        if not isinstance(value, dict):
            raise DefinitionError(f"{self._name(key)}: thiếu đối tượng / missing object")
        return value

    def items(self, key: str, *, required: bool = True) -> list[Any]:
        value = self.doc.get(key, None if required else [])
        if not isinstance(value, list) or len(value) > 500:
            raise DefinitionError(f"{self._name(key)}: thiếu danh sách / missing list")
        return value


def _icd10(r: _Reader) -> tuple[str, ...]:
    codes = r.items("icd10")
    for i, code in enumerate(codes):
        if not isinstance(code, str) or not _ICD10.match(code):
            raise DefinitionError(f"icd10[{i}]: mã ICD-10 sai / not an ICD-10 code")
    return tuple(codes)


def _labs(r: _Reader) -> tuple[LabTrigger, ...]:
    found = []
    for i, lab in enumerate(r.items("labs", required=False)):
        item = _Reader(lab if isinstance(lab, dict) else {}, f"labs[{i}]")
        found.append(LabTrigger(item.text("system"), item.text("code")))
    if not found and not r.doc.get("icd10"):
        raise DefinitionError("icd10, labs: cần ít nhất một mã / at least one trigger code")
    return tuple(found)


def _classifications(r: _Reader) -> dict[str, dict[str, str]]:
    given = r.obj("classifications")
    out: dict[str, dict[str, str]] = {}
    for key in CLASSIFICATIONS:
        item = _Reader(given.get(key) if isinstance(given.get(key), dict) else {},
                       f"classifications.{key}")  # fmt: skip
        out[key] = {"vi": item.text("vi"), "en": item.text("en"),
                    "criteria_vi": item.text("criteria_vi"),
                    "criteria_en": item.text("criteria_en")}  # fmt: skip
    return out


def _severities(r: _Reader) -> tuple[Severity, ...]:
    found = []
    for i, s in enumerate(r.items("severity", required=False)):
        item = _Reader(s if isinstance(s, dict) else {}, f"severity[{i}]")
        codes = item.items("icd10", required=False)
        if not all(isinstance(c, str) and _ICD10.match(c) for c in codes):
            raise DefinitionError(f"severity[{i}].icd10: mã ICD-10 sai / not ICD-10 codes")
        found.append(Severity(item.text("code"), item.text("vi"), item.text("en"),
                              tuple(codes), item.integer("rank", 0, 100)))  # fmt: skip
    if len({s.code for s in found}) != len(found):
        raise DefinitionError("severity: mã trùng / duplicate codes")
    return tuple(found)


def _serial_interval(r: _Reader) -> tuple[float, float] | None:
    si = r.doc.get("serial_interval")
    if si is None:
        return None  # no established value (rabies, TB): no R_t for the disease
    ok = isinstance(si, dict) and all(
        isinstance(si.get(k), int | float) and not isinstance(si.get(k), bool) and si[k] > 0
        for k in ("mean", "sd"))  # fmt: skip
    if not ok or si["mean"] > 365 or si["sd"] > 365:
        raise DefinitionError("serial_interval: mean, sd > 0 (ngày / days)")
    return float(si["mean"]), float(si["sd"])


def _sources(r: _Reader) -> tuple[dict[str, str], ...]:
    found = []
    for i, s in enumerate(r.items("sources")):
        item = _Reader(s if isinstance(s, dict) else {}, f"sources[{i}]")
        entry = {"title": item.text("title")}
        if isinstance(s.get("url"), str):
            entry["url"] = s["url"]
        if isinstance(s.get("note"), str):
            entry["note"] = s["note"]
        found.append(entry)
    if not found:
        raise DefinitionError("sources: cần ít nhất một nguồn / cite at least one source")
    return tuple(found)


@cache
def packaged_definitions() -> tuple[DiseaseDefinition, ...]:
    """The definitions shipped with Hồ Sơ (loaded into a new database by
    `hoso disease seed`, and by the demo)."""
    folder = resources.files("hoso.publichealth") / "data" / "diseases"
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            found.append(parse_definition(json.loads(entry.read_text(encoding="utf-8"))))
    return tuple(found)
