"""The booking operations on `/fhir` (IHE ITI Scheduling, ITI-115…117, on R4):

- `GET|POST Appointment/$find`: proposed Appointments (a searchset Bundle), best first;
- `POST Appointment/$hold`: a pending Appointment holding one seat for 10 minutes;
- `POST Appointment/$book`: a Bundle with exactly one booked Appointment, or an
  OperationOutcome `conflict` (409) when the Slot was taken;
- `POST Appointment/{id}/$cancel` (`reason`) and `POST Appointment/{id}/$reschedule`
  (`slot-reference`: the new Slot booked and the old cancelled in one transaction).

Each operation parses its parameters and calls `hoso.booking.service.BookingService`,
built for the caller by the composition root: the access layer decides and audits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hoso.booking.find import parse_find
from hoso.booking.model import SERVICE_TYPE, Option, iso_instant
from hoso.booking.service import BookingService, BookRequest
from hoso.core.errors import InvalidRequest
from hoso.fhir.operations import (
    OperationContext,
    OperationDefinition,
    OperationParameter,
    OperationParams,
)

__all__ = ["booking_operations"]

BASE = "https://fhir.hoso.hochiminhcity.gov.vn/OperationDefinition"
IHE = "https://profiles.ihe.net/ITI/Scheduling/StructureDefinition/ihe-sched-appt"
ServiceFor = Callable[[Any], BookingService]


def _p(name: str, use: str, lo: int, hi: str, kind: str, doc: str) -> OperationParameter:
    return OperationParameter(name, use, lo, hi, kind, doc)


def _one(params: OperationParams, name: str) -> Any:
    values = params.get(name) or []
    if len(values) > 1:
        raise InvalidRequest(f"Tham số {name} chỉ được có một giá trị / {name} may appear once",
                             expression=[name])  # fmt: skip
    return values[0] if values else None


def _ref(value: Any, kind: str, name: str) -> str | None:
    if value is None:
        return None
    text = value.get("reference") if isinstance(value, dict) else value
    if not isinstance(text, str) or not text.startswith(f"{kind}/") or not 0 < len(text) <= 80:
        raise InvalidRequest(f"Tham số {name} phải là {kind}/<id> / {name} must be {kind}/<id>",
                             expression=[name])  # fmt: skip
    return text.split("/", 1)[1]


def _text(value: Any, name: str, limit: int = 500) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidRequest(f"Tham số {name} phải là chuỗi tối đa {limit} ký tự / {name} must "
                             f"be a string of at most {limit} characters",
                             expression=[name])  # fmt: skip
    return value


def _patient(repo: Any, params: OperationParams, proposed: dict[str, Any] | None) -> str:
    """The resident: `patient-reference`, else the proposed Appointment's Patient
    participant, else the resident caller's own record."""
    pid = _ref(_one(params, "patient-reference"), "Patient", "patient-reference")
    if pid is None and proposed:
        for p in proposed.get("participant") or []:
            ref = ((p or {}).get("actor") or {}).get("reference") or ""
            if isinstance(ref, str) and ref.startswith("Patient/"):
                pid = ref.split("/", 1)[1]
    own = getattr(getattr(repo, "principal", None), "patients", frozenset())
    if pid is None and len(own) == 1:
        pid = next(iter(own))
    if not pid:
        raise InvalidRequest("Cần patient-reference / patient-reference is required",
                             expression=["patient-reference"])  # fmt: skip
    return pid


def _request(repo: Any, params: OperationParams, *, booking: bool) -> BookRequest:
    resource = _one(params, "appointment-resource")
    if resource is not None and (not isinstance(resource, dict)
                                 or resource.get("resourceType") != "Appointment"):  # fmt: skip
        raise InvalidRequest("appointment-resource phải là một Appointment / must be an "
                             "Appointment", expression=["appointment-resource"])  # fmt: skip
    held = _ref(_one(params, "appointment-reference"), "Appointment", "appointment-reference")
    slot = _ref(_one(params, "slot-reference"), "Slot", "slot-reference")
    if slot is None and resource is not None:
        slots = resource.get("slot") or []
        slot = _ref(slots[0] if slots else None, "Slot", "appointment-resource.slot")
    if held is None and slot is None:
        raise InvalidRequest("Cần appointment-reference, appointment-resource (có slot) hoặc "
                             "slot-reference / name what to book",
                             expression=["appointment-resource"])  # fmt: skip
    if held is not None and not booking:
        raise InvalidRequest("$hold nhận một lựa chọn mới, không phải lịch đã giữ / $hold takes "
                             "a proposed option", expression=["appointment-reference"])  # fmt: skip
    return BookRequest(
        _patient(repo, params, resource), slot_id=None if held else slot, appointment_id=held,
        channel=_text(_one(params, "channel"), "channel", 20),
        referral=_text(_one(params, "referral-identifier"), "referral-identifier", 64),
        slip=_ref(_one(params, "slip-reference"), "Appointment", "slip-reference"),
        overbook_reason=_text(_one(params, "overbook-reason"), "overbook-reason"),
    )  # fmt: skip


