"""The DHIS2 aggregate export (issue 20 point 6): the mapping is checked whole (UIDs,
format, version), periods in DHIS2's form, numerators and denominators as data values
with the default or the mapped category option combo, the CSV in DHIS2's column order
with the same rows as the JSON, and every value the mapping cannot place listed with
its reason — none dropped in silence."""

from __future__ import annotations

import csv
import io
import json
import re
from importlib import resources

import pytest

from hoso.core.errors import InvalidRequest
from hoso.warehouse.exchange.dhis2 import CSV_COLUMNS, dhis2_export, number_text
from hoso.warehouse.exchange.dhis2_mapping import (
    DEFAULT_COMBO,
    MappingError,
    combo_key,
    is_uid,
    mint_uid,
    packaged_mapping,
    parse_mapping,
)
from hoso.warehouse.exchange.periods import dhis2_period
from hoso.warehouse.indicators.model import CITY, WARD
from tests.warehouse.exchange.fake_source import BEN_THANH, SAIGON, VALUES

UID = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")
MORB_N, MORB_D, IX, X = "MorbNumer01", "PopulDenom1", "ChapterIX01", "ChapterX001"
COV_N, COV_D = "CovNumer001", "CovDenom001"
OU_SAIGON, OU_CITY = "OuSaiGon001", "OuHcmCity01"


def _raw() -> dict:
    return {"format": "hoso-dhis2-mapping", "version": "test.1",
            "dataElements": {
                "morbidity-icd10-chapter": {
                    "numerator": MORB_N, "denominator": MORB_D,
                    "categoryOptionCombos": {"icd10-chapter=IX": IX, "icd10-chapter=X": X}},
                "immunisation-coverage": {"numerator": COV_N, "denominator": COV_D}},
            "orgUnits": {"ward": {SAIGON: OU_SAIGON}, "city": {"79": OU_CITY}}}  # fmt: skip


def test_uids_are_checked_exactly() -> None:
    assert is_uid("HllvX50cXC0") and is_uid("a1234567890")
    for bad in ("1llvX50cXC0", "HllvX50cXC", "HllvX50cXC00", "HllvX50cXC\n", "Hllv-50cXC0",
                None, 12345678901, "Hllvé50cXC0"):
        assert not is_uid(bad), bad
    minted = {mint_uid("orgUnit", f"ward:{n}") for n in range(2000)}
    assert len(minted) == 2000 and all(UID.match(u) for u in minted)
    assert mint_uid("orgUnit", "ward:26740") == mint_uid("orgUnit", "ward:26740")


@pytest.mark.parametrize(("change", "named"), [
    (lambda m: m.update(format="other"), "format"),
    (lambda m: m.pop("version"), "version"),
    (lambda m: m["dataElements"]["immunisation-coverage"].update(numerator="short"),
     "dataElements.immunisation-coverage.numerator"),
    (lambda m: m["dataElements"]["morbidity-icd10-chapter"]["categoryOptionCombos"].update(
        {"icd10-chapter=XX": "0bad0bad0ba"}), "categoryOptionCombos.icd10-chapter=XX"),
    (lambda m: m["orgUnits"]["ward"].update({BEN_THANH: ["list"]}), f"orgUnits.ward.{BEN_THANH}"),
    (lambda m: m["orgUnits"].update(district={}), "orgUnits.district"),
    (lambda m: m.update(dataElements=[]), "dataElements"),
    (lambda m: m.update(attributeOptionCombo="x"), "attributeOptionCombo"),
])  # fmt: skip
def test_a_wrong_mapping_is_refused_naming_where(change, named) -> None:
    raw = _raw()
    change(raw)
    with pytest.raises(MappingError, match=re.escape(named)):
        parse_mapping(raw)
    with pytest.raises(MappingError):
        parse_mapping([raw])


def test_the_packaged_mapping_is_valid_and_covers_every_ward() -> None:
    text = resources.files("hoso.warehouse").joinpath("data/dhis2-mapping.json").read_text()
    raw = json.loads(text)
    mapping = packaged_mapping()
    assert mapping.version == raw["version"]
    assert mapping.attribute_combo == DEFAULT_COMBO
    wards = mapping.org_units[WARD]
    assert len(wards) == 168 and len(set(wards.values())) == 168
    assert all(UID.match(u) for u in wards.values())
    assert mapping.org_unit(CITY, "79") is not None


