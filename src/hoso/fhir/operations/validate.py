"""`$validate` at type and instance level: an OperationOutcome, never an error for
invalid content (https://hl7.org/fhir/R4/resource-operation-validate.html).

A 4xx answer means validation could not be attempted (no resource, unknown mode); the
issues of an invalid resource come back with 200, as R4 asks.
"""

from __future__ import annotations

from typing import Any

from hoso.core.errors import (
    InvalidRequest,
    Issue,
    ResourceGone,
    ResourceNotFound,
    operation_outcome,
)
from hoso.fhir.operations import (
    OperationContext,
    OperationDefinition,
    OperationParameter,
    OperationParams,
)
from hoso.fhir.repository import Repository
from hoso.fhir.validation import validate_resource

__all__ = ["DEFINITION", "VALID_MESSAGE", "run"]

VALID_MESSAGE = "Hợp lệ / Valid"
MODES = ("create", "update", "delete")

DEFINITION = OperationDefinition(
    name="validate",
    title="Kiểm tra tài nguyên / Validate a resource",
    description=(
        "Kiểm tra cấu trúc và quy tắc của một tài nguyên mà không lưu / Checks a "
        "resource's structure and rules without storing it."
    ),
    url="http://hl7.org/fhir/OperationDefinition/Resource-validate",
    levels=frozenset({"type", "instance"}),
    parameters=(
        OperationParameter("resource", "in", 0, "1", "Resource",
                           "Tài nguyên cần kiểm tra / The resource to validate"),
        OperationParameter("mode", "in", 0, "1", "code",
                           "create | update | delete"),
        OperationParameter("profile", "in", 0, "1", "uri",
                           "Chưa hỗ trợ hồ sơ (profile) riêng / Profiles are not checked yet"),
        OperationParameter("return", "out", 1, "1", "OperationOutcome",
                           "Kết quả kiểm tra / The validation outcome"),
    ),
    methods=("POST",),
)


def run(repo: Repository, ctx: OperationContext, params: OperationParams) -> dict[str, Any]:
    """Validate the posted resource (or, for mode=delete, the stored one)."""
    mode = _mode(params)
    issues: list[Issue] = []
    if params.get("profile"):
        issues.append(Issue("information", "informational",
                            "Hồ sơ (profile) không được kiểm tra / Profile not checked",
                            ("profile",)))
    if mode == "delete":
        issues += _check_delete(repo, ctx)
        return _outcome(issues)
    resource = _resource(params)
    issues += _check_envelope(ctx, resource, mode)
    issues += _check_content(resource)
    return _outcome(issues)


def _mode(params: OperationParams) -> str | None:
    values = params.get("mode") or []
    mode = str(values[0]) if values else None
    if mode is not None and mode not in MODES:
        raise InvalidRequest(
            f"mode không hợp lệ: {mode} (create | update | delete) / "
            f"Invalid mode: {mode} (create | update | delete)", expression=["mode"],
        )
    return mode


def _resource(params: OperationParams) -> dict[str, Any]:
    values = params.get("resource") or []
    if len(values) != 1 or not isinstance(values[0], dict):
        raise InvalidRequest(
            "Cần đúng một tài nguyên để kiểm tra / Exactly one resource is needed",
            expression=["resource"],
        )
    return values[0]


def _check_envelope(
    ctx: OperationContext, resource: dict[str, Any], mode: str | None
) -> list[Issue]:
    """The URL's type and id against the body, as a create or update would check them."""
    issues: list[Issue] = []
    body_type = resource.get("resourceType")
    if ctx.resource_type and body_type != ctx.resource_type:
        issues.append(Issue(
            "error", "invalid",
            f"resourceType '{body_type}' khác loại trong URL '{ctx.resource_type}' / "
            f"resourceType '{body_type}' does not match the URL's '{ctx.resource_type}'",
            ("resourceType",),
        ))
    body_id = resource.get("id")
    if mode == "create" and body_id is not None:
        issues.append(Issue(
            "warning", "informational",
            "Khi tạo mới, id sẽ do máy chủ cấp / On create the server assigns the id",
            (f"{body_type}.id",),
        ))
    if mode == "update" and not body_id:
        issues.append(Issue("error", "required", "Cập nhật cần id / Update needs an id",
                            (f"{body_type}.id",)))
    if ctx.id and body_id is not None and body_id != ctx.id:
        issues.append(Issue(
            "error", "invalid",
            f"id trong nội dung ('{body_id}') khác id trong URL ('{ctx.id}') / "
            f"Body id ('{body_id}') does not match the URL id ('{ctx.id}')",
            (f"{body_type}.id",),
        ))
    return issues


def _check_content(resource: dict[str, Any]) -> list[Issue]:
    try:
        return list(validate_resource(resource))
    except InvalidRequest as exc:  # InvalidResource and envelope errors alike
        return list(exc.issues)


def _check_delete(repo: Repository, ctx: OperationContext) -> list[Issue]:
    """Basic delete check: the instance must exist (references to it are not checked)."""
    if not (ctx.resource_type and ctx.id):
        raise InvalidRequest(
            "mode=delete chỉ dùng ở mức thể hiện (Type/id/$validate) / "
            "mode=delete needs the instance level (Type/id/$validate)", expression=["mode"],
        )
    try:
        repo.read(ctx.resource_type, ctx.id)
    except (ResourceNotFound, ResourceGone) as exc:
        return list(exc.issues)
    return []


def _outcome(issues: list[Issue]) -> dict[str, Any]:
    if not any(issue.severity in ("error", "fatal") for issue in issues):
        issues = [*issues, Issue("information", "informational", VALID_MESSAGE)]
    return operation_outcome(issues)
