"""A ViewDefinition parsed and checked before anything runs (SQL on FHIR v2, the
`ViewDefinition` logical model and the suite's tests.schema.json).

`parse_view(view)` turns the JSON dict into frozen dataclasses whose FHIRPath
expressions are already parsed (each expression is parsed once per view, whatever the
number of resources); `validate(view)` does the same and keeps nothing. Every problem is a
`ViewError` whose message starts with the JSON path of what is wrong
(`select[0].column[1].path`), Vietnamese first, then English.

What the spec leaves to run time (a `where` path that is not boolean, a non-collection
column that meets several values) is checked by the runner, per resource.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hoso.fhir.references import RESOURCE_TYPES
from hoso.warehouse.viewdef import ViewError
from hoso.warehouse.viewdef.fhirpath import Expression, FhirPathSyntaxError, parse_expression

__all__ = ["Column", "Constant", "Select", "ViewDefinition", "parse_view", "validate"]

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# A view nested deeper than this is not a view someone wrote: refuse it rather than
# recurse until the interpreter's stack runs out.
TYPE = re.compile(r"^[A-Za-z][\w.:/-]*$")  # a FHIR type name or a type's URL
MAX_DEPTH = 32
MAX_EXPRESSION = 4_000
# Constants the runner itself provides (FHIRPath's environment plus the spec's).
BUILTIN_CONSTANTS = frozenset({"rowIndex", "resource", "rootResource", "context", "ucum"})

# value[x] of ViewDefinition.constant: the FHIR primitive types the spec lists, each with
# the JSON type its value must have.
CONSTANT_TYPES: dict[str, tuple[type, ...]] = {
    "valueBase64Binary": (str,),
    "valueBoolean": (bool,),
    "valueCanonical": (str,),
    "valueCode": (str,),
    "valueDate": (str,),
    "valueDateTime": (str,),
    "valueDecimal": (int, float),
    "valueId": (str,),
    "valueInstant": (str,),
    "valueInteger": (int,),
    "valueInteger64": (int, str),
    "valueOid": (str,),
    "valueString": (str,),
    "valuePositiveInt": (int,),
    "valueTime": (str,),
    "valueUnsignedInt": (int,),
    "valueUri": (str,),
    "valueUrl": (str,),
    "valueUuid": (str,),
}

# The ViewDefinition's own elements (its metadata is accepted and ignored): anything
# else is a typo worth an error rather than a silently ignored key.
VIEW_KEYS = frozenset({
    "resourceType", "id", "meta", "implicitRules", "language", "text", "contained",
    "extension", "modifierExtension", "url", "identifier", "version", "name", "title",
    "status", "experimental", "date", "publisher", "contact", "description", "useContext",
    "copyright", "profile", "resource", "fhirVersion", "constant", "select", "where",
})  # fmt: skip
SELECT_KEYS = frozenset(
    {"id", "extension", "column", "select", "forEach", "forEachOrNull", "repeat", "unionAll"}
)
COLUMN_KEYS = frozenset(
    {"id", "extension", "name", "path", "description", "collection", "type", "tag"}
)
WHERE_KEYS = frozenset({"id", "extension", "path", "description"})
CONSTANT_KEYS = frozenset({"id", "extension", "name"})


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    path: Expression
    type: str | None
    collection: bool
    at: str


@dataclass(frozen=True, slots=True)
class Select:
    """One `select` element. `iterate` is the forEach / forEachOrNull expression;
    `repeat` the paths followed recursively; `names` the columns its rows carry, in
    order (its own columns, then the nested selects', then the unionAll's)."""

    columns: tuple[Column, ...]
    selects: tuple[Select, ...]
    union_all: tuple[Select, ...]
    iterate: Expression | None
    or_null: bool
    repeat: tuple[Expression, ...]
    names: tuple[str, ...]
    at: str


@dataclass(frozen=True, slots=True)
class Constant:
    name: str
    kind: str  # the FHIR type, e.g. "date" for valueDate
    value: Any


@dataclass(frozen=True, slots=True)
class ViewDefinition:
    resource: str
    constants: tuple[Constant, ...]
    select: Select  # the view itself, as a select with no columns of its own
    where: tuple[Expression, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return self.select.names


def validate(view: object) -> None:
    """Raise `ViewError` naming the first thing wrong with `view`; return if it is valid."""
    parse_view(view)


def parse_view(view: object) -> ViewDefinition:
    """The ViewDefinition `view` (a JSON object) parsed, every expression included."""
    body = _object(view, "ViewDefinition")
    _known_keys(body, VIEW_KEYS, "")
    resource = body.get("resource")
    if not isinstance(resource, str) or not NAME.match(resource):
        raise _error("resource", "thiếu hoặc sai loại tài nguyên", "missing or invalid resource")
    if resource not in RESOURCE_TYPES:  # a typo ("Patinet") would give no rows, silently
        raise _error(
            "resource",
            f"{resource} không phải loại tài nguyên FHIR R4",
            f"{resource} is not an R4 resource type",
        )
    constants = tuple(_constant(c, f"constant[{i}]") for i, c in _items(body, "constant", ""))
    names = [c.name for c in constants]
    if len(set(names)) != len(names):
        raise _error("constant", "tên hằng số trùng nhau", "duplicate constant names")
    known = BUILTIN_CONSTANTS | set(names)
    selects = tuple(
        _select(s, f"select[{i}]", known, 1) for i, s in _items(body, "select", "", required=True)
    )
    where = []
    for i, item in _items(body, "where", ""):
        at = f"where[{i}]"
        _known_keys(_object(item, at), WHERE_KEYS, at)
        where.append(_expression(item.get("path"), f"{at}.path", known))
    root = Select((), selects, (), None, False, (), _names((), selects, (), ""), "")
    return ViewDefinition(resource, constants, root, tuple(where))


def _select(raw: object, at: str, known: set[str] | frozenset[str], depth: int) -> Select:
    if depth > MAX_DEPTH:
        raise _error(at, f"lồng quá {MAX_DEPTH} cấp", f"nested deeper than {MAX_DEPTH}")
    body = _object(raw, at)
    _known_keys(body, SELECT_KEYS, at)
    iterators = [k for k in ("forEach", "forEachOrNull", "repeat") if k in body]
    if len(iterators) > 1:
        raise _error(
            at, f"chỉ được một trong {', '.join(iterators)}", f"only one of {', '.join(iterators)}"
        )
    iterate = None
    if "forEach" in body or "forEachOrNull" in body:
        key = "forEach" if "forEach" in body else "forEachOrNull"
        iterate = _expression(body[key], f"{at}.{key}", known)
    repeat: tuple[Expression, ...] = ()
    if "repeat" in body:
        paths = body["repeat"]
        if not isinstance(paths, list) or not paths:
            raise _error(f"{at}.repeat", "phải là danh sách đường dẫn", "must be a list of paths")
        repeat = tuple(_expression(p, f"{at}.repeat[{i}]", known) for i, p in enumerate(paths))
    columns = tuple(_column(c, f"{at}.column[{i}]", known) for i, c in _items(body, "column", at))
    selects = tuple(
        _select(s, f"{at}.select[{i}]", known, depth + 1) for i, s in _items(body, "select", at)
    )
    union = tuple(
        _select(s, f"{at}.unionAll[{i}]", known, depth + 1) for i, s in _items(body, "unionAll", at)
    )
    if not columns and not selects and not union and iterate is None and not repeat:
        raise _error(at, "select rỗng", "empty select")
    for i, branch in enumerate(union[1:], start=1):
        if branch.names != union[0].names:
            raise _error(
                f"{at}.unionAll[{i}]",
                f"các nhánh unionAll phải có cùng cột theo cùng thứ tự {list(union[0].names)}",
                f"unionAll branches must have the same columns in the same order "
                f"{list(union[0].names)}",
            )
    names = _names(columns, selects, union, at)
    return Select(columns, selects, union, iterate, "forEachOrNull" in body, repeat, names, at)


def _names(
    columns: tuple[Column, ...], selects: tuple[Select, ...], union: tuple[Select, ...], at: str
) -> tuple[str, ...]:
    names = [c.name for c in columns]
    for s in selects:
        names.extend(s.names)
    if union:
        names.extend(union[0].names)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _error(at or "select", f"tên cột trùng: {name}", f"duplicate column name: {name}")
        seen.add(name)
    return tuple(names)


def _column(raw: object, at: str, known: set[str] | frozenset[str]) -> Column:
    body = _object(raw, at)
    _known_keys(body, COLUMN_KEYS, at)
    name = body.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise _error(
            f"{at}.name",
            f"tên cột không hợp lệ {name!r} (chữ cái, rồi chữ, số hoặc _)",
            f"invalid column name {name!r} (a letter, then letters, digits or _)",
        )
    collection = body.get("collection", False)
    if not isinstance(collection, bool):
        raise _error(f"{at}.collection", "phải là true/false", "must be true or false")
    kind = body.get("type")
    if kind is not None and (not isinstance(kind, str) or not TYPE.match(kind)):
        raise _error(f"{at}.type", "kiểu FHIR không hợp lệ", "invalid FHIR type")
    return Column(name, _expression(body.get("path"), f"{at}.path", known), kind, collection, at)


def _constant(raw: object, at: str) -> Constant:
    body = _object(raw, at)
    name = body.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise _error(f"{at}.name", "tên hằng số không hợp lệ", "invalid constant name")
    values = [k for k in body if k.startswith("value")]
    if len(values) != 1:
        raise _error(at, "cần đúng một value[x]", "needs exactly one value[x]")
    key = values[0]
    _known_keys(body, CONSTANT_KEYS | {key}, at)
    if key not in CONSTANT_TYPES:
        raise _error(f"{at}.{key}", "kiểu hằng số không hỗ trợ", "unsupported constant type")
    value = body[key]
    if isinstance(value, bool) != (key == "valueBoolean") or not isinstance(
        value, CONSTANT_TYPES[key]
    ):
        raise _error(f"{at}.{key}", "giá trị sai kiểu", "value of the wrong type")
    kind = key[len("value") :]
    return Constant(name, kind[0].lower() + kind[1:], value)


def _expression(raw: object, at: str, known: set[str] | frozenset[str]) -> Expression:
    if not isinstance(raw, str) or not raw.strip():
        raise _error(at, "phải là một biểu thức FHIRPath (chuỗi)", "must be a FHIRPath string")
    if len(raw) > MAX_EXPRESSION:
        raise _error(at, f"biểu thức dài quá {MAX_EXPRESSION} ký tự",
                     f"expression longer than {MAX_EXPRESSION} characters")  # fmt: skip
    try:
        expression = parse_expression(raw)
    except FhirPathSyntaxError as exc:
        raise _error(at, "FHIRPath sai cú pháp", f"invalid FHIRPath ({exc})") from None
    unknown = sorted(expression.constants - known)
    if unknown:
        raise _error(
            at, f"hằng số chưa khai báo %{unknown[0]}", f"undefined constant %{unknown[0]}"
        )
    return expression


def _object(raw: object, at: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise _error(at, "phải là một đối tượng JSON", "must be a JSON object")
    return raw


def _items(body: Mapping[str, Any], key: str, at: str, *, required: bool = False):
    where = f"{at}.{key}" if at else key
    raw = body.get(key)
    if raw is None:
        if required:
            raise _error(where, "bắt buộc", "required")
        return []
    if not isinstance(raw, list) or (required and not raw):
        raise _error(where, "phải là danh sách (không rỗng)", "must be a (non-empty) list")
    return list(enumerate(raw))


def _known_keys(body: Mapping[str, Any], allowed: frozenset[str], at: str) -> None:
    for key in body:
        if key not in allowed:
            where = f"{at}.{key}" if at else str(key)
            raise _error(where, "khóa không được biết", "unknown key")


def _error(at: str, vietnamese: str, english: str) -> ViewError:
    return ViewError(f"{at or 'ViewDefinition'}: {vietnamese} / {english}")
