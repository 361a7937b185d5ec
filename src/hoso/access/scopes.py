"""What a token's SMART scopes let it attempt, per resource type and permission.

Parsing is `grant_scopes`' (shared with the token endpoint). A granular v2 scope
(`Observation.rs?category=…`) grants nothing here: honouring its query is not built,
and widening it to the whole type would hand out more than was consented to.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from hoso.access.grant_scopes import ResourceScope, parse_resource_scope
from hoso.core.errors import Forbidden


@dataclass(frozen=True, slots=True)
class ScopeSet:
    scopes: tuple[ResourceScope, ...]

    @classmethod
    def parse(cls, texts: tuple[str, ...] | list[str]) -> ScopeSet:
        return _parsed(tuple(texts))

    def allows(self, resource_type: str, permission: str) -> bool:
        return any(
            permission in s.permissions and s.resource_type in ("*", resource_type)
            for s in self.scopes
        )

    def types(self, permission: str) -> frozenset[str] | None:
        """Types a permission is granted for; None when granted for every type."""
        found = set()
        for s in self.scopes:
            if permission in s.permissions:
                if s.resource_type == "*":
                    return None
                found.add(s.resource_type)
        return frozenset(found)

    @property
    def contexts(self) -> frozenset[str]:
        return frozenset(s.context for s in self.scopes)

    def require(self, resource_type: str, permission: str) -> None:
        if not self.allows(resource_type, permission):
            raise Forbidden(
                f"Phạm vi truy cập (scope) không cho phép '{permission}' trên {resource_type} / "
                f"The token's scopes do not grant '{permission}' on {resource_type}"
            )


@lru_cache(maxsize=1024)
def _parsed(texts: tuple[str, ...]) -> ScopeSet:
    """Scopes parsed once per distinct list: every request of a token carries the same
    (the parse, regular expressions per scope, was 3 % of a read's time)."""
    parsed = (parse_resource_scope(t) for t in texts)
    return ScopeSet(tuple(s for s in parsed if s is not None and s.query is None))
