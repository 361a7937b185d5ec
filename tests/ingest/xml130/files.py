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
