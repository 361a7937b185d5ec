"""The FHIRPath shapes most ViewDefinition columns use, evaluated on the JSON directly.

Why: fhirpathpy interprets its parse tree node by node (~30 µs an expression); a view's
columns are mostly `name.family`, `value.ofType(Quantity).value`, `code.coding.where(
system = 'x').code.first()`, `subject.getReferenceKey(Patient)`, `getResourceKey()`.
Those are compiled here to a few list steps over fhirpathpy's own typed nodes, typed
from the same R4 model tables, as hoso.fhir.fastpath does for search parameters.

`compile_plain(text)` returns None for any other shape (fhirpathpy evaluates it); the
compiled function returns None at run time where fhirpathpy's answer could differ (a
primitive's `_extension` twin, a `where` field that is a list, a choice element present
under another type), and the caller evaluates with fhirpathpy then. Tests compare both
on every resource of the official suite and on synthetic Observations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from fhirpathpy.engine.nodes import ResourceNode, TypeInfo
from fhirpathpy.models import models

from hoso.fhir.fastpath import split_outside_parens
from hoso.warehouse.viewdef.functions import get_reference_key

__all__ = ["Plain", "compile_plain"]

R4 = models["r4"]
ELSEWHERE: Mapping[str, str] = R4["pathsDefinedElsewhere"]
CHOICES: Mapping[str, list[str]] = R4["choiceTypePaths"]
PATH_TYPES: Mapping[str, str] = R4["path2Type"]

MEMBER = re.compile(r"^[a-z][A-Za-z0-9_]*$")
OF_TYPE = re.compile(r"^ofType\(\s*([A-Za-z]+)\s*\)$")
WHERE_EQUALS = re.compile(r"^where\(\s*([a-z][A-Za-z0-9_]*)\s*=\s*'([^'\\]*)'\s*\)$")
STRING = re.compile(r"^'([^'\\]*)'$")
REFERENCE_KEY = re.compile(r"^getReferenceKey\(\s*([A-Z][A-Za-z]*)?\s*\)$")
TEMPORAL = frozenset({"date", "dateTime", "instant", "time"})
# Words that are not member names (literals, operators) or that fhirpathpy's navigation
# treats specially (`length` of a string, `extension` typed as Extension).
NOT_MEMBERS = frozenset({
    "true", "false", "and", "or", "xor", "implies", "is", "as", "in", "contains", "div",
    "mod", "length", "extension",
})  # fmt: skip


class _Differs(Exception):
    """At run time: this input is one where fhirpathpy's answer may differ."""


Step = Callable[[list[Any]], list[Any]]
Plain = Callable[[list[Any]], "list[Any] | None"]


def compile_plain(text: str) -> Plain | None:
    """`text` as a function of the focus (a list of typed nodes), or None."""
    sides = split_outside_parens(text.strip(), "=")
    if len(sides) == 2 and sides[0] and sides[0][-1] not in "!<>~":
        literal = STRING.match(sides[1])
        left = compile_plain(sides[0]) if literal else None
        return _equals_string(left, literal.group(1)) if left and literal else None
    parts = split_outside_parens(text.strip(), ".")
    if parts == ["getResourceKey()"]:
        return _guarded([_resource_key])
    steps: list[Step] = []
    index = 0
    while index < len(parts):
        part = parts[index]
        last = index == len(parts) - 1
        following = None if last else OF_TYPE.match(parts[index + 1])
        if MEMBER.match(part) and part not in NOT_MEMBERS:
            steps.append(_member(part, following.group(1) if following else None))
            index += 2 if following else 1
            continue
        step = _function(part, last)
        if step is None:
            return None
        steps.append(step)
        index += 1
    return _guarded(steps) if steps else None


