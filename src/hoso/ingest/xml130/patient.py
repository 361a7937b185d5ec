"""XML1 (or XML0) person fields → Patient, and each BHYT card → Coverage.

- SO_CCCD: 12 digits → the CCCD identifier; the Patient is a plain create that the
  master patient index resolves (the resident on file, or a 409 for another person on
  that CCCD), so a known resident is matched, not duplicated. 11 digits is the
  classic spreadsheet accident (the leading 0 of "079…" lost by a numeric column): an
  error naming the field. Other forms (9-digit CMND, passport, VNeID account) are kept
  out of the identifier with a warning; without a CCCD the Patient is a plain create
  and the master patient index matches or queues it.
- MA_BN is the facility's own patient number: `<facility system>/<MA_CSKCB>/ma-bn`.
- MA_DANTOC, MA_QUOCTICH, MA_NGHE_NGHIEP: extensions whose codes stay strings ("01").
- MAXA_CU_TRU: looked up among the current (post-2025) NSO communes. A code that is not
  one (a pre-2025 commune: the 2025 merger is not one-to-one by code) is converted from
  DIA_CHI, where the old ward, district and province are written, by the MPI's address
  normaliser (`hoso.identity.addresses`: the old three levels → the new ward's NSO
  code); converted with confidence ≥ 0.9, the new code goes in the address and the
  sent one beside it (`ma-xa-cu`), with a warning saying so; otherwise the sent code is
  kept with a warning. DIA_CHI keeps the address as written either way.
- MA_THE_BHYT: several 15-character cards separated by ";", with GT_THE_TU, GT_THE_DEN
  and MA_DKBD as parallel ";" lists; each card is a Patient identifier and a Coverage.
"""

from __future__ import annotations

import re
from typing import Any

from hoso.identity.addresses import normalise_address
from hoso.identity.bhyt import parse_bhyt
from hoso.ingest.xml130.context import EpisodeContext
from hoso.ingest.xml130.fields import Place, birth, day, split_codes
from hoso.ingest.xml130.wrapper import Row

SD = "https://fhir.hoso.hochiminhcity.gov.vn/StructureDefinition/"
CS = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/"
ETHNICITY = SD + "dan-toc"
OCCUPATION = SD + "nghe-nghiep"
WARD_CODE = SD + "ma-xa"
LEGACY_WARD_CODE = SD + "ma-xa-cu"  # the pre-2025 commune code as sent
REGISTERED_FACILITY = SD + "ma-dkbd"
NATIONALITY = "http://hl7.org/fhir/StructureDefinition/patient-nationality"
BIRTH_TIME = "http://hl7.org/fhir/StructureDefinition/patient-birthTime"
GENDER = {"1": "male", "2": "female", "3": "unknown"}
BHXH_PAYOR = {"display": "Bảo hiểm xã hội Việt Nam",
              "identifier": {"system": CS + "co-quan-bhxh", "value": "BHXH"}}  # fmt: skip


def _name(text: str) -> dict[str, Any]:
    words = text.split()
    name: dict[str, Any] = {"use": "official", "text": text, "family": words[0]}
    if len(words) > 1:
        name["given"] = words[1:]
    return name


def _cccd(ctx: EpisodeContext, place: Place, value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if re.fullmatch(r"\d{12}", value):
        return {"use": "official", "system": ctx.settings.cccd_system, "value": value,
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                     "code": "NI"}], "text": "Số định danh cá nhân"}}  # fmt: skip
    if re.fullmatch(r"\d{11}", value):
        place.error("SO_CCCD", "số CCCD có 11 chữ số: mất số 0 đầu (cột kiểu số?)",
                    "CCCD has 11 digits: leading zero lost (numeric column?)")  # fmt: skip
    else:
        place.warning("SO_CCCD", "không phải số CCCD 12 chữ số, không lưu làm định danh",
                      "not a 12-digit CCCD, not stored as an identifier")  # fmt: skip
    return None


def _coded(url: str, system: str, code: str | None) -> list[dict[str, Any]]:
    if code is None:
        return []
    return [{"url": url, "valueCodeableConcept": {"coding": [{"system": system, "code": code}]}}]


def _address(place: Place, row: Row) -> list[dict[str, Any]]:
    text, ward = row.get("DIA_CHI"), row.get("MAXA_CU_TRU")
    if text is None and ward is None:
        return []
    address: dict[str, Any] = {"use": "home", "country": "VN"}
    if text:
        address["text"] = text
    if ward:
        address["extension"] = [{"url": WARD_CODE, "valueCode": ward}]
        found = _ward(ward)
        if found:
            address["city"], address["state"] = found
        elif (converted := _converted(text)) is not None:
            code, name, state, confidence = converted
            address["extension"] = [{"url": WARD_CODE, "valueCode": code},
                                    {"url": LEGACY_WARD_CODE, "valueCode": ward}]
            address["city"], address["state"] = name, state
            place.warning("MAXA_CU_TRU", f"mã xã cũ '{ward}' (trước 2025) đã chuyển sang "
                          f"'{code}' {name} theo DIA_CHI (độ tin cậy {confidence:.2f})",
                          f"pre-2025 ward code '{ward}' converted to '{code}' {name} from "
                          f"DIA_CHI (confidence {confidence:.2f})")  # fmt: skip
        else:
            place.warning("MAXA_CU_TRU", f"mã xã '{ward}' không có trong danh mục 2025",
                          f"ward code '{ward}' is not in the 2025 list")  # fmt: skip
    return [address]


