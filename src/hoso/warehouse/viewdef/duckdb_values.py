"""FHIRPath values as DuckDB SQL: the shapes the SQL compiler gives them and the casts
between them.

A value is one of two shapes:

- `list`: a FHIRPath collection as `JSON[]` — member steps flatten arrays, as FHIRPath
  does (`name.given` is every given name of every name), JSON nulls are dropped;
- `value`: a typed SQL scalar (`VARCHAR`, `BOOLEAN`, `BIGINT`, `DOUBLE`), SQL NULL standing
  for the empty collection — the result of `exists()`, `=`, `join()`, literals, constants.

Anything outside the supported subset raises `Uncompilable`, so that the caller falls back
to the Python runner rather than return different rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from antlr4 import CommonTokenStream, InputStream, ParseTreeWalker, Token
from antlr4.error.ErrorListener import ErrorListener
from antlr4.error.Errors import RecognitionException
from fhirpathpy.parser.ASTPathListener import ASTPathListener
from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser

from hoso.warehouse.viewdef import ViewError

LIST = "JSON[]"
EMPTY = "[]::JSON[]"
MAX_PATH_LENGTH = 4096
NUMERIC_JSON = "('UBIGINT', 'BIGINT', 'DOUBLE')"

# A FHIRPath type named in ofType() → the suffix of the choice element (value[x] → valueQuantity).
PRIMITIVES = (
    "boolean",
    "integer",
    "string",
    "decimal",
    "uri",
    "url",
    "canonical",
    "base64Binary",
    "instant",
    "date",
    "dateTime",
    "time",
    "code",
    "oid",
    "id",
    "markdown",
    "unsignedInt",
    "positiveInt",
    "uuid",
    "integer64",
)


class Uncompilable(NotImplementedError):
    """A construct the SQL compiler does not translate (the message names it); the caller
    evaluates the view with the Python runner instead."""


@dataclass(frozen=True)
class Expr:
    """A compiled FHIRPath value. `shape`: "list" (`JSON[]`), "item" (one JSON value, NULL
    meaning empty) or "value" (a typed scalar, `type`, NULL meaning empty). `model` is the
    FHIR model of the items when known; `base` and `steps` the JSON and the member steps
    (name, repeats) it was read from, so that the next member step extends one JSONPath."""

    sql: str
    shape: str
    type: str = "JSON"
    model: Any = None
    base: str | None = None
    steps: tuple[tuple[str, bool], ...] = ()
    kind: str | None = None  # a temporal primitive's FHIR type (date, dateTime, instant, time)


@dataclass
class Scope:
    """Where an expression is evaluated: `this` is the context item (a JSON SQL expression,
    NULL for forEachOrNull's empty row) of FHIR model `model` (None if unknown),
    `row_index` the nearest forEach's index."""

    this: str
    row_index: str
    resource: str
    resource_type: str
    constants: dict[str, Expr]
    names: Callable[[], str] = field(repr=False, default=lambda: "x")
    model: Any = None
    resource_model: Any = None
    root_paths: str | None = None

    def root_path(self, path_literal: str, text: bool = False) -> str:
        """A JSONPath read from the resource itself: a placeholder the view compiler turns
        into `paths[i]` (JSON) or `texts[i]` (a primitive's text), the i-th path the query
        extracts from each resource at once (only the paths the final SQL uses;
        `root_paths` is the compile's unguessable marker)."""
        assert self.root_paths is not None
        kind = "t" if text else "j"
        return f"{self.root_paths}{kind}{path_literal}{self.root_paths}"

    def within(self, item: str, model: Any, row_index: str | None = None) -> Scope:
        """The scope of the items of a collection (where(), forEach)."""
        return replace(self, this=item, model=model, row_index=row_index or self.row_index)


def quote_text(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


class _RaiseOnSyntaxError(ErrorListener):
    """fhirpathpy's own `parse` recovers from syntax errors silently (`name.(` parses);
    the compiler must refuse them, so the same generated parser runs with this listener."""

    def syntaxError(  # antlr's name
        self,
        recognizer: object,
        offendingSymbol: object,
        line: int,
        column: int,
        msg: str,
        e: object,
    ) -> None:
        raise SyntaxError(f"column {column}: {msg}")


def parse(path: str, where: str) -> dict[str, Any]:
    """The fhirpathpy tree of `path`; a syntax error is the view's fault (ViewError)."""
    if not isinstance(path, str) or not path.strip():
        raise ViewError(f"{where}: biểu thức FHIRPath rỗng / empty FHIRPath expression")
    if len(path) > MAX_PATH_LENGTH:
        raise ViewError(f"{where}: biểu thức FHIRPath quá dài / FHIRPath expression too long")
    listener = _RaiseOnSyntaxError()
    try:
        lexer = FHIRPathLexer(InputStream(path))
        lexer.removeErrorListeners()
        lexer.addErrorListener(listener)
        tokens = CommonTokenStream(lexer)
        parser = FHIRPathParser(tokens)
        parser.removeErrorListeners()
        parser.addErrorListener(listener)
        tree = parser.expression()
        if tokens.LA(1) != Token.EOF:
            raise SyntaxError("unexpected text after the expression")
        builder = ASTPathListener()
        ParseTreeWalker().walk(builder, tree)
    except RecursionError as error:
        raise ViewError(f"{where}: biểu thức lồng quá sâu / expression nested too deep") from error
    except (SyntaxError, RecognitionException) as error:
        raise ViewError(
            f"{where}: biểu thức FHIRPath sai cú pháp / invalid FHIRPath {path[:80]!r}: {error}"
        ) from error
    children = builder.parentStack[0].get("children") or []
    if len(children) != 1:
        raise ViewError(f"{where}: biểu thức FHIRPath sai cú pháp / invalid FHIRPath {path[:80]!r}")
    return children[0]


def items_of(json_sql: str) -> str:
    """A JSON value as a FHIRPath collection: an array's non-null items, else the value."""
    return (
        f"CASE WHEN {json_sql} IS NULL THEN {EMPTY} WHEN json_type({json_sql}) = 'ARRAY' "
        f"THEN list_filter(CAST({json_sql} AS {LIST}), lambda n: json_type(n) <> 'NULL') "
        f"WHEN json_type({json_sql}) = 'NULL' THEN {EMPTY} ELSE [{json_sql}] END"
    )


def as_list(expr: Expr) -> str:
    if expr.shape == "list":
        return expr.sql
    if expr.shape == "item":
        return f"list_filter([{expr.sql}], lambda n: n IS NOT NULL)"
    return f"CASE WHEN ({expr.sql}) IS NULL THEN {EMPTY} ELSE [to_json({expr.sql})] END"


def first_item(expr: Expr) -> str:
    """The first item of a list or item, as JSON (NULL if empty)."""
    if expr.shape == "list":
        return f"({expr.sql})[1]"
    if expr.shape == "item":
        return expr.sql
    return f"to_json({expr.sql})"


def json_as(item: str, sql_type: str) -> str:
    """One JSON item as a SQL scalar of `sql_type` (JSON strings unquoted)."""
    if sql_type == "VARCHAR":
        return f"({item} ->> '$')"
    if sql_type == "JSON":
        return item
    return f"CAST({item} AS {sql_type})"


def as_value(expr: Expr, sql_type: str, what: str) -> str:
    """A singleton as a typed scalar; more than one item is an error, as the spec says."""
    if expr.shape == "value":
        return expr.sql if expr.type == sql_type else f"CAST({expr.sql} AS {sql_type})"
    if expr.shape == "item":
        return json_as(expr.sql, sql_type)
    message = quote_text(f"{what}: nhiều hơn một giá trị / more than one value")
    return (
        f"CASE WHEN len({expr.sql}) > 1 THEN error({message}) "
        f"ELSE {json_as(f'({expr.sql})[1]', sql_type)} END"
    )


def as_boolean(expr: Expr, what: str, strict: bool = False) -> str:
    """FHIRPath singleton evaluation as a boolean. `strict` (a view's `where`) makes a
    non-boolean item an error instead of true."""
    if expr.shape == "value":
        if expr.type == "BOOLEAN":
            return expr.sql
        if strict:
            raise ViewError(f"{what}: biểu thức không trả về boolean / path is not boolean")
        return f"(({expr.sql}) IS NOT NULL OR NULL)"
    not_boolean = (
        "error(" + quote_text(f"{what}: không phải boolean / not a boolean") + ")"
        if strict
        else "true"
    )
    item = first_item(expr)
    if expr.shape == "item":
        empty = f"{item} IS NULL"
        many = ""
    else:
        empty = f"len({expr.sql}) = 0"
        many = (
            f" WHEN len({expr.sql}) > 1 THEN error("
            + quote_text(f"{what}: nhiều hơn một giá trị / more than one value")
            + ")"
        )
    return (
        f"CASE WHEN {empty} THEN NULL{many} WHEN json_type({item}) = 'BOOLEAN' "
        f"THEN CAST({item} AS BOOLEAN) ELSE {not_boolean} END"
    )


def json_path(steps: tuple[tuple[str, bool], ...], start: str = "$") -> str:
    """The JSONPath of member steps, `[*]` after each repeating one."""
    parts = []
    for name, many in steps:
        parts.append('."' + name.replace('"', "") + '"' + ("[*]" if many else ""))
    return quote_text(start + "".join(parts))
