"""Mandatory fields and maximum sizes of XML6–XML15 (without XML12), from the QĐ 4750
check sheets (`../shared/data/vn/xml130-qd4750-checks/`), like spec.py. A field the
sheet makes mandatory only under a condition (e.g. PCR dates when MA_TINH_TRANG_DK is
1) is not listed: spec_conditions.py checks it under its condition. XML13's TOMTAT_KQ is not
mandatory (4750 amendment noted on the sheet). XML6 MA_XU_TRI is 10 characters, a
`;` list: the 4750 amendment, where the check sheet still says 1."""

from __future__ import annotations


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# table -> (mandatory fields, maximum length in characters)
PAPER_TABLES: dict[str, tuple[frozenset[str], dict[str, int]]] = {
    "XML6": (
        _names("""
            MA_LK NOI_LAY_MAU_XN NOI_XN_KD NOI_BDDT_ARV MA_LYDO_DTRI LOAI_DTRI_LAO
            SANG_LOC_LAO KQ_DTRI_LAO MA_LOAI_BN GIAI_DOAN_LAM_SANG NHOM_DOI_TUONG
            MA_TINH_TRANG_DK MA_XU_TRI MA_PHAC_DO_DIEU_TRI NGAY_CHUYEN_PHAC_DO
            LY_DO_CHUYEN_PHAC_DO
        """),
        {
            "MA_LK": 100, "SO_CCCD": 15, "NGAY_SINH": 12, "GIOI_TINH": 1, "DIA_CHI": 1024,
            "MATINH_CU_TRU": 3, "MAHUYEN_CU_TRU": 3, "MAXA_CU_TRU": 5, "NGAYKD_HIV": 8,
            "NOI_LAY_MAU_XN": 5, "NOI_XN_KD": 5, "NOI_BDDT_ARV": 5, "BDDT_ARV": 8,
            "MA_PHAC_DO_DIEU_TRI_BD": 200, "MA_BAC_PHAC_DO_BD": 1, "MA_LYDO_DTRI": 1,
            "LOAI_DTRI_LAO": 1, "SANG_LOC_LAO": 1, "PHACDO_DTRI_LAO": 2, "NGAYBD_DTRI_LAO": 8,
            "NGAYKT_DTRI_LAO": 8, "KQ_DTRI_LAO": 1, "MA_LYDO_XNTL_VR": 1, "NGAY_XN_TLVR": 8,
            "KQ_XNTL_VR": 1, "NGAY_KQ_XN_TLVR": 8, "MA_LOAI_BN": 1, "GIAI_DOAN_LAM_SANG": 1,
            "NHOM_DOI_TUONG": 2, "MA_TINH_TRANG_DK": 18, "LAN_XN_PCR": 1, "NGAY_XN_PCR": 8,
            "NGAY_KQ_XN_PCR": 8, "MA_KQ_XN_PCR": 1, "NGAY_NHAN_TT_MANG_THAI": 8,
            "NGAY_BAT_DAU_DT_CTX": 8, "MA_XU_TRI": 10, "NGAY_BAT_DAU_XU_TRI": 8,
            "NGAY_KET_THUC_XU_TRI": 8, "MA_PHAC_DO_DIEU_TRI": 200, "MA_BAC_PHAC_DO": 1,
            "SO_NGAY_CAP_THUOC_ARV": 3, "NGAY_CHUYEN_PHAC_DO": 8, "LY_DO_CHUYEN_PHAC_DO": 1,
            "MA_CSKCB": 5
        },
    ),
    "XML7": (
        _names("""
            MA_LK SO_LUU_TRU MA_YTE MA_KHOA_RV NGAY_VAO NGAY_RA CHAN_DOAN_RV PP_DIEUTRI
            MA_TTDV MA_BS TEN_BS NGAY_CT
        """),
        {
            "MA_LK": 100, "SO_LUU_TRU": 200, "MA_YTE": 200, "MA_KHOA_RV": 200, "NGAY_VAO": 12,
            "NGAY_RA": 12, "MA_DINH_CHI_THAI": 1, "THOIGIAN_DINHCHI": 12, "TUOI_THAI": 2,
            "CHAN_DOAN_RV": 1500, "PP_DIEUTRI": 1500, "GHI_CHU": 1500, "MA_TTDV": 10, "MA_BS":
            200, "TEN_BS": 255, "NGAY_CT": 8, "MA_CHA": 10, "MA_ME": 10, "MA_THE_TAM": 15,
            "HO_TEN_CHA": 255, "HO_TEN_ME": 255, "SO_NGAY_NGHI": 2, "NGOAITRU_TUNGAY": 8,
            "NGOAITRU_DENNGAY": 8, "DU_PHONG": 4000
        },
    ),
    "XML8": (
        _names("""
            MA_LK MA_LOAI_KCB NGAY_VAO NGAY_RA CHAN_DOAN_VAO CHAN_DOAN_RV QT_BENHLY
            TOMTAT_KQ PP_DIEUTRI KET_QUA_DTRI MA_TTDV NGAY_CT
        """),
        {
            "MA_LK": 100, "MA_LOAI_KCB": 2, "HO_TEN_CHA": 255, "HO_TEN_ME": 255,
            "NGUOI_GIAM_HO": 255, "DON_VI": 1024, "NGAY_VAO": 12, "NGAY_RA": 12, "NGAY_SINHCON":
            8, "NGAY_CONCHET": 8, "SO_CONCHET": 2, "KET_QUA_DTRI": 1, "MA_TTDV": 10, "NGAY_CT":
            8, "MA_THE_TAM": 15
        },
    ),
    "XML9": (
        _names("""
            MA_LK HO_TEN_NND NGAYSINH_NND MA_DANTOC_NND SO_CCCD_NND NGAYCAP_CCCD_NND
            NOICAP_CCCD_NND NOI_CU_TRU_NND MA_QUOCTICH MATINH_CU_TRU MAHUYEN_CU_TRU
            MAXA_CU_TRU MA_THE_TAM GIOI_TINH_CON SO_CON LAN_SINH SO_CON_SONG CAN_NANG_CON
            NGAY_SINH_CON NOI_SINH_CON TINH_TRANG_CON SINHCON_PHAUTHUAT SINHCON_DUOI32TUAN
            GHI_CHU NGUOI_DO_DE NGUOI_GHI_PHIEU NGAY_CT SO QUYEN_SO MA_TTDV
        """),
        {
            "MA_LK": 100, "MA_BHXH_NND": 10, "MA_THE_NND": 15, "HO_TEN_NND": 255,
            "NGAYSINH_NND": 8, "MA_DANTOC_NND": 2, "SO_CCCD_NND": 15, "NGAYCAP_CCCD_NND": 8,
            "NOICAP_CCCD_NND": 1024, "NOI_CU_TRU_NND": 1024, "MA_QUOCTICH": 3, "MATINH_CU_TRU":
            3, "MAHUYEN_CU_TRU": 3, "MAXA_CU_TRU": 5, "HO_TEN_CHA": 255, "MA_THE_TAM": 15,
            "HO_TEN_CON": 255, "GIOI_TINH_CON": 1, "SO_CON": 2, "LAN_SINH": 2, "SO_CON_SONG": 2,
            "CAN_NANG_CON": 10, "NGAY_SINH_CON": 12, "NOI_SINH_CON": 1024, "SINHCON_PHAUTHUAT":
            1, "SINHCON_DUOI32TUAN": 1, "NGUOI_DO_DE": 255, "NGUOI_GHI_PHIEU": 255, "NGAY_CT":
            8, "SO": 200, "QUYEN_SO": 200, "MA_TTDV": 10, "DU_PHONG": 4000
        },
    ),
    "XML10": (
        _names("""
            MA_LK SO_SERI SO_CT SO_NGAY DON_VI CHAN_DOAN_RV TU_NGAY DEN_NGAY MA_TTDV TEN_BS
            MA_BS NGAY_CT
        """),
        {
            "MA_LK": 100, "SO_SERI": 200, "SO_CT": 200, "SO_NGAY": 3, "DON_VI": 1024, "TU_NGAY":
            8, "DEN_NGAY": 8, "MA_TTDV": 10, "TEN_BS": 255, "MA_BS": 200, "NGAY_CT": 8,
            "DU_PHONG": 4000
        },
    ),
    "XML11": (
        _names("""
            MA_LK SO_CT SO_SERI SO_KCB DON_VI MA_BHXH CHAN_DOAN_RV PP_DIEUTRI SO_NGAY_NGHI
            TU_NGAY DEN_NGAY MA_TTDV MA_BS NGAY_CT
        """),
        {
            "MA_LK": 100, "SO_CT": 200, "SO_SERI": 200, "SO_KCB": 200, "DON_VI": 1024,
            "MA_BHXH": 10, "MA_DINH_CHI_THAI": 1, "TUOI_THAI": 2, "SO_NGAY_NGHI": 3, "TU_NGAY":
            8, "DEN_NGAY": 8, "HO_TEN_CHA": 255, "HO_TEN_ME": 255, "MA_TTDV": 10, "MA_BS": 200,
            "NGAY_CT": 8, "MA_THE_TAM": 15, "MAU_SO": 5, "DU_PHONG": 4000
        },
    ),
    "XML13": (
        _names("""
            MA_LK SO_HOSO SO_CHUYENTUYEN GIAY_CHUYEN_TUYEN HO_TEN DAU_HIEU_LS QT_BENHLY
            TEN_DICH_VU MA_LYDO_CT HUONG_DIEU_TRI PHUONGTIEN_VC MA_BAC_SI MA_TTDV
        """),
        {
            "MA_LK": 250, "SO_HOSO": 100, "SO_CHUYENTUYEN": 100, "GIAY_CHUYEN_TUYEN": 100,
            "MA_CSKCB": 5, "MA_NOI_DI": 5, "MA_NOI_DEN": 5, "HO_TEN": 255, "NGAY_SINH": 12,
            "GIOI_TINH": 1, "MA_QUOCTICH": 3, "MA_DANTOC": 2, "MA_NGHE_NGHIEP": 5, "DIA_CHI":
            1024, "MA_THE_BHYT": 200, "GT_THE_DEN": 200, "NGAY_VAO": 12, "NGAY_VAO_NOI_TRU": 12,
            "NGAY_RA": 12, "DAU_HIEU_LS": 4000, "CHAN_DOAN_RV": 4000, "QT_BENHLY": 4000,
            "TOMTAT_KQ": 4000, "PP_DIEUTRI": 4000, "MA_BENH_CHINH": 50, "MA_BENH_KT": 200,
            "MA_BENH_YHCT": 255, "TEN_DICH_VU": 1024, "TEN_THUOC": 1024, "PP_DIEU_TRI": 4000,
            "MA_LOAI_RV": 1, "MA_LYDO_CT": 1, "HUONG_DIEU_TRI": 4000, "PHUONGTIEN_VC": 255,
            "HOTEN_NGUOI_HT": 255, "CHUCDANH_NGUOI_HT": 255, "MA_BAC_SI": 255, "MA_TTDV": 10,
            "DU_PHONG": 4000
        },
    ),
    "XML14": (
        _names("""
            MA_LK SO_GIAYHEN_KL MA_CSKCB HO_TEN NGAY_HEN_KL MA_BAC_SI MA_TTDV NGAY_CT
        """),
        {
            "MA_LK": 200, "SO_GIAYHEN_KL": 100, "MA_CSKCB": 5, "HO_TEN": 255, "NGAY_SINH": 12,
            "GIOI_TINH": 1, "DIA_CHI": 1024, "MA_THE_BHYT": 200, "GT_THE_DEN": 200, "NGAY_VAO":
            12, "NGAY_VAO_NOI_TRU": 12, "NGAY_RA": 12, "NGAY_HEN_KL": 12, "CHAN_DOAN_RV": 4000,
            "MA_BENH_CHINH": 50, "MA_BENH_KT": 200, "MA_BENH_YHCT": 255, "MA_DOITUONG_KCB": 10,
            "MA_BAC_SI": 255, "MA_TTDV": 10, "NGAY_CT": 8
        },
    ),
    "XML15": (
        _names("""
            MA_LK MA_BN PHANLOAI_LAO_VITRI PHANLOAI_LAO_TS PHANLOAI_LAO_HIV PHANLOAI_LAO_VK
            PHANLOAI_LAO_KT LOAI_DTRI_LAO NGAYBD_DTRI_LAO PHACDO_DTRI_LAO KET_QUA_DTRI_LAO
            BDDT_ARV NGAY_BAT_DAU_DT_CTX
        """),
        {
            "MA_LK": 200, "STT": 10, "MA_BN": 200, "HO_TEN": 255, "SO_CCCD": 15,
            "PHANLOAI_LAO_VITRI": 1, "PHANLOAI_LAO_TS": 1, "PHANLOAI_LAO_HIV": 1,
            "PHANLOAI_LAO_VK": 1, "PHANLOAI_LAO_KT": 1, "LOAI_DTRI_LAO": 1, "NGAYBD_DTRI_LAO":
            8, "PHACDO_DTRI_LAO": 2, "NGAYKT_DTRI_LAO": 8, "KET_QUA_DTRI_LAO": 1, "MA_CSKCB": 5,
            "NGAYKD_HIV": 8, "BDDT_ARV": 8, "NGAY_BAT_DAU_DT_CTX": 8, "DU_PHONG": 40000
        },
    ),
}  # fmt: skip
