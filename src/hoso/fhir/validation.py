"""Structural validation of incoming FHIR R4 JSON; runs before every write.

fhir.resources ships R4B models, not R4. For the resources Hồ Sơ stores they match the R4
core definitions (names, repetition, required elements, JSON kinds; see the `examples`
tests) once these shims (tables in `hoso.fhir.r4_rules`) apply, on a copy, never on what is
stored:
- `Extension.valueMeta` (and `ElementDefinition` Meta values): R4 allows them, R4B not.
- `_valueString` and the other primitive siblings of `Extension.value[x]`: R4B lacks them.
- `uuid`: R4B wants version 4; R4 takes any `urn:uuid:`.
- R4B's choices `value{CodeableReference,RatioRange}`, `subjectCanonical` are unknown in R4;
  code lists R4B truncates with "+" use R4's list; three reference targets R4B widened.
- R4 types absent from (or redesigned in) R4B are `not-supported`.

The models are lax about JSON ("true" for a boolean, "1.5" for a decimal, null, [], {}), so
a typed walk over the raw JSON (`hoso.fhir.json_walk`) first checks what the JSON format
requires, dates included; the models then check the rest (unknown and required elements,
choices, patterns); this module maps their errors to issues.

Paths are FHIRPath with JSON names: `Patient.name[0].family`,
`Observation.valueQuantity.value` (a choice is named by its JSON property),
`Patient.birthDate.extension[0]` (for `_birthDate`), `MedicationRequest.medication[x]` for a
missing required choice, `Bundle.entry[0].resource.status` in nested resources.
See: hl7.org/fhir/R4/json.html, hl7.org/fhir/R4/datatypes.html
"""

from __future__ import annotations

import re
from typing import Any

from fhir.resources.R4B.meta import Meta
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from pydantic import ValidationError

from hoso.core.errors import InvalidResource, Issue
from hoso.fhir.json_walk import BAD, Loc, Walk, fhir_path, msg, walk_resource
from hoso.fhir.r4_rules import UUID4_STANDIN

__all__ = ["validate_resource"]

_CHOICE_LIST = re.compile(r"\[([^\]]*)\]")


def _patched(resource: dict[str, Any], patches: list[tuple[tuple[str | int, ...], str]]) -> Any:
    """Copy only the containers along each patched path; the input is never changed."""
    root: Any = dict(resource)
    for loc, action in patches:
        parent = root
        for step in loc[1:-1]:
            child = parent[step]
            parent[step] = child = dict(child) if isinstance(child, dict) else list(child)
            parent = child
        if action == "drop":
            del parent[loc[-1]]
        else:
            parent[loc[-1]] = UUID4_STANDIN
    return root


def _model_issues(
    model: type[FHIRAbstractModel], data: Any, base: Loc, covered: set[str]
) -> list[Issue]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    except (TypeError, KeyError, AttributeError):  # fhir_core trips on some malformed input
        return (
            []
            if covered
            else [
                Issue(
                    "error",
                    "structure",
                    msg("Cấu trúc không hợp lệ", "Malformed structure"),
                    (fhir_path(base),),
                )
            ]
        )
    else:
        return []
    issues = []
    for err in errors:
        loc: Loc = [*base, *(s for s in err["loc"] if s != "root")]
        path = fhir_path(loc)
        if any(fhir_path(loc[:n]) in covered for n in range(1, len(loc) + 1)) or (
            err["type"] == "list_type" and any(p.startswith(f"{path}[") for p in covered)
        ):
            continue  # the walk said it more precisely (a null item is a "list_type" here)
        issues.append(_model_issue(err, loc, path))
    return issues


def _model_issue(err: Any, loc: Loc, path: str) -> Issue:
    kind, text = err["type"], err["msg"]
    if kind == "extra_forbidden":
        return Issue("error", "structure", BAD["unknown"], (path,))
    if kind in ("missing", "model_field_validation.missing"):
        return Issue("error", "required", BAD["required"], (path,))
    listed = _CHOICE_LIST.search(text) if "field value" in text else None
    if listed:  # fhir_core's one-of-many check: two types given, or a required one missing
        names = [n.strip(" '\"") for n in listed.group(1).split(",")]
        if "multiple" in text and isinstance(err.get("input"), dict):
            given = tuple(fhir_path([*loc, n]) for n in names if n in err["input"])
            return Issue("error", "structure", BAD["choice"], given)
        return Issue("error", "required", BAD["required"], (f"{path}.{_stem(names)}[x]",))
    if kind.endswith(("_type", "_parsing")) or kind == "model_validation_format":
        return Issue("error", "structure", msg("Sai kiểu dữ liệu", "Wrong data type"), (path,))
    return Issue("error", "value", msg("Giá trị không hợp lệ", f"Invalid value ({text})"), (path,))


def _stem(names: list[str]) -> str:
    """`value` from `valueBoolean, valueBase64Binary…`: the prefix before every type name."""
    first = names[0]
    for end in range(len(first) - 1, 0, -1):
        if all(n.startswith(first[:end]) and n[end : end + 1].isupper() for n in names):
            return first[:end]
    return first


def validate_resource(resource: Any) -> list[Issue]:
    """Check one incoming R4 resource; return its warnings or raise `InvalidResource`.

    The error's `issues` hold one error per problem, then the warnings.
    """
    if not isinstance(resource, dict):
        raise InvalidResource(
            msg(
                "Tài nguyên phải là đối tượng JSON có resourceType",
                "A resource must be a JSON object with a resourceType",
            ),
            code="structure",
        )
    w = Walk()
    model = walk_resource(w, resource, [])
    errors = w.errors
    if model is not None and not w.opaque:
        data = _patched(resource, w.patches) if w.patches else resource
        errors += _model_issues(model, data, [model.get_resource_type()], w.bad_paths)
        for loc, meta in w.metas:
            errors += _model_issues(Meta, meta, loc, w.bad_paths)
    if errors:
        raise InvalidResource(
            msg(
                f"Tài nguyên không hợp lệ ({len(errors)} lỗi)",
                f"Invalid resource ({len(errors)} errors)",
            ),
            issues=[*errors, *w.warnings],
        )
    return w.warnings
