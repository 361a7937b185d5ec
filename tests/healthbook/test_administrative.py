"""Group (a) of the health book from the shapes the XML 130 intake writes: ethnicity by
its name on the GSO list, nationality and occupation codes, the BHYT card's validity and
registered primary-care facility, a representative by name and relation."""

from __future__ import annotations

from collections import defaultdict

from hoso.fhir.ethnic_groups import ethnic_group_name
from hoso.healthbook.administrative import administrative
from hoso.healthbook.items import Reader

SD = "https://fhir.hoso.hochiminhcity.gov.vn/StructureDefinition/"
CS = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/"


def _coded(url: str, system: str, code: str) -> dict:
    return {"url": url, "valueCodeableConcept": {"coding": [{"system": system, "code": code}]}}


def test_administrative_from_an_xml130_patient() -> None:
    patient = {"resourceType": "Patient", "id": "p", "gender": "female",
               "birthDate": "1988-02-29", "name": [{"family": "Lý", "given": ["Thị", "Mai"]}],
               "extension": [_coded(SD + "dan-toc", CS + "dan-toc", "04"),
                             _coded(SD + "nghe-nghiep", CS + "nghe-nghiep", "22110"),
                             {"url": "http://hl7.org/fhir/StructureDefinition/patient-nationality",
                              "extension": [_coded("code", CS + "quoc-tich", "000")]}]}  # fmt: skip
    by_type: dict[str, list[dict]] = defaultdict(list)
    by_type["Coverage"] = [{"resourceType": "Coverage", "id": "c",
                            "identifier": [{"value": "GD4797912345678"}],
                            "period": {"start": "2026-01-01", "end": "2026-12-31"},
                            "extension": [{"url": SD + "ma-dkbd", "valueIdentifier": {
                                "system": "urn:facility", "value": "79071"}}]}]  # fmt: skip
    by_type["RelatedPerson"] = [{"resourceType": "RelatedPerson", "id": "r",
                                 "name": [{"family": "Lý", "given": ["Văn", "Hùng"]}],
                                 "relationship": [{"coding": [{"code": "FTH"}]}]}]  # fmt: skip
    shown = administrative(Reader("vi"), patient, by_type)
    assert (shown["name"], shown["ethnicity"], shown["occupation"], shown["nationality"]) == (
        "Lý Thị Mai", "Hoa", "22110", "000")
    assert shown["insurance"] == [{"card": "GD4797912345678", "payor": None, "facility": "79071",
                                   "start": "2026-01-01", "end": "2026-12-31"}]  # fmt: skip
    [father] = shown["representatives"]
    assert (father["title"], father["relationship"]) == ("Lý Văn Hùng", "Bố")
    english = administrative(Reader("en"), patient, by_type)
    assert english["representatives"][0]["relationship"] == "Father"


def test_ethnic_groups_by_their_gso_codes() -> None:
    assert [ethnic_group_name(c) for c in ("01", "1", "17", "54", "99")] == [
        "Kinh", "Kinh", "Chăm", "Rơ măm", None]
