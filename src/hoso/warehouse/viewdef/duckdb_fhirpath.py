"""FHIRPath expressions of a ViewDefinition compiled to DuckDB SQL expressions over JSON.

The expression is parsed by `fhirpathpy` (its ANTLR grammar, the maintained FHIRPath
parser the runner uses too); only the translation of its tree into SQL is ours, over the
value shapes of `duckdb_values`. What is not translated raises `Uncompilable`.
"""

from __future__ import annotations

import re
from typing import Any

from hoso.warehouse.viewdef import ViewError
from hoso.warehouse.viewdef.duckdb_fhir_model import Element, element, is_choice
from hoso.warehouse.viewdef.duckdb_functions import FunctionCompiler, one, type_name
from hoso.warehouse.viewdef.duckdb_values import (
    EMPTY,
    NUMERIC_JSON,
    PRIMITIVES,
    Expr,
    Scope,
    Uncompilable,
    as_boolean,
    as_list,
    as_value,
    first_item,
    items_of,
    json_as,
    json_path,
    quote_text,
)

_NUMBERS = ("BIGINT", "DOUBLE")


class PathCompiler(FunctionCompiler):
    """Compiles one FHIRPath tree in a scope; `where` names the place for messages."""

    def __init__(self, scope: Scope, where: str) -> None:
        self.scope = scope
        self.where = where

    def compile(self, node: dict[str, Any], focus: Expr | None = None) -> Expr:
        kind = node.get("type")
        handler = getattr(self, f"_{kind}", None)
        if handler is None:
            raise Uncompilable(f"{self.where}: chưa dịch được / not compiled: {kind}")
        return handler(node, focus)

    # --- terms -----------------------------------------------------------------------
    def _TermExpression(self, node: dict, focus: Expr | None) -> Expr:
        return self.compile(node["children"][0], focus)

    def _ParenthesizedTerm(self, node: dict, focus: Expr | None) -> Expr:
        return self.compile(node["children"][0])

    def _InvocationTerm(self, node: dict, focus: Expr | None) -> Expr:
        return self.compile(node["children"][0], focus)

    def _InvocationExpression(self, node: dict, focus: Expr | None) -> Expr:
        left, invocation = node["children"]
        if _function_name(invocation) == "ofType":
            return self._of_type(left, invocation)
        return self.compile(invocation, self.compile(left, focus))

    def _ThisInvocation(self, node: dict, focus: Expr | None) -> Expr:
        return self.this()

    def this(self) -> Expr:
        return Expr(self.scope.this, "item", model=self.scope.model)

    def root(self) -> Expr:
        return Expr(self.scope.resource, "item", model=self.scope.resource_model)

    def _MemberInvocation(self, node: dict, focus: Expr | None) -> Expr:
        name = _identifier(node["children"][0])
        if focus is None:
            if name == self.scope.resource_type and name[:1].isupper():
                return self.root()
            focus = self.this()
        return self.member(focus, name)

    def member(self, focus: Expr, name: str) -> Expr:
        """`focus.name`: one JSONPath when the FHIR model says which steps repeat, else a
        run-time test of each value's JSON type."""
        found = element(focus.model, name)
        if found is None and focus.shape != "value" and is_choice(focus.model, name):
            return self._choice_member(focus, name)
        if found is None or focus.shape == "value":
            return self._untyped_member(focus, name)
        if focus.base is not None:
            return self.path(focus.base, (*focus.steps, (name, found.many)), found)
        if focus.shape == "item":
            return self.path(focus.sql, ((name, found.many),), found)
        x = self.scope.names()
        step = self.path(x, ((name, found.many),), found, typed=False)
        if step.shape == "item":
            picked = f"list_transform({focus.sql}, lambda {x}: {step.sql})"
            return Expr(
                f"list_filter({picked}, lambda n: n IS NOT NULL)", "list", model=found.model
            )
        return Expr(
            f"flatten(list_transform({focus.sql}, lambda {x}: {step.sql}))",
            "list",
            model=found.model,
        )

    def path(
        self, base: str, steps: tuple[tuple[str, bool], ...], found: Element, typed: bool = True
    ) -> Expr:
        """The member steps from `base` as one JSONPath: a list if any step repeats. From
        the resource itself, the part up to the first array is one of the paths the query
        extracts together (`paths[i]`): the document is parsed once, not once per column."""
        first_many = next((n for n, (_, many) in enumerate(steps) if many), len(steps))
        root = base == self.scope.resource and self.scope.root_paths is not None
        if typed and first_many == len(steps) and found.sql_type is not None:
            # A primitive read as text once (json_extract_string), then typed by its model.
            if root:
                text = self.scope.root_path(json_path(steps), text=True)
            else:
                text = f"json_extract_string({base}, {json_path(steps)})"
            typed = text if found.sql_type == "VARCHAR" else f"CAST({text} AS {found.sql_type})"
            return Expr(typed, "value", found.sql_type, kind=found.kind)
        if root:
            head = tuple((name, False) for name, _ in steps[: first_many + 1])
            sql = self.scope.root_path(json_path(head))
            if first_many < len(steps):
                rest = json_path(steps[first_many + 1 :], "$[*]")
                sql = f"coalesce(json_extract({sql}, {rest}), {EMPTY})"
        else:
            sql = f"json_extract({base}, {json_path(steps)})"
        if first_many == len(steps):
            return Expr(sql, "item", model=found.model, base=base, steps=steps)
        if not root:  # a NULL base (forEachOrNull's empty row) reaches nothing: []
            sql = f"coalesce({sql}, {EMPTY})"
        if found.many and found.model is None:  # a primitive array keeps nulls where only
            sql = f"list_filter({sql}, lambda n: json_type(n) <> 'NULL')"  # `_name` has a value
        return Expr(sql, "list", model=found.model, base=base, steps=steps)

    def _choice_member(self, focus: Expr, name: str) -> Expr:
        """A choice element without ofType() (`extension.value`): whichever `value[x]`
        each item has, found among its keys at run time."""
        x, key = self.scope.names(), self.scope.names()
        keys = f"list_filter(json_keys({x}), lambda {key}: regexp_matches({key}, "
        keys += f"{quote_text('^' + re.escape(name) + '[A-Z]')}))"
        values = items_of(f"({x} -> {key})")
        per_item = f"flatten(list_transform({keys}, lambda {key}: {values}))"
        return Expr(f"flatten(list_transform({as_list(focus)}, lambda {x}: {per_item}))", "list")

    def _untyped_member(self, focus: Expr, name: str) -> Expr:
        if focus.shape == "item":
            return Expr(items_of(f"({focus.sql} -> {quote_text(name)})"), "list")
        x = self.scope.names()
        step = items_of(f"({x} -> {quote_text(name)})")
        return Expr(f"flatten(list_transform({as_list(focus)}, lambda {x}: {step}))", "list")

    def _LiteralTerm(self, node: dict, focus: Expr | None) -> Expr:
        literal = node["children"][0]
        kind, text = literal["type"], literal.get("text") or ""
        if kind == "StringLiteral":
            return Expr(quote_text(_unescape(text[1:-1])), "value", "VARCHAR")
        if kind == "BooleanLiteral":
            return Expr(text, "value", "BOOLEAN")
        if kind == "NumberLiteral":
            if "." in text:
                return Expr(f"CAST({text} AS DOUBLE)", "value", "DOUBLE")
            return Expr(f"CAST({text} AS BIGINT)", "value", "BIGINT")
        if kind == "NullLiteral":
            return Expr(EMPTY, "list")
        raise Uncompilable(f"{self.where}: chưa dịch được / not compiled: {kind}")

    def _ExternalConstantTerm(self, node: dict, focus: Expr | None) -> Expr:
        name = _identifier(node["children"][0]["children"][0])
        if name == "rowIndex":
            return Expr(self.scope.row_index, "value", "BIGINT")
        if name in ("resource", "rootResource"):
            return self.root()
        if name not in self.scope.constants:
            raise ViewError(
                f"{self.where}: hằng số %{name} chưa khai báo / undefined constant %{name}"
            )
        return self.scope.constants[name]

    def _IndexerExpression(self, node: dict, focus: Expr | None) -> Expr:
        target = self.compile(node["children"][0], focus)
        index = as_value(self.compile(node["children"][1]), "BIGINT", self.where)
        item = f"CASE WHEN ({index}) >= 0 THEN ({as_list(target)})[({index}) + 1] END"
        return Expr(item, "item", model=target.model)

    def _PolarityExpression(self, node: dict, focus: Expr | None) -> Expr:
        operand = self.compile(node["children"][0])
        number = self._number(operand)
        sign = node["terminalNodeText"][0]
        return Expr(f"({sign}({number.sql}))", "value", number.type)

    # --- operators -------------------------------------------------------------------
    def _AndExpression(self, node: dict, focus: Expr | None) -> Expr:
        left, right = (self._boolean(child) for child in node["children"])
        return Expr(f"(({left}) AND ({right}))", "value", "BOOLEAN")

    def _OrExpression(self, node: dict, focus: Expr | None) -> Expr:
        left, right = (self._boolean(child) for child in node["children"])
        if node["terminalNodeText"][0] == "xor":
            return Expr(f"(({left}) <> ({right}))", "value", "BOOLEAN")
        return Expr(f"(({left}) OR ({right}))", "value", "BOOLEAN")

    def _ImpliesExpression(self, node: dict, focus: Expr | None) -> Expr:
        left, right = (self._boolean(child) for child in node["children"])
        return Expr(f"((NOT ({left})) OR ({right}))", "value", "BOOLEAN")

    def _EqualityExpression(self, node: dict, focus: Expr | None) -> Expr:
        operator = node["terminalNodeText"][0]
        if operator not in ("=", "!="):
            raise Uncompilable(f"{self.where}: chưa dịch được / not compiled: {operator}")
        left, right = (self.compile(child) for child in node["children"])
        sql = self._compare("=", left, right)
        if operator == "!=":
            sql = f"(NOT {sql})"
        return Expr(sql, "value", "BOOLEAN")

    def _InequalityExpression(self, node: dict, focus: Expr | None) -> Expr:
        left, right = (self.compile(child) for child in node["children"])
        return Expr(self._compare(node["terminalNodeText"][0], left, right), "value", "BOOLEAN")

    def _AdditiveExpression(self, node: dict, focus: Expr | None) -> Expr:
        operator = node["terminalNodeText"][0]
        left, right = (self.compile(child) for child in node["children"])
        if operator == "&" or (left.type == "VARCHAR" and right.type == "VARCHAR"):
            if operator == "-":
                raise Uncompilable(f"{self.where}: chưa dịch được / not compiled: text -")
            a, b = (as_value(side, "VARCHAR", self.where) for side in (left, right))
            if operator == "&":
                return Expr(f"(coalesce({a}, '') || coalesce({b}, ''))", "value", "VARCHAR")
            return Expr(f"(({a}) || ({b}))", "value", "VARCHAR")
        return self._arithmetic(operator, left, right)

    def _MultiplicativeExpression(self, node: dict, focus: Expr | None) -> Expr:
        operator = node["terminalNodeText"][0]
        if operator not in ("*", "/"):
            raise Uncompilable(f"{self.where}: chưa dịch được / not compiled: {operator}")
        left, right = (self.compile(child) for child in node["children"])
        return self._arithmetic(operator, left, right)

    # --- functions -------------------------------------------------------------------
    def _FunctionInvocation(self, node: dict, focus: Expr | None) -> Expr:
        functn = node["children"][0]
        name = _identifier(functn["children"][0])
        params = functn["children"][1]["children"] if len(functn["children"]) > 1 else []
        handler = getattr(self, f"_fn_{name}", None)
        if handler is None:
            raise Uncompilable(f"{self.where}: chưa dịch được hàm / not compiled: {name}()")
        return handler(focus or self.this(), params)

    def _of_type(self, left: dict, invocation: dict) -> Expr:
        """ofType(T) on a choice element: `value.ofType(Quantity)` reads `valueQuantity`.
        Only that shape is compiled (a type test of other collections' items is not)."""
        functn = invocation["children"][0]
        params = functn["children"][1]["children"] if len(functn["children"]) > 1 else []
        wanted = type_name(one(params, "ofType", self.where))
        suffix = wanted[:1].upper() + wanted[1:]
        if not (wanted in PRIMITIVES or wanted[:1].isupper()):
            raise Uncompilable(f"{self.where}: ofType({wanted}) chưa dịch / not compiled")
        member = _member_step(left)
        if member is None:
            raise Uncompilable(f"{self.where}: ofType() chỉ sau một phần tử / only after a member")
        base, name = member
        if base is None:
            return self.compile({"type": "MemberInvocation", "children": [_ident(name + suffix)]})
        return self.member(self.compile(base), name + suffix)

    # --- shared pieces ---------------------------------------------------------------
    def _boolean(self, node: dict) -> str:
        return as_boolean(self.compile(node), self.where)

    def _number(self, expr: Expr) -> Expr:
        if expr.shape == "value" and expr.type in _NUMBERS:
            return expr
        return Expr(as_value(expr, "DOUBLE", self.where), "value", "DOUBLE")

    def _arithmetic(self, operator: str, left: Expr, right: Expr) -> Expr:
        a, b = self._number(left), self._number(right)
        if operator == "/":
            return Expr(
                f"CASE WHEN ({b.sql}) = 0 THEN NULL ELSE CAST({a.sql} AS DOUBLE) / ({b.sql}) END",
                "value",
                "DOUBLE",
            )
        kind = "BIGINT" if a.type == b.type == "BIGINT" else "DOUBLE"
        return Expr(f"(({a.sql}) {operator} ({b.sql}))", "value", kind)

    def _compare(self, operator: str, left: Expr, right: Expr) -> str:
        """FHIRPath comparison: empty on either side is empty; typed sides decide the type
        (numbers numerically, the rest as text — dates as their ISO text)."""
        typed = [side.type for side in (left, right) if side.shape == "value"]
        if not typed:
            a, b = first_item(left), first_item(right)
            numeric = f"json_type({a}) IN {NUMERIC_JSON} AND json_type({b}) IN {NUMERIC_JSON}"
            compared = (
                f"CASE WHEN {numeric} THEN CAST({a} AS DOUBLE) {operator} CAST({b} AS DOUBLE) "
                f"ELSE ({a} ->> '$') {operator} ({b} ->> '$') END"
            )
        else:
            kind = "DOUBLE" if set(typed) <= set(_NUMBERS) and len(set(typed)) > 1 else typed[0]
            if kind in _NUMBERS and any(side.shape != "value" for side in (left, right)):
                kind = "DOUBLE"
            a, b = (self._scalar(side, kind) for side in (left, right))
            compared = f"(({a}) {operator} ({b}))"
        many = [f"len({side.sql}) > 1" for side in (left, right) if side.shape == "list"]
        if many and operator == "=":
            return f"(CASE WHEN {' OR '.join(many)} THEN false ELSE {compared} END)"
        return compared

    def _scalar(self, expr: Expr, sql_type: str) -> str:
        if expr.shape == "value":
            return expr.sql if expr.type == sql_type else f"CAST({expr.sql} AS {sql_type})"
        if expr.shape == "item":
            return json_as(expr.sql, sql_type)
        item = f"({expr.sql})[1]"
        return f"CASE WHEN len({expr.sql}) = 1 THEN {json_as(item, sql_type)} END"


