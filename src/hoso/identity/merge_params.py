"""The parameters of `$merge` and `$unmerge`: read and checked before anything else
(400 with the parameter's path, `Parameters.parameter.where(name='…')`), the Patients
they name resolved, and the answer built (R5 `$merge` output: `input`, `outcome`,
`result`, and here `provenance`). See https://build.fhir.org/patient-operation-merge.html.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hoso.core.errors import (
    InvalidRequest,
    Issue,
    MethodNotAllowed,
    ResourceNotFound,
    UnprocessableEntity,
    operation_outcome,
)
from hoso.fhir.operations import OperationContext, OperationParams
from hoso.fhir.repository import Repository
from hoso.identity.merge_record import MergeOutcome, msg, param_path

__all__ = [
    "MERGE_IN",
    "UNMERGE_IN",
    "MergeRequest",
    "PatientChoice",
    "UnmergeRequest",
    "boolean",
    "check_result_patient",
    "exists",
    "known",
    "param_path",
    "parse_merge",
    "parse_unmerge",
    "patient_choice",
    "reference_id",
    "require_post",
    "resolve",
    "response",
    "single",
]

MERGE_IN = ("source-patient", "source-patient-identifier", "target-patient",
            "target-patient-identifier", "result-patient", "preview")  # fmt: skip
UNMERGE_IN = ("provenance", "source-patient", "target-patient")
_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


@dataclass(frozen=True, slots=True)
class PatientChoice:
    """How a request names one Patient: a reference, or identifiers it must all hold."""

    param: str  # "source-patient" | "target-patient"
    id: str | None
    identifiers: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class MergeRequest:
    source: PatientChoice
    target: PatientChoice
    result_patient: dict[str, Any] | None
    preview: bool


def parse_merge(params: OperationParams) -> MergeRequest:
    """Check the input's shape (400 with the parameter's path) before anything is read."""
    known(params, MERGE_IN)
    result = single(params, "result-patient")
    if result is not None and (
        not isinstance(result, dict) or result.get("resourceType") != "Patient"
    ):
        raise InvalidRequest(
            msg("result-patient phải là một Patient", "result-patient must be a Patient"),
            expression=[param_path("result-patient", "resource")],
        )
    return MergeRequest(
        patient_choice(params, "source-patient"),
        patient_choice(params, "target-patient"),
        result,
        boolean(single(params, "preview"), "preview"),
    )


@dataclass(frozen=True, slots=True)
class UnmergeRequest:
    """The merge to undo: its Provenance, or the two Patients (their latest merge)."""

    merge_id: str | None
    source: PatientChoice | None = None
    target: PatientChoice | None = None


def parse_unmerge(params: OperationParams) -> UnmergeRequest:
    known(params, UNMERGE_IN)
    provenance = single(params, "provenance")
    source, target = single(params, "source-patient"), single(params, "target-patient")
    if (provenance is None) == (source is None and target is None):
        raise InvalidRequest(
            msg("Cần provenance, hoặc source-patient cùng target-patient",
                "Give provenance, or source-patient with target-patient"),
            expression=[param_path("provenance")],
        )  # fmt: skip
    if provenance is not None:
        return UnmergeRequest(reference_id(provenance, "Provenance", "provenance", bare=True))
    source_choice = patient_choice(params, "source-patient")
    return UnmergeRequest(None, source_choice, patient_choice(params, "target-patient"))


def check_result_patient(request: MergeRequest, source_id: str, target_id: str) -> None:
    """R5: the same id as the target, a link to the source, the target's identifiers."""
    result = request.result_patient or {}
    if result.get("id") != target_id:
        raise InvalidRequest(
            msg(f"result-patient phải có id '{target_id}' của người bệnh đích",
                f"result-patient must have the target Patient's id '{target_id}'"),
            expression=[param_path("result-patient", "resource.id")],
        )  # fmt: skip
    if not any(
        isinstance(link, dict) and (link.get("other") or {}).get("reference")
        == f"Patient/{source_id}"
        for link in result.get("link") or []
    ):
        raise InvalidRequest(
            msg(f"result-patient phải có link tới Patient/{source_id}",
                f"result-patient must link to the source Patient/{source_id}"),
            expression=[param_path("result-patient", "resource.link")],
        )  # fmt: skip
    held = {(i.get("system"), i.get("value")) for i in result.get("identifier") or []
            if isinstance(i, dict)}  # fmt: skip
    for ident in request.target.identifiers:
        if (ident.get("system"), ident.get("value")) not in held:
            raise InvalidRequest(
                msg("result-patient phải giữ các định danh của người bệnh đích",
                    "result-patient must keep the target's identifiers"),
                expression=[param_path("result-patient", "resource.identifier")],
            )  # fmt: skip


