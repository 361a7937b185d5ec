"""Synthetic XML 130 / 4750 files: a large hospital's outpatient day, for the
interconnection benchmarks (`bench.xml130_day`, `bench.gateway_senders`).

    python -m bench.xml130_files --visits 10000 [--day 2026-12-06] [--facility 79100]

One GIAMDINHHS file per visit (what a HIS sends at the end of each visit), each with
XML1, 8–12 drug rows (XML2), 8–12 service rows (XML3: the exam fee, the two lab
services, two or three diagnostics, sometimes a procedure, supplies), five lab results
(XML4: glucose and a lipid panel) and one clinical-course row with vital signs (XML5).
Written once under var/bench/ and reused.

Everyone is invented: the people are `bench.population`'s (names, birth dates and CCCDs
that agree with birth year, sex and province), their wards the 2025 HCMC wards of
`hoso.synth.places`. Diagnoses (QĐ 4469 ICD-10) and technical services (QĐ 4440, with
their ICD-9-CM code) are looked up by code in `../shared/data/vn/`; drug and lab codes
are the few below. A file depends only on the seed, the day and the visit's number.
"""

from __future__ import annotations

import argparse
import base64
import csv
import json
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from bench.population import Person, person
from hoso.core.clock import VN_TZ
from hoso.synth.places import all_wards

__all__ = [
    "DATA",
    "FACILITY",
    "Codes",
    "DayFiles",
    "day_files",
    "day_window",
    "episode_xml",
    "giamdinhhs",
    "load_codes",
    "today",
]

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "vn"
VAR = ROOT / "var" / "bench"
SEED = 16
FACILITY = "79100"

# Outpatient diagnoses (QĐ 4469 codes, none sex-specific or barred as main diagnosis).
DIAGNOSES = ("I10", "E11.9", "E78.5", "K29.7", "J06.9", "J02.9", "J20.9", "M17.9", "K21.9",
             "N39.0", "M54.5", "E03.9", "J30.4", "L20.9", "I25.9", "A09.0", "K59.0", "E78.0",
             "I20.9", "J45.9", "M79.1", "K30", "G44.2", "E66.9", "F41.9")  # fmt: skip
# Diagnostics and procedures of an outpatient clinic (QĐ 4440 codes "mã tương đương").
DIAGNOSTICS = ("02.0085.1778", "02.0314.0001", "18.0001.0001", "02.0024.1791",
               "14.0255.0755", "20.0013.0933", "18.0054.0001", "03.0138.1777")  # fmt: skip
PROCEDURES = ("03.0089.0898", "03.1061.0134")
# (MA_DICH_VU, MA_CHI_SO, TEN_CHI_SO, unit, typical value, spread)
LABS = (
    ("23.0075", "GLU", "Glucose", "mmol/L", 5.6, 1.2),
    ("23.0041", "CHOL", "Cholesterol toàn phần", "mmol/L", 5.0, 0.9),
    ("23.0041", "TG", "Triglycerid", "mmol/L", 1.8, 0.7),
    ("23.0041", "HDL", "HDL-C", "mmol/L", 1.2, 0.3),
    ("23.0041", "LDL", "LDL-C", "mmol/L", 3.1, 0.8),
)
LAB_SERVICES = {"23.0075": "Định lượng Glucose [Máu]",
                "23.0041": "Định lượng Cholesterol, Triglycerid, HDL-C, LDL-C [Máu]"}  # fmt: skip
