"""Same (people, seed, faults), same bytes: whatever the process count or the date."""

from __future__ import annotations

from pathlib import Path

from hoso.synth import generate

FAULTS = {"typo": 0.1, "duplicate": 0.1}


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    generate(120, 42, tmp_path / "a", FAULTS, workers=1)
    generate(120, 42, tmp_path / "b", FAULTS, workers=1)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert "Patient.ndjson" in a and "manifest.json" in a
    assert "ground_truth/persons.csv" in a and "ground_truth/faults.csv" in a
    assert a == b


def test_other_seed_gives_other_files(tmp_path: Path) -> None:
    generate(120, 42, tmp_path / "a", workers=1)
    generate(120, 43, tmp_path / "b", workers=1)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a["Patient.ndjson"] != b["Patient.ndjson"]


def test_worker_count_does_not_change_output(tmp_path: Path) -> None:
    one = generate(300, 9, tmp_path / "one", FAULTS, workers=1)  # two chunks
    two = generate(300, 9, tmp_path / "two", FAULTS, workers=2)
    assert two.workers == 2
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    assert one.counts == two.counts


def test_progress_counts_residents(tmp_path: Path) -> None:
    seen: list[int] = []
    generate(300, 1, tmp_path, progress=seen.append, workers=1)
    assert seen == [250, 300]
