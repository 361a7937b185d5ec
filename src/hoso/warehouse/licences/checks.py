"""Did the practitioners named in claims and records hold a valid certificate, for the
scope, on the day of the service? A finding, never a rejection (issue 20 point 5).

Where a record names a practitioner (`Mention`):
- `MedicationRequest.requester`: prescribing; from XML 130 (XML2) a logical reference
  whose identifier is `MA_BAC_SI`, the prescriber's certificate number, in the system
  `<facility system>/<MA_CSKCB>/bac-si` (`hoso.ingest.xml130.drugs`); the day is
  `authoredOn`;
- `Procedure.performer.actor`: performing (XML3's `NGUOI_THUC_HIEN` or `MA_BAC_SI`);
  the day `performedDateTime` or the period's start;
- `Encounter.participant.individual`: examining when the participant is the primary
  performer or attender (v3 ParticipationType PPRF, SPRF, ATND, CON) or untyped,
  assisting otherwise; the day the period's start;
- `Composition.attester` of mode professional (XML 130's papers, XML7–XML15: the doctor
  who signed, by MA_BAC_SI, `hoso.ingest.xml130.documents`): examining; the day `date`.

A logical reference counts only when its system names a certificate (the registry's,
or `…/bac-si`): a BHXH or staff number is left out, not flagged.

A literal reference names a Practitioner (whose certificates are its qualifications);
a logical one names a certificate number. A record may state the specialty it belongs
to as a code of `pham-vi-hanh-nghe` (Encounter.serviceType, Procedure.category).

Scope rules (HOUSE, docs/warehouse-licences.md): prescribing and examining need a
doctor's, a y sĩ's or a traditional-medicine scope; performing needs any clinical
scope; assisting any scope. A specialty named on the record must be among the
certificate's scopes, or covered by a general-medicine (`y-khoa`) scope; the specialty
binds only prescribing and examining.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Protocol

from hoso.warehouse.licences.model import (
    NUMBER_SYSTEM,
    SCOPE_CS,
    SCOPES,
    Certificate,
    certificates_of,
    normalise_number,
)
from hoso.warehouse.licences.validity import LAPSED, NOT_YET, UNCONVERTED, WITHDRAWN, standing

__all__ = [
    "EXPIRED",
    "NOT_YET_VALID",
    "NO_CERTIFICATE",
    "OUT_OF_SCOPE",
    "REASONS",
    "REVOKED",
    "Finding",
    "Mention",
    "judge",
    "mentions",
]  # fmt: skip

PRESCRIBE, PERFORM, EXAMINE, ASSIST = "prescribe", "perform", "examine", "assist"
ACTIVITIES = {PRESCRIBE: "kê đơn / prescribing", PERFORM: "thực hiện dịch vụ / performing",
              EXAMINE: "khám, điều trị / examining", ASSIST: "tham gia / assisting"}  # fmt: skip
NO_CERTIFICATE, EXPIRED, REVOKED = "no-certificate", "expired", "revoked"
NOT_YET_VALID, OUT_OF_SCOPE = "not-yet-valid", "out-of-scope"
REASONS = {
    NO_CERTIFICATE: "Không có chứng chỉ/giấy phép hành nghề / no practising certificate",
    EXPIRED: "Giấy phép đã hết hạn / certificate expired",
    REVOKED: "Giấy phép bị thu hồi hoặc đình chỉ / certificate revoked or suspended",
    NOT_YET_VALID: "Giấy phép chưa có hiệu lực / certificate not yet valid",
    OUT_OF_SCOPE: "Ngoài phạm vi hành nghề / outside the scope of practice",
}
SPECIALTIES = frozenset({
    "noi-khoa", "ngoai-khoa", "nhi-khoa", "san-phu-khoa", "mat", "tai-mui-hong", "da-lieu",
    "tam-than", "truyen-nhiem", "ung-buou", "gay-me-hoi-suc", "chan-doan-hinh-anh",
    "xet-nghiem", "phuc-hoi-chuc-nang",
})  # fmt: skip
DOCTOR = SPECIALTIES | {"y-khoa", "y-hoc-co-truyen", "y-hoc-du-phong", "rang-ham-mat"}
ALLOWED = {
    PRESCRIBE: DOCTOR | {"y-si-da-khoa"},
    EXAMINE: DOCTOR | {"y-si-da-khoa"},
    PERFORM: frozenset(SCOPES) - {"duoc", "tam-ly-lam-sang", "dinh-duong"},
    ASSIST: frozenset(SCOPES),
}
EXAMINING_ROLES = frozenset({"PPRF", "SPRF", "ATND", "CON"})


@dataclass(frozen=True, slots=True)
class Mention:
    """One practitioner named by one record for one activity on one day."""

    resource_type: str
    resource_id: str
    activity: str
    day: date
    number: str = ""  # a certificate number (logical reference)
    practitioner_id: str = ""  # a Practitioner (literal reference)
    display: str = ""
    facility: str = ""  # MA_CSKCB or the serviceProvider as written
    specialty: str = ""  # a SCOPES code the record states


@dataclass(frozen=True, slots=True)
class Finding:
    reason: str
    mention: Mention
    holder: str = ""
    certificate: str = ""  # the number of the certificate the reason is about
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        m = self.mention
        return {
            "reason": self.reason, "reasonText": REASONS[self.reason],
            "practitioner": m.number or m.practitioner_id or m.display, "holder": self.holder,
            "certificate": self.certificate, "facility": m.facility, "date": m.day.isoformat(),
            "activity": m.activity, "specialty": m.specialty,
            "resource": f"{m.resource_type}/{m.resource_id}", "detail": self.detail,
        }  # fmt: skip


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def _specialty(concepts: Iterable[Mapping[str, Any]]) -> str:
    for concept in concepts:
        for coding in concept.get("coding") or []:
            if coding.get("system") == SCOPE_CS and coding.get("code") in SCOPES:
                return str(coding["code"])
    return ""


def _facility_of(system: str) -> str:
    """MA_CSKCB from an XML 130 doctor's identifier system (`…/<MA_CSKCB>/bac-si`)."""
    parts = system.rstrip("/").split("/")
    return parts[-2] if len(parts) >= 2 and parts[-1] == "bac-si" else ""


