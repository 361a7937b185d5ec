"""PATCH bodies (https://hl7.org/fhir/R4/http.html#patch): JSON Patch (RFC 6902) and
FHIRPath Patch (https://hl7.org/fhir/R4/fhirpatch.html), both as a `Patch` that turns
the current resource into the next one. Whoever writes the result (the access layer)
checks `If-Match` before applying, and stores the result as a whole new version.

FHIRPath Patch paths are resolved to places in the JSON, not just evaluated: a path is
a chain of element names with `[n]`, `first()`, `last()`, `where(criteria)` and
`ofType(Type)`; the criteria are FHIRPath, evaluated by fhirpathpy on each candidate.
That covers the paths the specification's examples and the common clients use; any
other function is refused with 400 naming the path.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Protocol

import fhirpathpy
import jsonpatch

from hoso.core.errors import InvalidRequest, PayloadTooLarge
from hoso.fhir.fastpath import split_outside_parens
from hoso.fhir.json_walk import element_repeats

__all__ = ["FhirPathPatch", "JsonPatch", "Patch", "parse_fhirpath_patch", "parse_json_patch"]

_OPERATION = "Parameters.parameter.where(name='operation')"
_INDEXED = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)(?:\[(\d{1,6})\])?$")
_CALL = re.compile(r"^([a-zA-Z]+)\((.*)\)$", re.DOTALL)


class Patch(Protocol):
    def apply(self, resource: dict[str, Any]) -> Any:
        """The patched copy of `resource` (which is left unchanged)."""
        ...


def _failed(detail: str, expression: str = _OPERATION) -> InvalidRequest:
    return InvalidRequest(
        f"Không áp dụng được bản vá: {detail} / The patch could not be applied: {detail}",
        code="processing",
        expression=[expression],
    )


@dataclass(frozen=True)
class JsonPatch:
    operations: list[Any]

    def apply(self, resource: dict[str, Any]) -> Any:
        try:
            return jsonpatch.apply_patch(resource, self.operations)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError) as exc:
            raise _failed(str(exc), "$") from None


def parse_json_patch(body: Any, max_operations: int) -> JsonPatch:
    if not isinstance(body, list):
        raise InvalidRequest("JSON Patch phải là một mảng / JSON Patch must be an array")
    _check_count(len(body), max_operations)
    return JsonPatch(body)


def _check_count(count: int, max_operations: int) -> None:
    if count > max_operations:
        raise PayloadTooLarge(
            f"Bản vá có {count} thao tác, vượt giới hạn {max_operations} / The patch has "
            f"{count} operations, over the limit of {max_operations}"
        )


# -- FHIRPath Patch ---------------------------------------------------------------------
@dataclass(frozen=True)
class Operation:
    type: str
    path: str
    name: str | None = None
    value: Any = None
    index: int | None = None
    source: int | None = None
    destination: int | None = None
    where: str = _OPERATION


@dataclass(frozen=True)
class FhirPathPatch:
    operations: tuple[Operation, ...]

    def apply(self, resource: dict[str, Any]) -> Any:
        result = copy.deepcopy(resource)
        for op in self.operations:
            _APPLY[op.type](result, op)
        _prune(result)
        return result


def _prune(node: Any) -> bool:
    """Drop the arrays and objects a delete left empty (FHIR JSON has none); True when
    `node` itself is now empty."""
    if isinstance(node, dict):
        for key in [k for k, v in node.items() if isinstance(v, dict | list) and _prune(v)]:
            del node[key]
        return not node
    if isinstance(node, list):
        node[:] = [v for v in node if not (isinstance(v, dict | list) and _prune(v))]
        return not node
    return False


def parse_fhirpath_patch(body: Any, max_operations: int) -> FhirPathPatch:
    """A `Parameters` resource of `operation` parameters."""
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise InvalidRequest(
            "FHIRPath Patch phải là một Parameters / A FHIRPath Patch must be a Parameters",
            expression=["resourceType"],
        )
    params = body.get("parameter") or []
    if not isinstance(params, list):
        raise InvalidRequest("Parameters.parameter phải là mảng / must be an array",
                             expression=["Parameters.parameter"])  # fmt: skip
    _check_count(len(params), max_operations)
    return FhirPathPatch(tuple(_operation(p, i) for i, p in enumerate(params)))


def _operation(param: Any, i: int) -> Operation:
    where = f"Parameters.parameter[{i}]"
    if not isinstance(param, dict) or param.get("name") != "operation":
        raise InvalidRequest("Mỗi tham số phải tên là 'operation' / Every parameter must be "
                             "named 'operation'", expression=[where])  # fmt: skip
    parts: dict[str, Any] = {}
    for part in param.get("part") or []:
        if isinstance(part, dict) and isinstance(part.get("name"), str):
            parts[part["name"]] = part
    kind = _primitive(parts.get("type"))
    path = _primitive(parts.get("path"))
    if kind not in _APPLY or not isinstance(path, str) or not path:
        raise InvalidRequest(
            "Thao tác cần type (add, insert, delete, replace, move) và path / An operation "
            "needs a type (add, insert, delete, replace, move) and a path",
            expression=[where],
        )
    value = _value(parts["value"], f"{where}.part") if "value" in parts else None
    if kind in ("add", "insert", "replace") and "value" not in parts:
        raise InvalidRequest(f"'{kind}' cần value / '{kind}' needs a value", expression=[where])
    name = _primitive(parts.get("name"))
    if kind == "add" and not isinstance(name, str):
        raise InvalidRequest("'add' cần name / 'add' needs a name", expression=[where])
    index, source = _int(parts, "index", where), _int(parts, "source", where)
    destination = _int(parts, "destination", where)
    return Operation(kind, path, name, value, index, source, destination, where)


def _primitive(part: Any) -> Any:
    if not isinstance(part, dict):
        return None
    return next((v for k, v in part.items() if k.startswith("value")), None)


def _int(parts: dict[str, Any], name: str, where: str) -> int | None:
    if name not in parts:
        return None
    value = _primitive(parts[name])
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequest(f"'{name}' phải là số nguyên ≥ 0 / '{name}' must be an integer ≥ 0",
                             expression=[where])  # fmt: skip
    return value


def _value(part: dict[str, Any], where: str) -> Any:
    """`value[x]`, or `part`s making up a complex or backbone element."""
    found = [v for k, v in part.items() if k.startswith("value")]
    if found:
        return found[0]
    built: dict[str, Any] = {}
    for child in part.get("part") or []:
        if isinstance(child, dict) and isinstance(child.get("name"), str):
            built[child["name"]] = _value(child, where)
    if not built:
        raise InvalidRequest("value trống / The value is empty", expression=[where])
    return built


# -- paths to places --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Place:
    """Where an element sits: `container[key]` (a dict and its key, or a list and an
    index), and the JSON keys from the resource to it (the element's definition path)."""

    container: Any
    key: Any
    keys: tuple[str, ...]

    def get(self) -> Any:
        return self.container[self.key]


def _get(place: Place) -> Any:
    return place.get()


def resolve(resource: dict[str, Any], path: str, where: str = _OPERATION) -> list[Place]:
    """The places `path` names in `resource`, in document order; errors name `where`."""
    steps = split_outside_parens(path, ".")
    if steps and steps[0] == resource.get("resourceType"):
        steps = steps[1:]
    places: list[Place] = [Place({"$": resource}, "$", ())]
    for step in steps:
        places = _step(places, step.strip(), path, where)
    return places


def _step(places: list[Place], step: str, path: str, where: str) -> list[Place]:
    call = _CALL.match(step)
    if call:
        name, argument = call.group(1), call.group(2).strip()
        if name == "first" and not argument:
            return places[:1]
        if name == "last" and not argument:
            return places[-1:]
        if name == "where" and argument:
            return [p for p in places if _holds(_get(p), argument, path, where)]
        if name == "ofType" and argument:
            return [p for p in places if _is_type(p, argument)]
        raise _failed(f"đường dẫn '{path}' dùng hàm không hỗ trợ '{name}()' / path uses an "
                      f"unsupported function '{name}()'", where)  # fmt: skip
    match = _INDEXED.match(step)
    if match is None:
        raise _failed(f"đường dẫn không hợp lệ '{path}' / invalid path '{path}'", where)
    name, index = match.group(1), match.group(2)
    found: list[Place] = []
    for place in places:
        node = _get(place)
        if not isinstance(node, dict):
            continue
        key = name if name in node else _choice_key(node, name)
        if key is None:
            continue
        child, keys = node[key], (*place.keys, key)
        if isinstance(child, list):
            found.extend(Place(child, i, keys) for i in range(len(child)))
        else:
            found.append(Place(node, key, keys))
    if index is not None:
        i = int(index)
        return found[i : i + 1]
    return found


def _choice_key(node: dict[str, Any], name: str) -> str | None:
    """`value` names `valueQuantity`, `valueString`…: a choice element in JSON."""
    return next((k for k in node if k.startswith(name) and k[len(name):][:1].isupper()), None)


def _is_type(place: Place, type_name: str) -> bool:
    key = place.key
    if isinstance(key, str):
        return key.endswith(type_name[:1].upper() + type_name[1:])
    node = _get(place)
    return isinstance(node, dict) and node.get("resourceType") == type_name


def _holds(node: Any, criteria: str, path: str, where: str) -> bool:
    try:
        return fhirpathpy.evaluate(node, criteria) == [True]
    except Exception as exc:  # fhirpathpy raises many kinds for a malformed expression
        raise _failed(f"điều kiện không hợp lệ trong '{path}' / invalid criteria in '{path}'",
                      where) from exc  # fmt: skip


def _one(resource: dict[str, Any], op: Operation) -> Place:
    places = resolve(resource, op.path, op.where)
    if len(places) != 1:
        raise _failed(
            f"'{op.path}' khớp {len(places)} phần tử, cần đúng một / '{op.path}' matches "
            f"{len(places)} elements, exactly one is needed",
            op.where,
        )
    return places[0]


def _list_at(resource: dict[str, Any], op: Operation) -> list[Any]:
    """The array a path names (insert, move): the container of its items."""
    places = resolve(resource, op.path, op.where)
    containers = {id(p.container): p.container for p in places if isinstance(p.container, list)}
    if len(containers) != 1:
        raise _failed(f"'{op.path}' không chỉ tới một danh sách / '{op.path}' does not name "
                      "one list", op.where)  # fmt: skip
    return next(iter(containers.values()))


def _add(resource: dict[str, Any], op: Operation) -> None:
    place = _one(resource, op)
    node = place.get()
    if not isinstance(node, dict):
        raise _failed(f"'{op.path}' không phải phần tử phức hợp / is not a complex element",
                      op.where)  # fmt: skip
    assert op.name is not None
    current = node.get(op.name)
    if current is None:
        rtype = str(resource.get("resourceType", ""))
        repeats = element_repeats(rtype, place.keys, op.name)
        node[op.name] = [op.value] if repeats else op.value
    elif isinstance(current, list):
        current.append(op.value)
    else:
        raise _failed(f"'{op.path}.{op.name}' đã có giá trị / already has a value", op.where)


def _insert(resource: dict[str, Any], op: Operation) -> None:
    items = _list_at(resource, op)
    index = op.index if op.index is not None else len(items)
    if index > len(items):
        raise _failed(f"index {index} ngoài danh sách / index {index} is past the list", op.where)
    items.insert(index, op.value)


def _delete(resource: dict[str, Any], op: Operation) -> None:
    places = resolve(resource, op.path, op.where)
    if not places:
        return  # R4: deleting nothing is not an error
    if len(places) > 1:
        raise _failed(f"'{op.path}' khớp nhiều phần tử / matches several elements", op.where)
    del places[0].container[places[0].key]


def _replace(resource: dict[str, Any], op: Operation) -> None:
    place = _one(resource, op)
    place.container[place.key] = op.value


def _move(resource: dict[str, Any], op: Operation) -> None:
    items = _list_at(resource, op)
    source, destination = op.source, op.destination
    if source is None or destination is None or max(source, destination) >= len(items):
        raise _failed("move cần source và destination trong danh sách / move needs a source "
                      "and a destination inside the list", op.where)  # fmt: skip
    items.insert(destination, items.pop(source))


_APPLY = {"add": _add, "insert": _insert, "delete": _delete, "replace": _replace, "move": _move}
