"""XML7 (giấy ra viện), XML8 (tóm tắt hồ sơ bệnh án), XML9 (giấy chứng sinh), XML10
(giấy nghỉ dưỡng thai), XML11 (giấy nghỉ việc hưởng BHXH), XML15 (điều trị lao) → a
Composition each (documents.py says how).

XML7: LOINC 18842-5 (discharge summary). XML8: LOINC 34133-9 (summary of episode
note), not 11503-0 (medical records, too generic). XML9, XML10, XML11, XML15: no LOINC
document code fits a Vietnamese certificate or a TB register row: the table code only.
XML9 is the mother's record (the subject is the episode's patient, the mother or
carer); the child has no Patient yet and stays in the narrative.

Sensitivity: a paper that records a terminated pregnancy (MA_DINH_CHI_THAI = 1 in XML7
or XML11) carries the SEX label, as an O00–O08 diagnosis does (security_labels.py).
XML15's HIV fields (HIV status, HIV confirmation, ARV and CTX start) are not in its
Composition: they go to an HIV-labelled Observation (hiv.py), so that the TB record
stays visible to those who may not see HIV data. XML15 has no diagnosis code, hence
no Condition: the episode's TB diagnosis comes from XML1's ICD-10 codes.
"""

from __future__ import annotations

from hoso.fhir.security_labels import LABEL_NAMES, SEX
from hoso.fhir.visibility import ACT_CODE
from hoso.ingest.xml130.context import EpisodeContext
from hoso.ingest.xml130.documents import HEAD, Paper, Signer, composition
from hoso.ingest.xml130.hiv import add_hiv_fields
from hoso.ingest.xml130.wrapper import Row

_STAY = (("NGAY_VAO", "Ngày vào viện"), ("NGAY_RA", "Ngày ra viện"))
_TERMINATION = ("Đình chỉ thai nghén", (
    ("MA_DINH_CHI_THAI", "Đình chỉ thai nghén (1 có, 0 không)"),
    ("NGUYENNHAN_DINHCHI", "Nguyên nhân đình chỉ"), ("THOIGIAN_DINHCHI", "Thời điểm đình chỉ"),
    ("TUOI_THAI", "Tuổi thai (tuần)")))  # fmt: skip
_PARENTS = (("HO_TEN_CHA", "Họ tên cha"), ("HO_TEN_ME", "Họ tên mẹ"))
_DOCTOR = Signer("MA_BS", "TEN_BS", "professional", "Trưởng khoa hoặc người được uỷ quyền")

