"""The official SQL on FHIR v2 suite (tests/conformance/sql-on-fhir-v2): its cases, how
one is judged, and the suite's JSON report.

A case passes when: `expectError` — compiling or running the view raises `ViewError`;
`expect` — the rows equal the expected rows as a multiset (order ignored: no case of this
suite asks for an order), each row's keys and values equal (5 equals 5.0, as JSON numbers
do); `expectColumns` — the rows' column names, in order; `expectCount` — the number of rows.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hoso.warehouse.viewdef import ViewError
from hoso.warehouse.viewdef.runner import compile_view

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "tests" / "conformance" / "sql-on-fhir-v2" / "tests"
REPORT_NAME = "sql-on-fhir-v2.json"


@dataclass(frozen=True)
class Case:
    file: str
    title: str
    test: dict[str, Any]
    resources: list[dict[str, Any]]

    @property
    def id(self) -> str:
        return f"{self.file}::{self.title}"


def cases() -> list[Case]:
    found = []
    for path in sorted(SUITE.glob("*.json")):
        suite = json.loads(path.read_text(encoding="utf-8"))
        for test in suite["tests"]:
            found.append(Case(path.name, test["title"], test, suite.get("resources", [])))
    return found


def judge(case: Case) -> tuple[bool, str]:
    """(passed, why not) for one case, running the view for real."""
    test = case.test
    try:
        compiled = compile_view(test["view"])
        rows = [row for resource in case.resources for row in compiled.rows(resource)]
    except ViewError as exc:
        if test.get("expectError"):
            return True, ""
        return False, f"ViewError: {exc}"
    if test.get("expectError"):
        return False, f"no error; rows {rows}"
    if "expectColumns" in test:
        columns = list(rows[0]) if rows else list(compiled.names)
        if columns != test["expectColumns"]:
            return False, f"columns {columns} != {test['expectColumns']}"
    if "expectCount" in test and len(rows) != test["expectCount"]:
        return False, f"{len(rows)} rows != {test['expectCount']}"
    if "expect" in test and not same_rows(rows, test["expect"]):
        return False, f"rows {rows}\n!= expected {test['expect']}"
    return True, ""


def same_rows(actual: list[dict], expected: list[dict]) -> bool:
    """Equal as multisets of rows (dict equality: same keys, equal values)."""
    remaining = list(expected)
    for row in actual:
        for i, wanted in enumerate(remaining):
            if row == wanted and _same_types(row, wanted):
                del remaining[i]
                break
        else:
            return False
    return not remaining


def _same_types(row: dict, wanted: dict) -> bool:
    """`True == 1` in Python; in JSON a boolean is no number."""
    return all(isinstance(row[k], bool) == isinstance(wanted[k], bool) for k in wanted)


def report_path() -> Path:
    return Path(os.environ.get("HOSO_REPORT_DIR", ROOT / ".cache" / "reports")) / REPORT_NAME


def write_report(outcomes: dict[str, bool], all_cases: list[Case]) -> Path:
    """The suite's report format: {"basic.json": {"tests": [{"name": …, "result":
    {"passed": …}}]}, …}, for the cases in `outcomes`, in the suite's order."""
    report: dict[str, dict[str, list]] = {}
    for case in all_cases:
        if case.id in outcomes:
            entry = {"name": case.title, "result": {"passed": outcomes[case.id]}}
            report.setdefault(case.file, {"tests": []})["tests"].append(entry)
    path = report_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    temporary.replace(path)  # whole or not at all: a reader never sees half a report
    return path