def _proposed(option: Option, patient_id: str | None) -> dict[str, Any]:
    participants: list[dict[str, Any]] = [
        {"actor": {"reference": f"HealthcareService/{option.service}"}, "status": "needs-action"},
        {"actor": {"reference": f"Location/{option.service_point}"}, "status": "needs-action"},
    ]
    if patient_id:
        participants.insert(0, {"actor": {"reference": f"Patient/{patient_id}"},
                                "status": "needs-action"})  # fmt: skip
    return {
        "resourceType": "Appointment", "meta": {"profile": [IHE]}, "status": "proposed",
        "serviceType": [{"coding": [{"system": SERVICE_TYPE, "code": option.service_type}]}],
        "start": iso_instant(option.start_us), "end": iso_instant(option.end_us),
        "slot": [{"reference": f"Slot/{option.slot_id}"}], "participant": participants,
        "comment": f"Cơ sở {option.facility}; còn {option.free} chỗ"
                   + (f"; cách {option.distance_km:.1f} km" if option.distance_km is not None
                      else ""),
    }  # fmt: skip


def _bundle(resources: list[dict[str, Any]], base: str) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"fullUrl": f"{base}/Appointment/{r['id']}" if r.get("id") else None,
                       "resource": r, "search": {"mode": "match"}} for r in resources]}  # fmt: skip


class _Operation:
    DEFINITION: OperationDefinition

    def __init__(self, service_for: ServiceFor) -> None:
        self.service_for = service_for


class FindOperation(_Operation):
    DEFINITION = OperationDefinition(
        name="find", title="Tìm lịch khám còn trống / Find potential appointments",
        description="IHE ITI-115: các lựa chọn còn chỗ, xếp theo thời gian và khoảng cách / "
                    "available options ranked by time and distance",
        url=f"{BASE}/Appointment-find", levels=frozenset({"type"}), resource_types=("Appointment",),
        parameters=(*(_p(n, "in", lo, "1", t, d) for n, lo, t, d in (
            ("start", 1, "instant", "Từ / from"), ("end", 1, "instant", "Đến / to"),
            ("specialty", 0, "Coding", "Dịch vụ / service"),
            ("visit-type", 0, "Coding", "Loại khám / visit type"),
            ("practitioner", 0, "Reference", "Bác sĩ / practitioner"),
            ("location-reference", 0, "Reference", "Phòng khám / room"),
            ("organization", 0, "string", "Mã cơ sở KCB / facility code"),
            ("patient-reference", 0, "Reference", "Người bệnh / patient"),
            ("referral-identifier", 0, "string", "Số giấy chuyển tuyến / referral"),
            ("insurance-reference", 0, "Reference", "Thẻ BHYT / coverage"),
            ("_count", 0, "integer", "Số lựa chọn / options"))),
            _p("return", "out", 1, "1", "Bundle", "Appointment proposed")),
    )  # fmt: skip

    def run(self, repo: Any, ctx: OperationContext, params: OperationParams) -> dict[str, Any]:
        query = parse_find(params)
        options = self.service_for(repo).find(query)
        return _bundle([_proposed(o, query.patient_id) for o in options], ctx.base_url)