def _names_certificate(system: str) -> bool:
    """A logical reference names a certificate when its system says so: the registry's
    own, or XML 130's `…/<MA_CSKCB>/bac-si` (MA_BAC_SI). Any other (a BHXH number, a
    staff number) says nothing about licences and is left out, not flagged."""
    return system == NUMBER_SYSTEM or system.rstrip("/").endswith("/bac-si")


def _named(ref: Mapping[str, Any] | None, base: Mention) -> Mention | None:
    if not ref:
        return None
    literal = str(ref.get("reference") or "")
    ident = ref.get("identifier") or {}
    display = str(ref.get("display") or "")[:200]
    if literal.startswith("Practitioner/"):
        return Mention(**{**_fields(base), "practitioner_id": literal.split("/", 1)[1],
                          "display": display})  # fmt: skip
    system = str(ident.get("system") or "")
    if ident.get("value") and _names_certificate(system):
        facility = base.facility or _facility_of(system)
        return Mention(**{**_fields(base), "number": normalise_number(str(ident["value"])),
                          "display": display, "facility": facility})  # fmt: skip
    return None


def _fields(m: Mention) -> dict[str, Any]:
    return {k: getattr(m, k) for k in Mention.__slots__}


def _provider(resource: Mapping[str, Any]) -> str:
    ref = resource.get("serviceProvider") or {}
    ident = ref.get("identifier") or {}
    return str(ident.get("value") or ref.get("display") or ref.get("reference") or "")[:100]


Named = tuple[Mapping[str, Any] | None, Mention]  # a reference and what it did


def _request(r: Mapping[str, Any], rid: str, facility: str) -> Iterator[Named]:
    if day := _day(r.get("authoredOn")):
        yield r.get("requester"), Mention("MedicationRequest", rid, PRESCRIBE, day,
                                          facility=facility)  # fmt: skip


def _procedure(r: Mapping[str, Any], rid: str, facility: str) -> Iterator[Named]:
    day = _day(r.get("performedDateTime")) or _day((r.get("performedPeriod") or {}).get("start"))
    if day:
        base = Mention("Procedure", rid, PERFORM, day, facility=facility,
                       specialty=_specialty([r.get("category") or {}]))  # fmt: skip
        for performer in r.get("performer") or []:
            yield performer.get("actor"), base


def _paper(r: Mapping[str, Any], rid: str, facility: str) -> Iterator[Named]:
    """XML 130's papers: the doctor who signed (MA_BAC_SI) attests professionally."""
    if day := _day(r.get("date")):
        base = Mention("Composition", rid, EXAMINE, day, facility=facility)
        for attester in r.get("attester") or []:
            if attester.get("mode") == "professional":
                yield attester.get("party"), base


def _encounter(r: Mapping[str, Any], rid: str, _facility: str) -> Iterator[Named]:
    if day := _day((r.get("period") or {}).get("start")):
        service = r.get("serviceType")
        specialty = _specialty([service] if service else r.get("type") or [])
        for p in r.get("participant") or []:
            roles = {c.get("code") for t in p.get("type") or [] for c in t.get("coding") or []}
            activity = EXAMINE if not roles or roles & EXAMINING_ROLES else ASSIST
            yield p.get("individual"), Mention("Encounter", rid, activity, day,
                                               facility=_provider(r), specialty=specialty)


_NAMERS = {"MedicationRequest": _request, "Procedure": _procedure, "Composition": _paper,
           "Encounter": _encounter}  # fmt: skip


def mentions(resource: Mapping[str, Any], facility_of_encounter: Mapping[str, str]
             ) -> Iterator[Mention]:  # fmt: skip
    """The practitioners `resource` names, with what they did and when."""
    namer = _NAMERS.get(str(resource.get("resourceType")))
    if namer is None:
        return
    encounter = str((resource.get("encounter") or {}).get("reference") or "")
    facility = facility_of_encounter.get(encounter, "")
    for ref, base in namer(resource, str(resource.get("id")), facility):
        if (m := _named(ref, base)) is not None:
            yield m


