"""A direct dict walker for the simple FHIRPath shapes most search parameters use.

Why a library is bypassed here: fhirpathpy interprets a parse tree and wraps every
node, about 30 µs per expression; a Patient has ~25 parameters and an Observation
~35, so indexing through it alone costs about 1 ms per resource, too slow for bulk
import. Dotted paths, choice types narrowed by `ofType(T)` and `where(field='x')`
cover nearly every R4 parameter, and walking them on the JSON dicts is ~1 µs.
Types come from fhirpathpy's own R4 model tables, so the results are typed exactly
as fhirpathpy types them. `compile_path` returns None for anything else and the
caller falls back to fhirpathpy; tests check both agree on every official example.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fhirpathpy.models import models

from hoso.fhir.references import RESOURCE_TYPES

__all__ = ["Evaluator", "TypedValue", "compile_path", "split_outside_parens"]

TypedValue = tuple[str, Any]  # (FHIR type name, JSON value)
Evaluator = Callable[[dict[str, Any]], list[TypedValue]]
_Step = Callable[[list[Any]], list[Any]]

_MODEL: dict[str, Any] = models["r4"]
_PATH_TYPES: dict[str, str] = _MODEL["path2Type"]
_CHOICES: dict[str, list[str]] = _MODEL["choiceTypePaths"]
_DEFINED_ELSEWHERE: dict[str, str] = _MODEL["pathsDefinedElsewhere"]

_IDENT = re.compile(r"[A-Za-z_]\w*")
_OF_TYPE = re.compile(r"ofType\((\w+)\)")
_WHERE_EQ = re.compile(r"where\((\w+)\s*=\s*'([^'\\]*)'\)")


def split_outside_parens(text: str, separator: str) -> list[str]:
    """Split on a one-character separator outside parentheses and quoted strings."""
    parts: list[str] = []
    depth, quoted, start = 0, False, 0
    for i, ch in enumerate(text):
        if ch == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == separator and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


def _child(key: str) -> _Step:
    def step(items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if type(item) is dict:
                value = item.get(key)
                if value is None:
                    continue
                if type(value) is list:
                    out.extend(value)
                else:
                    out.append(value)
        return out

    return step


def _where_equals(field: str, literal: str) -> _Step:
    def step(items: list[Any]) -> list[Any]:
        return [i for i in items if type(i) is dict and i.get(field) == literal]

    return step


def _backbone_paths() -> frozenset[str]:
    """Paths of backbone elements (`Observation.component`): the model lists only their
    children, so they are the proper prefixes of listed paths that are not listed."""
    prefixes = set()
    for path in _PATH_TYPES:
        parts = path.split(".")
        prefixes.update(".".join(parts[:i]) for i in range(2, len(parts)))
    return frozenset(prefixes - _PATH_TYPES.keys())


_BACKBONES = _backbone_paths()


def _element_type(path: str) -> str | None:
    if path in _BACKBONES:
        return "BackboneElement"
    found = _PATH_TYPES.get(path)
    return "string" if found == "System.String" else found


class _Compiler:
    """Turns steps into list→list functions while tracking the static FHIR type."""

    def __init__(self, root: str) -> None:
        self.steps: list[_Step] = []
        self.context = root  # path prefix under which child elements are listed
        self.type = root
        self.choices: list[tuple[str, str]] | None = None  # pending `value[x]` keys

    def navigate(self, name: str) -> bool:
        path = f"{self.context}.{name}"
        path = _DEFINED_ELSEWHERE.get(path, path)
        element_type = _element_type(path)
        if element_type is not None:
            self.steps.append(_child(name))
            self.type = element_type
            self.context = path if element_type == "BackboneElement" else element_type
            return True
        suffixes = _CHOICES.get(path)
        if not suffixes:
            return False
        choices = [(name + s, _element_type(path + s)) for s in suffixes]
        if any(t is None for t in choices):
            return False
        self.choices = [(key, t) for key, t in choices if t is not None]
        return True

    def of_type(self, wanted: str) -> bool:
        if self.choices is None:
            return self.type == wanted
        picked = [key for key, t in self.choices if t == wanted]
        self.choices = None
        if len(picked) != 1:
            return False
        self.steps.append(_child(picked[0]))
        self.type = self.context = wanted
        return True

    def step(self, text: str) -> bool:
        if match := _OF_TYPE.fullmatch(text):
            return self.of_type(match.group(1))
        if self.choices is not None:
            return False  # navigating below an un-narrowed choice: leave it to fhirpathpy
        if _IDENT.fullmatch(text):
            return self.navigate(text)
        if match := _WHERE_EQ.fullmatch(text):
            self.steps.append(_where_equals(match.group(1), match.group(2)))
            return True
        return False


def compile_path(expression: str) -> Evaluator | None:
    """An evaluator for `Type.a.b`, `….ofType(T)`, `….where(f='x')` chains, else None."""
    parts = split_outside_parens(expression, ".")
    root = parts[0]
    if root not in RESOURCE_TYPES:
        return None
    compiler = _Compiler(root)
    if not all(compiler.step(part) for part in parts[1:]):
        return None
    return _evaluator(root, compiler.steps, compiler.type, compiler.choices)


def _evaluator(
    root: str, steps: list[_Step], final_type: str, choices: list[tuple[str, str]] | None
) -> Evaluator:
    def evaluate(resource: dict[str, Any]) -> list[TypedValue]:
        if resource.get("resourceType") != root:
            return []
        items: list[Any] = [resource]
        for step in steps:
            items = step(items)
            if not items:
                return []
        if choices is None:
            return [(final_type, value) for value in items if value is not None]
        return _typed_choices(items, choices)

    return evaluate


def _typed_choices(items: list[Any], choices: list[tuple[str, str]]) -> list[TypedValue]:
    out: list[TypedValue] = []
    for item in items:
        if type(item) is not dict:
            continue
        for key, value_type in choices:
            value = item.get(key)
            if value is None:
                continue
            values = value if type(value) is list else [value]
            out.extend((value_type, v) for v in values if v is not None)
    return out
