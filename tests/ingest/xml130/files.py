"""Builds GIAMDINHHS files from Python dicts, so that tests read as the data they send."""

from __future__ import annotations

import base64
from typing import Any
from xml.sax.saxutils import escape

ROOTS = {
    "XML1": ("TONG_HOP", None, None),
    "XML2": ("CHITIEU_CHITIET_THUOC", "DSACH_CHI_TIET_THUOC", "CHI_TIET_THUOC"),
    "XML3": ("CHITIEU_CHITIET_DVKT_VTYT", "DSACH_CHI_TIET_DVKT", "CHI_TIET_DVKT"),
    "XML4": ("CHITIEU_CHITIET_DICHVUCANLAMSANG", "DSACH_CHI_TIET_CLS", "CHI_TIET_CLS"),
    "XML5": ("CHITIEU_CHITIET_DIENBIENLAMSANG", "DSACH_CHI_TIET_DIEN_BIEN_BENH",
             "CHI_TIET_DIEN_BIEN_BENH"),
    # XML6–XML15: root elements from DOMAIN-VN §3 (4750 annex, CV 1245); the reader
    # takes any element whose children are leaves as a row, so the list names matter less.
    "XML6": ("CHI_TIEU_HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS", None, None),
    "XML7": ("CHI_TIEU_DU_LIEU_GIAY_RA_VIEN", None, None),
    "XML8": ("CHI_TIEU_DU_LIEU_TOM_TAT_HO_SO_BENH_AN", None, None),
    "XML9": ("CHI_TIEU_DU_LIEU_GIAY_CHUNG_SINH", "DSACH_GIAYCHUNGSINH",
             "DU_LIEU_GIAY_CHUNG_SINH"),
    "XML10": ("CHI_TIEU_DU_LIEU_GIAY_NGHI_DUONG_THAI", None, None),
    "XML11": ("CHI_TIEU_DU_LIEU_GIAY_CHUNG_NHAN_NGHI_VIEC_HUONG_BAO_HIEM_XA_HOI", None, None),
    "XML12": ("CHI_TIEU_DU_LIEU_GIAM_DINH_Y_KHOA", None, None),
    "XML13": ("CHI_TIEU_GIAYCHUYENTUYEN", None, None),
    "XML14": ("CHI_TIEU_GIAYHEN_KHAMLAI", None, None),
    "XML15": ("CHI_TIEU_DIEUTRI_BENHLAO", "DSACH_CHITIET_DIEUTRI_BENHLAO",
              "CHITIET_DIEUTRI_BENHLAO"),
}  # fmt: skip


def _fields(row: dict[str, Any]) -> str:
    return "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in row.items())


def table(name: str, rows: list[dict[str, Any]]) -> bytes:
    root, listing, item = ROOTS[name]
    if listing is None:
        body = _fields(rows[0])
    else:
        body = f"<{listing}>" + "".join(f"<{item}>{_fields(r)}</{item}>" for r in rows)
        body += f"</{listing}>"
    return f'<?xml version="1.0" encoding="utf-8"?><{root}>{body}</{root}>'.encode()


def hoso(tables: dict[str, list[dict[str, Any]] | bytes | str]) -> str:
    """One HOSO; a table given as bytes is sent as is (base64), as str raw NOIDUNGFILE."""
    files = []
    for name, rows in tables.items():
        if isinstance(rows, str):
            payload = rows
        else:
            raw = rows if isinstance(rows, bytes) else table(name, rows)
            payload = base64.b64encode(raw).decode()
        files.append(f"<FILEHOSO><LOAIHOSO>{name}</LOAIHOSO>"
                     f"<NOIDUNGFILE>{payload}</NOIDUNGFILE></FILEHOSO>")  # fmt: skip
    return "<HOSO>" + "".join(files) + "</HOSO>"


def giamdinhhs(*records: str, facility: str | None = "79001") -> bytes:
    unit = f"<MACSKCB>{facility}</MACSKCB>" if facility else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<GIAMDINHHS xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<THONGTINDONVI>{unit}</THONGTINDONVI>"
        f"<THONGTINHOSO><NGAYLAP>20250310</NGAYLAP><SOLUONGHOSO>{len(records)}</SOLUONGHOSO>"
        f"<DANHSACHHOSO>{''.join(records)}</DANHSACHHOSO></THONGTINHOSO>"
        "<CHUKYDONVI/></GIAMDINHHS>"
    ).encode()