# (MA_THUOC, TEN_THUOC, HAM_LUONG, SO_DANG_KY, DON_VI_TINH, LIEU_DUNG)
DRUGS = (
    ("40.357", "Amlodipin", "5mg", "VD-24571-16", "Viên", "1 viên/lần, 1 lần/ngày"),
    ("40.432", "Losartan", "50mg", "VD-27812-17", "Viên", "1 viên/lần, 1 lần/ngày"),
    ("40.686", "Metformin", "850mg", "VD-25933-16", "Viên", "1 viên/lần, 2 lần/ngày"),
    ("40.702", "Gliclazid", "30mg", "VD-30011-18", "Viên", "1 viên/lần, 1 lần/ngày"),
    ("40.548", "Atorvastatin", "20mg", "VD-28460-17", "Viên", "1 viên/lần, 1 lần/ngày"),
    ("40.677", "Omeprazol", "20mg", "VD-26311-17", "Viên", "1 viên/lần, 2 lần/ngày"),
    ("40.45", "Paracetamol", "500mg", "VD-21542-14", "Viên", "1 viên/lần, 3 lần/ngày"),
    ("40.159", "Amoxicilin", "500mg", "VD-23377-15", "Viên", "1 viên/lần, 3 lần/ngày"),
    ("40.232", "Cefuroxim", "500mg", "VD-29001-18", "Viên", "1 viên/lần, 2 lần/ngày"),
    ("40.992", "Loratadin", "10mg", "VD-22610-15", "Viên", "1 viên/lần, 1 lần/ngày"),
    ("40.52", "Meloxicam", "7,5mg", "VD-24877-16", "Viên", "1 viên/lần, 1 lần/ngày"),
    ("40.1019", "Salbutamol", "100mcg/liều", "VN-20512-17", "Bình", "2 nhát/lần khi khó thở"),
    ("40.730", "Levothyroxin", "100mcg", "VN-21322-18", "Viên", "1 viên/lần, 1 lần/ngày"),
    ("40.69", "Vitamin B1 + B6 + B12", "100mg+200mg+200mcg", "VD-25110-16", "Viên",
     "1 viên/lần, 2 lần/ngày"),
    ("40.1033", "Acetylcystein", "200mg", "VD-27441-17", "Gói", "1 gói/lần, 3 lần/ngày"),
    ("40.590", "Bisoprolol", "2,5mg", "VD-31201-18", "Viên", "1 viên/lần, 1 lần/ngày"),
)  # fmt: skip
SUPPLIES = (("N03.02.070", "Bơm tiêm nhựa 5ml"), ("N03.05.010", "Kim lấy máu chân không"),
            ("N04.01.020", "Găng tay khám"), ("N02.01.010", "Bông y tế"))  # fmt: skip
EXAM_FEE = ("02.1896", "Khám Nội")
BHYT_GROUPS = ("DN4", "GD4", "HT3", "HC4", "CN3", "SV4")


@dataclass(frozen=True)
class Codes:
    """Names of the chosen codes, read from the Ministry's lists."""

    icd10: dict[str, str]  # "E11.9" → Vietnamese name
    services: dict[str, tuple[str, str]]  # "02.0085.1778" → (name, ICD-9-CM)


def load_codes(data: Path | None = None) -> Codes:
    """The names of `DIAGNOSES` and `DIAGNOSTICS + PROCEDURES` in QĐ 4469 and QĐ 4440
    (`data`: the folder holding both lists, default `DATA`)."""
    data = data or DATA
    icd10_csv = data / "icd10-qd4469" / "icd10.csv"
    icd9_csv = data / "icd9cm-qd4440" / "dmicd9.csv"
    if not (icd10_csv.is_file() and icd9_csv.is_file()):
        raise SystemExit(f"the code lists are not in {data} (../shared/data/vn)")
    with icd10_csv.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))[3:]  # two title lines, then the header
    icd10 = {r[16]: r[19] for r in rows if len(r) > 19 and r[16] in DIAGNOSES}
    with icd9_csv.open(encoding="utf-8") as f:
        wanted = set(DIAGNOSTICS + PROCEDURES)
        services = {r["matuongduong"]: (r["tenchuyenkhoa21"], r["maicd9"])
                    for r in csv.DictReader(f) if r["matuongduong"] in wanted}  # fmt: skip
    missing = (set(DIAGNOSES) - set(icd10)) | (wanted - set(services))
    if missing:
        raise SystemExit(f"codes not in the lists: {sorted(missing)}")
    return Codes(icd10, services)


# -- one episode -------------------------------------------------------------------------