# -- parameters -------------------------------------------------------------------------
def require_post(ctx: OperationContext) -> None:
    if ctx.method != "POST":
        raise MethodNotAllowed(
            msg("Thao tác này thay đổi dữ liệu: hãy gửi POST",
                "This operation changes data: use POST")
        )  # fmt: skip


def known(params: OperationParams, names: tuple[str, ...]) -> None:
    for name in params:
        if name not in names and not name.startswith("_"):
            raise InvalidRequest(
                msg(f"Tham số '{name}' không được hỗ trợ", f"Unknown parameter '{name}'"),
                code="not-supported",
                expression=[param_path(name)],
            )


def single(params: OperationParams, name: str) -> Any:
    values = params.get(name) or []
    if len(values) > 1:
        raise InvalidRequest(
            msg(f"Tham số {name} chỉ được có một giá trị", f"Parameter {name} takes one value"),
            expression=[param_path(name)],
        )
    return values[0] if values else None


def boolean(value: Any, name: str) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if value in ("true", "false"):
        return value == "true"
    raise InvalidRequest(
        msg(f"{name} phải là true hoặc false", f"{name} must be true or false"),
        expression=[param_path(name, "value")],
    )


def reference_id(value: Any, resource_type: str, name: str, *, bare: bool = False) -> str:
    """The id in a Reference (or its string) `Type/id`; with `bare`, a plain id too."""
    text = value.get("reference") if isinstance(value, dict) else value
    if isinstance(text, str):
        kind, _, id = text.rpartition("/")
        if (kind == resource_type or (bare and not kind)) and _ID.fullmatch(id):
            return id
    raise InvalidRequest(
        msg(f"{name} phải là tham chiếu dạng {resource_type}/<id>",
            f"{name} must be a reference of the form {resource_type}/<id>"),
        expression=[param_path(name, "value.reference")],
    )  # fmt: skip


def patient_choice(params: OperationParams, name: str) -> PatientChoice:
    reference = single(params, name)
    identifiers = params.get(f"{name}-identifier") or []
    if (reference is None) == (not identifiers):
        raise InvalidRequest(
            msg(f"Cần đúng một trong {name} hoặc {name}-identifier",
                f"Give exactly one of {name} or {name}-identifier"),
            expression=[param_path(name)],
        )  # fmt: skip
    if reference is not None:
        return PatientChoice(name, reference_id(reference, "Patient", name))
    for ident in identifiers:
        if not isinstance(ident, dict) or not isinstance(ident.get("value"), str):
            raise InvalidRequest(
                msg(f"{name}-identifier phải là Identifier có value",
                    f"{name}-identifier must be an Identifier with a value"),
                expression=[param_path(f"{name}-identifier", "value.value")],
            )  # fmt: skip
    return PatientChoice(name, None, tuple(identifiers))


def exists(repo: Repository, resource_type: str, id: str, path: str) -> None:
    try:
        repo.read(resource_type, id)
    except ResourceNotFound as exc:
        raise ResourceNotFound(exc.message, expression=[path]) from None


