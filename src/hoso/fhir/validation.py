"""Structural validation of incoming FHIR R4 JSON; runs before every write.

fhir.resources ships R4B models, not R4. For the resources Hồ Sơ stores they match the R4
core definitions (names, repetition, required elements, JSON kinds; see the `examples`
tests) once these shims apply, on a copy, never on what is stored:
- `Extension.valueMeta` (and `ElementDefinition` Meta values): R4 allows them, R4B not.
- `_valueString` and the other primitive siblings of `Extension.value[x]`: R4B lacks them.
- `uuid`: R4B wants version 4; R4 takes any `urn:uuid:`.
- R4B's choices `value{CodeableReference,RatioRange}`, `subjectCanonical` are unknown in R4;
  code lists R4B truncates with "+" use R4's list; three reference targets R4B widened.
- R4 types absent from (or redesigned in) R4B are `not-supported`.

The models are lax about JSON ("true" for a boolean, "1.5" for a decimal, null, [], {}), so
a typed walk over the raw JSON first checks what the JSON format requires, dates included;
the models then check the rest (unknown and required elements, choices, patterns).

Paths are FHIRPath with JSON names: `Patient.name[0].family`,
`Observation.valueQuantity.value` (a choice is named by its JSON property),
`Patient.birthDate.extension[0]` (for `_birthDate`), `MedicationRequest.medication[x]` for a
missing required choice, `Bundle.entry[0].resource.status` in nested resources.
See: hl7.org/fhir/R4/json.html, hl7.org/fhir/R4/datatypes.html
"""

from __future__ import annotations

import re
import types
import typing
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
from pydantic import ValidationError

from hoso.core.errors import InvalidResource, Issue

__all__ = ["R4_RESOURCE_TYPES", "UNSUPPORTED_R4_TYPES", "validate_resource"]

# Absent from R4B, or redesigned there so that R4 content does not fit.
UNSUPPORTED_R4_TYPES = frozenset([
    "EffectEvidenceSynthesis", "Evidence", "EvidenceVariable", "MedicinalProduct",
    "MedicinalProductAuthorization", "MedicinalProductContraindication",
    "MedicinalProductIndication", "MedicinalProductIngredient", "MedicinalProductInteraction",
    "MedicinalProductManufactured", "MedicinalProductPackaged", "MedicinalProductPharmaceutical",
    "MedicinalProductUndesirableEffect", "RiskEvidenceSynthesis", "SubstanceNucleicAcid",
    "SubstancePolymer", "SubstanceProtein", "SubstanceReferenceInformation",
    "SubstanceSourceMaterial", "SubstanceSpecification",
])
R4_RESOURCE_TYPES = UNSUPPORTED_R4_TYPES | frozenset([
    "Account", "ActivityDefinition", "AdverseEvent", "AllergyIntolerance", "Appointment",
    "AppointmentResponse", "AuditEvent", "Basic", "Binary", "BiologicallyDerivedProduct",
    "BodyStructure", "Bundle", "CapabilityStatement", "CarePlan", "CareTeam", "CatalogEntry",
    "ChargeItem", "ChargeItemDefinition", "Claim", "ClaimResponse", "ClinicalImpression",
    "CodeSystem", "Communication", "CommunicationRequest", "CompartmentDefinition",
    "Composition", "ConceptMap", "Condition", "Consent", "Contract", "Coverage",
    "CoverageEligibilityRequest", "CoverageEligibilityResponse", "DetectedIssue", "Device",
    "DeviceDefinition", "DeviceMetric", "DeviceRequest", "DeviceUseStatement",
    "DiagnosticReport", "DocumentManifest", "DocumentReference", "Encounter", "Endpoint",
    "EnrollmentRequest", "EnrollmentResponse", "EpisodeOfCare", "EventDefinition",
    "ExampleScenario", "ExplanationOfBenefit", "FamilyMemberHistory", "Flag", "Goal",
    "GraphDefinition", "Group", "GuidanceResponse", "HealthcareService", "ImagingStudy",
    "Immunization", "ImmunizationEvaluation", "ImmunizationRecommendation",
    "ImplementationGuide", "InsurancePlan", "Invoice", "Library", "Linkage", "List", "Location",
    "Measure", "MeasureReport", "Media", "Medication", "MedicationAdministration",
    "MedicationDispense", "MedicationKnowledge", "MedicationRequest", "MedicationStatement",
    "MessageDefinition", "MessageHeader", "MolecularSequence", "NamingSystem", "NutritionOrder",
    "Observation", "ObservationDefinition", "OperationDefinition", "OperationOutcome",
    "Organization", "OrganizationAffiliation", "Parameters", "Patient", "PaymentNotice",
    "PaymentReconciliation", "Person", "PlanDefinition", "Practitioner", "PractitionerRole",
    "Procedure", "Provenance", "Questionnaire", "QuestionnaireResponse", "RelatedPerson",
    "RequestGroup", "ResearchDefinition", "ResearchElementDefinition", "ResearchStudy",
    "ResearchSubject", "RiskAssessment", "Schedule", "SearchParameter", "ServiceRequest", "Slot",
    "Specimen", "SpecimenDefinition", "StructureDefinition", "StructureMap", "Subscription",
    "Substance", "SupplyDelivery", "SupplyRequest", "Task", "TerminologyCapabilities",
    "TestReport", "TestScript", "ValueSet", "VerificationResult", "VisionPrescription",
])