def _converted(text: str | None) -> tuple[str, str, str, float] | None:
    """The 2025 ward (code, name, province, confidence) of an old-style address."""
    if not text:
        return None
    found = normalise_address({"text": text})
    if not found.ward_code or found.confidence < 0.9 or not found.ward_name:
        return None
    return found.ward_code, found.ward_name, found.province_name or "", found.confidence


def _ward(code: str) -> tuple[str, str] | None:
    from vietnam_provinces import Province, Ward  # loaded only when an address has a code

    try:
        ward = Ward.from_code(int(code))
        return ward.name, Province.from_code(ward.province_code).name
    except (ValueError, KeyError):
        return None


def patient_resource(ctx: EpisodeContext, place: Place, row: Row) -> dict[str, Any]:
    patient: dict[str, Any] = {"resourceType": "Patient"}
    extension = (_coded(ETHNICITY, CS + "dan-toc", row.get("MA_DANTOC"))
                 + _coded(OCCUPATION, CS + "nghe-nghiep", row.get("MA_NGHE_NGHIEP")))  # fmt: skip
    if row.get("MA_QUOCTICH"):
        extension.append({"url": NATIONALITY, "extension": _coded(
            "code", CS + "quoc-tich", row["MA_QUOCTICH"])})  # fmt: skip
    if extension:
        patient["extension"] = extension
    identifiers = [i for i in [_cccd(ctx, place, row.get("SO_CCCD"))] if i]
    if row.get("MA_BN"):
        identifiers.append(
            {
                "use": "secondary",
                "value": row["MA_BN"],
                "system": f"{ctx.settings.facility_system}/{ctx.facility}/ma-bn",
            }
        )
    identifiers += [{"use": "official", "system": ctx.settings.bhyt_system, "value": card}
                    for card in split_codes(row.get("MA_THE_BHYT"))]  # fmt: skip
    if identifiers:
        patient["identifier"] = identifiers
    if row.get("HO_TEN"):
        patient["name"] = [_name(row["HO_TEN"])]
    if row.get("DIEN_THOAI"):
        patient["telecom"] = [{"system": "phone", "value": row["DIEN_THOAI"]}]
    gender = row.get("GIOI_TINH")
    if gender is not None:
        if gender in GENDER:
            patient["gender"] = GENDER[gender]
        else:
            place.error("GIOI_TINH", f"giới tính '{gender}' không thuộc 1, 2, 3",
                        f"sex '{gender}' is not 1, 2 or 3")  # fmt: skip
    born, born_at = birth(place, row)
    if born:
        patient["birthDate"] = born
    if born_at:
        patient["_birthDate"] = {"extension": [{"url": BIRTH_TIME, "valueDateTime": born_at}]}
    address = _address(place, row)
    if address:
        patient["address"] = address
    return patient


def add_patient(ctx: EpisodeContext, place: Place, row: Row) -> None:
    patient = patient_resource(ctx, place, row)
    # A plain POST, not ifNoneExist on the CCCD: the master patient index must see it,
    # to attach it to the resident on file or refuse another person on that CCCD
    # (ifNoneExist would attach anyone carrying the number).
    request = {"method": "POST", "url": "Patient"}
    ctx.patient_urn = ctx.add(patient, request, EpisodeContext.urn_of(ctx.business_id("patient")))


def add_coverages(ctx: EpisodeContext, place: Place, row: Row) -> None:
    cards = split_codes(row.get("MA_THE_BHYT"))
    starts, ends = (row.get("GT_THE_TU") or "").split(";"), (row.get("GT_THE_DEN") or "").split(";")
    registered = (row.get("MA_DKBD") or "").split(";")
    for i, card in enumerate(cards):
        coverage = _coverage(ctx, place, card)
        period = {}
        if i < len(starts) and starts[i].strip():
            period["start"] = day(place, row, "GT_THE_TU", starts[i].strip())
        if i < len(ends) and ends[i].strip():
            period["end"] = day(place, row, "GT_THE_DEN", ends[i].strip())
        period = {k: v for k, v in period.items() if v}
        if period:
            coverage["period"] = period
        if i < len(registered) and registered[i].strip():
            coverage["extension"] = [
                {
                    "url": REGISTERED_FACILITY,
                    "valueIdentifier": {
                        "system": ctx.settings.facility_system,
                        "value": registered[i].strip(),
                    },
                }
            ]
        ident = {"system": ctx.settings.bhyt_system, "value": card}
        url = f"Coverage?identifier={ident['system']}|{card}"
        ctx.add(coverage, {"method": "PUT", "url": url}, EpisodeContext.urn_of(ident))


def _coverage(ctx: EpisodeContext, place: Place, card: str) -> dict[str, Any]:
    coverage: dict[str, Any] = {
        "resourceType": "Coverage",
        "identifier": [{"use": "official", "system": ctx.settings.bhyt_system, "value": card}],
        "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                             "code": "PUBLICPOL", "display": "public healthcare"}],
                 "text": "Bảo hiểm y tế"},
        "beneficiary": {"reference": ctx.patient_urn},
        "payor": [BHXH_PAYOR],
    }  # fmt: skip
    try:
        parsed = parse_bhyt(card)
    except ValueError as exc:
        vi, _, en = str(exc).partition(" / ")
        place.warning("MA_THE_BHYT", vi, en or vi)
        return coverage
    coverage["subscriberId"] = parsed.number
    if parsed.group:
        coverage["class"] = [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/coverage-class",
                            "code": "plan",
                        }
                    ]
                },
                "value": card[:3],
                "name": f"Đối tượng {parsed.group}, mức hưởng {parsed.level}",
            }
        ]
    return coverage
