"""Answers the FHIR interactions give in the same words wherever the situation arises:
the store's checks and the access layer's must not be told apart, or a caller could
learn from the difference what it may not see."""

from __future__ import annotations

from collections.abc import Sequence

from hoso.core.errors import InvalidResource, Issue, PreconditionFailed, ResourceNotFound

__all__ = ["check_version", "not_found", "unresolved_references"]


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
