"""The official SQL on FHIR v2 suite, all 134 cases, one test each (ids `file::title`),
and its JSON report written by the run (`$HOSO_REPORT_DIR/sql-on-fhir-v2.json`, default
`.cache/reports/`).

The report is written by `test_report_written`, which judges every case once more with
the same `judge` (a few hundred milliseconds) and writes their outcomes: under
`pytest -n 2` the parametrised cases are spread over two processes, so no one of them
sees all the outcomes; judging again in one place gives a complete report from a real
run, and the test checks it against the outcomes this process did see.
"""

from __future__ import annotations

import json

import pytest

from tests.warehouse.sof_suite import Case, cases, judge, report_path, write_report

CASES = cases()
SEEN: dict[str, bool] = {}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    passed, why = judge(case)
    SEEN[case.id] = passed
    assert passed, why


def test_suite_is_whole() -> None:
    assert len(CASES) == 134
    assert len({c.file for c in CASES}) == 22
    assert len({c.id for c in CASES}) == 134, "titles are unique within a file"


def test_report_written() -> None:
    outcomes = {case.id: judge(case)[0] for case in CASES}
    path = write_report(outcomes, CASES)
    assert path == report_path() and path.exists()
    report = json.loads(path.read_text(encoding="utf-8"))
    entries = [(f, t) for f, body in report.items() for t in body["tests"]]
    assert len(report) == 22 and len(entries) == 134
    for file, entry in entries:
        assert set(entry) == {"name", "result"} and set(entry["result"]) == {"passed"}
        assert entry["result"]["passed"] is outcomes[f"{file}::{entry['name']}"]
    for case_id, passed in SEEN.items():  # what the parametrised tests saw here
        assert outcomes[case_id] is passed


def test_report_marks_a_failure() -> None:
    """A failing case is `passed: false` in the report (a broken copy of a real case)."""
    real = next(c for c in CASES if c.file == "basic.json" and "expect" in c.test)
    broken = Case(real.file, real.title, {**real.test, "expect": [{"id": "nobody"}]},
                  real.resources)  # fmt: skip
    assert judge(broken)[0] is False
    assert judge(real)[0] is True


def test_report_written_to_the_folder_asked(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOSO_REPORT_DIR", str(tmp_path))
    one = CASES[0]
    path = write_report({one.id: False}, CASES)
    assert path == tmp_path / "sql-on-fhir-v2.json"
    assert json.loads(path.read_text()) == {
        one.file: {"tests": [{"name": one.title, "result": {"passed": False}}]}
    }