# Keyed by R4B model class name. R4-only `Meta` values, then R4B-only choices.
_R4_ONLY = {"Extension": ("valueMeta",), "ElementDefinitionExample": ("valueMeta",),
            "ElementDefinition": ("defaultValueMeta", "fixedMeta", "patternMeta")}
_NEW = ("CodeableReference", "RatioRange")
_R4B_ONLY = {
    "Extension": tuple(f"value{t}" for t in _NEW),
    "ElementDefinitionExample": tuple(f"value{t}" for t in _NEW),
    "ElementDefinition": tuple(f"{p}{t}" for p in ("defaultValue", "fixed", "pattern")
                               for t in _NEW),
    "ActivityDefinition": ("subjectCanonical",), "PlanDefinition": ("subjectCanonical",),
    "PlanDefinitionAction": ("subjectCanonical",),
}
# R4's required code lists where R4B truncates with "+", and R4's reference targets where
# R4B widened them; both read from the R4 definitions (tested).
_OBS = "registered preliminary final amended corrected cancelled entered-in-error unknown"
_ENC = "planned arrived triaged in-progress onleave finished cancelled entered-in-error unknown"
_R4_CODES = {
    ("Observation", "status"): _OBS, ("DetectedIssue", "status"): _OBS,
    ("RiskAssessment", "status"): _OBS, ("Encounter", "status"): _ENC,
    ("EncounterStatusHistory", "status"): _ENC,
    ("DiagnosticReport", "status"): f"{_OBS} partial appended",
    ("DeviceUdiCarrier", "entryType"): "barcode rfid manual card self-reported unknown",
}
_R4_TARGETS = {
    ("Observation", "subject"): "Patient Group Device Location",
    ("DiagnosticReport", "subject"): "Patient Group Device Location",
    ("GroupMember", "entity"): "Patient Practitioner PractitionerRole Device Medication "
                               "Substance Group",
}
# R4B lists codes where R4 binds extensibly (language) or to every MIME type (format).
_UNBOUND = {("Expression", "language"), ("CapabilityStatement", "format")}

_YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
_MONTH, _DAY = r"(0[1-9]|1[0-2])", r"(0[1-9]|[12][0-9]|3[01])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
_TZ = r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_FORMATS = {  # the R4 regexes (datatypes.html)
    "date": re.compile(rf"{_YEAR}(-{_MONTH}(-{_DAY})?)?"),
    "dateTime": re.compile(rf"{_YEAR}(-{_MONTH}(-{_DAY}(T{_TIME}{_TZ})?)?)?"),
    "instant": re.compile(rf"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_TZ}"),
    "time": re.compile(_TIME),
    "id": re.compile(r"[A-Za-z0-9\-.]{1,64}"),
    "code": re.compile(r"[^\s]+(\s[^\s]+)*"),
    "uuid": re.compile(r"urn:uuid:[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_REFERENCE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/[A-Za-z0-9\-.]{1,64}(/_history/[^/]+)?$")
_CHOICE_LIST = re.compile(r"\[([^\]]*)\]")
_UUID4 = "urn:uuid:00000000-0000-4000-8000-000000000000"  # stands in for a non-v4 R4 uuid


def _msg(vi: str, en: str) -> str:
    return f"{vi} / {en}"


_BAD = {
    "date": _msg("Ngày không hợp lệ", "Invalid date"),
    "dateTime": _msg("Ngày giờ không hợp lệ", "Invalid dateTime"),
    "instant": _msg("Thời điểm không hợp lệ (cần ngày, giờ, múi giờ)",
                    "Invalid instant (date, time and zone required)"),
    "time": _msg("Giờ không hợp lệ", "Invalid time"),
    "code": _msg("Mã không hợp lệ (khoảng trắng thừa)", "Invalid code (stray whitespace)"),
    "id": _msg("id không hợp lệ (1–64 ký tự A-Z a-z 0-9 - .)",
               "Invalid id (1–64 characters A-Z a-z 0-9 - .)"),
    "uuid": _msg("UUID không hợp lệ (cần urn:uuid:…)", "Invalid uuid (urn:uuid:… expected)"),
    "xhtml": _msg("div phải là phần tử <div> XHTML", "div must be an XHTML <div> element"),
    "unknown": _msg("Phần tử không xác định", "Unknown element"),
    "required": _msg("Thiếu phần tử bắt buộc", "Missing required element"),
    "null": _msg("Không được dùng null", "null is not allowed"),
    "empty": _msg("Phần tử rỗng ({}, [] hoặc \"\")", "Empty element ({}, [] or \"\")"),
    "single": _msg("Phần tử không lặp, không được là mảng", "Element does not repeat"),
    "length": _msg("Mảng _phần tử phải dài bằng mảng giá trị",
                   "_element array must match the value array length"),
    "choice": _msg("Phần tử [x] chỉ được có một kiểu", "A choice element takes one type only"),
}
_KIND_NAMES = {"boolean": ("true/false", "boolean"), "integer": ("số nguyên", "integer"),
               "decimal": ("số", "number"), "string": ("chuỗi", "string"),
               "object": ("đối tượng", "object"), "array": ("mảng", "array")}


def _wrong(kind: str) -> str:
    vi, en = _KIND_NAMES[kind]
    return _msg(f"Sai kiểu dữ liệu, cần {vi}", f"Wrong data type, expected {en}")


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
class _Walk:
    """Findings of one walk; `opaque` means no R4B model can be chosen for some part."""

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    bad_paths: set[str] = field(default_factory=set)
    patches: list[tuple[tuple[str | int, ...], str]] = field(default_factory=list)
    metas: list[tuple[Loc, Any]] = field(default_factory=list)
    opaque: bool = False

    def error(self, loc: Loc, code: str, message: str) -> None:
        path = _path(loc)
        self.errors.append(Issue("error", code, message, (path,) if path else ()))
        self.bad_paths.add(path)

    def warn(self, loc: Loc, code: str, message: str) -> None:
        self.warnings.append(Issue("warning", code, message, (_path(loc),)))


def _path(loc: Loc | tuple[str | int, ...]) -> str:
    parts: list[str] = []
    for step in loc:
        if isinstance(step, int):
            parts[-1] += f"[{step}]"
        else:  # `_birthDate` holds the extensions of `birthDate`
            parts.append(step[1:] if step.startswith("_") else step)
    return ".".join(parts)


# --- the field table, read once per model class from the R4B annotations -------------------

_META_KINDS = {"Date": "date", "DateTime": "dateTime", "Instant": "instant", "Time": "time",
               "Id": "id", "Xhtml": "xhtml", "Code": "code"}


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
                model is FHIRPrimitiveExtension and attr != "fhir_comments"):
            kind, child = _kind(ann)
            codes: Any = extra.get("enum_values")
            if codes and "+" in codes:
                codes = _R4_CODES.get((name, alias), "").split()
            if kind != "code" or (name, alias) in _UNBOUND:
                codes = None
            targets = _R4_TARGETS.get((name, alias), "").split() or extra.get(
                "enum_reference_types") or ["Resource"]
            out[alias] = _Field(kind, many, child, frozenset(codes) if codes else None,
                                None if "Resource" in targets else frozenset(targets))
    for alias in _R4B_ONLY.get(name, ()):
        out.pop(alias)
        out.pop(f"_{alias}", None)
    for alias in _R4_ONLY.get(name, ()):
        out[alias] = _Field("complex", False, Meta, drop=True)
    for alias, f in list(out.items()):  # R4B's Extension lacks `_valueString` and the like
        if f.model is None and alias != "id" and f"_{alias}" not in out \
                and (name, alias) != ("Extension", "url"):
            out[f"_{alias}"] = _Field("ext", f.many, FHIRPrimitiveExtension, drop=True)
    return out


@cache
def _model(resource_type: str) -> type[FHIRAbstractModel]:
    return get_fhir_model_class(resource_type)


# --- the walk over raw JSON ------------------------------------------------------------------


