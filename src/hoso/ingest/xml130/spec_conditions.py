"""The conditional checks of the QĐ 4750 check sheets (`../shared/data/vn/xml130-qd4750-
checks/`, the "Bắt buộc" and "VALID" columns), transcribed once like spec.py so the
parser needs no file at run time. Each rule carries the sheet's cell verbatim (`sheet`);
every cell that states a check is either a rule here or in NOT_APPLIED with the reason
(a test holds the two to the sheets). How a rule reports is in conditions.py.
"""

from __future__ import annotations

from hoso.ingest.xml130.conditions import (
    Absent,
    AllOrNone,
    Allowed,
    AtMostDaysBetween,
    Is,
    NotBefore,
    OnlyForVisits,
    Pattern,
    Present,
    RequiredWhen,
    Rule,
    SameAsSummary,
)
from hoso.ingest.xml130.fields import Place
from hoso.ingest.xml130.messages import Findings
from hoso.ingest.xml130.wrapper import Row

__all__ = ["NOT_APPLIED", "RULES", "check_conditions"]

_AS_XML1 = "Nếu có dữ liệu thì phải giống thông tin này ở bảng 1"
_NOT_DIGITS = "là Số là và ko được để tất cả = 0"
_ONE = "Null hoặc = 1"
_PCR = "bắt buộc nếu MA_TINH_TRANG_DK =1"
_TB = "không bắt buộc khi LOAI_DTRI_LAO = 0 còn lại là bắt buộc"
_ARV = "bắt buộc khi MA_XU_TRI = 1"
_STOP = "bắt buộc khi MA_DINH_CHI_THAI =1"
_STOP_11 = 'Bắt buộc ghi trường thông tin này khi MA_DINH_CHI_THAI là mã "1".'
_PERFORMED = "bắt buộc MA_NHOM =1,2,3,8,18"  # the sheet writes "Bắt buộc" for NGUOI_THUC_HIEN
_GROUPS = ("1", "2", "3", "8", "18")  # MA_NHOM: tests, imaging, functional tests, surgery…


def _same_as_summary(table: str, names: str) -> list[Rule]:
    return [SameAsSummary(table, name, _AS_XML1) for name in names.split()]


