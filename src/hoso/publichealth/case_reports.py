"""What officers do to a case and how a case is shown and exported.

- Changes (`classification_change`, `severity_change`, `epi_change`, `closing`) are
  validated here and applied by the access layer, which records the agent: the case's
  history keeps every classification with who made it and why.
- `case_json` is the API's view; `national_report` the national surveillance shape
  (docs/publichealth.md lists its fields: modelled on the case report form of TT
  54/2015, Biểu mẫu 1, as the eCDS system's own field names are not published);
  `fhir_case_report` a FHIR R4 Bundle with a Composition of LOINC 55751-2 (Public
  health case report), the person and the evidence's references.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hoso.core import clock
from hoso.core.errors import InvalidRequest
from hoso.publichealth.definitions import CLASSIFICATIONS, DiseaseDefinition

__all__ = ["ACTIONS", "case_change", "case_json", "classification_change", "closing",
           "epi_change", "fhir_case_report", "national_report", "severity_change"]  # fmt: skip

OUTCOMES = ("recovered", "died", "unknown")
VACCINATED = ("yes", "no", "unknown")
EPI_TEXTS = {"exposure_place": 500, "travel": 500, "notes": 2000, "source_of_infection": 500}
_LOINC_CASE_REPORT = {"system": "http://loinc.org", "code": "55751-2",
                      "display": "Public health Case report"}  # fmt: skip


def _reason(body: dict[str, Any]) -> str:
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
        raise InvalidRequest("Cần lý do (tối đa 500 ký tự) / a reason is required (at most "
                             "500 characters)")  # fmt: skip
    return reason.strip()


def classification_change(case: Any, body: dict[str, Any]
                          ) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:  # fmt: skip
    value = body.get("classification")
    if value not in CLASSIFICATIONS:
        raise InvalidRequest(f"classification: một trong / one of {', '.join(CLASSIFICATIONS)}")
    event = {"from": case.classification, "to": value, "reason": _reason(body)}
    return {"classification": value}, [("classification", event)]


def severity_change(case: Any, definition: DiseaseDefinition, body: dict[str, Any]
                    ) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:  # fmt: skip
    codes = [s.code for s in definition.severities]
    value = body.get("severity")
    if value not in codes:
        raise InvalidRequest(f"severity: một trong / one of {', '.join(codes) or '—'}")
    event = {"from": case.severity, "to": value, "reason": _reason(body)}
    return {"severity": value}, [("severity", event)]


def epi_change(case: Any, body: dict[str, Any]
               ) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:  # fmt: skip
    """Epidemiological data: isolation date, outcome, vaccination, exposure, travel,
    notes. Unknown fields are refused, not dropped, so a typo is seen."""
    unknown = set(body) - {"isolation_date", "outcome", "vaccinated", *EPI_TEXTS}
    if unknown or not body:
        raise InvalidRequest(f"Trường không biết / unknown fields: {', '.join(sorted(unknown))}"
                             if unknown else "Không có dữ liệu / nothing to change")  # fmt: skip
    changes: dict[str, Any] = {}
    epi = json.loads(case.epi or "{}")
    if "isolation_date" in body:
        changes["isolation_date"] = _day(body["isolation_date"], "isolation_date",
                                         not_before=case.onset_date)  # fmt: skip
    if "outcome" in body:
        if body["outcome"] not in OUTCOMES:
            raise InvalidRequest(f"outcome: một trong / one of {', '.join(OUTCOMES)}")
        changes["outcome"] = body["outcome"]
    if "vaccinated" in body:
        if body["vaccinated"] not in VACCINATED:
            raise InvalidRequest(f"vaccinated: một trong / one of {', '.join(VACCINATED)}")
        epi["vaccinated"] = body["vaccinated"]
    for key, limit in EPI_TEXTS.items():
        if key in body:
            value = body[key]
            if not isinstance(value, str) or len(value) > limit:
                raise InvalidRequest(f"{key}: văn bản tối đa {limit} ký tự / text of at most "
                                     f"{limit} characters")  # fmt: skip
            epi[key] = value.strip()
    changes["epi"] = json.dumps(epi, ensure_ascii=False, sort_keys=True)
    return changes, [("epi", {k: body[k] for k in sorted(body)})]


def closing(case: Any, body: dict[str, Any]
            ) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:  # fmt: skip
    if case.status == "closed":
        raise InvalidRequest("Ca bệnh đã đóng / the case is already closed")
    return {"status": "closed"}, [("closed", {"reason": _reason(body)})]


ACTIONS = ("classification", "severity", "epi", "close")


def case_change(action: str, case: Any, definition: DiseaseDefinition | None,
                body: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """What an officer's `action` changes in the case, validated (the API and the pages
    both call this)."""
    if action == "classification":
        return classification_change(case, body)
    if action == "severity":
        if definition is None:
            raise InvalidRequest("Bệnh không còn định nghĩa / the disease has no definition")
        return severity_change(case, definition, body)
    if action == "epi":
        return epi_change(case, body)
    if action == "close":
        return closing(case, body)
    raise InvalidRequest(f"Không có thao tác / no action {action[:40]}")


def _day(value: Any, name: str, *, not_before: str) -> str:
    try:
        day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    today = clock.now().astimezone(clock.VN_TZ).date()
    if day is None or day > today or day.isoformat() < not_before:
        raise InvalidRequest(f"{name}: ngày YYYY-MM-DD từ ngày khởi phát đến hôm nay / a date "
                             "YYYY-MM-DD from the onset to today")  # fmt: skip
    return day.isoformat()


def case_json(case: Any, definition: DiseaseDefinition | None, *, person: dict[str, Any] | None,
              now_us: int) -> dict[str, Any]:  # fmt: skip
    """The case as the API shows it to an officer linked to it."""
    overdue = case.reported_at > case.deadline_at
    names = {"vi": definition.name_vi, "en": definition.name_en} if definition else None
    return {
        "id": case.id, "disease": case.disease, "disease_name": names,
        "definition_version": case.definition_version, "classification": case.classification,
        "severity": case.severity, "status": case.status, "onset_date": case.onset_date,
        "report_date": case.report_date, "ward": case.ward, "facility": case.facility,
        "patient": person, "isolation_date": case.isolation_date, "outcome": case.outcome,
        "epi": json.loads(case.epi or "{}"),
        "deadline": {
            "diagnosed": clock.fhir_instant(clock.from_us(case.diagnosed_at)),
            "due": clock.fhir_instant(clock.from_us(case.deadline_at)),
            "reported": clock.fhir_instant(clock.from_us(case.reported_at)),
            "overdue": overdue,
            "hours_late": round(max(case.reported_at - case.deadline_at, 0) / 3.6e9, 1),
        },
    }  # fmt: skip


def national_report(case: Any, definition: DiseaseDefinition | None, patient: dict[str, Any]
                    ) -> dict[str, Any]:  # fmt: skip
    """The case in the national surveillance shape (docs/publichealth.md)."""
    name = (patient.get("name") or [{}])[0]
    address = (patient.get("address") or [{}])[0]
    cccd = next((i.get("value") for i in patient.get("identifier") or []
                 if isinstance(i, dict) and len(str(i.get("value", ""))) == 12), None)  # fmt: skip
    telecom = next((t.get("value") for t in patient.get("telecom") or []
                    if isinstance(t, dict) and t.get("system") == "phone"), None)  # fmt: skip
    full_name = name.get("text") or " ".join([name.get("family", ""), *name.get("given", [])])
    return {
        "ma_ca_benh": f"HCM-{case.id}",
        "ten_benh": definition.name_vi if definition else case.disease,
        "ma_benh": case.disease, "nhom_benh": definition.group if definition else None,
        "ho_ten": full_name.strip(),
        "ngay_sinh": patient.get("birthDate"), "gioi_tinh": patient.get("gender"),
        "so_cccd": cccd, "dien_thoai": telecom,
        "dia_chi": ", ".join([*address.get("line", []), address.get("city", "")]).strip(", "),
        "ma_xa_phuong": case.ward, "ngay_khoi_phat": case.onset_date,
        "ngay_chan_doan": clock.fhir_instant(clock.from_us(case.diagnosed_at)),
        "ngay_bao_cao": case.report_date, "phan_loai": case.classification,
        "muc_do": case.severity, "ngay_cach_ly": case.isolation_date, "ket_qua": case.outcome,
        "don_vi_bao_cao": case.facility,
        "tiem_chung": json.loads(case.epi or "{}").get("vaccinated"),
    }  # fmt: skip


def fhir_case_report(case: Any, definition: DiseaseDefinition | None, patient: dict[str, Any],
                     evidence: list[tuple[str, str, int, int]]) -> dict[str, Any]:  # fmt: skip
    title = f"Báo cáo ca bệnh {definition.name_vi if definition else case.disease}"
    composition = {
        "resourceType": "Composition", "id": f"case-{case.id}",
        "status": "final" if case.classification in ("confirmed", "discarded") else "preliminary",
        "type": {"coding": [_LOINC_CASE_REPORT]},
        "category": [{"coding": [{"system": "https://hoso.vn/fhir/CodeSystem/disease",
                                  "code": case.disease}]}],
        "subject": {"reference": f"Patient/{patient.get('id')}"},
        "date": clock.fhir_instant(clock.from_us(case.updated_at)), "title": title,
        "author": [{"display": case.facility or "Hồ Sơ"}],
        "section": [{"title": "Phân loại / Classification",
                     "code": {"coding": [{"system": "https://hoso.vn/fhir/CodeSystem/case-class",
                                          "code": case.classification}]},
                     "entry": [{"reference": f"{t}/{i}/_history/{v}"}
                               for t, i, v, _at in evidence]}],
    }  # fmt: skip
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": composition}, {"resource": patient}]}  # fmt: skip
