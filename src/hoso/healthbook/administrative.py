"""The health book's group (a), administrative: who the person is (name, birth date,
sex, ethnicity, nationality, occupation, identifiers), how to reach them, their BHYT
cards with validity and registered primary-care facility, their representatives and
their blood group."""

from __future__ import annotations

from typing import Any

from hoso.fhir.ethnic_groups import ethnic_group_name
from hoso.healthbook.items import Reader, book_item, observation_value

__all__ = ["administrative", "person_name"]

TITLE = ("Thông tin hành chính", "Administrative")
# HL7 v3 RoleCode: how a RelatedPerson is related to the resident.
RELATIONS = {"MTH": ("Mẹ", "Mother"), "FTH": ("Bố", "Father"), "PRN": ("Cha mẹ", "Parent"),
             "GRD": ("Người giám hộ", "Guardian"), "GUARD": ("Người giám hộ", "Guardian"),
             "SPS": ("Vợ/chồng", "Spouse"), "POWATT": ("Người đại diện theo pháp luật",
                                                        "Legal representative")}  # fmt: skip


def administrative(reader: Reader, patient: dict[str, Any],
                   by_type: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:  # fmt: skip
    name = person_name(patient)
    identifiers = {str(i.get("system")): i.get("value") for i in patient.get("identifier") or []
                   if isinstance(i, dict)}  # fmt: skip
    cards = [{"card": c.get("subscriberId") or c.get("identifier", [{}])[0].get("value"),
              "payor": ((c.get("payor") or [{}])[0]).get("display"),
              "facility": _registered_facility(c),  # nơi đăng ký KCB ban đầu
              **{k: (c.get("period") or {}).get(k) for k in ("start", "end")}}
             for c in by_type["Coverage"]]  # fmt: skip
    blood = [observation_value(o) for o in by_type["Observation"]
             if any(c.get("code") in ("882-1", "883-9") for c in
                    (o.get("code") or {}).get("coding") or [])]  # fmt: skip
    addresses = patient.get("address") or [{}]
    return {
        "title": reader.pick(TITLE), "name": name,
        "birth_date": patient.get("birthDate"), "gender": patient.get("gender"),
        "identifiers": identifiers,
        "phone": next((t.get("value") for t in patient.get("telecom") or []
                       if t.get("system") == "phone"), None),
        "address": addresses[0].get("text") or addresses[0].get("city"),
        "ward": addresses[0].get("city"),
        "insurance": cards, "blood_group": blood[0] if blood else None,
        **_origins(patient),
        "representatives": [_representative(reader, r) for r in by_type["RelatedPerson"]],
    }  # fmt: skip


def _extension(resource: dict[str, Any], suffix: str) -> dict[str, Any] | None:
    return next((e for e in resource.get("extension") or [] if isinstance(e, dict)
                 and str(e.get("url") or "").endswith(suffix)), None)  # fmt: skip


def _origins(patient: dict[str, Any]) -> dict[str, str | None]:
    """Ethnicity, nationality and occupation (XML 130's MA_DANTOC, MA_QUOCTICH,
    MA_NGHE_NGHIEP): by name where the code has one we know, else the code."""
    def code_of(ext: dict[str, Any] | None) -> tuple[str | None, str | None]:
        concept = (ext or {}).get("valueCodeableConcept") or {}
        coding = (concept.get("coding") or [{}])[0]
        return coding.get("code"), concept.get("text") or coding.get("display")

    ethnic, ethnic_name = code_of(_extension(patient, "/dan-toc"))
    nation = _extension(patient, "/patient-nationality") or {}
    nation_code, nation_name = code_of(_extension(nation, "code"))
    job, job_name = code_of(_extension(patient, "/nghe-nghiep"))
    return {"ethnicity": ethnic_name or (ethnic and (ethnic_group_name(ethnic) or ethnic)),
            "nationality": nation_name or nation_code, "occupation": job_name or job}


def _registered_facility(coverage: dict[str, Any]) -> str | None:
    found = _extension(coverage, "/ma-dkbd") or {}
    return (found.get("valueIdentifier") or {}).get("value")


def _representative(reader: Reader, person: dict[str, Any]) -> dict[str, Any]:
    """A parent, guardian or legal representative: who, and how related."""
    codes = [c.get("code") for r in person.get("relationship") or [] if isinstance(r, dict)
             for c in r.get("coding") or [] if isinstance(c, dict)]  # fmt: skip
    relation = next((reader.pick(RELATIONS[c]) for c in codes if c in RELATIONS), None)
    relation = relation or reader.concept((person.get("relationship") or [None])[0])
    return book_item(reader, person, person_name(person) or relation, relationship=relation)


def person_name(patient: dict[str, Any]) -> str | None:
    names = patient.get("name") or [{}]
    return " ".join([names[0].get("family") or "", *(names[0].get("given") or [])]).strip() or None
