"""What recording one child's screening writes, in one transaction the access layer
opens (`hoso.access.programme_eyes.EyeAccess.record`): an Encounter of the screening team
at the school, the result's Observations, a ServiceRequest to an eye clinic when the
child fails (once per round), and the child's row in the round. Saving a child again
replaces the round's earlier Observations (marked entered-in-error, never deleted)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hoso.core import clock, jsonx
from hoso.core.errors import FhirError, InvalidRequest
from hoso.programmes.eyes.criteria import Criteria
from hoso.programmes.eyes.screening import FAIL, Result, code_of, parse_result, result_observations
from hoso.programmes.framework import age_on, birth_date

__all__ = ["Entry", "Recorded", "parse_entry", "referral_closer", "screen_writer"]

STATUSES = ("screened", "absent", "refused")
_KEYS = {"patient", "status", "ucva", "pva", "refraction", "notation"}


@dataclass(frozen=True, slots=True)
class Entry:
    patient_id: str
    status: str
    result: Result | None


@dataclass(frozen=True, slots=True)
class Recorded:
    audit_patients: tuple[str, ...]
    audit_entities: tuple[str, ...]
    audit_description: str
    detail: dict[str, Any]


def parse_entry(raw: Any, criteria: Criteria) -> Entry:
    """One row of the entry screen (400 naming the field when it cannot be read)."""
    if not isinstance(raw, dict) or set(raw) - _KEYS:
        raise InvalidRequest(f"Dòng: chỉ các trường / row: only {sorted(_KEYS)}")
    patient, status = raw.get("patient"), raw.get("status", "screened")
    if not isinstance(patient, str) or not 0 < len(patient) <= 64:
        raise InvalidRequest("patient: bắt buộc / required")
    if status not in STATUSES:
        raise InvalidRequest(f"status: {' | '.join(STATUSES)}")
    if status != "screened":
        return Entry(patient, status, None)
    result = parse_result({k: v for k, v in raw.items() if k not in ("patient", "status")},
                          criteria)  # fmt: skip
    return Entry(patient, status, result)


def _retire(session: Any, references: list[str]) -> None:
    for ref in references:
        kind, _, rid = ref.partition("/")
        try:
            current = jsonx.loads(session.read(kind, rid).content)
        except FhirError:  # already gone: nothing to retire
            continue
        if current.get("status") != "entered-in-error":
            session.update(kind, rid, {**current, "status": "entered-in-error"})


def _source(resource: dict[str, Any], source: str | None) -> dict[str, Any]:
    return {**resource, "meta": {"source": source}} if source else resource


def _referral(patient_id: str, day: str, result: Result, source: str | None) -> dict[str, Any]:
    reason = "Thị lực kém hơn 6/9 ở ít nhất một mắt / visual acuity worse than 6/9 in an eye"
    return _source({
        "resourceType": "ServiceRequest", "status": "active", "intent": "order",
        "category": [{"text": "Khám mắt / Eye examination"}],
        "code": code_of("eye-clinic-referral"), "subject": {"reference": f"Patient/{patient_id}"},
        "authoredOn": day, "reasonCode": [{"text": reason}],
        "note": [{"text": "Sàng lọc học đường / school screening: "
                          + jsonx.dumps_str(result.summary())}],
    }, source)  # fmt: skip


def screen_writer(
    entry: Entry,
    round_row: Mapping[str, Any],
    class_id: int,
    criteria: Criteria,
    source: str | None,
    agent_id: str,
) -> Any:
    """`fn(session, agent, rows) -> Recorded` for `EyeAccess.record`."""
    day, round_id = str(round_row["day"]), int(round_row["id"])

    def write(session: Any, _agent: dict[str, Any], rows: Any) -> Recorded:
        patient = jsonx.loads(session.read("Patient", entry.patient_id).content)
        before = [
            s for s in rows.screens(round_id, class_id) if s["patient_id"] == entry.patient_id
        ]
        if before and before[0]["observations"]:
            _retire(session, jsonx.loads(before[0]["observations"]))
        written: list[str] = []
        result = entry.result
        if result is not None:
            enc = session.create(_source({
                "resourceType": "Encounter", "status": "finished",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                          "code": "FLD", "display": "field"},
                "type": [{"text": "Khám sàng lọc mắt học đường / School eye screening"}],
                "subject": {"reference": f"Patient/{entry.patient_id}"},
                "period": {"start": day, "end": day}}, source))  # fmt: skip
            encounter = f"Encounter/{enc.stored.id}"
            for o in result_observations(result, entry.patient_id, day, encounter):
                written.append(f"Observation/{session.create(_source(o, source)).stored.id}")
        age = age_on(birth_date(patient), date.fromisoformat(day))
        myopia = result.myopia(criteria) if result else None
        rows.put_screen({"round_id": round_id, "patient_id": entry.patient_id,
                         "class_id": class_id, "status": entry.status,
                         "outcome": result.outcome if result else None,
                         "result": jsonx.dumps_str(result.summary()) if result else None,
                         "myopia": myopia, "age": age, "sex": patient.get("gender"),
                         "observations": jsonx.dumps_str(written), "recorded_by": agent_id,
                         "recorded_at": clock.now_us()})  # fmt: skip
        referral = None
        if result is not None and result.outcome == FAIL and \
                rows.referral_for(round_id, entry.patient_id) is None:  # fmt: skip
            made = session.create(_referral(entry.patient_id, day, result, source))
            lapse = date.fromisoformat(day) + timedelta(days=criteria.lapse_days)
            referral = rows.add_referral(
                {
                    "patient_id": entry.patient_id,
                    "school_id": round_row["school_id"],
                    "ward": round_row["ward"],
                    "round_id": round_id,
                    "service_request": made.stored.id,
                    "opened": day,
                    "lapse_on": lapse.isoformat(),
                    "status": "open",
                    "updated_at": clock.now_us(),
                }
            )
            written.append(f"ServiceRequest/{made.stored.id}")
        detail = {"patient": entry.patient_id, "status": entry.status,
                  "outcome": result.outcome if result else None, "myopia": myopia,
                  "result": result.summary() if result else None, "referral": referral}  # fmt: skip
        return Recorded(
            (entry.patient_id,),
            tuple(written),
            f"kết quả khám mắt / eye screening result: {entry.status}",
            detail,
        )

    return write


def referral_closer(referral: Mapping[str, Any], status: str, day: date, source: str | None
                    ) -> Any:  # fmt: skip
    """`fn(session, agent) -> Recorded`: the ServiceRequest completed (glasses dispensed)
    or revoked (closed otherwise), with a note of the day."""
    fhir_status = {"dispensed": "completed", "closed": "revoked"}[status]
    note = {"dispensed": "Đã cấp kính / glasses dispensed",
            "closed": "Đóng theo dõi / follow-up closed"}[status]  # fmt: skip

    def write(session: Any, _agent: dict[str, Any]) -> Recorded:
        rid = str(referral["service_request"])
        current = jsonx.loads(session.read("ServiceRequest", rid).content)
        notes = [
            *(current.get("note") or []),
            {
                "text": f"{note} {day.strftime('%d/%m/%Y')}",
                "time": f"{day.isoformat()}T00:00:00+07:00",
            },
        ]
        updated = _source({**current, "status": fhir_status, "note": notes}, source)
        session.update("ServiceRequest", rid, updated)
        return Recorded(
            (str(referral["patient_id"]),),
            (f"ServiceRequest/{rid}",),
            f"chuyển khám mắt / eye referral {status}",
            {"service_request": rid},
        )

    return write
