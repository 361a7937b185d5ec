"""The search-parameter registry: which parameters each supported resource type has.

The table is generated from the official R4 definitions by
`tools/gen_search_parameters.py` into `data/search_parameters.json` and loaded once.
See https://hl7.org/fhir/R4/searchparameter-registry.html.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import orjson

__all__ = [
    "COLUMN_KIND",
    "SearchParam",
    "compartment_params",
    "get_search_param",
    "search_params",
    "supported_types",
]

# `_id` and `_lastUpdated` are columns of the resource table, not index rows.
COLUMN_KIND = "special-column"


@dataclass(frozen=True, slots=True)
class SearchParam:
    """One search parameter as it applies to one resource type.

    `expression` keeps only the FHIRPath union members for `resource_type`;
    `kind` is "index" (values extracted into index rows) or `COLUMN_KIND`.
    """

    resource_type: str
    code: str
    type: str  # token | string | date | reference | number | quantity | uri
    expression: str
    targets: tuple[str, ...]
    url: str
    kind: str = "index"

    @property
    def is_column(self) -> bool:
        return self.kind == COLUMN_KIND


@dataclass(frozen=True, slots=True)
class _Registry:
    params: dict[str, dict[str, SearchParam]]
    compartments: dict[str, tuple[str, ...]]


def _param(resource_type: str, code: str, entry: dict[str, Any]) -> SearchParam:
    expression: str = entry["expression"]
    if expression.startswith("Resource."):
        # Common parameters are defined on `Resource`; name the concrete type so the
        # expression evaluates like any other parameter of this type.
        expression = resource_type + expression[len("Resource") :]
    return SearchParam(
        resource_type=resource_type,
        code=code,
        type=entry["type"],
        expression=expression,
        targets=tuple(entry["target"]),
        url=entry["url"],
        kind=entry["kind"],
    )


@cache
def _registry() -> _Registry:
    raw = (files("hoso.fhir") / "data" / "search_parameters.json").read_bytes()
    document = orjson.loads(raw)
    params: dict[str, dict[str, SearchParam]] = {}
    compartments: dict[str, tuple[str, ...]] = {}
    for rtype, spec in document["types"].items():
        entries = {**document["common"], **spec["params"]}
        params[rtype] = {code: _param(rtype, code, e) for code, e in sorted(entries.items())}
        compartments[rtype] = tuple(spec["compartment"])
    return _Registry(params, compartments)


@cache
def supported_types() -> tuple[str, ...]:
    """Resource types the server stores and searches, sorted."""
    return tuple(sorted(_registry().params))


def search_params(resource_type: str) -> dict[str, SearchParam]:
    """Parameters of `resource_type` by code (a copy); empty for unsupported types."""
    return dict(_registry().params.get(resource_type, {}))


def get_search_param(resource_type: str, code: str) -> SearchParam | None:
    return _registry().params.get(resource_type, {}).get(code)


def compartment_params(resource_type: str) -> tuple[str, ...]:
    """Codes of the reference parameters that put a resource of this type in a
    patient's compartment, primary first (CompartmentDefinition/patient)."""
    return _registry().compartments.get(resource_type, ())
