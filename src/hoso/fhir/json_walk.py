"""The typed walk over raw FHIR JSON that runs before the R4B models see it.

The models are lax about JSON ("true" for a boolean, "1.5" for a decimal, null, [], {}), so
this walk checks what the R4 JSON format requires, dates and R4 code lists included, and
records the R4-only content `hoso.fhir.validation` must hide from the models.
See: hl7.org/fhir/R4/json.html
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.fhirprimitiveextension import FHIRPrimitiveExtension
from fhir.resources.R4B.meta import Meta
from fhir_core.fhirabstractmodel import FHIRAbstractModel

from hoso.core.errors import Issue
from hoso.core.jsonx import is_number
from hoso.fhir.r4_rules import (
    CONTROL_CHARS,
    FORMATS,
    R4_CODES,
    R4_ONLY,
    R4_RESOURCE_TYPES,
    R4_TARGETS,
    R4B_ONLY,
    REFERENCE_TYPE,
    UNBOUND_CODES,
    UNSUPPORTED_R4_TYPES,
)

__all__ = ["BAD", "Loc", "Walk", "fhir_path", "msg", "walk_resource"]


def msg(vi: str, en: str) -> str:
    return f"{vi} / {en}"


BAD = {
    "date": msg("Ngày không hợp lệ", "Invalid date"),
    "dateTime": msg("Ngày giờ không hợp lệ", "Invalid dateTime"),
    "instant": msg(
        "Thời điểm không hợp lệ (cần ngày, giờ, múi giờ)",
        "Invalid instant (date, time and zone required)",
    ),
    "time": msg("Giờ không hợp lệ", "Invalid time"),
    "code": msg("Mã không hợp lệ (khoảng trắng thừa)", "Invalid code (stray whitespace)"),
    "id": msg(
        "id không hợp lệ (1–64 ký tự A-Z a-z 0-9 - .)",
        "Invalid id (1–64 characters A-Z a-z 0-9 - .)",
    ),
    "uuid": msg("UUID không hợp lệ (cần urn:uuid:…)", "Invalid uuid (urn:uuid:… expected)"),
    "xhtml": msg("div phải là phần tử <div> XHTML", "div must be an XHTML <div> element"),
    "unknown": msg("Phần tử không xác định", "Unknown element"),
    "required": msg("Thiếu phần tử bắt buộc", "Missing required element"),
    "null": msg("Không được dùng null", "null is not allowed"),
    "empty": msg('Phần tử rỗng ({}, [] hoặc "")', 'Empty element ({}, [] or "")'),
    "single": msg("Phần tử không lặp, không được là mảng", "Element does not repeat"),
    "length": msg(
        "Mảng _phần tử phải dài bằng mảng giá trị",
        "_element array must match the value array length",
    ),
    "choice": msg("Phần tử [x] chỉ được có một kiểu", "A choice element takes one type only"),
}
_KIND_NAMES = {
    "boolean": ("true/false", "boolean"),
    "integer": ("số nguyên", "integer"),
    "decimal": ("số", "number"),
    "string": ("chuỗi", "string"),
    "object": ("đối tượng", "object"),
    "array": ("mảng", "array"),
}


def _wrong(kind: str) -> str:
    vi, en = _KIND_NAMES[kind]
    return msg(f"Sai kiểu dữ liệu, cần {vi}", f"Wrong data type, expected {en}")


Loc = list[str | int]


@dataclass(frozen=True, slots=True)
class _Field:
    """One element: `kind` is a primitive type, "complex", "resource" or "ext" (`_name`)."""

    kind: str
    many: bool
    model: type[FHIRAbstractModel] | None = None
    codes: frozenset[str] | None = None
    targets: frozenset[str] | None = None
    drop: bool = False  # valid R4 that R4B lacks: the walk checks it, the model never sees it


@dataclass(slots=True)
class Walk:
    """Findings of one walk; `opaque` means no R4B model can be chosen for some part."""

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    bad_paths: set[str] = field(default_factory=set)
    patches: list[tuple[tuple[str | int, ...], str]] = field(default_factory=list)
    metas: list[tuple[Loc, Any]] = field(default_factory=list)
    opaque: bool = False

    def error(self, loc: Loc, code: str, message: str) -> None:
        path = fhir_path(loc)
        self.errors.append(Issue("error", code, message, (path,) if path else ()))
        self.bad_paths.add(path)

    def warn(self, loc: Loc, code: str, message: str) -> None:
        self.warnings.append(Issue("warning", code, message, (fhir_path(loc),)))


def fhir_path(loc: Loc | tuple[str | int, ...]) -> str:
    parts: list[str] = []
    for step in loc:
        if isinstance(step, int):
            parts[-1] += f"[{step}]"
        else:  # `_birthDate` holds the extensions of `birthDate`
            parts.append(step[1:] if step.startswith("_") else step)
    return ".".join(parts)


# --- the field table, read once per model class from the R4B annotations -------------------

_META_KINDS = {
    "Date": "date",
    "DateTime": "dateTime",
    "Instant": "instant",
    "Time": "time",
    "Id": "id",
    "Xhtml": "xhtml",
    "Code": "code",
}


def _unwrap(ann: Any) -> tuple[Any, bool]:
    many = False
    while (origin := typing.get_origin(ann)) in (typing.Union, types.UnionType, list):
        many = many or origin is list
        ann = next(a for a in typing.get_args(ann) if a is not type(None))
    return ann, many


def _kind(ann: Any) -> tuple[str, type[FHIRAbstractModel] | None]:
    if ann is bool:
        return "boolean", None
    if typing.get_origin(ann) is typing.Annotated:
        base, *meta = typing.get_args(ann)
        for m in meta:
            if type(m).__name__ in _META_KINDS:
                return _META_KINDS[type(m).__name__], None
        return {int: "integer", Decimal: "decimal", UUID: "uuid"}.get(base, "string"), None
    model = ann.get_model_klass()
    return ("resource" if model.__name__ == "Resource" else "complex"), model


@cache
def _fields(model: type[FHIRAbstractModel]) -> dict[str, _Field]:
    name, out = model.__name__, {}
    for attr, info in model.model_fields.items():
        alias, extra = info.alias or attr, info.json_schema_extra
        extra = extra if isinstance(extra, dict) else {}
        ann, many = _unwrap(info.annotation)
        if attr.endswith("__ext"):
            out[alias] = _Field("ext", many, FHIRPrimitiveExtension)
        elif extra.get("element_property") or (  # fhir_comments is no FHIR element
            model is FHIRPrimitiveExtension and attr != "fhir_comments"
        ):
            kind, child = _kind(ann)
            codes: Any = extra.get("enum_values")
            if codes and "+" in codes:
                codes = R4_CODES.get((name, alias), "").split()
            if kind != "code" or (name, alias) in UNBOUND_CODES:
                codes = None
            targets = (
                R4_TARGETS.get((name, alias), "").split()
                or extra.get("enum_reference_types")
                or ["Resource"]
            )
            out[alias] = _Field(
                kind,
                many,
                child,
                frozenset(codes) if codes else None,
                None if "Resource" in targets else frozenset(targets),
            )
    for alias in R4B_ONLY.get(name, ()):
        out.pop(alias)
        out.pop(f"_{alias}", None)
    for alias in R4_ONLY.get(name, ()):
        out[alias] = _Field("complex", False, Meta, drop=True)
    for alias, f in list(out.items()):  # R4B's Extension lacks `_valueString` and the like
        if (
            f.model is None
            and alias != "id"
            and f"_{alias}" not in out
            and (name, alias) != ("Extension", "url")
        ):
            out[f"_{alias}"] = _Field("ext", f.many, FHIRPrimitiveExtension, drop=True)
    return out


@cache
def _model(resource_type: str) -> type[FHIRAbstractModel]:
    return get_fhir_model_class(resource_type)


def element_repeats(resource_type: str, path: Sequence[str], name: str) -> bool:
    """Whether element `name`, under the element the JSON keys `path` lead to from the
    resource, may repeat (an array in JSON): what a FHIRPath Patch `add` needs to know."""
    try:
        model = _model(resource_type)
    except (KeyError, ValueError, LookupError):
        return False
    for key in path:
        f = _fields(model).get(key)
        if f is None or f.model is None:
            return False
        model = f.model
    found = _fields(model).get(name)
    return bool(found is not None and found.many)


# --- the walk over raw JSON ------------------------------------------------------------------


def walk_resource(w: Walk, data: dict[str, Any], loc: Loc) -> type[FHIRAbstractModel] | None:
    rtype = data.get("resourceType")
    if not isinstance(rtype, str) or not rtype:
        w.error(loc, "required", msg("Thiếu resourceType", "Missing resourceType"))
    elif rtype in UNSUPPORTED_R4_TYPES:
        w.error(
            loc or [rtype],
            "not-supported",
            msg(f"Chưa hỗ trợ resourceType '{rtype}'", f"resourceType '{rtype}' is not supported"),
        )
    elif rtype not in R4_RESOURCE_TYPES:
        w.error(
            loc,
            "structure",
            msg(
                f"resourceType '{rtype[:64]}' không có trong FHIR R4",
                f"Unknown FHIR R4 resourceType '{rtype[:64]}'",
            ),
        )
    else:
        model = _model(rtype)
        _walk_object(w, data, model, loc or [rtype], resource=True)
        return model
    w.opaque = True
    return None


def _walk_object(
    w: Walk, obj: dict[str, Any], model: type[FHIRAbstractModel], loc: Loc, resource: bool = False
) -> None:
    if not obj:
        w.error(loc, "structure", BAD["empty"])
    table = _fields(model)
    for key, value in obj.items():
        if resource and key == "resourceType":
            continue
        loc.append(key)
        f = table.get(key)
        if f is None:
            w.error(loc, "structure", BAD["unknown"])
        else:
            if f.drop:
                w.patches.append((tuple(loc), "drop"))
                if f.model is Meta:
                    w.metas.append((list(loc), value))
            _walk_value(w, value, f, obj.get(key[1:] if f.kind == "ext" else f"_{key}"), loc)
        loc.pop()


def _walk_value(w: Walk, value: Any, f: _Field, sibling: Any, loc: Loc) -> None:
    """`sibling` is `_name` for a primitive `name`, and `name` for `_name`."""
    if not f.many:
        if isinstance(value, list):
            w.error(loc, "structure", BAD["single"])
        elif value is None:
            w.error(loc, "structure", BAD["null"])
        else:
            _walk_single(w, value, f, loc)
        return
    if not isinstance(value, list) or not value:
        w.error(loc, "structure", BAD["empty"] if value == [] else _wrong("array"))
        return
    if f.kind == "ext" and isinstance(sibling, list) and len(sibling) != len(value):
        w.error(loc, "structure", BAD["length"])
    for i, item in enumerate(value):
        loc.append(i)
        if item is not None:
            _walk_single(w, item, f, loc)
        elif f.kind != "ext" and (
            f.model or not isinstance(sibling, list) or i >= len(sibling) or sibling[i] is None
        ):
            w.error(loc, "structure", BAD["null"])  # null only lines a value up with `_name`
        loc.pop()


def _walk_single(w: Walk, value: Any, f: _Field, loc: Loc) -> None:
    kind = f.kind
    if f.model is not None:
        if not isinstance(value, dict):
            w.error(loc, "structure", _wrong("object"))
        elif kind == "resource":
            walk_resource(w, value, loc)
        else:
            _walk_object(w, value, f.model, loc)
            if f.targets is not None:
                _check_target(w, value, f.targets, loc)
    elif kind == "boolean":
        if not isinstance(value, bool):
            w.error(loc, "structure", _wrong("boolean"))
    elif kind in ("integer", "decimal"):
        whole = isinstance(value, int) and not isinstance(value, bool)
        if not (whole if kind == "integer" else is_number(value)):
            w.error(loc, "structure", _wrong(kind))
    elif not isinstance(value, str):
        w.error(loc, "structure", _wrong("string"))
    elif not value:
        w.error(loc, "value", BAD["empty"])
    else:
        _check_string(w, value, f, loc)


def _check_string(w: Walk, value: str, f: _Field, loc: Loc) -> None:
    kind, pattern = f.kind, FORMATS.get(f.kind)
    if CONTROL_CHARS.search(value):
        w.warn(loc, "value", msg("Chuỗi chứa ký tự điều khiển", "String has control characters"))
    if (
        (pattern is not None and not pattern.fullmatch(value))
        or (
            kind == "xhtml"
            and not (value.lstrip().startswith("<div") and "http://www.w3.org/1999/xhtml" in value)
        )
        or (kind in ("date", "dateTime", "instant") and len(value) >= 10 and not _is_day(value))
    ):
        w.error(loc, "value", BAD[kind])
    elif kind == "uuid" and UUID(value[9:]).version != 4:
        w.patches.append((tuple(loc), "uuid"))
    elif f.codes is not None and value not in f.codes:
        allowed = " | ".join(sorted(f.codes)) if len(f.codes) <= 12 else "…"
        w.error(
            loc,
            "code-invalid",
            msg(
                f"Mã không thuộc tập giá trị bắt buộc ({allowed})",
                f"Code not in the required value set ({allowed})",
            ),
        )


def _is_day(text: str) -> bool:
    """The R4 regexes allow 2021-02-30; the calendar does not."""
    try:
        date.fromisoformat(text[:10])
    except ValueError:
        return False
    return True


def _check_target(w: Walk, value: dict[str, Any], targets: frozenset[str], loc: Loc) -> None:
    """A reference to a type the element does not allow is kept, with a warning."""
    ref = value.get("reference")
    match = REFERENCE_TYPE.search(ref) if isinstance(ref, str) else None
    rtype = match.group(1) if match else value.get("type")
    if isinstance(rtype, str) and rtype in R4_RESOURCE_TYPES and rtype not in targets:
        allowed = ", ".join(sorted(targets))
        w.warn(
            [*loc, "reference" if match else "type"],
            "structure",
            msg(
                f"Không được tham chiếu tới {rtype} ở đây (cho phép: {allowed})",
                f"{rtype} is not an allowed target here (allowed: {allowed})",
            ),
        )
