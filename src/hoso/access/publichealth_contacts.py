"""The two longer steps of `hoso.access.publichealth_tracing.ContactTracing`: registering
an exposure (with the contact's Patient made through the MPI and the follow-up
scheduled or restarted) and the daily list of a ward's station team."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from hoso.access import claims as roles
from hoso.access.audit_record import CREATE, READ
from hoso.access.publichealth_input import (
    CERTAINTIES,
    ID,
    MAX_LIST,
    SETTINGS,
    SUPERVISORS,
    bad,
    check_choice,
    check_day,
    check_text,
    check_ward,
    hcmc_today,
    not_found,
    require,
)  # fmt: skip
from hoso.core import clock

if TYPE_CHECKING:
    from hoso.access.publichealth_tracing import ContactTracing
    from hoso.access.repository import AccessRepository

__all__ = ["daily_list", "register"]

FIELDS = frozenset({"disease", "source_patient", "source_event", "target_patient", "target",
                    "first_exposure", "last_exposure", "setting", "certainty",
                    "duration_minutes", "ward"})  # fmt: skip
MAX_MINUTES = 60 * 24 * 366
_ASSIGNEE_MAX = 140


def _source(t: ContactTracing, repo: AccessRepository, disease: str, body: dict[str, Any]
            ) -> tuple[str | None, int | None]:  # fmt: skip
    person, event = body.get("source_patient"), body.get("source_event")
    if (person is None) == (event is None):
        raise bad("source_patient", "cần đúng một nguồn: source_patient hoặc source_event",
                  "exactly one source: source_patient or source_event")  # fmt: skip
    if event is not None:
        if not isinstance(event, int) or isinstance(event, bool) or not 0 < event < 2**31:
            raise bad("source_event", "số sự kiện không hợp lệ", "not an event number")
        found = t.rows.event(event)
        if found is None or found.disease != disease:
            raise not_found("sự kiện / event")
        return None, event
    pid = check_text(person, "source_patient", ID)
    # An officer registers the contacts of persons they see identified, nobody else's:
    # whether the person exists but is not theirs, or does not exist, the same 404.
    if repo.principal.role == roles.OFFICER:
        if pid not in t.rows.linked_patients(repo.principal.agent, [pid]):
            raise not_found("người nguồn / source person")
    elif pid not in t.rows.patients([pid]):
        raise not_found("người nguồn / source person")
    return pid, None


def _target(t: ContactTracing, repo: AccessRepository, body: dict[str, Any]
            ) -> tuple[str, bool, bool]:  # fmt: skip
    """The contact's Patient id: given, or made from the demographics through the MPI
    (`repo.create`: audited, matched to a resident already on file when it is one)."""
    given, resource = body.get("target_patient"), body.get("target")
    if (given is None) == (resource is None):
        raise bad("target", "cần đúng một người: target_patient hoặc target (Patient)",
                  "exactly one person: target_patient or target (a Patient)")  # fmt: skip
    if given is not None:
        pid = check_text(given, "target_patient", ID)
        if pid not in t.rows.patients([pid]):
            raise not_found("người tiếp xúc / contact person")
        return pid, False, False
    if not isinstance(resource, dict) or resource.get("resourceType") != "Patient":
        raise bad("target", "target phải là một Patient", "target must be a Patient")
    made = repo.create({k: v for k, v in resource.items() if k != "id"})
    return made.stored.id, made.created, made.matched_existing


def _minutes(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_MINUTES:
        raise bad("duration_minutes", "số phút không hợp lệ", "not a number of minutes")
    return value


def _follow(t: ContactTracing, disease: str, days: int, every: int, patient_id: str,
            last: str, ward: str | None) -> dict[str, Any] | None:  # fmt: skip
    """Start the follow-up, or restart the running one from a later exposure; none for a
    person who already is a case of the disease."""
    if days == 0 or t.rows.open_case(patient_id, disease) is not None:
        return None
    current = t.rows.active_followup(patient_id, disease)
    if current is not None:
        start, end = t.logic.schedule(last, days, every, (current.start_date, current.end_date,
                                                          current.frequency_days))  # fmt: skip
        restarted = (start, end) != (current.start_date, current.end_date)
        if restarted:
            t.rows.restart(current.id, start, end)
        return {"id": current.id, "start": start, "end": end, "restarted": restarted}
    start, end = t.logic.schedule(last, days, every)
    if ward is None:
        ward = t.logic.card(t.rows.patients([patient_id]).get(patient_id))["ward"] or None
    followup_id = t.rows.add_followup(
        patient_id=patient_id, disease=disease, ward=ward, start_date=start, end_date=end,
        frequency_days=every, status="active", created_at=clock.now_us())  # fmt: skip
    t.assign_unassigned(ward, start)
    return {"id": followup_id, "start": start, "end": end, "restarted": False, "ward": ward}


def register(t: ContactTracing, repo: AccessRepository, body: dict[str, Any]) -> dict[str, Any]:
    require(repo, SUPERVISORS, "ghi tiếp xúc / register contacts")
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise bad(unknown[0][:40], "trường không được hỗ trợ", "unsupported field")
    disease, days, every = t.check_disease(body.get("disease"))
    today = hcmc_today()
    last = check_day(body.get("last_exposure"), "last_exposure", not_after=today)
    first = check_day(body.get("first_exposure", last), "first_exposure", not_after=last)
    setting = check_choice(body.get("setting", "other"), "setting", SETTINGS)
    certainty = check_choice(body.get("certainty", "medium"), "certainty", CERTAINTIES)
    minutes = _minutes(body.get("duration_minutes"))
    ward = None if body.get("ward") is None else check_ward(body["ward"])
    source_patient, source_event = _source(t, repo, disease, body)
    target, created, matched = _target(t, repo, body)
    if target == source_patient:
        raise bad("target", "người tiếp xúc trùng người nguồn", "the contact is the source")
    contact_id = t.rows.add_contact(
        disease=disease, source_patient=source_patient, source_event=source_event,
        target_patient=target, first_exposure=first, last_exposure=last, setting=setting,
        certainty=certainty, duration_minutes=minutes, created_by=repo.principal.agent,
        created_at=clock.now_us())  # fmt: skip
    followup = _follow(t, disease, days, every, target, last, ward)
    repo.audit(CREATE, "ph-contact", patients=(source_patient, target),
               entities=(f"ph_contact/{contact_id}",),
               description=f"{disease} {setting} {first}..{last}")  # fmt: skip
    viewer = t.viewer(repo, [target])
    return {"contact_id": contact_id, "target": t.label(repo, viewer, target),
            "identified": viewer.identified(target), "patient_created": created,
            "matched_existing": matched, "followup": followup}  # fmt: skip


def _page(offset: object, limit: object) -> tuple[int, int]:
    ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (offset, limit))
    if not ok or not 0 <= offset <= 10**6 or not 1 <= limit <= MAX_LIST:  # type: ignore[operator]
        raise bad("limit", f"trang: offset ≥ 0, limit 1–{MAX_LIST}",
                  f"paging: offset ≥ 0, limit 1–{MAX_LIST}")  # fmt: skip
    return offset, limit  # type: ignore[return-value]


def _item(t: ContactTracing, repo: AccessRepository, f: Any, day: str, shown: bool,
          card: dict[str, str], outcomes: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    earlier = [outcomes[d] for d in sorted(outcomes) if d < day]
    item = {"followup_id": f.id, "patient": f.patient_id if shown else None,
            "label": f.patient_id if shown else t.label(repo, t.viewer_none, f.patient_id),
            "identified": shown, "disease": f.disease, "start": f.start_date,
            "end": f.end_date, "day_number": (date.fromisoformat(day)
                                              - date.fromisoformat(f.start_date)).days + 1,
            "assignee": f.assignee, "outcome_today": outcomes.get(day),
            "last_outcome": earlier[-1] if earlier else None}  # fmt: skip
    if shown:
        item.update({k: card[k] for k in ("name", "phone", "address", "birth_date")})
    return item


def daily_list(t: ContactTracing, repo: AccessRepository, ward: object, day: object, *,
               assignee: str | None, offset: int, limit: int) -> dict[str, Any]:  # fmt: skip
    """The contacts of a ward with a visit due on `day` (today unless given)."""
    ward = check_ward(ward)
    today = hcmc_today()
    on = check_day(day if day is not None else today, "day")
    t.check_ward_reader(repo, ward)
    offset, limit = _page(offset, limit)
    if assignee is not None and (not isinstance(assignee, str) or len(assignee) > _ASSIGNEE_MAX):
        raise bad("assignee", "người được giao không hợp lệ", "not a valid assignee")
    due = [f for f in t.rows.active_in_ward(ward, on)
           if t.logic.due(f.start_date, f.end_date, f.frequency_days, on)
           and (assignee is None or f.assignee == assignee)]  # fmt: skip
    page = due[offset:offset + limit]
    visits = t.rows.visits([f.id for f in page])
    viewer = t.viewer(repo, [f.patient_id for f in page])
    shown = [f.patient_id for f in page if viewer.identified(f.patient_id)]
    people = t.rows.patients(shown)
    items = [_item(t, repo, f, on, viewer.identified(f.patient_id),
                   t.logic.card(people.get(f.patient_id)), visits.get(f.id, {}))
             for f in page]  # fmt: skip
    station = t.stations.station_of(ward)
    repo.audit(READ, "ph-followup-list", patients=[f.patient_id for f in page],
               entities=(f"ward/{ward}",),
               description=f"{on}: {len(page)}/{len(due)}; định danh / identified "
               f"{len(shown)}")  # fmt: skip
    return {"ward": ward, "day": on, "total": len(due), "offset": offset, "limit": limit,
            "station": station, "team": t.rows.station_team(station) if station else [],
            "items": items}  # fmt: skip