def test_periods_in_dhis2_form() -> None:
    assert dhis2_period("2026-11") == "202611"
    assert dhis2_period("2026") == "2026"
    for bad in ("2026-13", "2026-1", "202611", "26-11", "2026-11-01", ""):
        with pytest.raises(InvalidRequest):
            dhis2_period(bad)


def test_numbers_as_dhis2_reads_them() -> None:
    assert [number_text(x) for x in (12.0, 0, 3, 2.5, 1 / 3)] == [
        "12", "0", "3", "2.5", "0.3333333333333333"]


def test_the_export_places_what_it_can_and_lists_the_rest() -> None:
    found = dhis2_export([v for v in VALUES if v.period == "2026-11"], parse_mapping(_raw()))
    rows = {(r["dataElement"], r["orgUnit"], r["categoryOptionCombo"]): r["value"]
            for r in found.data_values}  # fmt: skip
    assert all(r["period"] == "202611" and r["attributeOptionCombo"] == DEFAULT_COMBO
               for r in found.data_values)  # fmt: skip
    # Sài Gòn's total and its two chapters, each with its denominator; the city's likewise.
    assert rows[(MORB_N, OU_SAIGON, DEFAULT_COMBO)] == "30"
    assert rows[(MORB_N, OU_SAIGON, IX)] == "10"
    assert rows[(MORB_N, OU_SAIGON, X)] == "20"
    assert rows[(MORB_D, OU_SAIGON, IX)] == "45000"
    assert rows[(MORB_N, OU_CITY, X)] == "24"
    assert rows[(COV_N, OU_SAIGON, DEFAULT_COMBO)] == "90"
    assert rows[(COV_D, OU_CITY, DEFAULT_COMBO)] == "100"
    assert len(found.data_values) == len(rows)  # no row twice
    why = sorted((u.indicator, u.org, u.categories, u.reason) for u in found.unmapped)
    assert why == sorted([
        ("morbidity-icd10-chapter", SAIGON, "icd10-chapter=IX|sex=female",
         "category-option-combo"),
        ("morbidity-icd10-chapter", BEN_THANH, "", "org-unit"),
        ("immunisation-coverage", BEN_THANH, "", "org-unit"),
        ("visits", "79001", "", "data-element"),
        ("visits", "79", "", "data-element"),
        ("top-diagnoses", "79", "icd10=E11", "data-element"),
        ("top-diagnoses", "79", "icd10=I10", "data-element"),
        ("top-diagnoses", "79", "icd10=J06", "data-element"),
    ])  # fmt: skip
    # Every November value is either sent (one numerator row each) or listed.
    numerators = sum(1 for r in found.data_values if r["dataElement"] in (MORB_N, COV_N))
    november = sum(1 for v in VALUES if v.period == "2026-11")
    assert numerators + len(found.unmapped) == november


def test_csv_has_dhis2s_columns_and_the_json_rows() -> None:
    found = dhis2_export(VALUES, parse_mapping(_raw()))
    table = list(csv.reader(io.StringIO(found.csv_text())))
    assert tuple(table[0]) == CSV_COLUMNS
    assert CSV_COLUMNS[:6] == ("dataelement", "period", "orgunit", "categoryoptioncombo",
                               "attributeoptioncombo", "value")  # fmt: skip
    as_json = [[r["dataElement"], r["period"], r["orgUnit"], r["categoryOptionCombo"],
                r["attributeOptionCombo"], r["value"]] for r in found.data_values]  # fmt: skip
    assert [row[:6] for row in table[1:]] == as_json
    assert {row[1] for row in table[1:]} == {"202611", "202610"}
    assert found.data_value_set() == {"dataValues": found.data_values}


def test_combo_keys_are_sorted_by_dimension() -> None:
    assert combo_key({"sex": "female", "age-band": "15-49"}) == "age-band=15-49|sex=female"
    assert combo_key({}) == ""
