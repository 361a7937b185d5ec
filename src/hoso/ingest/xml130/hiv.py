"""XML6 (HIV/AIDS care record, TT 28/2018) → HIV-labelled resources.

Every resource made from XML6, and the HIV fields of XML15, carries `meta.security`
with the v3 ActCode `HIV` label exactly as `hoso.fhir.security_labels` defines it, so
that the access policy hides it from whoever may not see HIV data. Nothing else of the
episode is labelled by this module (the archive DocumentReference is, by bundle.py,
because it holds the original XML6 bytes).

Per row `n`:
- `-XML6-n`: an Observation (code: the table) with one component per clinical field
  (code: the field name in the Hồ Sơ code system `xml130-truong`, text its label),
  dates as valueDateTime, codes as valueString, as sent. Demographic fields that
  repeat XML1 (card, CCCD, birth, address, MA_CSKCB) are left to XML1.
- `-XML6-n-tlvr`: the viral load result (KQ_XNTL_VR, a band code 1–5), effective the
  sampling day; `-XML6-n-pcr`: the infant PCR result (MA_KQ_XN_PCR 0/1).
- `-XML6-n-arv`: a CarePlan for the ARV course when a regimen is given (period: the
  ARV dispensing of this visit).
"""

from __future__ import annotations

from typing import Any

from hoso.fhir.security_labels import HIV, LABEL_NAMES
from hoso.fhir.visibility import ACT_CODE
from hoso.ingest.xml130.context import EpisodeContext
from hoso.ingest.xml130.documents import DAY_FIELDS, PAPER_TABLE, checked_dates
from hoso.ingest.xml130.fields import Place
from hoso.ingest.xml130.messages import Findings
from hoso.ingest.xml130.patient import CS
from hoso.ingest.xml130.wrapper import Row

FIELD = CS + "xml130-truong"
LABELS = {
    "NGAYKD_HIV": "Ngày khẳng định HIV", "NOI_LAY_MAU_XN": "Nơi lấy mẫu xét nghiệm",
    "NOI_XN_KD": "Nơi xét nghiệm khẳng định", "NOI_BDDT_ARV": "Nơi bắt đầu điều trị ARV",
    "BDDT_ARV": "Ngày bắt đầu điều trị ARV",
    "MA_PHAC_DO_DIEU_TRI_BD": "Phác đồ khi bắt đầu ARV", "MA_BAC_PHAC_DO_BD": "Bậc phác đồ ban đầu",
    "MA_LYDO_DTRI": "Lý do đăng ký điều trị", "LOAI_DTRI_LAO": "Loại điều trị lao",
    "SANG_LOC_LAO": "Sàng lọc lao", "PHACDO_DTRI_LAO": "Phác đồ điều trị lao",
    "NGAYBD_DTRI_LAO": "Bắt đầu điều trị lao", "NGAYKT_DTRI_LAO": "Kết thúc điều trị lao",
    "KQ_DTRI_LAO": "Kết quả điều trị lao", "MA_LYDO_XNTL_VR": "Lý do xét nghiệm tải lượng",
    "NGAY_XN_TLVR": "Ngày lấy mẫu tải lượng", "KQ_XNTL_VR": "Kết quả tải lượng vi rút",
    "NGAY_KQ_XN_TLVR": "Ngày có kết quả tải lượng", "MA_LOAI_BN": "Đối tượng đến khám",
    "GIAI_DOAN_LAM_SANG": "Giai đoạn lâm sàng", "NHOM_DOI_TUONG": "Nhóm đối tượng",
    "MA_TINH_TRANG_DK": "Tình trạng khi đến khám", "LAN_XN_PCR": "Lần xét nghiệm PCR",
    "NGAY_XN_PCR": "Ngày xét nghiệm PCR", "NGAY_KQ_XN_PCR": "Ngày có kết quả PCR",
    "MA_KQ_XN_PCR": "Kết quả PCR", "NGAY_NHAN_TT_MANG_THAI": "Ngày nhận thông tin mang thai",
    "NGAY_BAT_DAU_DT_CTX": "Ngày bắt đầu Cotrimoxazol", "MA_XU_TRI": "Xử trí",
    "NGAY_BAT_DAU_XU_TRI": "Bắt đầu xử trí", "NGAY_KET_THUC_XU_TRI": "Kết thúc xử trí",
    "MA_PHAC_DO_DIEU_TRI": "Phác đồ điều trị", "MA_BAC_PHAC_DO": "Bậc phác đồ",
    "SO_NGAY_CAP_THUOC_ARV": "Số ngày cấp thuốc ARV",
    "NGAY_CHUYEN_PHAC_DO": "Ngày chuyển phác đồ", "LY_DO_CHUYEN_PHAC_DO": "Lý do chuyển phác đồ",
    "PHANLOAI_LAO_HIV": "Phân loại lao theo tình trạng HIV",
}  # fmt: skip
VIRAL_LOAD = {"1": "Không phát hiện", "2": "Dưới 50 bản sao/ml",
              "3": "Từ 50 đến dưới 200 bản sao/ml", "4": "Từ 200 đến 1000 bản sao/ml",
              "5": "Trên 1000 bản sao/ml"}  # fmt: skip
