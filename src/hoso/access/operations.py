"""The access layer's own operations, registered in the FHIR operation registry:
`Patient/{id}/$break-glass` and `Patient/{id}/$access-log`."""

from __future__ import annotations

import uuid
from typing import Any

from hoso.core import clock
from hoso.core.errors import InvalidRequest
from hoso.core.text import whole_number
from hoso.fhir.operations import (
    OperationContext,
    OperationDefinition,
    OperationParameter,
    OperationParams,
)

BASE = "https://fhir.hoso.hochiminhcity.gov.vn/OperationDefinition"


class BreakGlass:
    DEFINITION = OperationDefinition(
        name="break-glass",
        title="Truy cập khẩn cấp (phá kính) / Break the glass",
        description=(
            "Bác sĩ mở toàn bộ hồ sơ một người bệnh trong thời gian giới hạn, nêu lý do; "
            "được ghi nhật ký, đánh dấu và người dân thấy được / A clinician opens one "
            "patient's whole record for a limited time with a stated reason; audited, "
            "flagged and shown to the resident."
        ),
        url=f"{BASE}/Patient-break-glass",
        levels=frozenset({"instance"}),
        resource_types=("Patient",),
        parameters=(
            OperationParameter("reason", "in", 1, "1", "string", "Lý do / Reason"),
            OperationParameter("expires", "out", 1, "1", "instant", "Hết hạn / Ends at"),
        ),
        affects_state=True,
        methods=("POST",),
    )

    def run(self, repo: Any, ctx: OperationContext, params: OperationParams) -> dict[str, Any]:
        reasons = [r for r in params.get("reason", []) if isinstance(r, str)]
        if ctx.method != "POST" or len(reasons) != 1:
            raise InvalidRequest(
                "Gửi POST với đúng một tham số reason / POST exactly one reason parameter",
                expression=["Parameters.parameter.where(name='reason')"],
            )
        expires = repo.break_glass(str(ctx.id), reasons[0])
        return {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "expires", "valueInstant": clock.fhir_instant(clock.from_us(expires))}
            ],
        }


class AccessLog:
    DEFINITION = OperationDefinition(
        name="access-log",
        title="Ai đã xem hồ sơ của tôi / Who accessed my record",
        description=(
            "Các lần truy cập hồ sơ người bệnh, mới nhất trước: cơ sở, vai trò, thời gian, "
            "mục đích, truy cập khẩn cấp / Accesses to the patient's record, newest first: "
            "facility, role, time, purpose, break-the-glass."
        ),
        url=f"{BASE}/Patient-access-log",
        levels=frozenset({"instance"}),
        resource_types=("Patient",),
        parameters=(
            OperationParameter("_count", "in", 0, "1", "integer", "Số mục / Entries"),
            OperationParameter("before", "in", 0, "1", "integer", "Trước mục số / Before entry"),
            OperationParameter("return", "out", 1, "1", "Bundle", "AuditEvent"),
        ),
    )

    def run(self, repo: Any, ctx: OperationContext, params: OperationParams) -> dict[str, Any]:
        count = _integer(params, "_count", 50)
        before = _integer(params, "before", None)
        events = repo.access_log(str(ctx.id), before=before, count=min(count or 50, 500))
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "type": "searchset",
            "entry": [
                {
                    "fullUrl": f"urn:uuid:{event['id']}",
                    "resource": event,
                    "search": {"mode": "match"},
                }
                for _, event in events
            ],
        }
        if len(events) == count and events:
            bundle["link"] = [
                {
                    "relation": "next",
                    "url": f"{ctx.base_url}/Patient/{ctx.id}/$access-log"
                    f"?_count={count}&before={events[-1][0]}",
                }
            ]
        return bundle


def _integer(params: OperationParams, name: str, default: int | None) -> int | None:
    values = params.get(name) or []
    if not values:
        return default
    number = whole_number(str(values[0]))
    if number is None:
        raise InvalidRequest(
            f"Tham số {name} phải là số nguyên dương / {name} must be a positive integer",
            expression=[name],
        )
    return number


ACCESS_OPERATIONS = (BreakGlass(), AccessLog())  # what the composition root registers
