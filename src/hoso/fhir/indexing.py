"""Extraction of search-index values from one resource, run on every write.

For each search parameter of the resource's type we evaluate its FHIRPath expression
(compiled once per type, see `expressions`) and convert the typed results into the
rows of `index_values` (see `index_convert`). The store writes those rows in the same
transaction as the resource.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from hoso.fhir.expressions import Evaluator, compile_expression
from hoso.fhir.index_convert import CONVERTERS, Converter
from hoso.fhir.index_values import IndexValues
from hoso.fhir.searchparams import SearchParam, compartment_params, search_params

__all__ = ["extract_index_values"]


@dataclass(frozen=True, slots=True)
class _Extractor:
    param: SearchParam
    evaluate: Evaluator
    convert: Converter


@dataclass(frozen=True, slots=True)
class _TypePlan:
    extractors: tuple[_Extractor, ...]
    compartment: tuple[str, ...]


@cache
def _plan(resource_type: str) -> _TypePlan | None:
    """Compiled extractors for one type, built on first use and kept for the process."""
    params = search_params(resource_type)
    if not params:
        return None
    extractors = tuple(
        _Extractor(p, compile_expression(p.expression), CONVERTERS[p.type])
        for p in params.values()
        if not p.is_column  # _id and _lastUpdated are resource-table columns
    )
    return _TypePlan(extractors, compartment_params(resource_type))


def _compartment_patients(resource: dict[str, Any], plan: _TypePlan, out: IndexValues) -> list[str]:
    """Patients whose compartment holds the resource, primary first. Only local
    (relative) references count: an absolute URL names a patient on another server."""
    patients: list[str] = []
    if resource.get("resourceType") == "Patient" and isinstance(resource.get("id"), str):
        patients.append(resource["id"])
    for code in plan.compartment:
        for ref in out.references:
            if (
                ref.param == code
                and ref.target_type == "Patient"
                and ref.url is None
                and ref.target_id is not None
            ):
                patients.append(ref.target_id)
    return list(dict.fromkeys(patients))


def extract_index_values(resource: dict[str, Any]) -> IndexValues:
    """All index rows of `resource` (an R4 JSON dict); empty for unsupported types.

    Duplicate rows (a union whose members overlap, a name part repeated in the full
    name) are dropped, keeping first-seen order so output is deterministic.
    """
    out = IndexValues()
    plan = _plan(resource.get("resourceType") or "")
    if plan is None:
        return out
    for extractor in plan.extractors:
        values = extractor.evaluate(resource)
        if values:
            extractor.convert(extractor.param, values, out)
    out.tokens = list(dict.fromkeys(out.tokens))
    out.strings = list(dict.fromkeys(out.strings))
    out.dates = list(dict.fromkeys(out.dates))
    out.references = list(dict.fromkeys(out.references))
    out.quantities = list(dict.fromkeys(out.quantities))
    out.uris = list(dict.fromkeys(out.uris))
    out.compartment_patients = _compartment_patients(resource, plan, out)
    return out
