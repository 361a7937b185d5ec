"""The references are EpiEstim's: rerun tools/r/epiestim_reference.R with Rscript and
compare every file with the committed one (skipped where R is not installed; CI
installs r-base-core and r-cran-epiestim)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.publichealth.rt.epiestim_reference import REFERENCE, assert_same_figures, r_table

pytestmark = [
    pytest.mark.backend_independent,
    pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript is not installed"),
]

SCRIPT = Path(__file__).resolve().parents[3] / "tools" / "r" / "epiestim_reference.R"


def test_rscript_regenerates_the_references(tmp_path: Path) -> None:
    done = subprocess.run(
        ["Rscript", str(SCRIPT), str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    committed = sorted(p.name for p in REFERENCE.glob("*.csv"))
    assert sorted(p.name for p in tmp_path.glob("*.csv")) == committed
    for name in committed:
        if name.endswith("_R.csv"):
            header, rows = r_table(tmp_path / name)
            expected_header, expected = r_table(REFERENCE / name)
            assert header == expected_header
            assert [r[:2] for r in rows] == [r[:2] for r in expected]
            for (_, _, fresh), (_, _, kept) in zip(rows, expected, strict=True):
                assert_same_figures(fresh, kept)
        else:  # inputs, the case list and discr_si are written the same way each time
            assert (tmp_path / name).read_text() == (REFERENCE / name).read_text(), name
