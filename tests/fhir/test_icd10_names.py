"""ICD-10 names in both languages from the Ministry's list (QĐ 4469), as the health book
shows them, with the sheet's known error corrected (tools/gen_icd10_names.py)."""

from __future__ import annotations

from hoso.fhir.icd10_names import icd10_name


def test_names_in_both_languages() -> None:
    assert icd10_name("E11", "vi") == "Bệnh đái tháo đường không phụ thuộc insuline"
    assert icd10_name("A90", "en") == "Dengue fever (classical Dengue)"
    assert icd10_name("I11.0", "vi") == "Bệnh tim do tăng huyết áp, có suy tim (sung huyết)"
    assert icd10_name("Z99.99", "vi") is None


def test_the_sheets_wrong_english_name_for_i10_is_corrected() -> None:
    # The Ministry's sheet gives I10 the English name of I09; WHO's ICD-10 names it so.
    assert icd10_name("I10", "en") == "Essential (primary) hypertension"
    assert icd10_name("I10", "vi") == "Bệnh lý tăng huyết áp"
    assert icd10_name("I09", "en") == "Other rheumatic heart diseases"
