"""The vaccine product → antigens table, against the codes our data actually carries."""

from __future__ import annotations

from hoso.programmes.immunisation import packaged_vaccine_table
from hoso.synth.immunization import TCMR
from tests.builders.immunization import CVX, FIVE_IN_ONE, SIX_IN_ONE, immunization

NATIONAL = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/vac-xin"


def _concept(code: str, system: str = CVX) -> dict[str, object]:
    return {"coding": [{"system": system, "code": code}]}


def test_every_vaccine_the_synthetic_city_gives_counts_for_some_antigen() -> None:
    table = packaged_vaccine_table()
    for _, cvx, display, *_ in TCMR:
        assert table.product_antigens(_concept(cvx)), f"CVX {cvx} ({display})"


def test_the_codes_of_the_hl7_vaccination_messages_are_known() -> None:
    # tests/ingest/hl7v2/messages.py: RXA-5 08^…^CVX and QT-BCG^…^VN-TCMR
    table = packaged_vaccine_table()
    assert table.product_antigens(_concept("08")) == {"hepb"}
    assert table.product_antigens(_concept("QT-BCG", NATIONAL)) == {"bcg"}


def test_the_combinations_name_each_antigen() -> None:
    table = packaged_vaccine_table()
    five = {"diphtheria", "tetanus", "pertussis", "hib", "hepb"}
    assert table.product_antigens(_concept(FIVE_IN_ONE)) == five
    assert table.product_antigens(_concept(SIX_IN_ONE)) == five | {"polio_inactivated"}
    assert table.product_antigens(_concept("04")) == {"measles", "rubella"}  # MR


def test_an_icd10_target_disease_is_matched_by_its_code() -> None:
    table = packaged_vaccine_table()
    icd10 = "http://hl7.org/fhir/sid/icd-10"
    assert table.disease_antigens(_concept("A83.0", icd10)) == {"japanese_encephalitis"}
    assert table.disease_antigens(_concept("A830", icd10)) == {"japanese_encephalitis"}
    assert table.disease_antigens(_concept("A83.1", icd10)) == set()  # another encephalitis
    assert table.disease_antigens(_concept("B05.9", icd10)) == {"measles"}


def test_polio_as_a_target_disease_takes_its_series_from_the_product() -> None:
    table = packaged_vaccine_table()
    polio = {"targetDisease": [_concept("398102009", "http://snomed.info/sct")]}
    oral = immunization("178", "2026-03-15", protocolApplied=[polio])
    unknown = immunization("999", "2026-03-15", protocolApplied=[polio])
    assert table.antigens_of(oral) == {"polio_oral"}
    assert table.antigens_of(unknown) == set()  # oral or injected cannot be told
