"""Generate src/hoso/fhir/data/icd10_vn_names.json.gz: the Vietnamese and English name
of every code of the Ministry of Health's ICD-10 list (QĐ 4469/QĐ-BYT, Phụ lục 1), for
showing a diagnosis to a resident in their own language (the health book).

Usage: python tools/gen_icd10_names.py ../shared/data/vn/icd10-qd4469/icd10.csv

The input is the same sheet as `tools/gen_icd10_vn.py` reads (two title lines, then the
header); codes keep their dot and lose the dagger/asterisk marks. The output is gzip
of sorted, compact JSON ({code: [vi, en]}), so regenerating it is byte-identical.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/hoso/fhir/data/icd10_vn_names.json.gz"
# Errors of the Ministry's sheet, corrected from WHO's ICD-10 (2019), the list QĐ 4469
# translates: the sheet gives I10 the English name of I09.
ERRATA = {"I10": {"en": "Essential (primary) hypertension"}}


def names(csv_path: Path) -> dict[str, list[str]]:
    with csv_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    at = next(i for i, row in enumerate(rows) if "MÃ BỆNH" in row)
    header = rows[at]
    code, vi, en = (header.index(c) for c in ("MÃ BỆNH", "TÊN BỆNH", "DISEASE NAME"))
    found: dict[str, list[str]] = {}
    for row in rows[at + 1 :]:
        if len(row) > max(code, vi, en) and row[code].strip():
            found[row[code].rstrip("†*").strip()] = [row[vi].strip(), row[en].strip()]
    for fixed, names_of in ERRATA.items():
        vi_name, en_name = found[fixed]
        found[fixed] = [names_of.get("vi", vi_name), names_of.get("en", en_name)]
    return dict(sorted(found.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("csv", type=Path)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    body = json.dumps(names(args.csv), ensure_ascii=False, separators=(",", ":")).encode()
    args.out.write_bytes(gzip.compress(body, mtime=0))
    print(f"{len(json.loads(body))} names → {args.out}")


if __name__ == "__main__":
    main()
