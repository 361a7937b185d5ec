"""Evaluate a SQL on FHIR v2 ViewDefinition over FHIR resources, row by row in Python.

`compile_view(view)` parses and checks the view once (every FHIRPath expression parsed
once, whatever the number of resources); `CompiledView.rows(resource)` yields the rows of
one resource, so a caller streams millions of resources in constant memory.
`evaluate(view, resources)` is the two together.

The processing follows the spec's algorithm (https://sql-on-fhir.org/ig/latest/
StructureDefinition-ViewDefinition.html, "Processing Algorithm"): a select's rows are
the cartesian product of its own columns, each nested select's rows and its unionAll's
rows (the branches' rows concatenated), once per focus its forEach / forEachOrNull /
repeat gives (one focus, the parent's, without them); forEachOrNull with nothing gives one
row of nulls. `%rowIndex` is the focus's 0-based position in that collection.

Errors only detectable with data (a `where` path that is not boolean, a column without
`collection: true` that meets several values, a function failing) are `ViewError`s too,
naming the path and the resource.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from fhirpathpy.engine.nodes import FP_Quantity, FP_TimeBase, ResourceNode

from hoso.warehouse.viewdef import ViewError
from hoso.warehouse.viewdef.fhirpath import Expression, FhirPathError, node, reset_clock
from hoso.warehouse.viewdef.model import Column, Select, ViewDefinition, parse_view

__all__ = ["CompiledView", "compile_view", "evaluate"]

INTEGER_TYPES = frozenset({"integer", "positiveInt", "unsignedInt", "integer64"})
Row = tuple[Any, ...]
# The focus of a forEachOrNull row with nothing to iterate: no node at all.
_EMPTY = object()


def compile_view(view: Mapping[str, Any]) -> CompiledView:
    """The view checked and compiled; raises `ViewError` if it is not valid."""
    return CompiledView(parse_view(view))


def evaluate(view: Mapping[str, Any], resources: Iterable[Mapping[str, Any]]) -> Iterator[dict]:
    """The rows of `view` over `resources`, as dicts in the view's column order."""
    compiled = compile_view(view)
    for resource in resources:
        yield from compiled.rows(resource)