def _identifier(node: dict) -> str:
    text = node.get("text") or node["terminalNodeText"][0]
    if text.startswith("`") and text.endswith("`"):
        return text[1:-1]
    return text


def _ident(name: str) -> dict:
    return {"type": "Identifier", "text": name, "terminalNodeText": [name]}


def _function_name(invocation: dict) -> str | None:
    if invocation.get("type") != "FunctionInvocation":
        return None
    return _identifier(invocation["children"][0]["children"][0])


def _member_step(node: dict) -> tuple[dict | None, str] | None:
    """(what precedes, member name) when `node` ends in a member step, else None."""
    if node.get("type") == "TermExpression":
        term = node["children"][0]
        if term.get("type") == "InvocationTerm":
            inner = term["children"][0]
            if inner.get("type") == "MemberInvocation":
                return None, _identifier(inner["children"][0])
        return None
    if node.get("type") == "InvocationExpression":
        base, invocation = node["children"]
        if invocation.get("type") == "MemberInvocation":
            return base, _identifier(invocation["children"][0])
    return None


def _unescape(text: str) -> str:
    escapes = {
        "'": "'",
        '"': '"',
        "`": "`",
        "\\": "\\",
        "/": "/",
        "n": "\n",
        "t": "\t",
        "r": "\r",
        "f": "\f",
    }
    out, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            nxt = text[index + 1]
            if nxt == "u" and index + 5 < len(text):
                out.append(chr(int(text[index + 2 : index + 6], 16)))
                index += 6
                continue
            out.append(escapes.get(nxt, nxt))
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)
