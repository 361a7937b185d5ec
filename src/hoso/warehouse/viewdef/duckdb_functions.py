"""The FHIRPath functions the SQL compiler translates, as DuckDB SQL over the value shapes
of `duckdb_values`: first(), last(), exists(), empty(), count(), not(), where(),
extension(), join(), getResourceKey(), getReferenceKey(), lowBoundary(), highBoundary().
`PathCompiler` has them as methods `_fn_<name>`; any other function is Uncompilable there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hoso.warehouse.viewdef import ViewError
from hoso.warehouse.viewdef.duckdb_boundaries import TEMPORAL, boundary
from hoso.warehouse.viewdef.duckdb_values import (
    Expr,
    Scope,
    Uncompilable,
    as_boolean,
    as_list,
    as_value,
    first_item,
    json_as,
    quote_text,
)

_TYPE_NAME = re.compile(r"^[A-Z][A-Za-z]{0,63}$")


class FunctionCompiler:
    """The functions' half of `PathCompiler` (which provides `compile` and `member`)."""

    scope: Scope
    where: str

    def compile(self, node: dict[str, Any], focus: Expr | None = None) -> Expr:
        raise NotImplementedError

    def member(self, focus: Expr, name: str) -> Expr:
        raise NotImplementedError

    def _fn_first(self, focus: Expr, params: list) -> Expr:
        return Expr(first_item(focus), "item", model=focus.model)

    def _fn_last(self, focus: Expr, params: list) -> Expr:
        if focus.shape == "list":
            return Expr(f"({focus.sql})[-1]", "item", model=focus.model)
        return self._fn_first(focus, params)

    def _fn_exists(self, focus: Expr, params: list) -> Expr:
        if params:
            focus = self._fn_where(focus, params)
        if focus.shape == "list":
            return Expr(f"(len({focus.sql}) > 0)", "value", "BOOLEAN")
        return Expr(f"(({focus.sql}) IS NOT NULL)", "value", "BOOLEAN")

    def _fn_empty(self, focus: Expr, params: list) -> Expr:
        exists = self._fn_exists(focus, [])
        return Expr(f"(NOT {exists.sql})", "value", "BOOLEAN")

    def _fn_count(self, focus: Expr, params: list) -> Expr:
        return Expr(f"CAST(len({as_list(focus)}) AS BIGINT)", "value", "BIGINT")

    def _fn_not(self, focus: Expr, params: list) -> Expr:
        return Expr(f"(NOT ({as_boolean(focus, self.where)}))", "value", "BOOLEAN")

    def _fn_where(self, focus: Expr, params: list) -> Expr:
        x = self.scope.names()
        inner = type(self)(self.scope.within(x, focus.model), self.where)
        criterion = as_boolean(inner.compile(one(params, "where", self.where)), self.where)
        return Expr(
            f"list_filter({as_list(focus)}, lambda {x}: coalesce({criterion}, false))",
            "list",
            model=focus.model,
        )

    def _fn_extension(self, focus: Expr, params: list) -> Expr:
        url = self.compile(one(params, "extension", self.where))
        if url.shape != "value" or url.type != "VARCHAR":
            raise Uncompilable(f"{self.where}: extension() cần URL chữ / needs a literal url")
        x = self.scope.names()
        extensions = self.member(focus, "extension")
        return Expr(
            f"list_filter({as_list(extensions)}, lambda {x}: ({x} ->> 'url') = {url.sql})",
            "list",
            model=extensions.model,
        )

    def _fn_join(self, focus: Expr, params: list) -> Expr:
        separator = "''"
        if params:
            separator = as_value(self.compile(one(params, "join", self.where)), "VARCHAR", "")
        if focus.shape != "list":
            return Expr(f"coalesce({as_value(focus, 'VARCHAR', '')}, '')", "value", "VARCHAR")
        x = self.scope.names()
        strings = f"list_transform({focus.sql}, lambda {x}: {x} ->> '$')"
        return Expr(f"array_to_string({strings}, {separator})", "value", "VARCHAR")

    def _fn_lowBoundary(self, focus: Expr, params: list) -> Expr:
        return _boundary(self, focus, low=True)

    def _fn_highBoundary(self, focus: Expr, params: list) -> Expr:
        return _boundary(self, focus, low=False)

    def _fn_getResourceKey(self, focus: Expr, params: list) -> Expr:
        # The key is the resource's id, as in the Python runner: ids are unique per type
        # in the store and a reference's key is the id it names.
        return _keys(self.member(focus, "id"), lambda text: text)

    def _fn_getReferenceKey(self, focus: Expr, params: list) -> Expr:
        """The id a reference names (relative, absolute or versioned), if it names a
        resource of the type asked for; one regular expression, the type written in it.
        Several references give several keys."""
        wanted = type_name(params[0]) if params else None
        if wanted is not None and not _TYPE_NAME.match(wanted):
            raise ViewError(f"{self.where}: getReferenceKey({wanted}): sai kiểu / invalid type")
        kind = wanted or "[A-Z][A-Za-z]+"
        pattern = quote_text(f"(?:^|/){kind}/([A-Za-z0-9\\-.]{{1,64}})(?:/_history/[^/]+)?$")
        return _keys(
            self.member(focus, "reference"),
            lambda text: f"nullif(regexp_extract({text}, {pattern}, 1), '')",
        )


def _keys(texts: Expr, key: Callable[[str], str]) -> Expr:
    """`key` of each text: a value for one (the common case, no list), a list for many."""
    if texts.shape != "list":
        return Expr(key(_first_text(texts)), "value", "VARCHAR")
    keys = f"list_transform({texts.sql}, lambda k: to_json({key(json_as('k', 'VARCHAR'))}))"
    return Expr(f"list_filter({keys}, lambda n: n IS NOT NULL)", "list")


def _boundary(compiler: FunctionCompiler, focus: Expr, low: bool) -> Expr:
    name = "lowBoundary" if low else "highBoundary"
    if focus.shape != "value" or focus.kind not in TEMPORAL:
        raise Uncompilable(
            f"{compiler.where}: {name}() chỉ dịch cho ngày giờ có kiểu / only of typed "
            "dates, dateTimes, instants and times (not decimals)"
        )
    kind = "dateTime" if focus.kind == "instant" else focus.kind
    return Expr(boundary(focus.sql, focus.kind, low), "value", "VARCHAR", kind=kind)


def _first_text(expr: Expr) -> str:
    """The first item as text (the key functions read the first of several)."""
    if expr.shape == "value":
        return expr.sql if expr.type == "VARCHAR" else f"CAST({expr.sql} AS VARCHAR)"
    return json_as(first_item(expr), "VARCHAR")


def one(params: list, function: str, where: str) -> dict:
    if len(params) != 1:
        raise ViewError(f"{where}: {function}() cần một đối số / takes one argument")
    return params[0]


def type_name(node: dict) -> str:
    return (node.get("text") or "").removeprefix("FHIR.").removeprefix("System.")