def summary(**changes: Any) -> dict[str, Any]:
    """An outpatient XML1 row; a change to None removes the field."""
    row = {
        "MA_LK": "LK0001", "STT": "1", "MA_BN": "BN000123", "HO_TEN": "Nguyễn Thị Thu Hà",
        "SO_CCCD": "079190001234", "NGAY_SINH": "199003150000", "GIOI_TINH": "2",
        "MA_QUOCTICH": "704", "MA_DANTOC": "01", "MA_NGHE_NGHIEP": "00000",
        "DIA_CHI": "12 Lê Lợi, Phường Sài Gòn, TP.HCM", "MATINH_CU_TRU": "79",
        "MAXA_CU_TRU": "26740", "DIEN_THOAI": "0909123456",
        "MA_THE_BHYT": "DN4797912345678", "MA_DKBD": "79001", "GT_THE_TU": "20250101",
        "GT_THE_DEN": "20251231", "LY_DO_VV": "Đau đầu, chóng mặt",
        "CHAN_DOAN_VAO": "Tăng huyết áp", "CHAN_DOAN_RV": "Tăng huyết áp vô căn",
        "MA_BENH_CHINH": "I10", "MA_BENH_KT": "E119;E785", "MA_DOITUONG_KCB": "1.1",
        "NGAY_VAO": "202503100805", "NGAY_RA": "202503101130", "SO_NGAY_DTRI": "1",
        "KET_QUA_DTRI": "2", "MA_LOAI_RV": "1", "MA_LOAI_KCB": "01", "MA_KHOA": "K01",
        "MA_CSKCB": "79001", "CAN_NANG": "55", "MA_HSBA": "HS1",
    }  # fmt: skip
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


def drug(stt: int, **changes: Any) -> dict[str, Any]:
    row = {
        "MA_LK": "LK0001", "STT": str(stt), "MA_THUOC": f"40.{stt}", "TEN_THUOC": "Amlodipin",
        "HAM_LUONG": "5mg", "DUONG_DUNG": "1.01", "LIEU_DUNG": "1 viên/lần, 1 lần/ngày",
        "CACH_DUNG": "Uống sau ăn sáng", "SO_DANG_KY": "VD-12345-10", "SO_LUONG": "30.000",
        "DON_VI_TINH": "Viên", "MA_BAC_SI": "BS001", "NGAY_YL": "202503100900",
    }  # fmt: skip
    row.update(changes)
    return row


def service(stt: int, **changes: Any) -> dict[str, Any]:
    row = {
        "MA_LK": "LK0001", "STT": str(stt), "MA_DICH_VU": "02.1896", "MA_NHOM": "3",
        "TEN_DICH_VU": "Điện tim thường", "MA_PTTT_QT": "89.52", "SO_LUONG": "1.000",
        "MA_BAC_SI": "BS001", "NGAY_YL": "202503100830", "NGAY_TH_YL": "202503100840",
    }  # fmt: skip
    row.update(changes)
    return row


def lab(stt: int, **changes: Any) -> dict[str, Any]:
    row = {
        "MA_LK": "LK0001", "STT": str(stt), "MA_DICH_VU": "23.0075", "MA_CHI_SO": "GLU",
        "TEN_CHI_SO": "Glucose", "GIA_TRI": "6.10", "DON_VI_DO": "mmol/L",
        "KET_LUAN": "Tăng nhẹ", "NGAY_KQ": "202503100950",
    }  # fmt: skip
    row.update(changes)
    return row


def course(stt: int, **changes: Any) -> dict[str, Any]:
    row = {
        "MA_LK": "LK0001", "STT": str(stt),
        "DIEN_BIEN_LS": "Tỉnh, tiếp xúc tốt. CSST<M75_T37_HA120/70_NT18_HL2>",
        "THOI_DIEM_DBLS": "202503100810", "NGUOI_THUC_HIEN": "BS001",
    }  # fmt: skip
    row.update(changes)
    return row


def outpatient() -> dict[str, list[dict[str, Any]]]:
    """A full outpatient episode: XML1, 3 drugs, 3 services, 3 labs, 1 course row."""
    return {
        "XML1": [summary()],
        "XML2": [drug(1), drug(2, TEN_THUOC="Metformin", HAM_LUONG="850mg", SO_LUONG="60.500"),
                 drug(3, TEN_THUOC="Atorvastatin", HAM_LUONG="20mg")],
        "XML3": [service(1), service(2, MA_DICH_VU="13.0001", MA_NHOM="13", MA_PTTT_QT=None,
                                     TEN_DICH_VU="Khám Nội"),
                 service(3, MA_DICH_VU="18.0001", MA_NHOM="2", MA_PTTT_QT="88.76",
                         TEN_DICH_VU="Siêu âm ổ bụng")],
        "XML4": [lab(1), lab(2, MA_CHI_SO="HBA1C", TEN_CHI_SO="HbA1c", GIA_TRI="7.2",
                             DON_VI_DO="%", MA_DICH_VU="23.0083"),
                 lab(3, MA_CHI_SO="HBSAG", TEN_CHI_SO="HBsAg", GIA_TRI="Âm tính",
                     DON_VI_DO=None, KET_LUAN=None, MA_DICH_VU="24.0117")],
        "XML5": [course(1)],
    }  # fmt: skip


