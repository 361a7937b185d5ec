"""The programmes the framework runs, in the order they are assessed (a rule that reads
another programme's measures comes after it), and their packaged enrolment rules.
Each programme package adds its one line here."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from hoso.core import jsonx
from hoso.programmes.chronic import DIABETES, HYPERTENSION
from hoso.programmes.elderly import ELDERLY
from hoso.programmes.eyes.programme import SCHOOL_EYE
from hoso.programmes.framework import Programme
from hoso.programmes.immunisation.programme import PROGRAMME as IMMUNISATION
from hoso.programmes.rules import Rule, parse_rule

__all__ = ["PROGRAMMES", "packaged_rules", "programme"]

PROGRAMMES: tuple[Programme, ...] = (
    IMMUNISATION,  # first: the cohorts' "children not up to date" read its measures
    ELDERLY,
    HYPERTENSION,
    DIABETES,
    SCHOOL_EYE,  # school eye health (refractive error), issue 19 point 3
)


def programme(code: str) -> Programme | None:
    return next((p for p in PROGRAMMES if p.code == code), None)


@functools.cache
def packaged_rules() -> dict[str, Rule]:
    """Every rule shipped in `data/rules/*.json`, by code."""
    folder = resources.files("hoso.programmes") / "data" / "rules"
    found: dict[str, Rule] = {}
    if not folder.is_dir():
        return found
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            document: Any = jsonx.loads(entry.read_text(encoding="utf-8"))
            rule = parse_rule(document)
            found[rule.code] = rule
    return found
