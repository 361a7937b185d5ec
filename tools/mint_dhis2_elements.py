"""Write the group-1 indicators' DHIS2 data elements into the packaged mapping
(src/hoso/warehouse/data/dhis2-mapping.json), with UIDs minted by Hồ Sơ (`mint_uid`):
one data element for each indicator's numerator, one for its denominator when it is a
rate, and one category option combination for every combination of its categories'
options (the ICD-10 chapters and groups of QĐ 4469, the age bands, sex, the chronic
groups, the vaccine series). HOUSE assumption, as the org units': the city defines this
metadata itself until a receiving DHIS2 instance gives its own UIDs.

Top diagnoses are a ranking, not an aggregate a DHIS2 data set holds: not mapped (the
export lists them as unmapped).

Usage: python3 tools/mint_dhis2_elements.py   (rewrites the file's "dataElements")
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from hoso.warehouse.exchange.dhis2_mapping import combo_key, mint_uid
from hoso.warehouse.indicators.age_bands import AGE_BANDS, UNKNOWN_AGE
from hoso.warehouse.indicators.definitions import DEFINITIONS
from hoso.warehouse.indicators.icd10_chapters import UNKNOWN, chapters, groups
from hoso.warehouse.indicators.immunisation import COVERAGE
from hoso.warehouse.indicators.prevalence import CHRONIC_GROUPS

MAPPING = Path(__file__).resolve().parents[1] / "src/hoso/warehouse/data/dhis2-mapping.json"
NOT_MAPPED = {"top-diagnoses"}
OPTIONS: dict[str, list[str]] = {
    "icd10-chapter": [b.code for b in chapters()] + [UNKNOWN],
    "icd10-group": [b.code for b in groups()] + [UNKNOWN],
    "age-band": [code for code, _ in AGE_BANDS] + [UNKNOWN_AGE],
    "sex": ["male", "female", "other", "unknown"],
    "chronic-disease": [code for code, *_ in CHRONIC_GROUPS],
    "vaccine": [code for code, *_ in COVERAGE],
}


def elements() -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for d in DEFINITIONS:
        if d.code in NOT_MAPPED:
            continue
        entry: dict[str, object] = {"numerator": mint_uid("dataElement", f"{d.code}:numerator")}
        if d.scale != 1 or d.code == "visits-per-resident":
            entry["denominator"] = mint_uid("dataElement", f"{d.code}:denominator")
        combos = {}  # none for an indicator without categories: DHIS2's default combo
        options = [OPTIONS[c] for c in d.categories]
        for chosen in itertools.product(*options) if options else ():
            key = combo_key(dict(zip(d.categories, chosen, strict=True)))
            combos[key] = mint_uid("categoryOptionCombo", f"{d.code}:{key}")
        if combos:
            entry["categoryOptionCombos"] = combos
        found[d.code] = entry
    return found


def main() -> int:
    mapping = json.loads(MAPPING.read_text(encoding="utf-8"))
    mapping["dataElements"] = elements()
    MAPPING.write_text(json.dumps(mapping, ensure_ascii=False, indent=1) + "\n",
                       encoding="utf-8")  # fmt: skip
    print(f"{len(mapping['dataElements'])} data elements written to {MAPPING}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