def _at(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M")


def _fields(row: dict[str, Any]) -> str:
    return "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in row.items() if v is not None)


def _table(root: str, listing: str | None, item: str | None, rows: list[dict[str, Any]]) -> str:
    if listing is None:
        body = _fields(rows[0])
    else:
        body = f"<{listing}>" + "".join(f"<{item}>{_fields(r)}</{item}>" for r in rows)
        body += f"</{listing}>"
    xml = f'<?xml version="1.0" encoding="utf-8"?><{root}>{body}</{root}>'
    return base64.b64encode(xml.encode()).decode()


def _bhyt(p: Person, rng: random.Random) -> str | None:
    age = 2025 - p.birth_date.year
    if rng.random() > 0.92 and age >= 6:
        return None  # about 8 % pay themselves
    group = "TE1" if age < 6 else "HS4" if age < 18 else rng.choice(BHYT_GROUPS)
    return f"{group}79{(p.index * 7_654_321 + 12_345) % 10**10:010d}"


def _summary(ctx: _Visit, codes: Codes) -> dict[str, Any]:
    p, rng = ctx.person, ctx.rng
    ward = ctx.ward
    main, extra = ctx.diagnoses[0], ctx.diagnoses[1:]
    card = _bhyt(p, rng)
    return {
        "MA_LK": ctx.ma_lk, "STT": "1", "MA_BN": f"BN{p.index:08d}", "HO_TEN": p.full_name,
        "SO_CCCD": p.cccd, "NGAY_SINH": p.birth_date.strftime("%Y%m%d") + "0000",
        "GIOI_TINH": "1" if p.gender == "male" else "2", "MA_QUOCTICH": "704",
        "MA_DANTOC": "01", "MA_NGHE_NGHIEP": "00000",
        "DIA_CHI": f"{p.line}, {ward.name}, Thành phố Hồ Chí Minh", "MATINH_CU_TRU": "79",
        "MAXA_CU_TRU": f"{ward.code:05d}", "DIEN_THOAI": p.phone,
        "MA_THE_BHYT": card, "MA_DKBD": ctx.facility if card else None,
        "GT_THE_TU": f"{ctx.start.year}0101" if card else None,
        "GT_THE_DEN": f"{ctx.start.year}1231" if card else None,
        "LY_DO_VV": "Khám bệnh", "CHAN_DOAN_VAO": codes.icd10[main],
        "CHAN_DOAN_RV": "; ".join(codes.icd10[c] for c in ctx.diagnoses),
        "MA_BENH_CHINH": main.replace(".", ""),
        "MA_BENH_KT": ";".join(c.replace(".", "") for c in extra) or None,
        "MA_DOITUONG_KCB": "1.1" if card else "3", "NGAY_VAO": _at(ctx.start),
        "NGAY_RA": _at(ctx.end), "SO_NGAY_DTRI": "1", "KET_QUA_DTRI": "2", "MA_LOAI_RV": "1",
        "MA_LOAI_KCB": "01", "MA_KHOA": "K01", "MA_CSKCB": ctx.facility,
        "CAN_NANG": f"{rng.uniform(45, 80):.1f}", "MA_HSBA": f"HS{ctx.ma_lk}",
        "T_TONGCHI_BV": str(rng.randrange(150, 900) * 1000),
    }  # fmt: skip


def _drugs(ctx: _Visit) -> list[dict[str, Any]]:
    rows = []
    for stt, d in enumerate(ctx.rng.sample(DRUGS, ctx.rng.randint(8, 12)), 1):
        rows.append({
            "MA_LK": ctx.ma_lk, "STT": str(stt), "MA_THUOC": d[0], "TEN_THUOC": d[1],
            "HAM_LUONG": d[2], "DUONG_DUNG": "1.01", "LIEU_DUNG": d[5],
            "CACH_DUNG": "Uống sau ăn", "SO_DANG_KY": d[3],
            "SO_LUONG": f"{ctx.rng.choice((10, 14, 20, 28, 30, 60))}.000",
            "DON_VI_TINH": d[4], "MA_KHOA": "K01", "MA_BAC_SI": ctx.doctor,
            "NGAY_YL": _at(ctx.end - timedelta(minutes=10)),
            "DON_GIA": str(ctx.rng.randrange(5, 60) * 100),
        })  # fmt: skip
    return rows


def _service(ctx: _Visit, code: str, name: str, group: str, icd9: str | None,
             minutes: int) -> dict[str, Any]:  # fmt: skip
    return {
        "MA_LK": ctx.ma_lk, "MA_DICH_VU": code, "MA_NHOM": group, "TEN_DICH_VU": name,
        "MA_PTTT_QT": icd9, "DON_VI_TINH": "Lần", "SO_LUONG": "1.000", "MA_KHOA": "K01",
        "MA_BAC_SI": ctx.doctor, "NGUOI_THUC_HIEN": ctx.doctor,
        "MA_BENH": ctx.diagnoses[0].replace(".", ""),
        "NGAY_YL": _at(ctx.start + timedelta(minutes=minutes)),
        "NGAY_TH_YL": _at(ctx.start + timedelta(minutes=minutes + 10)),
    }  # fmt: skip


def _services(ctx: _Visit, codes: Codes) -> list[dict[str, Any]]:
    rng = ctx.rng
    rows = [_service(ctx, *EXAM_FEE, "13", None, 5)]
    rows += [_service(ctx, code, name, "1", None, 15) for code, name in LAB_SERVICES.items()]
    picked = rng.sample(DIAGNOSTICS, rng.randint(2, 3))
    if rng.random() < 0.3:
        picked.append(rng.choice(PROCEDURES))
    for code in picked:
        name, icd9 = codes.services[code]
        rows.append(_service(ctx, code, name, "2" if code in DIAGNOSTICS else "8", icd9, 30))
    for code, name in rng.sample(SUPPLIES, rng.randint(2, 4)):
        rows.append({"MA_LK": ctx.ma_lk, "MA_VAT_TU": code, "MA_NHOM": "10",
                     "TEN_VAT_TU": name, "DON_VI_TINH": "Cái", "SO_LUONG": "1.000",
                     "MA_KHOA": "K01", "MA_BAC_SI": ctx.doctor,
                     "MA_BENH": ctx.diagnoses[0].replace(".", ""),
                     "NGAY_YL": _at(ctx.start + timedelta(minutes=15))})  # fmt: skip
    for stt, row in enumerate(rows, 1):
        row["STT"] = str(stt)
    return rows


def _labs(ctx: _Visit) -> list[dict[str, Any]]:
    when = _at(ctx.start + timedelta(minutes=50))
    return [{"MA_LK": ctx.ma_lk, "STT": str(stt), "MA_DICH_VU": service, "MA_CHI_SO": code,
             "TEN_CHI_SO": name, "GIA_TRI": f"{max(0.3, ctx.rng.gauss(mean, spread)):.2f}",
             "DON_VI_DO": unit, "NGAY_KQ": when, "MA_BS_DOC_KQ": ctx.doctor}
            for stt, (service, code, name, unit, mean, spread) in enumerate(LABS, 1)]  # fmt: skip


def _course(ctx: _Visit) -> list[dict[str, Any]]:
    rng = ctx.rng
    vitals = (f"M{rng.randint(62, 98)}_T{rng.choice(('36.5', '36.8', '37', '37.2'))}_"
              f"HA{rng.randint(105, 150)}/{rng.randint(65, 95)}_NT{rng.randint(16, 20)}")
    return [{"MA_LK": ctx.ma_lk, "STT": "1",
             "DIEN_BIEN_LS": f"Tỉnh, tiếp xúc tốt. CSST<{vitals}>",
             "THOI_DIEM_DBLS": _at(ctx.start + timedelta(minutes=8)),
             "NGUOI_THUC_HIEN": ctx.doctor}]  # fmt: skip


def day_window(day: date) -> datetime:
    """When the day's visits start: 07:00, or for today 10 hours ago, so that every
    visit (at most 7 h later, 3 h long) is over by now."""
    opening = datetime(day.year, day.month, day.day, 7, 0, tzinfo=VN_TZ)
    return min(opening, datetime.now(VN_TZ).replace(microsecond=0) - timedelta(hours=10))


@dataclass
class _Visit:
    person: Person
    rng: random.Random
    facility: str
    ma_lk: str
    start: datetime
    end: datetime
    doctor: str
    diagnoses: list[str]
    ward: Any


def _visit(number: int, day: date, facility: str, seed: int) -> _Visit:
    rng = random.Random(f"xml130:{seed}:{day}:{number}")
    start = day_window(day) + timedelta(seconds=rng.randrange(7 * 3600))
    wards = all_wards()
    return _Visit(
        person=person(number, seed), rng=rng, facility=facility,
        ma_lk=f"{day:%Y%m%d}{number:06d}", start=start,
        end=start + timedelta(minutes=rng.randint(60, 180)),
        doctor=f"{rng.randrange(1, 400):06d}/HCM-CCHN",
        diagnoses=rng.sample(DIAGNOSES, rng.choice((1, 2, 2, 3))),
        ward=wards[rng.randrange(len(wards))],
    )  # fmt: skip


def episode_xml(number: int, day: date, codes: Codes, *, facility: str = FACILITY,
                seed: int = SEED) -> str:  # fmt: skip
    """One visit's HOSO element: XML1–XML5, each a base64 table."""
    ctx = _visit(number, day, facility, seed)
    tables = {
        "XML1": _table("TONG_HOP", None, None, [_summary(ctx, codes)]),
        "XML2": _table("CHITIEU_CHITIET_THUOC", "DSACH_CHI_TIET_THUOC", "CHI_TIET_THUOC",
                       _drugs(ctx)),
        "XML3": _table("CHITIEU_CHITIET_DVKT_VTYT", "DSACH_CHI_TIET_DVKT", "CHI_TIET_DVKT",
                       _services(ctx, codes)),
        "XML4": _table("CHITIEU_CHITIET_DICHVUCANLAMSANG", "DSACH_CHI_TIET_CLS",
                       "CHI_TIET_CLS", _labs(ctx)),
        "XML5": _table("CHITIEU_CHITIET_DIENBIENLAMSANG", "DSACH_CHI_TIET_DIEN_BIEN_BENH",
                       "CHI_TIET_DIEN_BIEN_BENH", _course(ctx)),
    }  # fmt: skip
    files = "".join(f"<FILEHOSO><LOAIHOSO>{name}</LOAIHOSO><NOIDUNGFILE>{payload}"
                    "</NOIDUNGFILE></FILEHOSO>" for name, payload in tables.items())  # fmt: skip
    return f"<HOSO>{files}</HOSO>"


def giamdinhhs(records: list[str], day: date, facility: str = FACILITY) -> bytes:
    """The GIAMDINHHS wrapper around HOSO elements (unsigned: CHUKYDONVI empty)."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<GIAMDINHHS xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<THONGTINDONVI><MACSKCB>{facility}</MACSKCB></THONGTINDONVI>"
        f"<THONGTINHOSO><NGAYLAP>{day:%Y%m%d}</NGAYLAP><SOLUONGHOSO>{len(records)}</SOLUONGHOSO>"
        f"<DANHSACHHOSO>{''.join(records)}</DANHSACHHOSO></THONGTINHOSO>"
        "<CHUKYDONVI/></GIAMDINHHS>"
    ).encode()


# -- a day's folder ----------------------------------------------------------------------


@dataclass(frozen=True)
class DayFiles:
    folder: Path
    files: list[Path]
    visits: int
    bytes: int
    seconds: float | None  # None: reused


def day_files(visits: int, day: date, *, facility: str = FACILITY, seed: int = SEED,
              out: Path | None = None, data: Path | None = None) -> DayFiles:  # fmt: skip
    """One file per visit under `out` (default var/bench/xml130-…), written once."""
    folder = out or VAR / f"xml130-{facility}-{day:%Y%m%d}-{visits}-{seed}"
    manifest = folder / "manifest.json"
    if manifest.is_file():
        files = sorted(folder.glob("*.xml"))
        if len(files) == visits:
            return DayFiles(folder, files, visits, sum(f.stat().st_size for f in files), None)
    codes = load_codes(data)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    files, size = [], 0
    for number in range(visits):
        path = folder / f"hoso-{number:06d}.xml"
        data_bytes = giamdinhhs([episode_xml(number, day, codes, facility=facility,
                                             seed=seed)], day, facility)  # fmt: skip
        path.write_bytes(data_bytes)
        files.append(path)
        size += len(data_bytes)
    seconds = time.perf_counter() - started
    facts = {"visits": visits, "day": day.isoformat(), "facility": facility, "seed": seed,
             "bytes": size}  # fmt: skip
    manifest.write_text(json.dumps(facts))
    return DayFiles(folder, files, visits, size, round(seconds, 1))


def today() -> date:
    return datetime.now(VN_TZ).date()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=100)
    parser.add_argument("--day", type=date.fromisoformat, default=today())
    parser.add_argument("--facility", default=FACILITY)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    made = day_files(args.visits, args.day, facility=args.facility, seed=args.seed, out=args.out)
    print(f"{made.visits} visits, {made.bytes / 2**20:.1f} MiB in {made.folder} "
          f"({'reused' if made.seconds is None else f'{made.seconds} s'})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