RULES: list[Rule] = [
    # XML0, the check-in: one of service, drug or supply per row, each with its name.
    NotBefore("XML0", "NGAY_VAO_NOI_TRU", "NGAY_VAO", ">= NGAY_VAO"),
    RequiredWhen("XML0", "LY_DO_VNT", Present("NGAY_VAO_NOI_TRU"),
                 "x (Chỉ bắt buộc khi NGAY_VAO_NOI_TRU not null)"),
    RequiredWhen("XML0", "MA_DICH_VU", Absent(("MA_THUOC", "MA_VAT_TU")),
                 "Sửa lại chỉ bắt buộc khi MA_THUOC và MA_VAT_TU = null"),
    RequiredWhen("XML0", "MA_THUOC", Absent(("MA_DICH_VU", "MA_VAT_TU")),
                 "Chỉ bắt buộc khi MA_DICH_VU và MA_VAT_TU = null"),
    RequiredWhen("XML0", "MA_VAT_TU", Absent(("MA_DICH_VU", "MA_THUOC")),
                 "Chỉ bắt buộc khi MA_DICH_VU và MA_THUOC = null"),
    RequiredWhen("XML0", "TEN_DICH_VU", Present("MA_DICH_VU"),
                 "Sửa lại chỉ bắt buộc khi MA_DICH_VU not null"),
    RequiredWhen("XML0", "TEN_THUOC", Present("MA_THUOC"),
                 "Sửa lại chỉ bắt buộc khi MA_THUOC not null"),
    RequiredWhen("XML0", "TEN_VAT_TU", Present("MA_VAT_TU"),
                 "Sửa lại chỉ bắt buộc khi MA_VAT_TU not null"),
    # XML1
    NotBefore("XML1", "NGAY_VAO_NOI_TRU", "NGAY_VAO",
              "Như NGAY_VAO bổ sung thêm điều kiện >= NGAY_VAO"),
    Pattern("XML1", "MA_TTDV", r"\d{10}", "phải gồm 10 chữ số", "must be 10 digits",
            "10 ký tự dạng số"),
    # XML2, XML3: what was done after it was ordered; performed services name who and when.
    NotBefore("XML2", "NGAY_TH_YL", "NGAY_YL", ">= NGAY_YL"),
    Allowed("XML2", "VET_THUONG_TP", ("1",), _ONE),
    Pattern("XML3", "GOI_VTYT", r"G[1-9]\d{0,2}", "phải là G và một số từ 1 đến 999",
            "must be G and a number from 1 to 999", "Ký tự G + số từ 1-999"),
    RequiredWhen("XML3", "NGUOI_THUC_HIEN", Is("MA_NHOM", _GROUPS), "B" + _PERFORMED[1:]),
    RequiredWhen("XML3", "NGAY_TH_YL", Is("MA_NHOM", _GROUPS), _PERFORMED),
    NotBefore("XML3", "NGAY_TH_YL", "NGAY_YL", ">= NGAY_YL"),
    NotBefore("XML3", "NGAY_KQ", "NGAY_YL", ">= NGAY_YL"),
    Allowed("XML3", "VET_THUONG_TP", ("1",), _ONE),
    Allowed("XML3", "TAI_SU_DUNG", ("1",), _ONE),
    # XML4: a result value has its time.
    RequiredWhen("XML4", "NGAY_KQ", Present("GIA_TRI"), "Bắt buộc khi trường GIA_TRI có dữ liệu"),
    # XML6, HIV care
    *_same_as_summary("XML6", "NGAY_SINH GIOI_TINH DIA_CHI MATINH_CU_TRU MAHUYEN_CU_TRU "
                              "MAXA_CU_TRU MA_CSKCB"),
    # "… Còn lại …" with a capital for PHACDO_DTRI_LAO, as the sheet writes it
    *[RequiredWhen("XML6", name, Is("LOAI_DTRI_LAO", ("0",), negate=True), sheet)
      for name, sheet in (("PHACDO_DTRI_LAO", _TB.replace(" còn", " Còn")),
                          ("NGAYBD_DTRI_LAO", _TB), ("NGAYKT_DTRI_LAO", _TB))],
    *[RequiredWhen("XML6", name, Is("MA_TINH_TRANG_DK", ("1",)), _PCR)
      for name in ("LAN_XN_PCR", "NGAY_XN_PCR", "NGAY_KQ_XN_PCR", "MA_KQ_XN_PCR")],
    *[RequiredWhen("XML6", name, Is("MA_XU_TRI", ("1",)), _ARV)
      for name in ("NGAY_BAT_DAU_XU_TRI", "NGAY_KET_THUC_XU_TRI", "SO_NGAY_CAP_THUOC_ARV")],
    RequiredWhen("XML6", "MA_BAC_PHAC_DO", Is("MA_PHAC_DO_DIEU_TRI", ("KHAC",)),
                 "bắt buộc trong trường hợp MA_PHAC_DO_DIEU_TRI = KHAC"),
    AtMostDaysBetween("XML6", "SO_NGAY_CAP_THUOC_ARV", "NGAY_BAT_DAU_XU_TRI",
                      "NGAY_KET_THUC_XU_TRI", "nhỏ hơn hoặc bằng với ngày trong trường thông "
                      "tin NGAY_KET_THUC_XU_TRI trừ đi (-) ngày trong trường thông tin "
                      "NGAY_BAT_DAU_XU_TRI)"),
    # XML7, XML11: a terminated pregnancy says why and when; the leave's three together.
    *[RequiredWhen("XML7", name, Is("MA_DINH_CHI_THAI", ("1",)), _STOP)
      for name in ("NGUYENNHAN_DINHCHI", "THOIGIAN_DINHCHI", "TUOI_THAI")],
    AllOrNone("XML7", "SO_NGAY_NGHI", ("NGOAITRU_TUNGAY", "NGOAITRU_DENNGAY"),
              "Nếu 1 trường có dữ liệu thì bắt buộc nhập ca3 3 trường"),
    *[RequiredWhen("XML11", name, Is("MA_DINH_CHI_THAI", ("1",)), _STOP_11)
      for name in ("NGUYENNHAN_DINHCHI", "TUOI_THAI")],
    Pattern("XML11", "MA_BHXH", r"(?!0+$)\d+", "phải là số và không được toàn số 0",
            "must be digits, not all zeros", _NOT_DIGITS),
    Allowed("XML11", "MAU_SO", ("CT07",), "Bắt buộc là CT07 hoặc null; Nếu null tự insert DB "
            "là CT07"),
    # XML8 belongs to inpatient, day-ward and outpatient-record visits.
    OnlyForVisits("XML8", "MA_LK", "MA_LOAI_KCB", ("03", "04", "06"),
                  "Bảng 8 chỉ có khi MA_LOAI_KCB ở XML1 in ('03','04','06');"),
    # XML9, the birth certificate
    Pattern("XML9", "MA_BHXH_NND", r"(?!0+$)\d+", "phải là số và không được toàn số 0",
            "must be digits, not all zeros", _NOT_DIGITS),
    Allowed("XML9", "GIOI_TINH_CON", ("1", "2", "3"), "Như trường GIOI_TINH bảng 1"),
    # XML13–XML15 repeat XML1's facts: when they do, the same.
    *_same_as_summary("XML13", "MA_CSKCB MA_NOI_DI MA_NOI_DEN HO_TEN NGAY_SINH GIOI_TINH "
                               "MA_QUOCTICH MA_DANTOC MA_NGHE_NGHIEP DIA_CHI MA_THE_BHYT "
                               "GT_THE_DEN NGAY_VAO NGAY_VAO_NOI_TRU NGAY_RA CHAN_DOAN_RV "
                               "PP_DIEUTRI MA_BENH_CHINH MA_BENH_KT MA_BENH_YHCT PP_DIEU_TRI "
                               "MA_LOAI_RV"),
    *_same_as_summary("XML14", "NGAY_SINH GIOI_TINH DIA_CHI MA_THE_BHYT GT_THE_DEN NGAY_VAO "
                               "NGAY_VAO_NOI_TRU NGAY_RA CHAN_DOAN_RV MA_BENH_CHINH MA_BENH_KT "
                               "MA_BENH_YHCT MA_DOITUONG_KCB"),
    NotBefore("XML14", "NGAY_HEN_KL", "NGAY_RA", ">= NGAY_RA"),
    NotBefore("XML14", "NGAY_CT", "NGAY_VAO", ">= NGAY_VAO"),
    *_same_as_summary("XML15", "HO_TEN SO_CCCD MA_CSKCB"),
]  # fmt: skip