class CompiledView:
    """A ViewDefinition ready to run: `rows(resource)` per resource."""

    def __init__(self, definition: ViewDefinition) -> None:
        self.definition = definition
        self.names = definition.names
        self.resource_type = definition.resource
        self._constants = {c.name: _constant(c.kind, c.value) for c in definition.constants}

    def rows(self, resource: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """The rows of one resource (none if it is of another type or `where` rejects it)."""
        if not isinstance(resource, Mapping) or resource.get("resourceType") != self.resource_type:
            return
        reset_clock()
        root = node(resource, self.resource_type)
        variables = {
            **self._constants,
            "resource": root,
            "rootResource": root,
            "context": root,
            "ucum": "http://unitsofmeasure.org",
            "rowIndex": 0,
        }
        for i, condition in enumerate(self.definition.where):
            if not self._accepts(condition, root, variables, f"where[{i}].path", resource):
                return
        names = self.names
        for row in self._select(self.definition.select, root, variables, resource):
            yield dict(zip(names, row, strict=True))

    def _accepts(
        self, condition: Expression, root: Any, variables: dict, at: str, resource: Mapping
    ) -> bool:
        result = self._run(condition, root, variables, at, resource)
        if not result:
            return False
        if len(result) == 1 and isinstance(_value(result[0]), bool):
            return bool(_value(result[0]))
        raise _data_error(at, resource, "điều kiện không ra giá trị boolean",
                          "condition is not a boolean")  # fmt: skip

    def _select(self, select: Select, focus: Any, variables: dict, resource: Mapping) -> list[Row]:
        if select.iterate is not None:
            foci = self._run(select.iterate, focus, variables, select.at, resource)
        elif select.repeat:
            foci = list(self._repeat(select, focus, variables, resource))
        else:
            foci = None
        if foci is None:
            return self._rows_at(select, focus, variables, resource)
        if not foci and select.or_null:
            return self._null_rows(select, variables, resource)
        rows: list[Row] = []
        for index, item in enumerate(foci):
            rows.extend(self._rows_at(select, item, {**variables, "rowIndex": index}, resource))
        return rows

    def _rows_at(self, select: Select, focus: Any, variables: dict, resource: Mapping) -> list[Row]:
        parts: list[list[Row]] = [
            [tuple(self._column(c, focus, variables, resource) for c in select.columns)]
        ]
        for sub in select.selects:
            parts.append(self._select(sub, focus, variables, resource))
        if select.union_all:
            parts.append(
                [r for b in select.union_all for r in self._select(b, focus, variables, resource)]
            )
        if len(parts) == 1:
            return parts[0]
        return [tuple(itertools.chain.from_iterable(c)) for c in itertools.product(*parts)]

    def _null_rows(self, select: Select, variables: dict, resource: Mapping) -> list[Row]:
        """forEachOrNull with nothing to iterate: one row, its columns evaluated on an
        empty focus (so `%rowIndex` is 0 and a literal keeps its value, as the suite's
        row_index.json expects), nested parts that give no row giving nulls."""
        variables = {**variables, "rowIndex": 0}
        parts: list[list[Row]] = [
            [tuple(self._column(c, _EMPTY, variables, resource) for c in select.columns)]
        ]
        for sub in (*select.selects, *select.union_all[:1]):
            sub_rows = (
                self._null_rows(sub, variables, resource)
                if sub.iterate is not None or sub.repeat
                else self._rows_at(sub, _EMPTY, variables, resource)
            )
            parts.append(sub_rows or [(None,) * len(sub.names)])
        return [tuple(itertools.chain.from_iterable(c)) for c in itertools.product(*parts)]

    def _repeat(self, select: Select, focus: Any, variables: dict, resource: Mapping):
        """Depth first, in document order: each element, then what the paths reach from
        it. A stack (not recursion) so a deeply nested resource cannot exhaust Python's."""
        stack = [iter(self._children(select, focus, variables, resource))]
        while stack:
            item = next(stack[-1], None)
            if item is None:
                stack.pop()
                continue
            yield item
            stack.append(iter(self._children(select, item, variables, resource)))

    def _children(self, select: Select, focus: Any, variables: dict, resource: Mapping) -> list:
        return [
            child
            for i, path in enumerate(select.repeat)
            for child in self._run(path, focus, variables, f"{select.at}.repeat[{i}]", resource)
        ]

    def _column(self, column: Column, focus: Any, variables: dict, resource: Mapping) -> Any:
        result = self._run(column.path, focus, variables, f"{column.at}.path", resource)
        values = [_json(item, column.type) for item in result]
        if column.collection:
            return values
        if len(values) > 1:
            raise _data_error(
                f"{column.at}.path", resource,
                "nhiều giá trị cho cột không phải collection",
                "several values for a column without collection: true",
            )  # fmt: skip
        return values[0] if values else None

    @staticmethod
    def _run(expression: Expression, focus: Any, variables: dict, at: str, resource: Mapping):
        try:
            return expression.evaluate([] if focus is _EMPTY else [focus], variables)
        except FhirPathError as exc:
            raise _data_error(
                at, resource, f"lỗi FHIRPath: {exc}", f"FHIRPath error: {exc}"
            ) from None


def _value(item: Any) -> Any:
    return item.data if isinstance(item, ResourceNode) else item


def _json(item: Any, column_type: str | None) -> Any:
    """A FHIRPath result as a JSON value of the column's type."""
    value = _value(item)
    if isinstance(value, FP_TimeBase):
        return str(value)
    if isinstance(value, FP_Quantity):
        return {"value": _json(value.value, "decimal"), "unit": str(value.unit).strip("'")}
    if isinstance(value, (Decimal, float)) and not isinstance(value, bool):
        if column_type in INTEGER_TYPES and value == int(value):
            return int(value)
        return float(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


def _constant(kind: str, value: Any) -> Any:
    """A constant as the typed node the same value in a resource would be, so that
    `birthDate = %bd` compares dates, not strings."""
    if kind == "decimal":
        return Decimal(str(value))
    if kind in {"boolean", "integer", "positiveInt", "unsignedInt"}:
        return value
    return node(value, kind)


def _data_error(at: str, resource: Mapping, vietnamese: str, english: str) -> ViewError:
    key = f"{resource.get('resourceType')}/{resource.get('id')}"
    return ViewError(f"{at} ({key}): {vietnamese} / {english}")
