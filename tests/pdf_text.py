"""A PDF's text as `pdftotext` (poppler-utils) reads it back, NFC-normalised: how the
health book's tests check that Vietnamese words come out of a PDF exactly."""

from __future__ import annotations

import subprocess
import tempfile
import unicodedata
from pathlib import Path


def pdf_text(pdf: bytes | Path) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = pdf if isinstance(pdf, Path) else Path(folder) / "read.pdf"
        if not isinstance(pdf, Path):
            path.write_bytes(pdf)
        done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                              capture_output=True, check=True, timeout=60)  # fmt: skip
    return unicodedata.normalize("NFC", done.stdout.decode("utf-8"))