def _walk_resource(w: _Walk, data: dict[str, Any], loc: Loc) -> type[FHIRAbstractModel] | None:
    rtype = data.get("resourceType")
    if not isinstance(rtype, str) or not rtype:
        w.error(loc, "required", _msg("Thiếu resourceType", "Missing resourceType"))
    elif rtype in UNSUPPORTED_R4_TYPES:
        w.error(loc or [rtype], "not-supported", _msg(
            f"Chưa hỗ trợ resourceType '{rtype}'", f"resourceType '{rtype}' is not supported"))
    elif rtype not in R4_RESOURCE_TYPES:
        w.error(loc, "structure", _msg(f"resourceType '{rtype[:64]}' không có trong FHIR R4",
                                       f"Unknown FHIR R4 resourceType '{rtype[:64]}'"))
    else:
        model = _model(rtype)
        _walk_object(w, data, model, loc or [rtype], resource=True)
        return model
    w.opaque = True
    return None


def _walk_object(w: _Walk, obj: dict[str, Any], model: type[FHIRAbstractModel], loc: Loc,
                 resource: bool = False) -> None:
    if not obj:
        w.error(loc, "structure", _BAD["empty"])
    table = _fields(model)
    for key, value in obj.items():
        if resource and key == "resourceType":
            continue
        loc.append(key)
        f = table.get(key)
        if f is None:
            w.error(loc, "structure", _BAD["unknown"])
        else:
            if f.drop:
                w.patches.append((tuple(loc), "drop"))
                if f.model is Meta:
                    w.metas.append((list(loc), value))
            _walk_value(w, value, f, obj.get(key[1:] if f.kind == "ext" else f"_{key}"), loc)
        loc.pop()


def _walk_value(w: _Walk, value: Any, f: _Field, sibling: Any, loc: Loc) -> None:
    """`sibling` is `_name` for a primitive `name`, and `name` for `_name`."""
    if not f.many:
        if isinstance(value, list):
            w.error(loc, "structure", _BAD["single"])
        elif value is None:
            w.error(loc, "structure", _BAD["null"])
        else:
            _walk_single(w, value, f, loc)
        return
    if not isinstance(value, list) or not value:
        w.error(loc, "structure", _BAD["empty"] if value == [] else _wrong("array"))
        return
    if f.kind == "ext" and isinstance(sibling, list) and len(sibling) != len(value):
        w.error(loc, "structure", _BAD["length"])
    for i, item in enumerate(value):
        loc.append(i)
        if item is not None:
            _walk_single(w, item, f, loc)
        elif f.kind != "ext" and (f.model or not isinstance(sibling, list)
                                  or i >= len(sibling) or sibling[i] is None):
            w.error(loc, "structure", _BAD["null"])  # null only lines a value up with `_name`
        loc.pop()


def _walk_single(w: _Walk, value: Any, f: _Field, loc: Loc) -> None:
    kind = f.kind
    if f.model is not None:
        if not isinstance(value, dict):
            w.error(loc, "structure", _wrong("object"))
        elif kind == "resource":
            _walk_resource(w, value, loc)
        else:
            _walk_object(w, value, f.model, loc)
            if f.targets is not None:
                _check_target(w, value, f.targets, loc)
    elif kind == "boolean":
        if not isinstance(value, bool):
            w.error(loc, "structure", _wrong("boolean"))
    elif kind in ("integer", "decimal"):
        if isinstance(value, bool) or not isinstance(value, int if kind == "integer" else
                                                     (int, float)):
            w.error(loc, "structure", _wrong(kind))
    elif not isinstance(value, str):
        w.error(loc, "structure", _wrong("string"))
    elif not value:
        w.error(loc, "value", _BAD["empty"])
    else:
        _check_string(w, value, f, loc)


def _check_string(w: _Walk, value: str, f: _Field, loc: Loc) -> None:
    kind, pattern = f.kind, _FORMATS.get(f.kind)
    if _CONTROL.search(value):
        w.warn(loc, "value", _msg("Chuỗi chứa ký tự điều khiển", "String has control characters"))
    if (pattern is not None and not pattern.fullmatch(value)) or (
            kind == "xhtml" and not (value.lstrip().startswith("<div")
                                     and "http://www.w3.org/1999/xhtml" in value)) or (
            kind in ("date", "dateTime", "instant") and len(value) >= 10 and not _is_day(value)):
        w.error(loc, "value", _BAD[kind])
    elif kind == "uuid" and UUID(value[9:]).version != 4:
        w.patches.append((tuple(loc), "uuid"))
    elif f.codes is not None and value not in f.codes:
        allowed = " | ".join(sorted(f.codes)) if len(f.codes) <= 12 else "…"
        w.error(loc, "code-invalid", _msg(f"Mã không thuộc tập giá trị bắt buộc ({allowed})",
                                          f"Code not in the required value set ({allowed})"))


