"""A dose given at a vaccination session, turned into the FHIR resources that record
it (issue 19 point 2; docs/programmes-immunisation.md):

- an `Immunization` (R4) with the product (a coding of `data/vaccines.json`), lot number,
  expiry, site, route, dose quantity, funding (TCMR or service), the dose number and the
  vaccinator and station as performers;
- the 30-minute observation after the dose as an `Observation` `partOf` the Immunization
  (R4 lists Immunization among Observation.partOf's targets), with the period watched
  and its finding ("no reaction" / "reaction"). An Observation rather than an
  Immunization extension: it is a finding, with its own time and author, that the
  health book and the dataset's "Phản ứng sau tiêm" read like any other;
- an adverse event following immunisation (AEFI) as an `AdverseEvent` (R4) suspecting
  the Immunization, with seriousness and severity; the Immunization's `reaction` points
  at the observation that found it.

Everything the caller sends is checked here (a 400 naming the field, Vietnamese first);
an expired lot is refused at the date of the dose. Lot flags and the 24-hour report are
programme state (`hoso.store.programme_immunisation`), checked by the access layer.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from hoso.core import clock
from hoso.core.errors import InvalidRequest
from hoso.core.settings import DEFAULT_FACILITY_SYSTEM as FACILITY_SYSTEM
from hoso.programmes.immunisation.dataset import OBSERVATION_30MIN

__all__ = ["AEFI_SERIOUS", "HOSO_CS", "ROUTES", "SITES", "Dose", "Performer", "SessionError",
           "parse_dose", "products", "session_resources"]  # fmt: skip

HOSO_CS = "https://fhir.hoso.hochiminhcity.gov.vn/CodeSystem/"
V3_SITE = "http://terminology.hl7.org/CodeSystem/v3-ActSite"
V3_ROUTE = "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration"
SITES = {"LA": ("Cánh tay trái", "left arm"), "RA": ("Cánh tay phải", "right arm"),
         "LT": ("Đùi trái", "left thigh"), "RT": ("Đùi phải", "right thigh"),
         "LD": ("Cơ delta trái", "left deltoid"),
         "RD": ("Cơ delta phải", "right deltoid")}  # fmt: skip
ROUTES = {"IM": ("Tiêm bắp", "intramuscular"), "SQ": ("Tiêm dưới da", "subcutaneous"),
          "IDINJ": ("Tiêm trong da", "intradermal"), "PO": ("Uống", "oral")}  # fmt: skip
SEVERITIES = ("mild", "moderate", "severe")
AEFI_SERIOUS = "serious"
LOT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./-]{0,39}$")
_MAX_TEXT = 500
_FUTURE_SKEW = timedelta(minutes=10)  # a tablet's clock a little ahead


class SessionError(InvalidRequest):
    """A dose the session screen or API cannot record; the message names the field."""


def _bad(field: str, vi: str, en: str) -> SessionError:
    return SessionError(f"{field}: {vi} / {en}", expression=[field])


@dataclass(frozen=True, slots=True)
class Aefi:
    text: str
    serious: bool
    severity: str
    onset: datetime


@dataclass(frozen=True, slots=True)
class Dose:
    product: Mapping[str, str]  # the vaccines.json entry: system, code, name
    lot: str
    expiry: date
    given_at: datetime
    site: str
    route: str
    dose_ml: float | None
    dose_number: int | None
    funding: str  # public (TCMR) | private (service)
    observed_minutes: int  # 0: not observed (yet)
    reaction_seen: bool
    observation_note: str
    aefi: Aefi | None

    @property
    def day(self) -> date:
        return self.given_at.astimezone(clock.VN_TZ).date()


def _text(raw: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    value = raw.get(key)
    if value is None or value == "":
        if required:
            raise _bad(key, "bắt buộc", "required")
        return ""
    if not isinstance(value, str) or len(value) > _MAX_TEXT:
        raise _bad(key, f"một chuỗi ≤ {_MAX_TEXT} ký tự", f"a string of at most {_MAX_TEXT}")
    return value.strip()


def _moment(raw: Mapping[str, Any], key: str, default: datetime | None) -> datetime:
    value = raw.get(key)
    if value in (None, "") and default is not None:
        return default
    try:
        moment = datetime.fromisoformat(str(value)[:40])
    except ValueError:
        raise _bad(key, "ngày giờ không hợp lệ (YYYY-MM-DDTHH:MM)",
                   "invalid date-time (YYYY-MM-DDTHH:MM)") from None  # fmt: skip
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.VN_TZ)


def _product(raw: Mapping[str, Any]) -> Mapping[str, str]:
    code = _text(raw, "product", required=True)
    for entry in _products():
        if entry["code"] == code or f"{entry['system']}|{entry['code']}" == code:
            return entry
    raise _bad("product", "vắc xin không có trong danh mục", "not a vaccine of the table")


@cache
def _products() -> tuple[dict[str, str], ...]:
    entry = resources.files("hoso.programmes").joinpath("data/vaccines.json")
    return tuple(json.loads(entry.read_text(encoding="utf-8"))["products"])


def products() -> tuple[dict[str, str], ...]:
    """The vaccine products a session may record (data/vaccines.json)."""
    return _products()


def _flag(raw: Mapping[str, Any], key: str) -> bool:
    value = raw.get(key, False)
    if value in (True, "true", "on", "1"):
        return True
    if value in (False, "false", "", "0", None):
        return False
    raise _bad(key, "đúng/sai", "true/false")


def _number(raw: Mapping[str, Any], key: str, low: float, high: float) -> float | None:
    value = raw.get(key)
    if value in (None, ""):
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise _bad(key, "một số", "a number") from None
    if not low <= number <= high:  # also refuses NaN
        raise _bad(key, f"ngoài khoảng [{low}, {high}]", f"out of range [{low}, {high}]")
    return number


def _choice(raw: Mapping[str, Any], key: str, options: Any, default: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or value not in options:  # a list is not hashable
        raise _bad(key, f"một trong {', '.join(options)}", f"one of {', '.join(options)}")
    return str(value)


def _aefi(raw: Any, given_at: datetime) -> Aefi | None:
    if raw in (None, {}, ""):
        return None
    if not isinstance(raw, Mapping):
        raise _bad("aefi", "một đối tượng", "an object")
    text = _text(raw, "event", required=True)
    serious = _choice(raw, "seriousness", ("serious", "non-serious")) == AEFI_SERIOUS
    onset = _moment(raw, "onset", given_at)
    if onset < given_at:
        raise _bad("aefi.onset", "trước giờ tiêm", "before the dose was given")
    return Aefi(text, serious, _choice(raw, "severity", SEVERITIES), onset)


def parse_dose(raw: Any, *, born: date | None, now: datetime | None = None) -> Dose:
    """The dose the request describes, or SessionError naming the first bad field."""
    if not isinstance(raw, Mapping):
        raise _bad("$", "cần một đối tượng JSON", "a JSON object is needed")
    now = now or clock.now()
    given_at = _moment(raw, "given_at", now)
    if given_at > now + _FUTURE_SKEW:
        raise _bad("given_at", "ở tương lai", "in the future")
    lot = _text(raw, "lot", required=True)
    if not LOT.match(lot):
        raise _bad("lot", "số lô: chữ, số, . / - (≤ 40)", "lot: letters, digits, . / - (≤ 40)")
    try:
        expiry = date.fromisoformat(_text(raw, "expiry", required=True))
    except ValueError:
        raise _bad("expiry", "ngày không hợp lệ (YYYY-MM-DD)",
                   "invalid date (YYYY-MM-DD)") from None  # fmt: skip
    day = given_at.astimezone(clock.VN_TZ).date()
    if expiry < day:
        raise _bad("expiry", f"lô {lot} đã hết hạn ngày {expiry:%d/%m/%Y}, không được tiêm",
                   f"lot {lot} expired on {expiry:%d/%m/%Y}: it may not be given")  # fmt: skip
    if born is not None and day < born:
        raise _bad("given_at", "trước ngày sinh", "before the date of birth")
    minutes = int(_number(raw, "observed_minutes", 0, 240) or 0)
    dose_number = _number(raw, "dose_number", 1, 9)
    return Dose(product=_product(raw), lot=lot, expiry=expiry, given_at=given_at,
                site=_choice(raw, "site", SITES), route=_choice(raw, "route", ROUTES),
                dose_ml=_number(raw, "dose_ml", 0.01, 2.0),
                dose_number=int(dose_number) if dose_number else None,
                funding=_choice(raw, "funding", ("public", "private"), "public"),
                observed_minutes=minutes,
                reaction_seen=_flag(raw, "reaction_seen"),
                observation_note=_text(raw, "observation_note"),
                aefi=_aefi(raw.get("aefi"), given_at))  # fmt: skip


def _concept(system: str, code: str, pair: tuple[str, str]) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": pair[1]}],
            "text": f"{pair[0]} / {pair[1]}"}  # fmt: skip


def _instant(moment: datetime) -> str:
    return moment.astimezone(clock.VN_TZ).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Performer:
    """Who gave the dose, and at which station (the facility code of the ward's station,
    the caller's organisation)."""

    display: str
    reference: str | None = None  # "Practitioner/…" when the caller has one
    station_code: str | None = None
    station_name: str | None = None
    station_reference: str | None = None


def _performers(by: Performer) -> list[dict[str, Any]]:
    function = "http://terminology.hl7.org/CodeSystem/v2-0443"
    person: dict[str, Any] = {"display": by.display}
    if by.reference:
        person["reference"] = by.reference
    found = [{"function": {"coding": [{"system": function, "code": "AP"}]}, "actor": person}]
    if by.station_code or by.station_reference:
        station: dict[str, Any] = {"type": "Organization"}
        if by.station_name:
            station["display"] = by.station_name
        if by.station_reference:
            station["reference"] = by.station_reference
        if by.station_code:
            station["identifier"] = {"system": FACILITY_SYSTEM, "value": by.station_code}
        found.append({"function": {"coding": [{"system": function, "code": "OP"}]},
                      "actor": station})  # fmt: skip
    return found


def _immunization(dose: Dose, patient: str, by: Performer) -> dict[str, Any]:
    product = dose.product
    imm: dict[str, Any] = {
        "resourceType": "Immunization", "status": "completed",
        "vaccineCode": {"coding": [{"system": product["system"], "code": product["code"],
                                    "display": product["name"]}], "text": product["name"]},
        "patient": {"reference": patient}, "occurrenceDateTime": _instant(dose.given_at),
        "recorded": _instant(clock.now()), "primarySource": True,
        "lotNumber": dose.lot, "expirationDate": dose.expiry.isoformat(),
        "site": _concept(V3_SITE, dose.site, SITES[dose.site]),
        "route": _concept(V3_ROUTE, dose.route, ROUTES[dose.route]),
        "performer": _performers(by),
        "fundingSource": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/immunization-funding-source",
            "code": dose.funding}], "text": "TCMR" if dose.funding == "public" else "Dịch vụ"},
    }  # fmt: skip
    if dose.dose_ml is not None:
        imm["doseQuantity"] = {"value": dose.dose_ml, "unit": "mL",
                               "system": "http://unitsofmeasure.org", "code": "mL"}  # fmt: skip
    if dose.dose_number is not None:
        imm["protocolApplied"] = [{"doseNumberPositiveInt": dose.dose_number}]
    return imm