def covers(cert: Certificate, activity: str, specialty: str) -> bool:
    """Whether the certificate's scopes allow `activity` in `specialty` (HOUSE rules)."""
    scopes = set(cert.scopes)
    if not scopes & ALLOWED[activity]:
        return False
    if specialty and activity in (PRESCRIBE, EXAMINE) and specialty not in scopes:
        return "y-khoa" in scopes and specialty in SPECIALTIES
    return True


def judge(mention: Mention, certificates: list[Certificate]) -> Finding | None:
    """The finding about `mention` given the certificates its practitioner holds."""
    if not certificates:
        return Finding(NO_CERTIFICATE, mention)
    holder = next((c.holder for c in certificates if c.holder), "")
    valid = [c for c in certificates if standing(c, mention.day).valid]
    if not valid:
        reasons = {c.number: standing(c, mention.day).reason for c in certificates}
        number, why = max(reasons.items(), key=lambda kv: _WEIGHT[kv[1]])
        reason = {WITHDRAWN: REVOKED, NOT_YET: NOT_YET_VALID}.get(why, EXPIRED)
        detail = "CCHN chưa chuyển đổi sang GPHN / CCHN not converted" if (
            why == UNCONVERTED) else ""  # fmt: skip
        return Finding(reason, mention, holder, number, detail)
    if any(covers(c, mention.activity, mention.specialty) for c in valid):
        return None
    scopes = ", ".join(sorted({SCOPES.get(s, s) for c in valid for s in c.scopes}))
    wanted = SCOPES.get(mention.specialty, mention.specialty) or ACTIVITIES[mention.activity]
    return Finding(OUT_OF_SCOPE, mention, holder, valid[0].number,
                   f"phạm vi / scopes: {scopes}; cần / needs: {wanted}")  # fmt: skip


# Which reason to report when no certificate is valid: the most serious first.
_WEIGHT = {WITHDRAWN: 3, UNCONVERTED: 2, LAPSED: 2, NOT_YET: 1, "": 0}


# -- the check over the store ----------------------------------------------------------
Query = tuple[str, list[tuple[str, str]]]
# The record types that name practitioners, and the search parameter of their day.
SERVICE_DATES = (("Encounter", "date"), ("MedicationRequest", "authoredon"),
                 ("Procedure", "date"), ("Composition", "date"))  # fmt: skip


class CheckDoor(Protocol):
    """`hoso.access.warehouse_licences.LicenceAccess`."""

    def registry(self, queries: Sequence[Query]) -> list[dict[str, Any]]: ...
    def service_records(self, queries: Sequence[Query], window: str
                        ) -> Iterator[dict[str, Any]]: ...  # fmt: skip
    def shown_id(self, id: str) -> str: ...


class _Held:
    """The store's certificates, by number and by Practitioner."""

    def __init__(self, practitioners: Iterable[dict[str, Any]]) -> None:
        self.by_number: dict[str, list[Certificate]] = {}
        self.by_practitioner: dict[str, list[Certificate]] = {}
        for p in practitioners:
            certs = certificates_of(p)
            self.by_practitioner[str(p["id"])] = certs
            for cert in certs:
                self.by_number.setdefault(cert.number, []).append(cert)

    def of(self, mention: Mention) -> list[Certificate]:
        if mention.practitioner_id:
            return self.by_practitioner.get(mention.practitioner_id, [])
        certs = self.by_number.get(mention.number, [])
        # The holder's other certificates count too (a CCHN converted to a GPHN).
        return self.by_practitioner.get(certs[0].practitioner_id, certs) if certs else []


def findings(door: CheckDoor, since: date | None = None) -> list[Finding]:
    """Every finding about services on or after `since` (all when None), by day; record
    and Practitioner ids as the caller may see them (`CheckDoor.shown_id`)."""
    held = _Held(door.registry([("Practitioner", [("identifier", NUMBER_SYSTEM + "|")])]))
    queries = [(t, [(p, f"ge{since.isoformat()}")] if since else []) for t, p in SERVICE_DATES]
    window = f"từ / since {since.isoformat()}" if since else "toàn bộ / all"
    providers: dict[str, str] = {}
    found = []
    for record in door.service_records(queries, window):
        if record.get("resourceType") == "Encounter":
            providers[f"Encounter/{record.get('id')}"] = _provider(record)
        for mention in mentions(record, providers):
            if (finding := judge(mention, held.of(mention))) is not None:
                found.append(finding)
    found.sort(key=lambda f: (f.mention.day, f.mention.resource_type, f.mention.resource_id))
    return [replace(f, mention=replace(
        f.mention, resource_id=door.shown_id(f.mention.resource_id),
        practitioner_id=door.shown_id(f.mention.practitioner_id))) for f in found]  # fmt: skip