def _is_day(text: str) -> bool:
    """The R4 regexes allow 2021-02-30; the calendar does not."""
    try:
        date.fromisoformat(text[:10])
    except ValueError:
        return False
    return True


def _check_target(w: _Walk, value: dict[str, Any], targets: frozenset[str], loc: Loc) -> None:
    """A reference to a type the element does not allow is kept, with a warning."""
    ref = value.get("reference")
    match = _REFERENCE.search(ref) if isinstance(ref, str) else None
    rtype = match.group(1) if match else value.get("type")
    if isinstance(rtype, str) and rtype in R4_RESOURCE_TYPES and rtype not in targets:
        allowed = ", ".join(sorted(targets))
        w.warn([*loc, "reference" if match else "type"], "structure", _msg(
            f"Không được tham chiếu tới {rtype} ở đây (cho phép: {allowed})",
            f"{rtype} is not an allowed target here (allowed: {allowed})"))


# --- the R4B models ----------------------------------------------------------------------------


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
            parent[loc[-1]] = _UUID4
    return root


def _model_issues(model: type[FHIRAbstractModel], data: Any, base: Loc,
                  covered: set[str]) -> list[Issue]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    except (TypeError, KeyError, AttributeError):  # fhir_core trips on some malformed input
        return [] if covered else [Issue("error", "structure", _msg(
            "Cấu trúc không hợp lệ", "Malformed structure"), (_path(base),))]
    else:
        return []
    issues = []
    for err in errors:
        loc: Loc = [*base, *(s for s in err["loc"] if s != "root")]
        path = _path(loc)
        if any(_path(loc[:n]) in covered for n in range(1, len(loc) + 1)) or (
                err["type"] == "list_type" and any(p.startswith(f"{path}[") for p in covered)):
            continue  # the walk said it more precisely (a null item is a "list_type" here)
        issues.append(_model_issue(err, loc, path))
    return issues


def _model_issue(err: Any, loc: Loc, path: str) -> Issue:
    kind, text = err["type"], err["msg"]
    if kind == "extra_forbidden":
        return Issue("error", "structure", _BAD["unknown"], (path,))
    if kind in ("missing", "model_field_validation.missing"):
        return Issue("error", "required", _BAD["required"], (path,))
    listed = _CHOICE_LIST.search(text) if "field value" in text else None
    if listed:  # fhir_core's one-of-many check: two types given, or a required one missing
        names = [n.strip(" '\"") for n in listed.group(1).split(",")]
        if "multiple" in text and isinstance(err.get("input"), dict):
            given = tuple(_path([*loc, n]) for n in names if n in err["input"])
            return Issue("error", "structure", _BAD["choice"], given)
        return Issue("error", "required", _BAD["required"], (f"{path}.{_stem(names)}[x]",))
    if kind.endswith(("_type", "_parsing")) or kind == "model_validation_format":
        return Issue("error", "structure", _msg("Sai kiểu dữ liệu", "Wrong data type"), (path,))
    return Issue("error", "value", _msg("Giá trị không hợp lệ", f"Invalid value ({text})"),
                 (path,))


def _stem(names: list[str]) -> str:
    """`value` from `valueBoolean, valueBase64Binary…`: the prefix before every type name."""
    first = names[0]
    for end in range(len(first) - 1, 0, -1):
        if all(n.startswith(first[:end]) and n[end:end + 1].isupper() for n in names):
            return first[:end]
    return first


def validate_resource(resource: Any) -> list[Issue]:
    """Check one incoming R4 resource; return its warnings or raise `InvalidResource`.

    The error's `issues` hold one error per problem, then the warnings.
    """
    if not isinstance(resource, dict):
        raise InvalidResource(_msg("Tài nguyên phải là đối tượng JSON có resourceType",
                                   "A resource must be a JSON object with a resourceType"),
                              code="structure")
    w = _Walk()
    model = _walk_resource(w, resource, [])
    errors = w.errors
    if model is not None and not w.opaque:
        data = _patched(resource, w.patches) if w.patches else resource
        errors += _model_issues(model, data, [model.get_resource_type()], w.bad_paths)
        for loc, meta in w.metas:
            errors += _model_issues(Meta, meta, loc, w.bad_paths)
    if errors:
        raise InvalidResource(_msg(f"Tài nguyên không hợp lệ ({len(errors)} lỗi)",
                                   f"Invalid resource ({len(errors)} errors)"),
                              issues=[*errors, *w.warnings])
    return w.warnings
