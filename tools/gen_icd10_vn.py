"""Generate src/hoso/fhir/data/icd10_vn.json from the Ministry of Health's ICD-10 list.

Usage: python tools/gen_icd10_vn.py ICD10.csv [--out PATH]

The input is the annex of QĐ 4469/QĐ-BYT (`Phu.lu.c.4469.xlsx`, public in the repository
`dh-hos/Mo-ta-he-thong` under `ICD/Tep-ho-tro/`; docs/domain-vn.md §8), its sheet `ICD10`
saved as UTF-8 CSV: two title lines, then the header. We keep every code of the
`MÃ BỆNH` column with its dot and without the dagger/asterisk marks (`A17.0†` →
`A17.0`), sorted, so that the file is small (the names are not needed to check a code)
and regenerating it is byte-identical.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/hoso/fhir/data/icd10_vn.json"
CODE_COLUMN = "MÃ BỆNH"


def codes(csv_path: Path) -> list[str]:
    with csv_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header_at = next(i for i, row in enumerate(rows) if CODE_COLUMN in row)
    column = rows[header_at].index(CODE_COLUMN)
    found = {row[column].rstrip("†*").strip() for row in rows[header_at + 1 :] if row[column]}
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("csv", type=Path)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    body = {
        "source": "QĐ 4469/QĐ-BYT (28/10/2020), Phụ lục 1: danh mục mã ICD-10",
        "system": "http://hl7.org/fhir/sid/icd-10",
        "codes": codes(args.csv),
    }
    args.out.write_text(json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{len(body['codes'])} codes → {args.out}")


if __name__ == "__main__":
    main()
