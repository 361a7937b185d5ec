"""Data quality "đúng – đủ – sạch – sống": correct, complete, clean, live.

Rules are small pure functions registered with a code (`DUNG-001` …) in `rules_*.py`.
They run on every write (the composition root plugs `make_checker` into the store,
whose write path stores each resource's findings in its own transaction, and
the bulk import computes them in its workers) and as a batch (`run_quality_batch`,
`hoso quality run`), which adds the rules that look across a resident's record and
writes the scorecard snapshot. Findings are derived data: the batch rebuilds them all.
"""

from __future__ import annotations

from hoso.ingest.quality.batch import RunReport, run_quality_batch
from hoso.ingest.quality.checker import (
    Checker,
    check_resource,
    make_checker,
)
from hoso.ingest.quality.model import PatientFacts, Rule, RuleContext
from hoso.ingest.quality.registry import all_rules, find_rule, rules_for

__all__ = [
    "Checker",
    "PatientFacts",
    "Rule",
    "RuleContext",
    "RunReport",
    "all_rules",
    "check_resource",
    "find_rule",
    "make_checker",
    "rules_for",
    "run_quality_batch",
]
