"""Conditional references and matches (https://hl7.org/fhir/R4/http.html#trules).

`Patient?identifier=…|079…` in a reference names whatever one resource the search
finds. It is resolved through the caller's repository, so only within what the caller
may see: a match the caller cannot see is no match, with the same answer as none. The
store never keeps a conditional reference as text (`check_no_conditional_references`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from hoso.core.errors import InvalidRequest, InvalidResource, Issue, PreconditionFailed
from hoso.fhir.repository import Repository

__all__ = [
    "CONDITIONAL_REF",
    "check_no_conditional_references",
    "one_match",
    "resolve_conditional_references",
]

CONDITIONAL_REF = re.compile(r"^([A-Z][A-Za-z]+)\?(.+)$")


def one_match(repo: Repository, resource_type: str, criteria: str) -> str | None:
    """The id matching `criteria`, None for no match; 412 when several match."""
    params = parse_qsl(criteria, keep_blank_values=True)
    if not params:
        raise InvalidRequest("Điều kiện tìm kiếm rỗng / Empty conditional criteria")
    # Two are enough to tell one match from many; no total (a count is a second query).
    found = repo.search(resource_type, [*params, ("_count", "2"), ("_total", "none")])
    ids = [hit.id for hit in found.matches]
    if len(ids) > 1:
        raise PreconditionFailed(
            f"Điều kiện '{resource_type}?{criteria}' khớp nhiều tài nguyên / "
            f"Criteria '{resource_type}?{criteria}' matched more than one resource",
            code="multiple-matches",
        )
    return ids[0] if ids else None


def _references(node: Any, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    """(the Reference object, its path) for every `reference` string; no recursion
    limit is needed: bodies are depth-checked when parsed (`jsonx.loads_request`)."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}" if path else key
            if key == "reference" and isinstance(value, str):
                yield node, child
            else:
                yield from _references(value, child)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _references(item, f"{path}[{i}]")


def conditional_references(resource: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, reference) of every conditional reference in `resource`."""
    rtype = str(resource.get("resourceType", ""))
    return [
        (path, ref["reference"])
        for ref, path in _references(resource, rtype)
        if CONDITIONAL_REF.match(ref["reference"])
    ]


def resolve_conditional_references(repo: Repository, resource: dict[str, Any]) -> dict[str, Any]:
    """`resource` with each conditional reference replaced by the `Type/id` its search
    finds in `repo` (the caller's view). No match is a 400 naming the element."""
    found = conditional_references(resource)
    if not found:
        return resource
    resolved: dict[str, str] = {}
    for path, ref in found:
        if ref in resolved:
            continue
        match = CONDITIONAL_REF.match(ref)
        assert match is not None
        target = one_match(repo, match.group(1), match.group(2))
        if target is None:
            raise InvalidResource(
                f"Tham chiếu có điều kiện '{ref}' không khớp tài nguyên nào / Conditional "
                f"reference '{ref}' matched no resource",
                code="not-found",
                expression=[path],
            )
        resolved[ref] = f"{match.group(1)}/{target}"
    return _replaced(resource, resolved)


def _replaced(node: Any, mapping: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            k: mapping.get(v, v)
            if k == "reference" and isinstance(v, str)
            else _replaced(v, mapping)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_replaced(item, mapping) for item in node]
    return node


def check_no_conditional_references(resource: dict[str, Any]) -> None:
    """The store's own guard: a conditional reference reaching it was never resolved."""
    found = conditional_references(resource)
    if found:
        raise InvalidResource(
            "Tham chiếu có điều kiện chưa được giải / Unresolved conditional reference",
            issues=[
                Issue("error", "invalid",
                      f"Tham chiếu có điều kiện '{ref}' phải được giải trước khi lưu / "
                      f"Conditional reference '{ref}' must be resolved before storing",
                      (path,))
                for path, ref in found
            ],
        )  # fmt: skip