PAPERS = {
    "XML7": Paper("XML7", "Giấy ra viện", ("18842-5", "Discharge summary"), (
        ("Hồ sơ", (("SO_LUU_TRU", "Số lưu trữ"), ("MA_YTE", "Mã y tế"),
                   ("MA_KHOA_RV", "Khoa ra viện"), *_STAY)),
        ("Chẩn đoán và điều trị", (("CHAN_DOAN_RV", "Chẩn đoán"),
                                   ("PP_DIEUTRI", "Phương pháp điều trị"),
                                   ("GHI_CHU", "Ghi chú"))),
        _TERMINATION,
        ("Trẻ em", (("MA_CHA", "Mã BHXH của cha"), ("MA_ME", "Mã BHXH của mẹ"),
                    ("MA_THE_TAM", "Mã thẻ BHYT tạm thời"), *_PARENTS)),
        ("Nghỉ ngoại trú", (("SO_NGAY_NGHI", "Số ngày nghỉ"), ("NGOAITRU_TUNGAY", "Từ ngày"),
                            ("NGOAITRU_DENNGAY", "Đến ngày"))),
        ("Chứng từ", (("NGAY_CT", "Ngày chứng từ"),))), (HEAD, _DOCTOR)),
    "XML8": Paper("XML8", "Tóm tắt hồ sơ bệnh án", ("34133-9", "Summary of episode note"), (
        ("Người bệnh", (("MA_LOAI_KCB", "Hình thức KBCB"), *_PARENTS,
                        ("NGUOI_GIAM_HO", "Người giám hộ"), ("DON_VI", "Đơn vị"),
                        ("MA_THE_TAM", "Mã thẻ BHYT tạm thời"), *_STAY)),
        ("Chẩn đoán", (("CHAN_DOAN_VAO", "Chẩn đoán vào viện"),
                       ("CHAN_DOAN_RV", "Chẩn đoán ra viện"))),
        ("Quá trình bệnh lý và diễn biến lâm sàng", (("QT_BENHLY", "Quá trình bệnh lý"),)),
        ("Kết quả cận lâm sàng", (("TOMTAT_KQ", "Tóm tắt kết quả"),)),
        ("Điều trị", (("PP_DIEUTRI", "Phương pháp điều trị"),
                      ("KET_QUA_DTRI", "Kết quả điều trị (mã)"))),
        ("Con chết sau sinh", (("NGAY_SINHCON", "Ngày sinh con"),
                               ("NGAY_CONCHET", "Ngày con chết"), ("SO_CONCHET", "Số con chết"))),
        ("Ghi chú", (("GHI_CHU", "Ghi chú"), ("NGAY_CT", "Ngày chứng từ")))), (HEAD,)),
    "XML9": Paper("XML9", "Giấy chứng sinh", None, (
        ("Mẹ hoặc người nuôi dưỡng", (
            ("HO_TEN_NND", "Họ tên"), ("NGAYSINH_NND", "Ngày sinh"),
            ("MA_BHXH_NND", "Mã số BHXH"), ("MA_THE_NND", "Mã thẻ BHYT"),
            ("MA_DANTOC_NND", "Dân tộc (mã)"), ("SO_CCCD_NND", "Số CCCD/hộ chiếu"),
            ("NGAYCAP_CCCD_NND", "Ngày cấp"), ("NOICAP_CCCD_NND", "Nơi cấp"),
            ("NOI_CU_TRU_NND", "Nơi cư trú"), ("MA_QUOCTICH", "Quốc tịch (mã)"),
            ("MATINH_CU_TRU", "Tỉnh (mã)"), ("MAXA_CU_TRU", "Xã (mã)"),
            ("HO_TEN_CHA", "Họ tên cha"))),
        ("Con", (("HO_TEN_CON", "Họ tên dự định"), ("GIOI_TINH_CON", "Giới tính (mã)"),
                 ("MA_THE_TAM", "Mã thẻ BHYT tạm thời"), ("NGAY_SINH_CON", "Ngày giờ sinh"),
                 ("NOI_SINH_CON", "Nơi sinh"), ("CAN_NANG_CON", "Cân nặng (g)"),
                 ("TINH_TRANG_CON", "Tình trạng"))),
        ("Lần sinh", (("SO_CON", "Số con lần sinh này"), ("LAN_SINH", "Lần sinh thứ"),
                      ("SO_CON_SONG", "Số con đang sống"),
                      ("SINHCON_PHAUTHUAT", "Sinh phẫu thuật (1 có, 0 không)"),
                      ("SINHCON_DUOI32TUAN", "Sinh dưới 32 tuần (1 có, 0 không)"),
                      ("GHI_CHU", "Ghi chú"))),
        ("Chứng từ", (("NGUOI_DO_DE", "Người đỡ đẻ"), ("NGUOI_GHI_PHIEU", "Người ghi phiếu"),
                      ("SO", "Số"), ("QUYEN_SO", "Quyển số"), ("NGAY_CT", "Ngày cấp")))),
        (HEAD,)),
    "XML10": Paper("XML10", "Giấy chứng nhận nghỉ dưỡng thai", None, (
        ("Nghỉ dưỡng thai", (("SO_SERI", "Số seri"), ("SO_CT", "Số chứng từ"),
                             ("DON_VI", "Đơn vị"), ("CHAN_DOAN_RV", "Chẩn đoán"),
                             ("SO_NGAY", "Số ngày nghỉ"), ("TU_NGAY", "Từ ngày"),
                             ("DEN_NGAY", "Đến ngày"), ("NGAY_CT", "Ngày chứng từ"))),),
        (HEAD, _DOCTOR)),
    "XML11": Paper("XML11", "Giấy chứng nhận nghỉ việc hưởng BHXH", None, (
        ("Chứng từ", (("SO_CT", "Số chứng từ"), ("SO_SERI", "Số seri"), ("SO_KCB", "Số KCB"),
                      ("MAU_SO", "Mẫu số"), ("NGAY_CT", "Ngày chứng từ"))),
        ("Người hưởng", (("DON_VI", "Đơn vị"), ("MA_BHXH", "Mã số BHXH"),
                         ("MA_THE_BHYT", "Mã thẻ BHYT"), ("MA_THE_TAM", "Mã thẻ BHYT tạm thời"),
                         *_PARENTS)),
        ("Chẩn đoán và điều trị", (("CHAN_DOAN_RV", "Chẩn đoán"),
                                   ("PP_DIEUTRI", "Phương pháp điều trị"))),
        _TERMINATION,
        ("Nghỉ việc", (("SO_NGAY_NGHI", "Số ngày nghỉ"), ("TU_NGAY", "Từ ngày"),
                       ("DEN_NGAY", "Đến ngày")))),
        (HEAD, Signer("MA_BS", None, "professional", "Trưởng khoa hoặc người được uỷ quyền"))),
    "XML15": Paper("XML15", "Điều trị bệnh lao", None, (
        ("Phân loại", (("PHANLOAI_LAO_VITRI", "Theo vị trí giải phẫu (mã)"),
                       ("PHANLOAI_LAO_TS", "Theo tiền sử điều trị (mã)"),
                       ("PHANLOAI_LAO_VK", "Theo bằng chứng vi khuẩn học (mã)"),
                       ("PHANLOAI_LAO_KT", "Theo tình trạng kháng thuốc (mã)"))),
        ("Điều trị", (("LOAI_DTRI_LAO", "Loại điều trị (mã)"),
                      ("PHACDO_DTRI_LAO", "Phác đồ (mã)"), ("NGAYBD_DTRI_LAO", "Bắt đầu"),
                      ("NGAYKT_DTRI_LAO", "Kết thúc"),
                      ("KET_QUA_DTRI_LAO", "Kết quả điều trị (mã)"),
                      ("MA_CSKCB", "Cơ sở điều trị")))), date_field="NGAYBD_DTRI_LAO"),
}  # fmt: skip
# XML15's fields that tell the patient's HIV status
TB_HIV_FIELDS = ("PHANLOAI_LAO_HIV", "NGAYKD_HIV", "BDDT_ARV", "NGAY_BAT_DAU_DT_CTX")
SEX_LABEL = {"system": ACT_CODE, "code": SEX, "display": LABEL_NAMES[SEX]}


def add_paper(ctx: EpisodeContext, table: str, number: int, row: Row) -> None:
    paper = PAPERS[table]
    terminated = table in ("XML7", "XML11") and row.get("MA_DINH_CHI_THAI") == "1"
    composition(ctx, paper, number, row, [dict(SEX_LABEL)] if terminated else None)
    if table == "XML15":
        add_hiv_fields(ctx, table, number, row, TB_HIV_FIELDS)
