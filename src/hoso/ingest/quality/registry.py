"""The rule registry: every rule module registers its functions with `@rule`, and the
checker, the batch, the scorecard and `$quality` read them from here.

Rule modules are imported lazily (`all_rules`) because they import this module for the
decorator; a new rule is one decorated function in one of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from hoso.fhir.quality import KIND_WRITE
from hoso.ingest.quality.model import DIMENSIONS, Rule, RuleFunction

__all__ = ["all_rules", "find_rule", "rule", "rules_for"]

_MODULES = (
    "hoso.ingest.quality.rules_correct",
    "hoso.ingest.quality.rules_complete",
    "hoso.ingest.quality.rules_clean",
    "hoso.ingest.quality.rules_live",
)
_registry: dict[str, Rule] = {}
_by_type: dict[tuple[str, str | None], tuple[Rule, ...]] = {}
_loaded = False


def rule(
    code: str,
    title: str,
    types: tuple[str, ...],
    *,
    severity: str = "warning",
    issue_code: str = "business-rule",
    kind: str = KIND_WRITE,
) -> Callable[[RuleFunction], RuleFunction]:
    """Register the decorated function as rule `code` (e.g. "DUNG-001")."""
    if code.split("-", 1)[0] not in DIMENSIONS:
        raise ValueError(f"rule code {code!r} has no known dimension prefix")

    def register(function: RuleFunction) -> RuleFunction:
        if code in _registry:
            raise ValueError(f"rule {code} registered twice")
        _registry[code] = Rule(code, title, types, function, severity, issue_code, kind)
        _by_type.clear()
        return function

    return register


def _ensure_loaded() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _MODULES:
            importlib.import_module(module)


def all_rules() -> tuple[Rule, ...]:
    """Every rule, by code."""
    _ensure_loaded()
    return tuple(_registry[code] for code in sorted(_registry))


def find_rule(code: str) -> Rule | None:
    _ensure_loaded()
    return _registry.get(code)


def rules_for(resource_type: str, kind: str | None = None) -> tuple[Rule, ...]:
    """The rules that read `resource_type` (of one kind, or all); memoised per type,
    since the write path asks on every write."""
    key = (resource_type, kind)
    found = _by_type.get(key)
    if found is None:
        found = tuple(r for r in all_rules() if resource_type in r.types and kind in (None, r.kind))
        _by_type[key] = found
    return found