def _equals_string(left: Plain, literal: str) -> Plain:
    """`path = 'literal'` as fhirpathpy's `=`: empty if the path is; false for several
    items; a string compared as is (a date or a number: fhirpathpy decides)."""

    def run(focus: list[Any]) -> list[Any] | None:
        items = left(focus)
        if not items:
            return items
        if len(items) > 1:
            return [False]
        item = items[0]
        value = item.data if isinstance(item, ResourceNode) else item
        if not isinstance(value, str) or getattr(item, "path", None) in TEMPORAL:
            return None
        return [value == literal]

    return run


def _guarded(steps: list[Step]) -> Plain:
    def run(focus: list[Any]) -> list[Any] | None:
        items = focus
        try:
            for step in steps:
                items = step(items)
        except _Differs:
            return None
        return items

    return run


def _function(part: str, last: bool) -> Step | None:
    if part == "first()":
        return lambda items: items[:1]
    if last and part == "exists()":
        return lambda items: [bool(items)]
    if last and part == "empty()":
        return lambda items: [not items]
    if last and part == "count()":
        return lambda items: [len(items)]
    where = WHERE_EQUALS.match(part)
    if where:
        return _where_equals(where.group(1), where.group(2))
    reference = REFERENCE_KEY.match(part)
    if last and reference:
        of_type = TypeInfo(reference.group(1), "FHIR") if reference.group(1) else None
        return lambda items: get_reference_key(None, _nodes_only(items), of_type)
    return None


def _nodes_only(items: list[Any]) -> list[Any]:
    if any(not isinstance(i, ResourceNode) for i in items):
        raise _Differs
    return items


def _resource_key(items: list[Any]) -> list[Any]:
    return [
        n.data["id"] for n in _nodes_only(items)
        if isinstance(n.data, Mapping) and isinstance(n.data.get("id"), str)
    ]  # fmt: skip


def _member(name: str, of_type: str | None) -> Step:
    """`name` (or `name.ofType(T)` for a choice element) of each node, typed as
    fhirpathpy types it."""

    def step(items: list[Any]) -> list[Any]:
        found: list[Any] = []
        for item in _nodes_only(items):
            data = item.data
            if not isinstance(data, Mapping):
                continue
            path = f"{item.path}.{name}"
            path = ELSEWHERE.get(path, path)
            key, kind = _choice(data, path, name, of_type) if path in CHOICES else (name, None)
            if key is None:
                continue
            if kind is None:
                if of_type is not None:
                    raise _Differs  # ofType on a non-choice element: fhirpathpy's types
                kind = PATH_TYPES.get(path, path)
            if f"_{key}" in data:
                raise _Differs
            value = data.get(key)
            if value is None:
                continue
            if isinstance(value, list):
                found.extend(ResourceNode(v, kind) for v in value if v is not None)
            else:
                found.append(ResourceNode(value, kind))
        return found

    return step


def _choice(
    data: Mapping[str, Any], path: str, name: str, of_type: str | None
) -> tuple[str | None, str | None]:
    """The field fhirpathpy reads for a choice element (the first type present, in the
    model's order) and its type; `_Differs` unless `ofType(T)` names exactly that type."""
    if of_type is None:
        raise _Differs
    for choice in CHOICES[path]:
        field = f"{name}{choice}"
        if field in data or f"_{field}" in data:
            kind = PATH_TYPES.get(f"{path}{choice}", f"{path}{choice}")
            if kind != of_type:
                raise _Differs  # e.g. ofType(string) on a code: a subtype, fhirpathpy decides
            return field, kind
    return None, None


def _where_equals(field: str, literal: str) -> Step:
    def step(items: list[Any]) -> list[Any]:
        kept = []
        for item in _nodes_only(items):
            data = item.data
            if not isinstance(data, Mapping) or f"_{field}" in data:
                raise _Differs
            path = f"{item.path}.{field}"
            if ELSEWHERE.get(path, path) in CHOICES:
                raise _Differs
            value = data.get(field)
            if value is None or (isinstance(value, str) and value != literal):
                continue
            if not isinstance(value, str):
                raise _Differs  # a list, a number, an object: fhirpathpy's equality
            kept.append(item)
        return kept

    return step