def clean(tables: dict[str, Any]) -> dict[str, Any]:
    """Drop fields set to None in detail rows (summary() already drops its own); a
    table given as raw bytes or str passes unchanged."""
    return {n: [{k: v for k, v in r.items() if v is not None} for r in rows]
            if isinstance(rows, list) else rows for n, rows in tables.items()}  # fmt: skip


def _row(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    base.update(changes)
    return base


def hiv(**changes: Any) -> dict[str, Any]:
    return _row({
        "MA_LK": "LK0001", "MA_THE_BHYT": "DN4797912345678", "NGAYKD_HIV": "20200115",
        "NOI_LAY_MAU_XN": "79001", "NOI_XN_KD": "79002", "NOI_BDDT_ARV": "79001",
        "BDDT_ARV": "20200201", "MA_PHAC_DO_DIEU_TRI_BD": "1a", "MA_LYDO_DTRI": "1",
        "LOAI_DTRI_LAO": "0", "SANG_LOC_LAO": "2", "KQ_DTRI_LAO": "7", "MA_LYDO_XNTL_VR": "1",
        "NGAY_XN_TLVR": "20250301", "KQ_XNTL_VR": "1", "NGAY_KQ_XN_TLVR": "20250305",
        "MA_LOAI_BN": "1", "GIAI_DOAN_LAM_SANG": "1", "NHOM_DOI_TUONG": "11",
        "MA_TINH_TRANG_DK": "9", "MA_XU_TRI": "1;4", "NGAY_BAT_DAU_XU_TRI": "20250310",
        "NGAY_KET_THUC_XU_TRI": "20250609", "MA_PHAC_DO_DIEU_TRI": "1c",
        "SO_NGAY_CAP_THUOC_ARV": "090", "MA_CSKCB": "79001",
    }, changes)  # fmt: skip


def discharge(**changes: Any) -> dict[str, Any]:
    return _row({
        "MA_LK": "LK0001", "SO_LUU_TRU": "LT-2025/17", "MA_YTE": "BN000123", "MA_KHOA_RV": "K01",
        "NGAY_VAO": "202503100805", "NGAY_RA": "202503101130", "MA_DINH_CHI_THAI": "0",
        "CHAN_DOAN_RV": "Tăng huyết áp <độ 2> & đái tháo đường", "PP_DIEUTRI": "Nội khoa",
        "MA_TTDV": "7912345678", "MA_BS": "7900000001", "TEN_BS": "Trần Văn Bình",
        "NGAY_CT": "20250310",
    }, changes)  # fmt: skip


def record_summary(**changes: Any) -> dict[str, Any]:
    return _row({
        "MA_LK": "LK0001", "MA_LOAI_KCB": "03", "NGAY_VAO": "202503100805",
        "NGAY_RA": "202503101130", "CHAN_DOAN_VAO": "Tăng huyết áp",
        "CHAN_DOAN_RV": "Tăng huyết áp vô căn", "QT_BENHLY": "Đau đầu 3 ngày",
        "TOMTAT_KQ": "Glucose 6.1 mmol/L", "PP_DIEUTRI": "Nội khoa", "KET_QUA_DTRI": "2",
        "MA_TTDV": "7912345678", "NGAY_CT": "20250310",
    }, changes)  # fmt: skip


def birth(**changes: Any) -> dict[str, Any]:
    return _row({
        "MA_LK": "LK0001", "HO_TEN_NND": "Nguyễn Thị Thu Hà", "NGAYSINH_NND": "19900315",
        "MA_DANTOC_NND": "01", "SO_CCCD_NND": "079190001234", "NGAYCAP_CCCD_NND": "20210610",
        "NOICAP_CCCD_NND": "Cục Cảnh sát QLHC về TTXH", "NOI_CU_TRU_NND": "12 Lê Lợi",
        "MA_QUOCTICH": "704", "MATINH_CU_TRU": "79", "MAXA_CU_TRU": "26740",
        "MA_THE_TAM": "TE1797900000001", "GIOI_TINH_CON": "1", "SO_CON": "1", "LAN_SINH": "1",
        "SO_CON_SONG": "1", "CAN_NANG_CON": "3200", "NGAY_SINH_CON": "202503100930",
        "NOI_SINH_CON": "Bệnh viện 79001", "TINH_TRANG_CON": "Khỏe mạnh",
        "SINHCON_PHAUTHUAT": "0", "SINHCON_DUOI32TUAN": "0", "GHI_CHU": "Không",
        "NGUOI_DO_DE": "Lê Thị Cúc", "NGUOI_GHI_PHIEU": "Phạm Thị Dung", "NGAY_CT": "20250310",
        "SO": "15", "QUYEN_SO": "02", "MA_TTDV": "7912345678",
    }, changes)  # fmt: skip


def pregnancy_rest(**changes: Any) -> dict[str, Any]:
    return _row({
        "MA_LK": "LK0001", "SO_SERI": "S-001", "SO_CT": "CT-9", "SO_NGAY": "14",
        "DON_VI": "Công ty A", "CHAN_DOAN_RV": "Thai 20 tuần, dọa sẩy", "TU_NGAY": "20250311",
        "DEN_NGAY": "20250324", "MA_TTDV": "7912345678", "TEN_BS": "Trần Văn Bình",
        "MA_BS": "7900000001", "NGAY_CT": "20250310",
    }, changes)  # fmt: skip


def sick_leave(**changes: Any) -> dict[str, Any]:
    return _row({
        "MA_LK": "LK0001", "SO_CT": "CT-10", "SO_SERI": "S-002", "SO_KCB": "KCB-1",
        "DON_VI": "Công ty A", "MA_BHXH": "7912340000", "CHAN_DOAN_RV": "Tăng huyết áp",
        "PP_DIEUTRI": "Nội khoa", "MA_DINH_CHI_THAI": "0", "SO_NGAY_NGHI": "3",
        "TU_NGAY": "20250310", "DEN_NGAY": "20250312", "MA_TTDV": "7912345678",
        "MA_BS": "7900000001", "NGAY_CT": "20250310", "MAU_SO": "CT07",
    }, changes)  # fmt: skip


def referral(**changes: Any) -> dict[str, Any]:
    return _row({
        "MA_LK": "LK0001", "SO_HOSO": "HS-77", "SO_CHUYENTUYEN": "CT-12",
        "GIAY_CHUYEN_TUYEN": "GCT-0042", "MA_CSKCB": "79001", "MA_NOI_DI": "79001",
        "MA_NOI_DEN": "79010", "HO_TEN": "Nguyễn Thị Thu Hà", "NGAY_RA": "202503101130",
        "DAU_HIEU_LS": "Huyết áp 180/100", "CHAN_DOAN_RV": "Tăng huyết áp vô căn",
        "QT_BENHLY": "Không đáp ứng điều trị", "TOMTAT_KQ": "ECG dày thất trái",
        "MA_BENH_CHINH": "I10", "MA_BENH_KT": "E119", "TEN_DICH_VU": "Điện tim thường",
        "TEN_THUOC": "Amlodipin", "MA_LOAI_RV": "2", "MA_LYDO_CT": "2",
        "HUONG_DIEU_TRI": "Điều chỉnh thuốc hạ áp", "PHUONGTIEN_VC": "Xe cấp cứu",
        "MA_BAC_SI": "BS001", "MA_TTDV": "7912345678",
    }, changes)  # fmt: skip


def appointment(**changes: Any) -> dict[str, Any]:
    return _row({
        "MA_LK": "LK0001", "SO_GIAYHEN_KL": "HKL-0099", "MA_CSKCB": "79001",
        "HO_TEN": "Nguyễn Thị Thu Hà", "NGAY_RA": "202503101130", "NGAY_HEN_KL": "202504100800",
        "CHAN_DOAN_RV": "Tăng huyết áp vô căn", "MA_BENH_CHINH": "I10", "MA_BENH_KT": "E119",
        "MA_BAC_SI": "BS001", "MA_TTDV": "7912345678", "NGAY_CT": "20250310",
    }, changes)  # fmt: skip


def tb(**changes: Any) -> dict[str, Any]:
    return _row({
        "MA_LK": "LK0001", "STT": "1", "MA_BN": "BN000123", "PHANLOAI_LAO_VITRI": "1",
        "PHANLOAI_LAO_TS": "1", "PHANLOAI_LAO_HIV": "1", "PHANLOAI_LAO_VK": "1",
        "PHANLOAI_LAO_KT": "1", "LOAI_DTRI_LAO": "2", "NGAYBD_DTRI_LAO": "20250310",
        "PHACDO_DTRI_LAO": "1", "KET_QUA_DTRI_LAO": "1", "MA_CSKCB": "79001",
        "NGAYKD_HIV": "20200115", "BDDT_ARV": "20200201", "NGAY_BAT_DAU_DT_CTX": "20200201",
    }, changes)  # fmt: skip


def every_table() -> dict[str, list[dict[str, Any]]]:
    """The outpatient episode with one row of each of XML6–XML15 (no XML12)."""
    return {**outpatient(), "XML6": [hiv()], "XML7": [discharge()], "XML8": [record_summary()],
            "XML9": [birth()], "XML10": [pregnancy_rest()], "XML11": [sick_leave()],
            "XML13": [referral()], "XML14": [appointment()], "XML15": [tb()]}  # fmt: skip
