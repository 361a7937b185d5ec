"""The resident's privacy choices as FHIR `Consent`s, and back into words.

Three choices a person can make on their book's page, each one Consent of their own
(so each is withdrawn on its own, and the consent log keeps every version):

- block a facility: deny everything to that facility (its Organization as actor);
- hide a category: deny one sensitive category (HIV, mental health, …: the HL7
  ActCode labels of `hoso.fhir.security_labels`) to everyone but themselves;
- national sharing off: deny the purpose `national-sharing`, which the national sync
  honours (`hoso.exchange.national_bundle`).

The access layer turns active Consents into rules (`hoso.fhir.consent_rules`); this
module only writes and reads the resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hoso.fhir.consent_rules import DATA_USE_SYSTEM, NATIONAL_SHARING
from hoso.fhir.security_labels import LABEL_NAMES, SENSITIVE
from hoso.fhir.visibility import ACT_CODE

__all__ = ["Choice", "block_facility", "describe", "hide_category", "national_sharing_off"]

MARK = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/health-book-choice"


@dataclass(frozen=True, slots=True)
class Choice:
    consent_id: str
    kind: str  # block-facility, hide-category, national-sharing-off, other
    vi: str
    en: str
    since: str | None


def _consent(patient_id: str, kind: str, provision: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Consent", "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]},
                     {"coding": [{"system": MARK, "code": kind}]}],
        "patient": {"reference": f"Patient/{patient_id}"},
        "performer": [{"reference": f"Patient/{patient_id}"}],
        "provision": provision,
    }  # fmt: skip


def block_facility(patient_id: str, organization_ref: str) -> dict[str, Any]:
    actor = {"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                  "v3-ParticipationType", "code": "PRCP"}]},
             "reference": {"reference": organization_ref}}  # fmt: skip
    return _consent(patient_id, "block-facility", {"type": "deny", "actor": [actor]})


def hide_category(patient_id: str, label: str) -> dict[str, Any]:
    if label not in SENSITIVE:
        raise ValueError(label)
    return _consent(patient_id, "hide-category", {
        "type": "deny", "securityLabel": [{"system": ACT_CODE, "code": label}]})  # fmt: skip


def national_sharing_off(patient_id: str) -> dict[str, Any]:
    purpose = {"system": DATA_USE_SYSTEM, "code": NATIONAL_SHARING}
    return _consent(patient_id, "national-sharing-off", {"type": "deny", "purpose": [purpose]})


def describe(consent: dict[str, Any], facility_names: dict[str, str]) -> Choice:
    """An active Consent in words; `facility_names` maps an Organization reference to
    the facility's name. One the page did not make is described by its provision."""
    provision = consent.get("provision") or {}
    effect = provision.get("type") or "permit"
    since = (consent.get("meta") or {}).get("lastUpdated") or consent.get("dateTime")
    ident = str(consent.get("id"))
    actors = [str((a.get("reference") or {}).get("reference")) for a in provision.get("actor")
              or [] if isinstance(a, dict)]  # fmt: skip
    labels = [str(s.get("code")) for s in provision.get("securityLabel") or []
              if isinstance(s, dict)]  # fmt: skip
    purposes = [str(p.get("code")) for p in provision.get("purpose") or [] if isinstance(p, dict)]
    if effect == "deny" and purposes == [NATIONAL_SHARING] and not actors and not labels:
        return Choice(ident, "national-sharing-off",
                      "Không chia sẻ hồ sơ lên Cơ sở dữ liệu quốc gia về y tế",
                      "Not shared with the national health database", since)  # fmt: skip
    if effect == "deny" and labels and not actors:
        names = ", ".join(LABEL_NAMES.get(label, label).split(" / ")[0] for label in labels)
        names_en = ", ".join(LABEL_NAMES.get(label, label).split(" / ")[-1] for label in labels)
        return Choice(ident, "hide-category", f"Ẩn nhóm thông tin: {names}",
                      f"Hidden category: {names_en}", since)  # fmt: skip
    if effect == "deny" and actors and not labels:
        names = ", ".join(facility_names.get(a, a) for a in actors)
        return Choice(ident, "block-facility", f"Chặn cơ sở: {names}",
                      f"Facility blocked: {names}", since)  # fmt: skip
    verb = ("Cho phép", "Allows") if effect == "permit" else ("Từ chối", "Denies")
    return Choice(ident, "other", f"{verb[0]} (đồng ý khác)", f"{verb[1]} (another consent)",
                  since)  # fmt: skip