def _observation(dose: Dose, patient: str, imm_ref: str) -> dict[str, Any]:
    finding = ("reaction", ("Có phản ứng", "reaction seen")) if dose.reaction_seen else (
        "no-reaction", ("Không có phản ứng", "no reaction"))  # fmt: skip
    obs: dict[str, Any] = {
        "resourceType": "Observation", "status": "final",
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "exam"}]}],
        "code": {"coding": [{"system": HOSO_CS + "tiem-chung", "code": OBSERVATION_30MIN,
                             "display": "30-minute observation after vaccination"}],
                 "text": "Theo dõi 30 phút sau tiêm / 30-minute observation after vaccination"},
        "subject": {"reference": patient}, "partOf": [{"reference": imm_ref}],
        "effectivePeriod": {"start": _instant(dose.given_at), "end": _instant(
            dose.given_at + timedelta(minutes=dose.observed_minutes))},
        "valueCodeableConcept": {"coding": [{"system": HOSO_CS + "tiem-chung",
                                             "code": finding[0], "display": finding[1][1]}],
                                 "text": finding[1][0]},
    }  # fmt: skip
    if dose.observation_note:
        obs["note"] = [{"text": dose.observation_note}]
    return obs


def _adverse_event(aefi: Aefi, patient: str, imm_ref: str) -> dict[str, Any]:
    cs = "http://terminology.hl7.org/CodeSystem/"
    return {
        "resourceType": "AdverseEvent", "actuality": "actual",
        "event": {"text": aefi.text}, "subject": {"reference": patient},
        "date": _instant(aefi.onset), "recordedDate": _instant(clock.now()),
        "seriousness": {"coding": [{"system": cs + "adverse-event-seriousness",
                                    "code": "serious" if aefi.serious else "non-serious"}],
                        "text": "Nặng" if aefi.serious else "Thông thường"},
        "severity": {"coding": [{"system": cs + "adverse-event-severity", "code": aefi.severity}]},
        "suspectEntity": [{"instance": {"reference": imm_ref}}],
    }  # fmt: skip


def session_resources(dose: Dose, patient_id: str, by: Performer
                      ) -> list[tuple[str, dict[str, Any]]]:  # fmt: skip
    """The Immunization, its 30-minute Observation (when the child was watched) and the
    AdverseEvent (when one happened), each with a placeholder (`urn:uuid:…`) the others
    name it by, for one transaction (`ProgrammeAccess.record_visit` turns the
    placeholders into the ids made)."""
    patient = f"Patient/{patient_id}"
    imm_ref = f"urn:uuid:{uuid.uuid4()}"
    imm = _immunization(dose, patient, by)
    made = [(imm_ref, imm)]
    if dose.observed_minutes or dose.reaction_seen or dose.aefi:
        obs_ref = f"urn:uuid:{uuid.uuid4()}"
        made.append((obs_ref, _observation(dose, patient, imm_ref)))
        if dose.reaction_seen or dose.aefi:
            imm["reaction"] = [{"date": _instant(dose.aefi.onset if dose.aefi
                                                 else dose.given_at),
                                "detail": {"reference": obs_ref}, "reported": False}]  # fmt: skip
    if dose.aefi:
        made.append((f"urn:uuid:{uuid.uuid4()}", _adverse_event(dose.aefi, patient, imm_ref)))
    return made
