"""`hoso synth` (hoso.cli.synth) through Typer: clear errors, counts at the end."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from hoso.cli.synth import synth

app = typer.Typer()
app.command()(synth)


def test_bad_faults_exit_2_with_a_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--people", "5", "--out", str(tmp_path), "--faults", "typo=0.1,dup=0.5"]
    )
    assert result.exit_code == 2
    assert "Unknown fault 'dup'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "Patient.ndjson").exists()


def test_rate_out_of_range(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--out", str(tmp_path), "--faults", "typo=3"])
    assert result.exit_code == 2
    assert "[0, 1]" in result.output


def test_writes_and_reports(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--people", "25", "--seed", "3", "--out", str(tmp_path), "--faults", "duplicate=0.2"]
    )
    assert result.exit_code == 0, result.output
    assert "Patient:" in result.output and "resources/s" in result.output
    assert (tmp_path / "manifest.json").is_file()
    assert (tmp_path / "ground_truth" / "persons.csv").is_file()
