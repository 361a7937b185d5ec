"""SMART on FHIR scopes at the token endpoint: which requested scopes may be granted.

Resource scopes are `context/Type.permissions[?query]` with context patient, user or
system and v2 permissions from `cruds` (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html);
v1 `read`, `write` and `*` are read as `rs`, `cud` and `cruds`. A requested scope is
covered by an allowed one of the same context whose type is the same or `*`, whose
permissions include all the requested ones, and whose query (if any) is the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ResourceScope", "contexts", "parse_resource_scope", "parse_scopes", "uncovered"]

_RESOURCE = re.compile(
    r"(?P<context>patient|user|system)/(?P<type>\*|[A-Z][A-Za-z]+)\."
    r"(?P<perms>read|write|\*|c?r?u?d?s?)(?:\?(?P<query>\S+))?"
)
_V1 = {"read": "rs", "write": "cud", "*": "cruds"}
_TOKEN = re.compile(r"[\x21\x23-\x5B\x5D-\x7E]+")  # RFC 6749 §3.3 scope-token


@dataclass(frozen=True, slots=True)
class ResourceScope:
    context: str
    resource_type: str
    permissions: frozenset[str]
    query: str | None

    def covers(self, other: ResourceScope) -> bool:
        return (
            self.context == other.context
            and self.resource_type in ("*", other.resource_type)
            and other.permissions <= self.permissions
            and self.query in (None, other.query)
        )


def parse_scopes(text: str | None) -> tuple[str, ...]:
    """Space-separated scope tokens, de-duplicated in order; `ValueError` if malformed."""
    tokens = tuple(dict.fromkeys((text or "").split()))
    for token in tokens:
        if not _TOKEN.fullmatch(token):
            raise ValueError(token)
    return tokens


def parse_resource_scope(scope: str) -> ResourceScope | None:
    """The parts of a resource scope, or None for other scopes (openid, launch/patient…)."""
    match = _RESOURCE.fullmatch(scope)
    if match is None or not match["perms"]:
        return None
    perms = _V1.get(match["perms"], match["perms"])
    return ResourceScope(match["context"], match["type"], frozenset(perms), match["query"])


def uncovered(requested: tuple[str, ...], allowed: tuple[str, ...]) -> list[str]:
    """The requested scopes that no allowed scope covers."""
    allowed_resources = [r for r in map(parse_resource_scope, allowed) if r is not None]
    missing = []
    for scope in requested:
        wanted = parse_resource_scope(scope)
        if wanted is None:
            if scope not in allowed:
                missing.append(scope)
        elif not any(a.covers(wanted) for a in allowed_resources):
            missing.append(scope)
    return missing


def contexts(scopes: tuple[str, ...]) -> set[str]:
    """The contexts (patient, user, system) the resource scopes among `scopes` use."""
    return {r.context for r in map(parse_resource_scope, scopes) if r is not None}
