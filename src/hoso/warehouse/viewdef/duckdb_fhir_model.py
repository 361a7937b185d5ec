"""Which FHIR elements repeat, and of what type: what lets the SQL compiler turn a chain of
member steps into ONE JSONPath extraction.

FHIRPath flattens arrays wherever they are (`code.coding.code`); without knowing which
elements are arrays the compiler must test every step's JSON type at run time, which costs
several JSON parses per step. Knowing that `Observation.code` is one CodeableConcept and
`coding` an array, the path is `$.code.coding[*].code`, parsed once in C++.

The cardinalities are those of the R4B models of `fhir.resources`, the same the store's
validation (`hoso.fhir.json_walk`) holds R4 resources to, so every resource in the store
has these shapes. Its field table is private to that module, hence this small reading of
the same models. An element the models do not know (an R4-only one, a contained
resource's) is None: the compiler then falls back to the run-time test.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class


@dataclass(frozen=True)
class Element:
    """One element: `many` if it is an array in JSON; `model` the complex type's model
    (None for a primitive or a resource, whose members are not known here); `sql_type`
    the SQL type a primitive reads as (None for the others)."""

    many: bool
    model: Any = None
    sql_type: str | None = None
    kind: str | None = None  # date, dateTime, instant or time: what the boundaries need


@cache
def resource_model(resource_type: str) -> Any:
    """The model of a resource type, or None if `fhir.resources` does not have it."""
    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError, LookupError, AttributeError):
        return None


def element(model: Any, name: str) -> Element | None:
    """The element `name` of the complex type or resource `model`, if it has one."""
    if model is None:
        return None
    return _elements(model).get(name)


def is_choice(model: Any, name: str) -> bool:
    """Whether `name` is a choice element of `model` (`value` of `valueQuantity`…)."""
    return model is not None and name in _choices(model)


@cache
def _choices(model: Any) -> frozenset[str]:
    found = set()
    for info in model.model_fields.values():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if isinstance(extra.get("one_of_many"), str):
            found.add(extra["one_of_many"])
    return frozenset(found)


@cache
def _elements(model: Any) -> dict[str, Element]:
    found: dict[str, Element] = {}
    for attribute, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if attribute.endswith("__ext") or not extra.get("element_property"):
            continue
        annotation, many = _unwrap(info.annotation)
        found[info.alias or attribute] = Element(
            many, _complex(annotation), _primitive(annotation), _temporal(annotation)
        )
    return found


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    many = False
    while (origin := typing.get_origin(annotation)) in (typing.Union, types.UnionType, list):
        many = many or origin is list
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    return annotation, many


def _primitive(annotation: Any) -> str | None:
    """FHIR's boolean, integers and decimal as SQL's; every other primitive (dates too, as
    FHIR writes them) as text."""
    if annotation is bool:
        return "BOOLEAN"
    if typing.get_origin(annotation) is not typing.Annotated:
        return None
    base = typing.get_args(annotation)[0]
    if base is bool:
        return "BOOLEAN"
    if base is int:
        return "BIGINT"
    if base in (Decimal, float):
        return "DOUBLE"
    return "VARCHAR"


def _temporal(annotation: Any) -> str | None:
    if typing.get_origin(annotation) is not typing.Annotated:
        return None
    for meta in typing.get_args(annotation)[1:]:
        kind = _TEMPORAL.get(type(meta).__name__)
        if kind:
            return kind
    return None


_TEMPORAL = {"Date": "date", "DateTime": "dateTime", "Instant": "instant", "Time": "time"}


def _complex(annotation: Any) -> Any:
    if annotation is bool or typing.get_origin(annotation) is typing.Annotated:
        return None
    getter = getattr(annotation, "get_model_klass", None)
    if getter is None:
        return None
    model = getter()
    return None if model.__name__ in ("Resource", "DomainResource") else model
