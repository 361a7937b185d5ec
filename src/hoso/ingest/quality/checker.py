"""Running the rules: on one resource (the write path's hook, the bulk import's
workers) and, with the resident's facts, in the batch.

`Checker` is what the composition root plugs into the store (`StoreHooks.quality`);
it holds only settings strings, so it pickles to the bulk import's worker processes.
A rule that fails on some odd input is logged and skipped: a data-quality rule reports
on a record, it never stops a valid one from being stored.
"""

from __future__ import annotations

import logging
from typing import Any

from hoso.core import clock
from hoso.core.settings import Settings
from hoso.fhir.quality import KIND_WRITE, QualityIssue
from hoso.ingest.quality.model import RuleContext
from hoso.ingest.quality.registry import rules_for

__all__ = ["Checker", "check_resource", "make_checker"]

log = logging.getLogger("hoso.quality")


def check_resource(
    resource: dict[str, Any], ctx: RuleContext, kind: str | None = KIND_WRITE
) -> list[QualityIssue]:
    """The findings of every rule of `kind` (None: all) on `resource`."""
    found: list[QualityIssue] = []
    resource_type = resource.get("resourceType")
    if not isinstance(resource_type, str):
        return found
    for rule in rules_for(resource_type, kind):
        try:
            found.extend(rule(resource, ctx))
        except Exception:  # a rule's bug must not refuse a valid write
            # Type and rule only: the resource holds health data.
            log.exception("quality rule %s failed on a %s", rule.code, resource_type)
    return found


class Checker:
    """The store's `QualityCheck`: the write-kind rules, at the time of the write."""

    def __init__(self, cccd_system: str, bhyt_system: str, bhxh_system: str) -> None:
        self.cccd_system = cccd_system
        self.bhyt_system = bhyt_system
        self.bhxh_system = bhxh_system

    def context(self) -> RuleContext:
        return RuleContext(clock.now(), self.cccd_system, self.bhyt_system, self.bhxh_system)

    def __call__(self, resource: dict[str, Any]) -> list[QualityIssue]:
        return check_resource(resource, self.context())


def make_checker(settings: Settings) -> Checker:
    return Checker(settings.cccd_system, settings.bhyt_system, settings.bhxh_system)
