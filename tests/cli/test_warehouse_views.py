"""`hoso warehouse run-view`: rows as NDJSON, stdin, and exit status 2 with a message
naming what is wrong (the view's JSON path, the input's line number)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from hoso.cli import app
from hoso.cli.warehouse_views import InputError, _resources

ROOT = Path(__file__).resolve().parents[2]
VIEW = {
    "resourceType": "ViewDefinition",
    "resource": "Patient",
    "select": [
        {"column": [{"name": "id", "path": "getResourceKey()"}]},
        {"forEachOrNull": "name", "column": [{"name": "family", "path": "family"}]},
    ],
    "where": [{"path": "active = true"}],
}
PATIENTS = [
    {"resourceType": "Patient", "id": "p1", "active": True,
     "name": [{"family": "Nguyễn"}, {"family": "Trần"}]},
    {"resourceType": "Observation", "id": "o1", "status": "final"},
    {"resourceType": "Patient", "id": "p2", "active": True},
    {"resourceType": "Patient", "id": "p3", "active": False, "name": [{"family": "Lê"}]},
]  # fmt: skip


def run(tmp_path: Path, view: object, lines: list[str], *, stdin: bool = False):
    (tmp_path / "view.json").write_text(json.dumps(view), encoding="utf-8")
    data = "".join(f"{line}\n" for line in lines)
    (tmp_path / "in.ndjson").write_text(data, encoding="utf-8")
    source = "-" if stdin else str(tmp_path / "in.ndjson")
    argv = ["warehouse", "run-view", str(tmp_path / "view.json"), "--input", source]
    return CliRunner().invoke(app, argv, input=data if stdin else None)


def ndjson(resources: list[dict]) -> list[str]:
    return [json.dumps(r, ensure_ascii=False) for r in resources]


def rows(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_rows_printed_as_ndjson_in_view_order(tmp_path):
    result = run(tmp_path, VIEW, [*ndjson(PATIENTS[:2]), "", *ndjson(PATIENTS[2:])])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [list(json.loads(line)) for line in lines] == [["id", "family"]] * 3
    assert rows(result.stdout) == [
        {"id": "p1", "family": "Nguyễn"},
        {"id": "p1", "family": "Trần"},
        {"id": "p2", "family": None},
    ]


def test_stdin(tmp_path):
    result = run(tmp_path, VIEW, ndjson(PATIENTS), stdin=True)
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in rows(result.stdout)] == ["p1", "p1", "p2"]


@pytest.mark.parametrize(
    ("view", "named"),
    [
        ({**VIEW, "select": [{"column": [{"name": "id", "path": "id"},
                                         {"name": "id", "path": "gender"}]}]},
         "duplicate column name: id"),
        ({**VIEW, "select": [{"column": [{"name": "1d", "path": "id"}]}]},
         "select[0].column[0].name"),
        ({**VIEW, "select": [{"column": [{"name": "id", "path": "name.("}]}]},
         "select[0].column[0].path"),
        ({**VIEW, "select": [{"column": [{"name": "id", "path": 7}]}]},
         "select[0].column[0].path"),
        ({**VIEW, "selekt": []}, "selekt: khóa không được biết / unknown key"),
        ({"select": VIEW["select"]}, "resource"),
        (["not", "an", "object"], "ViewDefinition"),
    ],
)  # fmt: skip
def test_invalid_view_exits_2_naming_what(tmp_path, view, named):
    result = run(tmp_path, view, ndjson(PATIENTS))
    assert result.exit_code == 2
    assert named in result.stderr
    assert "view.json" in result.stderr and "Traceback" not in result.output
    assert result.stdout == ""


def test_view_not_json_or_missing(tmp_path):
    (tmp_path / "view.json").write_text("{resource: Patient", encoding="utf-8")
    (tmp_path / "in.ndjson").write_text("", encoding="utf-8")
    argv = ["warehouse", "run-view", str(tmp_path / "view.json"), "-i", str(tmp_path / "in.ndjson")]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2 and "not JSON" in result.stderr
    result = CliRunner().invoke(app, ["warehouse", "run-view", str(tmp_path / "no.json"),
                                      "-i", str(tmp_path / "in.ndjson")])  # fmt: skip
    assert result.exit_code == 2 and "file not found" in result.stderr
    (tmp_path / "view.json").write_text(json.dumps(VIEW), encoding="utf-8")
    result = CliRunner().invoke(app, ["warehouse", "run-view", str(tmp_path / "view.json"),
                                      "-i", str(tmp_path / "none.ndjson")])  # fmt: skip
    assert result.exit_code == 2 and "file not found" in result.stderr


@pytest.mark.parametrize(
    ("bad", "why"),
    [("[1, 2]", "not a JSON object"), ('"Patient"', "not a JSON object"),
     ('{"resourceType": "Patient",', "not JSON"), ("\udcff", "not JSON")],
)  # fmt: skip
def test_bad_line_exits_2_with_its_number(tmp_path, bad, why):
    lines = [*ndjson(PATIENTS[:1]), "", bad, *ndjson(PATIENTS[2:])]
    (tmp_path / "view.json").write_text(json.dumps(VIEW), encoding="utf-8")
    (tmp_path / "in.ndjson").write_bytes(
        "\n".join(lines).encode("utf-8", errors="surrogateescape") + b"\n"
    )
    argv = ["warehouse", "run-view", str(tmp_path / "view.json"), "-i", str(tmp_path / "in.ndjson")]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 2
    assert "line 3" in result.stderr and why in result.stderr
    # What came before the bad line was printed; nothing after it.
    assert [r["family"] for r in rows(result.stdout)] == ["Nguyễn", "Trần"]


def test_view_failing_on_a_resource_names_line_and_path(tmp_path):
    view = {"resource": "Patient", "select": [{"column": [{"name": "f", "path": "name.family"}]}]}
    result = run(tmp_path, view, ndjson([PATIENTS[2], PATIENTS[0]]))
    assert result.exit_code == 2
    assert "line 2" in result.stderr and "select[0].column[0].path" in result.stderr
    assert "Patient/p1" in result.stderr


def test_input_read_one_line_at_a_time():
    """The reader yields each resource before reading the next line (streaming)."""

    class Source(io.BytesIO):
        def readline(self, size: int = -1) -> bytes:
            if self.tell() > 0:
                raise AssertionError("read ahead")
            return super().readline(size)

    first = next(_resources(Source(b'{"resourceType": "Patient"}\n{"x": 1}\n')))
    assert first == (1, {"resourceType": "Patient"})


def test_overlong_line_refused(monkeypatch):
    monkeypatch.setattr("hoso.cli.warehouse_views.MAX_LINE_BYTES", 100)
    source = io.BytesIO(orjson.dumps({"resourceType": "Patient", "id": "x" * 200}) + b"\n")
    with pytest.raises(InputError, match="line 1"):
        list(_resources(source))


def test_in_a_fresh_process_through_a_pipe(tmp_path):
    (tmp_path / "view.json").write_text(json.dumps(VIEW), encoding="utf-8")
    many = "".join(
        json.dumps({"resourceType": "Patient", "id": f"p{i}", "active": True}) + "\n"
        for i in range(2000)
    )
    done = subprocess.run(
        [sys.executable, "-m", "hoso.cli", "warehouse", "run-view",
         str(tmp_path / "view.json"), "--input", "-"],
        input=many, capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    printed = rows(done.stdout)
    assert len(printed) == 2000 and printed[-1] == {"id": "p1999", "family": None}
