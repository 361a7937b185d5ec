"""What the daily job needs to know of each disease (`DiseaseRule`), behind a Protocol,
answered by the disease definitions in force (`DefinitionRules`; ph_disease): the
detection methods with their controls, the focus rule, the serial interval."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from hoso.publichealth.definitions import DiseaseDefinition, parse_definition

__all__ = ["CITY_VIEW", "DefinitionRules", "DetectionMethod", "DiseaseCatalogue", "DiseaseRule",
           "rule_of", "stored_rules"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class DetectionMethod:
    method: str  # "four-week"; "farrington", "noufaily", "ears-c1"… when merged
    params: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DiseaseRule:
    code: str
    name_vi: str
    name_en: str
    methods: tuple[DetectionMethod, ...]
    focus_cases: int  # a focus is suggested when N cases …
    focus_days: int  # … fall in one ward within T days
    response_hours: int  # a focus's response deadline
    serial_interval: tuple[float, float] | None = None  # mean, sd in days (for R_t)


class DiseaseCatalogue(Protocol):
    def enabled(self) -> Sequence[DiseaseRule]: ...
    def rule(self, code: str) -> DiseaseRule | None: ...


CITY_VIEW = DetectionMethod("four-week", {"threshold_percent": 150.0, "min_count": 3})


class DefinitionRules:
    """The daily job's rules from the disease definitions in force
    (`hoso.publichealth.definitions`): each enabled disease with its definition's
    method and controls, then the city's simple view, its focus rule and its serial
    interval."""

    def __init__(self, definitions: Iterable[DiseaseDefinition]) -> None:
        self._rules = {d.code: rule_of(d) for d in definitions if d.enabled}

    def enabled(self) -> Sequence[DiseaseRule]:
        return list(self._rules.values())

    def rule(self, code: str) -> DiseaseRule | None:
        return self._rules.get(code)


def rule_of(d: DiseaseDefinition) -> DiseaseRule:
    methods = [DetectionMethod(d.detection_method, dict(d.detection_controls))]
    if d.detection_method != CITY_VIEW.method:
        methods.append(CITY_VIEW)
    return DiseaseRule(d.code, d.name_vi, d.name_en, tuple(methods), d.focus_cases,
                       d.focus_days, d.response_hours, d.serial_interval)  # fmt: skip


def stored_rules(contents: Iterable[str]) -> DefinitionRules:
    """The rules from definitions as the store keeps them (their JSON documents)."""
    return DefinitionRules(parse_definition(json.loads(text)) for text in contents)
