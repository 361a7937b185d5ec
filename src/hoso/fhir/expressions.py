"""Search-parameter FHIRPath expressions compiled, once each, into typed evaluators.

An evaluator maps a resource dict to `(FHIR type, JSON value)` pairs; the type tells
the index converter whether a value is a CodeableConcept, a Period, a date string....
Two R4 habits need rewriting before evaluation:

- `X.where(resolve() is T)` needs the referenced resource, which an offline indexer
  does not have; we evaluate `X` and keep the references whose target type is `T`
  (from `T/id`), which is what the expression means for local references.
- `(X as T)` is used on collections (`Observation.component.value as Quantity`);
  FHIRPath `as` requires a singleton and fhirpathpy rightly raises, so we use the
  filtering form `X.ofType(T)`, which is what later FHIR versions wrote.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Any

import fhirpathpy
from fhirpathpy.engine.nodes import ResourceNode
from fhirpathpy.models import models

from hoso.fhir.fastpath import Evaluator, TypedValue, compile_path, split_outside_parens
from hoso.fhir.references import parse_reference

__all__ = [
    "Evaluator",
    "TypedValue",
    "UnsupportedExpression",
    "compile_expression",
    "rewrite_member",
]

_AS_OPERATOR = re.compile(r"^\(([A-Za-z][\w.]*) as (\w+)\)")
_AS_FUNCTION = re.compile(r"\.as\((\w+)\)")
_RESOLVE_IS = re.compile(r"\.where\(resolve\(\) is (\w+)\)$")
_FHIRPATH_OPTIONS = {"returnRawData": True}  # keep ResourceNode so we get the FHIR type


class UnsupportedExpression(ValueError):
    """An expression the offline indexer cannot evaluate (e.g. other `resolve()` uses)."""


def rewrite_member(member: str) -> tuple[str, str | None]:
    """The member rewritten for evaluation, and the reference type it requires."""
    required_type = None
    if match := _RESOLVE_IS.search(member):
        member, required_type = member[: match.start()], match.group(1)
    if "resolve()" in member:
        raise UnsupportedExpression(f"cannot evaluate resolve() offline: {member!r}")
    member = _AS_OPERATOR.sub(r"\1.ofType(\2)", member)
    return _AS_FUNCTION.sub(r".ofType(\1)", member), required_type


def _python_type(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float | Decimal):
        return "decimal"
    if isinstance(value, str):
        return "string"
    return None


def _typed(node: Any) -> TypedValue | None:
    """A fhirpathpy result item as (FHIR type, JSON value); None for empty items."""
    if not isinstance(node, ResourceNode):
        value_type = _python_type(node)  # computed values, e.g. a boolean expression
        return None if value_type is None else (value_type, node)
    if node.data is None:
        return None  # a primitive that only carries extensions
    path = node.path or ""
    if path == "System.String":
        return "string", node.data
    if "." in path:  # a backbone element is typed by its path, e.g. Observation.component
        return "BackboneElement", node.data
    return path or (_python_type(node.data) or "Element"), node.data


def _fhirpath_evaluator(expression: str) -> Evaluator:
    compiled = fhirpathpy.compile(expression, models["r4"], _FHIRPATH_OPTIONS)

    def evaluate(resource: dict[str, Any]) -> list[TypedValue]:
        return [typed for node in compiled(resource, {}) if (typed := _typed(node)) is not None]

    return evaluate


def _only_references_to(evaluate: Evaluator, resource_type: str) -> Evaluator:
    def filtered(resource: dict[str, Any]) -> list[TypedValue]:
        out = []
        for value_type, value in evaluate(resource):
            if value_type == "Reference" and isinstance(value, dict):
                parsed = parse_reference(value.get("reference") or "")
                if parsed is not None and parsed.resource_type == resource_type:
                    out.append((value_type, value))
        return out

    return filtered


def _compile_member(member: str, fast: bool) -> Evaluator:
    expression, required_type = rewrite_member(member)
    evaluate = (compile_path(expression) if fast else None) or _fhirpath_evaluator(expression)
    if required_type is not None:
        evaluate = _only_references_to(evaluate, required_type)
    return evaluate


@cache
def compile_expression(expression: str, fast: bool = True) -> Evaluator:
    """Compile a (union) expression; `fast=False` forces fhirpathpy for every member,
    which tests use to check the fast path against the library."""
    members = [_compile_member(m, fast) for m in split_outside_parens(expression, "|") if m]
    if len(members) == 1:
        return members[0]

    def evaluate_union(resource: dict[str, Any]) -> list[TypedValue]:
        out: list[TypedValue] = []
        for evaluate in members:
            out.extend(evaluate(resource))
        return out

    return evaluate_union
