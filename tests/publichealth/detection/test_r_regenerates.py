"""The committed references are what tools/r/surveillance_reference.R writes: R run
again on three cases (a Farrington, a Noufaily and an EARS case) gives the same files,
byte for byte. Skipped only where Rscript is absent; the CI installs R."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.publichealth.detection.reference_cases import REFERENCE

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "tools" / "r" / "surveillance_reference.R"
CASES = ("newport_default", "agona_noufaily", "bremen_c3")

pytestmark = [
    pytest.mark.backend_independent,
    pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript is not installed"),
]


def test_the_r_script_writes_the_committed_references(tmp_path: Path) -> None:
    done = subprocess.run(["Rscript", str(SCRIPT), str(tmp_path), *CASES],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for case in CASES:
        assert (tmp_path / f"{case}.csv").read_text() == (REFERENCE / f"{case}.csv").read_text()
    for series in ("newport", "agona", "bremen"):
        written = (tmp_path / "series" / f"{series}.csv").read_text()
        assert written == (REFERENCE / "series" / f"{series}.csv").read_text()