_BOOK_PARAMS = (
    _p("appointment-reference", "in", 0, "1", "Reference", "Lịch đã giữ / a held Appointment"),
    _p("appointment-resource", "in", 0, "1", "Appointment", "Lựa chọn từ $find / a proposal"),
    _p("slot-reference", "in", 0, "1", "Reference", "Khung giờ / the Slot"),
    _p("patient-reference", "in", 0, "1", "Reference", "Người bệnh / patient"),
    _p("referral-identifier", "in", 0, "1", "string", "Giấy chuyển tuyến / referral (XML13)"),
    _p("slip-reference", "in", 0, "1", "Reference", "Giấy hẹn khám lại / slip (XML14)"),
    _p("channel", "in", 0, "1", "code", "web | app | call-centre | counter"),
    _p("overbook-reason", "in", 0, "1", "string", "Đặt vượt chỗ (nhân viên) / overbook"),
)


class HoldOperation(_Operation):
    DEFINITION = OperationDefinition(
        name="hold", title="Giữ chỗ / Hold an appointment",
        description="IHE ITI-116: giữ một chỗ 10 phút / hold one seat for 10 minutes",
        url=f"{BASE}/Appointment-hold", levels=frozenset({"type"}),
        resource_types=("Appointment",), affects_state=True, methods=("POST",),
        parameters=(*_BOOK_PARAMS[1:], _p("return", "out", 1, "1", "Appointment", "pending")),
    )  # fmt: skip

    def run(self, repo: Any, ctx: OperationContext, params: OperationParams) -> dict[str, Any]:
        return self.service_for(repo).hold(_request(repo, params, booking=False))


class BookOperation(_Operation):
    DEFINITION = OperationDefinition(
        name="book", title="Đặt lịch / Book an appointment",
        description="IHE ITI-117: đúng một Appointment đã đặt, hoặc xung đột (409) khi hết "
                    "chỗ / exactly one booked Appointment, or a conflict when the slot is taken",
        url=f"{BASE}/Appointment-book", levels=frozenset({"type"}),
        resource_types=("Appointment",), affects_state=True, methods=("POST",),
        parameters=(*_BOOK_PARAMS, _p("return", "out", 1, "1", "Bundle", "booked")),
    )  # fmt: skip

    def run(self, repo: Any, ctx: OperationContext, params: OperationParams) -> dict[str, Any]:
        return _bundle([self.service_for(repo).book(_request(repo, params, booking=True))],
                       ctx.base_url)  # fmt: skip


class CancelOperation(_Operation):
    DEFINITION = OperationDefinition(
        name="cancel", title="Hủy lịch / Cancel an appointment",
        description="Hủy lịch hẹn và trả chỗ / cancel and free the seat",
        url=f"{BASE}/Appointment-cancel", levels=frozenset({"instance"}),
        resource_types=("Appointment",), affects_state=True, methods=("POST",),
        parameters=(_p("reason", "in", 0, "1", "string", "Lý do / reason"),
                    _p("return", "out", 1, "1", "Appointment", "cancelled")),
    )  # fmt: skip

    def run(self, repo: Any, ctx: OperationContext, params: OperationParams) -> dict[str, Any]:
        reason = _text(_one(params, "reason"), "reason") or ""
        return self.service_for(repo).cancel(str(ctx.id), reason)


class RescheduleOperation(_Operation):
    DEFINITION = OperationDefinition(
        name="reschedule", title="Đổi lịch / Reschedule",
        description="Đặt khung giờ mới và hủy lịch cũ trong một giao dịch / book the new slot "
                    "and cancel the old one in one transaction",
        url=f"{BASE}/Appointment-reschedule", levels=frozenset({"instance"}),
        resource_types=("Appointment",), affects_state=True, methods=("POST",),
        parameters=(_p("slot-reference", "in", 1, "1", "Reference", "Khung giờ mới / new Slot"),
                    _p("return", "out", 1, "1", "Bundle", "new, old")),
    )  # fmt: skip

    def run(self, repo: Any, ctx: OperationContext, params: OperationParams) -> dict[str, Any]:
        slot = _ref(_one(params, "slot-reference"), "Slot", "slot-reference")
        if slot is None:
            raise InvalidRequest("Cần slot-reference / slot-reference is required",
                                 expression=["slot-reference"])  # fmt: skip
        new, old = self.service_for(repo).reschedule(str(ctx.id), slot)
        return _bundle([new, old], ctx.base_url)


def booking_operations(service_for: ServiceFor) -> tuple[_Operation, ...]:
    """The five operations, each building the booking service for its caller."""
    return tuple(kind(service_for) for kind in (FindOperation, HoldOperation, BookOperation,
                                                CancelOperation, RescheduleOperation))  # fmt: skip
