"""XML13 (giấy chuyển tuyến BHYT, referral) → a ServiceRequest and its Composition.

ServiceRequest: status active, intent order, code SNOMED CT 3457005 (patient
referral); requester the sending facility (by its code); performer the receiving
facility MA_NOI_DEN by identifier only (a logical reference: it may not be registered
here, and a conditional reference to a missing Organization would fail the whole
Bundle); reasonCode the diagnoses (ICD-10, CHAN_DOAN_RV as text) and the reason for the
transfer MA_LYDO_CT (1 đúng tuyến, 2 vượt khả năng, 3 theo yêu cầu) as a code; authoredOn
NGAY_RA (the paper has no date of its own), else the episode's; the referral number
GIAY_CHUYEN_TUYEN a second identifier; HUONG_DIEU_TRI a note; supportingInfo the
Composition.

Composition: LOINC 57133-1 (referral note) with the clinical fields as sections, the
head of the facility (MA_TTDV) as legal attester and the doctor (MA_BAC_SI) as
professional attester; the signer's name (or role and number) as author display.
"""

from __future__ import annotations

from typing import Any

from hoso.ingest.xml130.appointment import reason_codes
from hoso.ingest.xml130.context import EpisodeContext
from hoso.ingest.xml130.documents import HEAD, Paper, Signer, checked_dates, composition
from hoso.ingest.xml130.fields import Place
from hoso.ingest.xml130.messages import Findings
from hoso.ingest.xml130.patient import CS
from hoso.ingest.xml130.wrapper import Row

SNOMED = "http://snomed.info/sct"
REASONS = {"1": "Đủ điều kiện chuyển tuyến theo quy định",
           "2": "Không phù hợp khả năng đáp ứng của cơ sở KBCB",
           "3": "Theo yêu cầu của người bệnh hoặc người đại diện"}  # fmt: skip
REFERRAL = Paper("XML13", "Giấy chuyển tuyến khám bệnh, chữa bệnh BHYT",
                 ("57133-1", "Referral note"), (
    ("Giấy tờ", (("SO_HOSO", "Số hồ sơ"), ("SO_CHUYENTUYEN", "Số vào sổ chuyển tuyến"),
                 ("GIAY_CHUYEN_TUYEN", "Số giấy chuyển tuyến"), ("MA_NOI_DI", "Nơi đi"),
                 ("MA_NOI_DEN", "Nơi đến"), ("NGAY_VAO", "Ngày vào"),
                 ("NGAY_VAO_NOI_TRU", "Ngày vào nội trú"), ("NGAY_RA", "Ngày chuyển"))),
    ("Dấu hiệu lâm sàng", (("DAU_HIEU_LS", "Dấu hiệu lâm sàng"),)),
    ("Quá trình bệnh lý", (("QT_BENHLY", "Quá trình bệnh lý và diễn biến lâm sàng"),)),
    ("Kết quả cận lâm sàng", (("TOMTAT_KQ", "Tóm tắt kết quả"),)),
    ("Chẩn đoán", (("CHAN_DOAN_RV", "Chẩn đoán"), ("MA_BENH_CHINH", "Bệnh chính"),
                   ("MA_BENH_KT", "Bệnh kèm theo"), ("MA_BENH_YHCT", "Bệnh YHCT"))),
    ("Điều trị", (("PP_DIEUTRI", "Phương pháp điều trị"), ("PP_DIEU_TRI", "Phương pháp điều trị"),
                  ("TEN_DICH_VU", "Dịch vụ kỹ thuật đã dùng"), ("TEN_THUOC", "Thuốc đã dùng"),
                  ("MA_LOAI_RV", "Loại ra viện (mã)"))),
    ("Chuyển tuyến", (("MA_LYDO_CT", "Lý do chuyển tuyến (mã)"),
                      ("HUONG_DIEU_TRI", "Hướng điều trị"),
                      ("PHUONGTIEN_VC", "Phương tiện vận chuyển"),
                      ("HOTEN_NGUOI_HT", "Người hộ tống"),
                      ("CHUCDANH_NGUOI_HT", "Chức danh người hộ tống")))),
    (HEAD, Signer("MA_BAC_SI", None, "professional", "Bác sĩ điều trị", "cchn")),
    date_field="NGAY_RA")  # fmt: skip


def add_referral(ctx: EpisodeContext, number: int, row: Row) -> None:
    document = composition(ctx, REFERRAL, number, row)
    # dates were reported by composition(): read them again quietly
    dates = checked_dates(Place("XML13", number, Findings()), row)
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest", "status": "active", "intent": "order",
        "code": {"coding": [{"system": SNOMED, "code": "3457005",
                             "display": "Patient referral"}],
                 "text": "Chuyển tuyến khám bệnh, chữa bệnh"},
        "subject": ctx.subject, "encounter": ctx.encounter, "requester": ctx.facility_ref,
    }  # fmt: skip
    when = dates.get("NGAY_RA") or ctx.episode_date
    if when:
        request["authoredOn"] = when
    if row.get("MA_NOI_DEN"):
        request["performer"] = [{"identifier": {"system": ctx.settings.facility_system,
                                                "value": row["MA_NOI_DEN"]},
                                 "display": f"Cơ sở KBCB {row['MA_NOI_DEN']}"}]  # fmt: skip
    reasons = reason_codes(row)
    if row.get("MA_LYDO_CT"):
        reason = {"coding": [{"system": CS + "ma-lydo-ct", "code": row["MA_LYDO_CT"]}]}
        if row["MA_LYDO_CT"] in REASONS:
            reason["text"] = REASONS[row["MA_LYDO_CT"]]
        reasons.append(reason)
    if reasons:
        request["reasonCode"] = reasons
    if row.get("GIAY_CHUYEN_TUYEN"):
        request["identifier"] = [{"type": {"text": "Số giấy chuyển tuyến"},
                                  "value": row["GIAY_CHUYEN_TUYEN"]}]  # fmt: skip
    if row.get("HUONG_DIEU_TRI"):
        request["note"] = [{"text": row["HUONG_DIEU_TRI"]}]
    if document:
        request["supportingInfo"] = [{"reference": document}]
    # its own suffix: the Composition holds `-XML13-<row>`, and fullUrls derive from it
    ctx.put(request, "XML13", str(number), "referral")