PCR = {"0": "Âm tính", "1": "Dương tính"}


def hiv_security() -> list[dict[str, str]]:
    return [{"system": ACT_CODE, "code": HIV, "display": LABEL_NAMES[HIV]}]


def _field(name: str) -> dict[str, Any]:
    return {"coding": [{"system": FIELD, "code": name}], "text": LABELS.get(name, name)}


def _observation(ctx: EpisodeContext, code: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Observation", "meta": {"security": hiv_security()},
            "status": "final", "code": code, "subject": ctx.subject,
            "encounter": ctx.encounter, "performer": [ctx.facility_ref]}  # fmt: skip


def add_hiv_fields(ctx: EpisodeContext, table: str, number: int, row: Row,
                   fields: tuple[str, ...],
                   dates: dict[str, str] | None = None) -> str | None:  # fmt: skip
    """The HIV Observation of one row: `fields` (those present) as components. Without
    `dates`, the row's dates are read quietly: the caller has reported them."""
    if dates is None:
        dates = checked_dates(Place(table, number, Findings()), row)
    components = []
    for name in fields:
        if name in dates:
            components.append({"code": _field(name), "valueDateTime": dates[name]})
        elif name in row and name not in DAY_FIELDS:
            components.append({"code": _field(name), "valueString": row[name]})
    if not components:
        return None
    code = {"coding": [{"system": PAPER_TABLE, "code": table}],
            "text": "Chăm sóc và điều trị HIV/AIDS"}  # fmt: skip
    observation = _observation(ctx, code)
    if ctx.episode_date:
        observation["effectiveDateTime"] = ctx.episode_date
    observation["component"] = components
    suffix = (table, str(number)) if table == "XML6" else (table, str(number), "hiv")
    return ctx.put(observation, *suffix)


def _result(ctx: EpisodeContext, row: Row, dates: dict[str, str], spec: tuple) -> None:
    field, names, taken, number = spec
    value = row.get(field)
    if not value:
        return
    observation = _observation(ctx, _field(field))
    concept: dict[str, Any] = {"coding": [{"system": CS + field.lower().replace("_", "-"),
                                           "code": value}]}  # fmt: skip
    if value in names:
        concept["text"] = names[value]
    observation["valueCodeableConcept"] = concept
    if taken in dates:
        observation["effectiveDateTime"] = dates[taken]
    ctx.put(observation, "XML6", str(number), "tlvr" if field == "KQ_XNTL_VR" else "pcr")


def _arv(ctx: EpisodeContext, number: int, row: Row, dates: dict[str, str]) -> None:
    regimen = row.get("MA_PHAC_DO_DIEU_TRI")
    if not regimen:
        return
    period = {k: dates[f] for k, f in (("start", "NGAY_BAT_DAU_XU_TRI"),
                                       ("end", "NGAY_KET_THUC_XU_TRI")) if f in dates}  # fmt: skip
    detail: dict[str, Any] = {
        "status": "in-progress",
        "code": {"coding": [{"system": CS + "phac-do-hiv", "code": regimen}],
                 "text": f"Phác đồ ARV {regimen}"},
    }  # fmt: skip
    if row.get("SO_NGAY_CAP_THUOC_ARV"):
        detail["description"] = f"Cấp thuốc ARV {row['SO_NGAY_CAP_THUOC_ARV']} ngày"
    plan: dict[str, Any] = {
        "resourceType": "CarePlan", "meta": {"security": hiv_security()},
        "status": "active", "intent": "plan", "title": "Điều trị ARV",
        "subject": ctx.subject, "encounter": ctx.encounter, "author": ctx.facility_ref,
        "activity": [{"detail": detail}],
    }  # fmt: skip
    if period:
        plan["period"] = period
    ctx.put(plan, "XML6", str(number), "arv")


def add_hiv(ctx: EpisodeContext, number: int, row: Row) -> None:
    dates = checked_dates(ctx.place("XML6", number), row)
    add_hiv_fields(ctx, "XML6", number, row, tuple(LABELS), dates)
    _result(ctx, row, dates, ("KQ_XNTL_VR", VIRAL_LOAD, "NGAY_XN_TLVR", number))
    _result(ctx, row, dates, ("MA_KQ_XN_PCR", PCR, "NGAY_XN_PCR", number))
    _arv(ctx, number, row, dates)
