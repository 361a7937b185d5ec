"""Answers the FHIR interactions give in the same words wherever the situation arises:
the store's checks and the access layer's must not be told apart, or a caller could
learn from the difference what it may not see."""

from __future__ import annotations

from collections.abc import Sequence

from hoso.core.errors import (
    Conflict,
    InvalidResource,
    Issue,
    PreconditionFailed,
    ResourceNotFound,
)

__all__ = ["cccd_conflict", "check_version", "not_found", "unresolved_references"]


def not_found(resource_type: str, id: str) -> ResourceNotFound:
    """One answer for a resource that does not exist and one the caller may not see."""
    return ResourceNotFound(f"Không tìm thấy {resource_type}/{id} / {resource_type}/{id} not found")


def unresolved_references(missing: Sequence[tuple[str, str]]) -> InvalidResource:
    """One answer for a reference to nothing and to what the caller may not see."""
    return InvalidResource(
        "Tham chiếu không tồn tại / Unresolved reference",
        issues=[
            Issue(
                "error",
                "not-found",
                f"Tham chiếu {ref} không tồn tại / Reference {ref} does not resolve",
                (path,),
            )
            for path, ref in missing
        ],
    )


def check_version(resource_type: str, id: str, current: int | None, if_match: int | None) -> None:
    """`If-Match` against the current version (https://hl7.org/fhir/R4/http.html#concurrency)."""
    if if_match is not None and current != if_match:
        found = "không có / none" if current is None else str(current)
        raise PreconditionFailed(
            f"Phiên bản hiện tại của {resource_type}/{id} là {found}, khác If-Match {if_match}"
            f" / Current version {found} of {resource_type}/{id} does not match If-Match "
            f"{if_match}"
        )


def cccd_conflict(cccds: list[str], owners: Sequence[str] = ()) -> Conflict:
    numbers = ", ".join(cccds)
    named = ", ".join(f"Patient/{o}" for o in owners)
    vi_owner = f" ({named}): gửi dữ liệu vào hồ sơ đó" if owners else ""
    en_owner = f" ({named}): send the data to that record" if owners else ""
    return Conflict(
        f"Số CCCD {numbers} đã thuộc về một người dân khác đang hoạt động{vi_owner} / "
        f"CCCD {numbers} already belongs to another active Patient{en_owner}",
        code="duplicate",
        expression=["Patient.identifier"],
    )
