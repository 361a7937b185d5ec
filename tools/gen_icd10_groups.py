"""Generate src/hoso/warehouse/data/icd10-groups.json: the 22 chapters and the main groups
(blocks, "nhóm chính") of the Ministry of Health's ICD-10 list (QĐ 4469/QĐ-BYT, Phụ lục 1),
each as a range of 3-character codes with its Vietnamese and English name, for the
warehouse's morbidity and mortality tables.

Usage: python tools/gen_icd10_groups.py ../shared/data/vn/icd10-qd4469/icd10.csv

The input is the sheet `tools/gen_icd10_names.py` reads (two title lines, then the header).
Output: sorted, indented JSON, so regenerating it is byte-identical.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/hoso/warehouse/data/icd10-groups.json"
COLUMNS = ("STT CHƯƠNG", "MÃ CHƯƠNG", "TÊN CHƯƠNG", "CHAPTER NAME", "MÃ NHÓM CHÍNH",
           "TÊN NHÓM CHÍNH", "MAIN GROUP NAME I")  # fmt: skip
# Errors of the Ministry's sheet, corrected from WHO's ICD-10 (2019), which QĐ 4469
# translates: the sheet files G10 under a block "G10-G13" and G11-G14 under "G10-G14";
# WHO has the one block G10-G14.
MERGED = {"G10-G13": "G10-G14"}


def _range(text: str) -> list[str]:
    start, _, end = text.strip().partition("-")
    return [start.strip(), (end or start).strip()]


def groups(csv_path: Path) -> dict[str, object]:
    with csv_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    at = next(i for i, row in enumerate(rows) if "MÃ CHƯƠNG" in row)
    idx = [rows[at].index(c) for c in COLUMNS]
    chapters: dict[str, dict[str, object]] = {}
    blocks: dict[str, dict[str, object]] = {}
    for row in rows[at + 1 :]:
        if len(row) <= max(idx) or not row[idx[1]].strip():
            continue
        roman, ch_range, ch_vi, ch_en, g_range, g_vi, g_en = (row[i].strip() for i in idx)
        chapters.setdefault(roman, {"chapter": roman, "range": _range(ch_range),
                                    "vi": ch_vi, "en": ch_en})  # fmt: skip
        g_range = MERGED.get(g_range, g_range)
        if g_range:
            block = {"group": g_range, "chapter": roman, "range": _range(g_range),
                     "vi": g_vi, "en": g_en}
            blocks.setdefault(g_range, block)
    return {
        "source": "QĐ 4469/QĐ-BYT (28/10/2020), Phụ lục 1: danh mục mã ICD-10 — chương và "
        "nhóm chính / chapters and main groups",
        "chapters": list(chapters.values()),
        "groups": sorted(blocks.values(), key=lambda g: g["range"]),  # type: ignore[arg-type,return-value]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    args = parser.parse_args()
    data = groups(args.csv)
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(data['chapters'])} chapters, {len(data['groups'])} groups")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