def resolve(repo: Repository, choice: PatientChoice) -> str:
    """The Patient's id; by identifiers, the one Patient holding all of them."""
    if choice.id is not None:
        exists(repo, "Patient", choice.id, param_path(choice.param, "value.reference"))
        return choice.id
    params = [("identifier", _token(i)) for i in choice.identifiers]
    matches = repo.search("Patient", [*params, ("_count", "2")]).matches
    path = param_path(f"{choice.param}-identifier")
    if not matches:
        raise ResourceNotFound(
            msg(f"Không có Patient nào mang {choice.param}-identifier đã cho",
                f"No Patient holds the given {choice.param}-identifier"),
            expression=[path],
        )  # fmt: skip
    if len(matches) > 1:
        raise UnprocessableEntity(
            msg(f"{choice.param}-identifier khớp nhiều Patient",
                f"{choice.param}-identifier matches more than one Patient"),
            code="multiple-matches",
            expression=[path],
        )  # fmt: skip
    return matches[0].id


def _token(identifier: dict[str, Any]) -> str:
    def escape(text: str) -> str:
        return re.sub(r"([\\|,$])", r"\\\1", text)

    system = identifier.get("system")
    value = escape(identifier["value"])
    return f"{escape(system)}|{value}" if isinstance(system, str) else value


# -- the answer -------------------------------------------------------------------------
def response(params: OperationParams, names: tuple[str, ...], outcome: MergeOutcome
              ) -> dict[str, Any]:  # fmt: skip
    out: list[dict[str, Any]] = [
        {"name": "input", "resource": _echo(params, names)},
        {"name": "outcome", "resource": operation_outcome([_summary(outcome)])},
        {"name": "result", "resource": outcome.target},
    ]
    if outcome.provenance_id:
        reference = {"reference": f"Provenance/{outcome.provenance_id}"}
        out.append({"name": "provenance", "valueReference": reference})
    return {"resourceType": "Parameters", "parameter": out}


def _summary(outcome: MergeOutcome) -> Issue:
    source, target, n = outcome.source_id, outcome.target_id, len(outcome.written)
    if outcome.preview:
        text = msg(
            f"Xem trước: gộp Patient/{source} vào Patient/{target} sẽ ghi {n} phiên bản; "
            "chưa lưu gì",
            f"Preview: merging Patient/{source} into Patient/{target} would write {n} "
            "versions; nothing was stored",
        )
    elif outcome.activity == "merge":
        text = msg(
            f"Đã gộp Patient/{source} vào Patient/{target}: {n} phiên bản mới "
            f"(Provenance/{outcome.provenance_id})",
            f"Merged Patient/{source} into Patient/{target}: {n} new versions "
            f"(Provenance/{outcome.provenance_id})",
        )
    else:
        text = msg(
            f"Đã tách Patient/{source} khỏi Patient/{target}: {n} phiên bản mới "
            f"(Provenance/{outcome.provenance_id})",
            f"Unmerged Patient/{source} from Patient/{target}: {n} new versions "
            f"(Provenance/{outcome.provenance_id})",
        )
    return Issue("information", "informational", text)


def _echo(params: OperationParams, names: tuple[str, ...]) -> dict[str, Any]:
    """The input as a Parameters resource (R5 `input`), whether it came as a body or a
    query string."""
    echoed: list[dict[str, Any]] = []
    for name in names:
        for value in params.get(name) or []:
            if name == "result-patient":
                echoed.append({"name": name, "resource": value})
            elif name == "preview":
                echoed.append({"name": name, "valueBoolean": boolean(value, name)})
            elif name.endswith("-identifier"):
                echoed.append({"name": name, "valueIdentifier": value})
            elif isinstance(value, str) and "/" not in value:
                echoed.append({"name": name, "valueId": value})
            else:
                reference = value if isinstance(value, dict) else {"reference": str(value)}
                echoed.append({"name": name, "valueReference": reference})
    return {"resourceType": "Parameters", "parameter": echoed}
