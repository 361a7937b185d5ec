"""The identifier systems and code systems group 2 writes and reads, in one place.

Those shared with the XML 130 mapping (`hoso.ingest.xml130`: the drug registration
number and drug code of XML2, the machine code of XML3, the prescriber's certificate)
are the same strings, so a Medication, a Device or a Practitioner imported here is
the one a claim names; the warehouse may not import `ingest`, so a test holds the two
copies equal (tests/warehouse/test_supply_codes.py).
"""

from __future__ import annotations

__all__ = [
    "CS", "DEPARTMENT_EXT", "DEVICE_CLASS", "DEVICE_CODE", "DEVICE_TYPE", "DRUG_CODE",
    "FTE_EXT", "PROFESSION", "REGISTRATION", "SID", "SID_CCHN", "SID_CIRCULATION",
    "SID_ROLE", "SPECIALTY", "prescriber_system",
]  # fmt: skip

BASE = "https://fhir.hoso.hochiminhcity.gov.vn/"
CS = BASE + "CodeSystem/"
SID = BASE + "sid/"
SD = BASE + "StructureDefinition/"

# Shared with hoso.ingest.xml130 (drugs.REGISTRATION, drugs.DRUG_CODE, services.DEVICE_CODE).
REGISTRATION = CS + "so-dang-ky-thuoc"
DRUG_CODE = CS + "ma-thuoc"
DEVICE_CODE = CS + "ma-may"

# Practising certificate (CCHN, or GPHN under Law 15/2023): one number per person in
# the country, so one identifier system city-wide (HOUSE: no national URI exists).
SID_CCHN = SID + "cchn-gphn"
SID_ROLE = SID + "vi-tri-cong-tac"  # a PractitionerRole: "<MA_CSKCB>|<CCHN>"
SID_CIRCULATION = SID + "so-luu-hanh-ttbyt"  # a device's circulation number (NĐ 98/2021)
PROFESSION = CS + "chuc-danh-nghe-nghiep"
SPECIALTY = CS + "chuyen-khoa"
DEVICE_TYPE = CS + "loai-ttbyt"
DEVICE_CLASS = CS + "phan-loai-ttbyt-nd98"
FTE_EXT = SD + "ty-le-thoi-gian-fte"
DEPARTMENT_EXT = SD + "khoa-phong"


def prescriber_system(facility_system: str, facility: str) -> str:
    """The system XML 130 gives MA_BAC_SI (the certificate number as the facility sent
    it): a Practitioner carries it too, so the claims' prescribers find their person."""
    return f"{facility_system}/{facility}/bac-si"
