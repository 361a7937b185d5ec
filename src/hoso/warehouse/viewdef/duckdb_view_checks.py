"""The structural checks the SQL compiler needs before it translates a ViewDefinition.

The full validation of a ViewDefinition is `hoso.warehouse.viewdef.model.validate` (the
Python runner's); when it is present it runs first. These checks are the ones the
compiler relies on — a resource type, selects that are objects, paths that are strings,
column names, constants with one value — so that a malformed view is a ViewError naming
the place, never a SQL error or an IndexError.
"""

from __future__ import annotations

import re
from typing import Any

from hoso.warehouse.viewdef import ViewError
from hoso.warehouse.viewdef.duckdb_values import Uncompilable, quote_text

try:  # the runner's validation lands with the runner (helper A's branch); until then ours
    from hoso.warehouse.viewdef.model import validate as _model_validate  # type: ignore
except ImportError:  # pragma: no cover - depends on the merge order
    _model_validate = None

_COLUMN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESOURCE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
_MAX_DEPTH = 16

# A constant's value[x] → (SQL literal maker, SQL type).
_TEXT = (
    "valueString",
    "valueCode",
    "valueId",
    "valueUri",
    "valueUrl",
    "valueCanonical",
    "valueOid",
    "valueUuid",
    "valueMarkdown",
    "valueBase64Binary",
    "valueDate",
    "valueDateTime",
    "valueInstant",
    "valueTime",
)
_INTEGERS = ("valueInteger", "valuePositiveInt", "valueUnsignedInt", "valueInteger64")


def check_view(view: object) -> None:
    if _model_validate is not None:
        _model_validate(view)
    if not isinstance(view, dict):
        raise ViewError("ViewDefinition phải là một đối tượng JSON / must be a JSON object")
    resource = view.get("resource")
    if not isinstance(resource, str) or not _RESOURCE.match(resource):
        raise ViewError("resource: thiếu hoặc sai loại tài nguyên / missing or invalid resource")
    selects = view.get("select")
    if not isinstance(selects, list) or not selects:
        raise ViewError("select: cần ít nhất một select / at least one select is required")
    for n, node in enumerate(selects):
        _check_select(node, f"select[{n}]", 0)
    for n, clause in enumerate(_list(view, "where", "where")):
        if not isinstance(clause, dict) or not isinstance(clause.get("path"), str):
            raise ViewError(f"where[{n}].path: cần một chuỗi FHIRPath / must be a string")
    constant_values(view)


def _check_select(node: object, at: str, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise ViewError(f"{at}: select lồng quá sâu / selects nested too deep")
    if not isinstance(node, dict):
        raise ViewError(f"{at}: select phải là một đối tượng / must be an object")
    present = [key for key in ("forEach", "forEachOrNull", "repeat") if key in node]
    if len(present) > 1:
        raise ViewError(f"{at}: chỉ một trong {', '.join(present)} / only one of them")
    for key in ("forEach", "forEachOrNull"):
        if key in node and not isinstance(node[key], str):
            raise ViewError(f"{at}.{key}: cần một chuỗi FHIRPath / must be a string")
    repeat = node.get("repeat")
    if "repeat" in node and not (
        isinstance(repeat, list) and repeat and all(isinstance(p, str) for p in repeat)
    ):
        raise ViewError(f"{at}.repeat: cần một mảng chuỗi FHIRPath / must be a list of paths")
    for n, column in enumerate(_list(node, "column", at)):
        where = f"{at}.column[{n}]"
        if not isinstance(column, dict):
            raise ViewError(f"{where}: cột phải là một đối tượng / must be an object")
        name = column.get("name")
        if not isinstance(name, str) or not _COLUMN_NAME.match(name):
            raise ViewError(f"{where}.name: tên cột không hợp lệ / invalid column name")
        if not isinstance(column.get("path"), str):
            raise ViewError(f"{where}.path: cần một chuỗi FHIRPath / must be a string")
        if "collection" in column and not isinstance(column["collection"], bool):
            raise ViewError(f"{where}.collection: cần true/false / must be a boolean")
    for key in ("select", "unionAll"):
        for n, child in enumerate(_list(node, key, at)):
            _check_select(child, f"{at}.{key}[{n}]", depth + 1)


def _list(body: dict[str, Any], key: str, at: str) -> list[Any]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ViewError(f"{at}.{key}: cần một mảng / must be an array")
    return value


def constant_values(view: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """The view's constants: name → (SQL literal, SQL type)."""
    constants: dict[str, tuple[str, str]] = {}
    for n, constant in enumerate(_list(view, "constant", "constant")):
        at = f"constant[{n}]"
        if not isinstance(constant, dict) or not isinstance(constant.get("name"), str):
            raise ViewError(f"{at}.name: thiếu tên hằng số / constant name missing")
        values = [key for key in constant if key.startswith("value")]
        if len(values) != 1:
            raise ViewError(f"{at}: hằng số cần đúng một value[x] / needs exactly one value[x]")
        key, value = values[0], constant[values[0]]
        constants[constant["name"]] = _literal(key, value, at)
    return constants


def _literal(key: str, value: object, at: str) -> tuple[str, str]:
    if key in _TEXT and isinstance(value, str):
        return quote_text(value), "VARCHAR"
    if key == "valueBoolean" and isinstance(value, bool):
        return ("true" if value else "false"), "BOOLEAN"
    if key in _INTEGERS and isinstance(value, int) and not isinstance(value, bool):
        return f"CAST({value} AS BIGINT)", "BIGINT"
    if key == "valueDecimal" and isinstance(value, int | float) and not isinstance(value, bool):
        return f"CAST({float(value)!r} AS DOUBLE)", "DOUBLE"
    if key in _TEXT or key in _INTEGERS or key in ("valueBoolean", "valueDecimal"):
        raise ViewError(f"{at}.{key}: giá trị sai kiểu / value of the wrong type")
    raise Uncompilable(f"{at}.{key}: hằng số kiểu này chưa dịch / constant type not compiled")