_BILLING = "payment (BHXH's assessment), not the health record: payment fields are not read"
_NO_LIST = "the code list is not in Hồ Sơ yet: only its size is checked"
# (table, field, the start of the sheet's cell, why it is not a rule here)
NOT_APPLIED: list[tuple[str, str, str, str]] = [
    ("XML0", "SO_CCCD", "Định dạng 9,12 ký tự số", "patient.py: 12 digits is the CCCD, "
     "11 an error (a lost leading zero), any other form a warning kept out of the identifier"),
    ("XML1", "SO_CCCD", "Định dạng 9,12 ký tự số", "as XML0's SO_CCCD"),
    ("XML0", "MA_DOITUONG_KCB", "Check Danh mục", _NO_LIST),
    ("XML3", "MA_KHOA", "Check Danh mục", _NO_LIST),
    ("XML6", "LAN_XN_PCR", "Check Danh mục", _NO_LIST),
    ("XML1", "MA_NOI_DEN", "Như MA_NOI_DI", "a facility code as MA_NOI_DI: its size is checked"),
    ("XML3", "MA_BENH_YHCT", "Như Bảng 1", "the same form as XML1's: its size is checked"),
    ("XML1", "NAM_NAM_LIEN_TUC", "Như trường NGAY_MIEN_CCT", _BILLING),
    ("XML1", "SO_NGAY_DTRI", "- Đối với Trường thông tin MA_LOAI_KCB", _BILLING),
    ("XML2", "TT_THAU", "Bắt buộc trừ mã nhóm 7,17", _BILLING),
    ("XML3", "TT_THAU", "Bắt buộc khi MA_NHOM = 10", _BILLING),
    ("XML3", "MA_XANG_DAU", "Bắt buộc khi MA_NHOM = 12", _BILLING + " (a paid transport's fuel)"),
    ("XML2", "T_BNTT", "Theo File công thức", _BILLING),
    ("XML2", "T_BNCCT", "Theo File công thức", _BILLING),
    ("XML3", "T_BNTT", "Theo File Công thức", _BILLING),
    ("XML12", "MA_BHXH", _NOT_DIGITS, "XML12 is entered on the BHXH gateway, never read here"),
    ("XML13", "TOMTAT_KQ", "Sửa thành Không bắt buộc", "applied in spec_papers.py"),
]  # fmt: skip

_BY_TABLE: dict[str, list[Rule]] = {}
for _rule in RULES:
    _BY_TABLE.setdefault(_rule.table, []).append(_rule)


def check_conditions(table: str, number: int, row: Row, summary: Row | None,
                     findings: Findings) -> None:  # fmt: skip
    """The sheet's conditional checks on one row; `summary` is the episode's XML1 row
    (None for a check-in, which has none)."""
    place = Place(table, number, findings)
    for rule in _BY_TABLE.get(table, ()):
        rule.check(place, row, summary)
