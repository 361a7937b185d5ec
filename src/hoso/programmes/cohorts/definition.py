"""A cohort definition: a rule document of `hoso.programmes.rules` (the same parser, the
same criteria) plus `restricted` — a cohort of sensitive conditions (TB, HIV) whose
members are never listed and whose small counts are suppressed.

The shipped cohorts are data (`programmes/data/cohorts/*.json`, each with its `source`);
an officer adds a cohort or a new version of one through the API, stored beside them
(`hoso.store.programme_cohorts`). A version is never changed once stored: the daily
snapshots name the version they were computed with, so a day's counts can be asked
again and come out the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from hoso.programmes.rules import Rule, RuleError, parse_rule

__all__ = ["MAX_DOCUMENT_CHARS", "Cohort", "parse_cohort", "shipped_cohorts"]

MAX_DOCUMENT_CHARS = 32_000  # a rule of 50 criteria with FHIRPath fits many times over
_DATA = "hoso.programmes.data"
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,31}")


@dataclass(frozen=True, slots=True)
class Cohort:
    rule: Rule
    restricted: bool

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def version(self) -> str:
        return self.rule.version

    @property
    def name(self) -> Mapping[str, str]:
        return self.rule.name

    @property
    def document(self) -> Mapping[str, Any]:
        return self.rule.document


def parse_cohort(document: Any) -> Cohort:
    """A cohort from its JSON document, or RuleError naming the field (bilingual)."""
    rule = parse_rule(document)
    restricted = document.get("restricted", False)
    if not isinstance(restricted, bool):
        raise RuleError("restricted: true | false")
    if not _VERSION.fullmatch(rule.version):
        # Also what keeps a version harmless in the campaign CSV (no "=…" formula).
        raise RuleError("version: 1–32 chữ, số, '.', '-', '_' / 1–32 letters, digits, "
                        "'.', '-', '_'")  # fmt: skip
    if len(json.dumps(document, ensure_ascii=False)) > MAX_DOCUMENT_CHARS:
        raise RuleError(f"Quy tắc quá dài (> {MAX_DOCUMENT_CHARS} ký tự) / rule too long")
    _try_fhirpath(document)
    return Cohort(rule, restricted)


def _try_fhirpath(document: Mapping[str, Any]) -> None:
    """Evaluate each FHIRPath criterion once on an empty Bundle: fhirpathpy compiles
    lazily (`compile("((")` succeeds), so a syntax error would otherwise surface only
    as a criterion that never matches anyone."""
    import fhirpathpy
    from fhirpathpy.models import models

    for key in ("all", "any", "none"):
        for i, criterion in enumerate(document.get(key) or []):
            if "fhirpath" not in criterion:
                continue
            try:
                fhirpathpy.compile(criterion["fhirpath"], models["r4"])(
                    {"resourceType": "Bundle", "type": "collection"}, {"asOf": "2000-01-01"}
                )
            except Exception:  # fhirpathpy raises bare Exceptions, KeyError, IndexError
                raise RuleError(f"{key}[{i}].fhirpath: FHIRPath không hợp lệ / invalid "
                                "FHIRPath") from None  # fmt: skip


@cache
def shipped_cohorts() -> tuple[Cohort, ...]:
    """The cohorts shipped as data, by code."""
    folder = resources.files(_DATA).joinpath("cohorts")
    found = [parse_cohort(json.loads(entry.read_text(encoding="utf-8")))
             for entry in folder.iterdir() if entry.name.endswith(".json")]  # fmt: skip
    return tuple(sorted(found, key=lambda c: c.code))
