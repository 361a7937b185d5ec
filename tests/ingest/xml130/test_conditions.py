"""The QĐ 4750 check sheets' conditional checks: held to the sheets themselves, and
applied to rows as warnings naming table, row and field, Vietnamese then English."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest

from hoso.ingest.xml130 import Xml130Message, parse_checkin
from hoso.ingest.xml130.spec_conditions import NOT_APPLIED, RULES
from tests.ingest.xml130.files import (
    appointment,
    course,
    discharge,
    drug,
    hiv,
    lab,
    record_summary,
    service,
    sick_leave,
    summary,
)  # fmt: skip
from tests.ingest.xml130.test_parse import SETTINGS, _episode

SHEETS = Path(__file__).resolve().parents[3].parent / "shared/data/vn/xml130-qd4750-checks"
# Cells that only say "mandatory" or "as before": spec.py's business, not a condition.
PLAIN = {"x", "X", "Như 4210", "Như QĐ 4210", "Giữ nguyên như 4210"}


def _sheet_cells() -> list[tuple[str, str, str]]:
    """(table, field, cell) for every cell of the "Bắt buộc" column and after that
    states a check, whitespace folded."""
    cells = []
    for path in sorted(SHEETS.glob("bang-*.csv")):
        number = re.match(r"bang-(check-in|\d+)", path.name)
        assert number is not None
        table = "XML0" if number[1] == "check-in" else f"XML{number[1]}"
        rows = list(csv.reader(path.open(encoding="utf-8")))
        header = next(i for i, r in enumerate(rows) if "Chỉ tiêu" in r)
        for row in rows[header + 1:]:
            for cell in row[5:]:
                text = " ".join(cell.split())
                if text and text not in PLAIN:
                    cells.append((table, row[1].strip(), text))
    return cells


@pytest.mark.skipif(not SHEETS.is_dir(), reason="the shared check sheets are not beside the repo")
def test_every_check_of_the_sheets_is_a_rule_or_says_why_not() -> None:
    cells = _sheet_cells()
    assert len(cells) > 90
    rules = {(r.table, r.field, " ".join(r.sheet.split())) for r in RULES}
    for table, field, text in cells:
        ruled = (table, field, text) in rules
        skipped = any(t == table and f == field and text.startswith(start)
                      for t, f, start, _ in NOT_APPLIED)  # fmt: skip
        assert ruled or skipped, (table, field, text)
    sheet = set(cells)
    invented = [rule for rule in rules if rule not in sheet]
    assert not invented  # each rule quotes a cell of the sheet, for its table and field


def _conditional(messages: list[Xml130Message]) -> list[Xml130Message]:
    return [m for m in messages if "QĐ 4750 check sheet" in m.en]


def _found(tables: dict[str, Any]) -> list[tuple[str, int | None, str | None, str]]:
    episode = _episode({"XML1": [summary()], **tables})
    assert episode.bundle is not None  # warnings: the record is still taken
    for message in _conditional(episode.messages):
        assert message.severity == "warning" and "bảng kiểm QĐ 4750" in message.vi
    return [(m.table, m.row, m.field, m.en) for m in _conditional(episode.messages)]


@pytest.mark.parametrize(("tables", "table", "field", "says"), [
    ({"XML6": [hiv(MA_TINH_TRANG_DK="1")]}, "XML6", "NGAY_XN_PCR",
     "required when MA_TINH_TRANG_DK is 1"),
    ({"XML6": [hiv(MA_XU_TRI="4;1", NGAY_BAT_DAU_XU_TRI=None)]}, "XML6",
     "NGAY_BAT_DAU_XU_TRI", "required when MA_XU_TRI is 1"),
    ({"XML6": [hiv(LOAI_DTRI_LAO="1")]}, "XML6", "PHACDO_DTRI_LAO",
     "required when LOAI_DTRI_LAO is not 0"),
    ({"XML6": [hiv(MA_PHAC_DO_DIEU_TRI="KHAC")]}, "XML6", "MA_BAC_PHAC_DO",
     "required when MA_PHAC_DO_DIEU_TRI is KHAC"),
    ({"XML6": [hiv(SO_NGAY_CAP_THUOC_ARV="120")]}, "XML6", "SO_NGAY_CAP_THUOC_ARV",
     "120 days, more than the 91 days"),
    ({"XML6": [hiv(GIOI_TINH="1")]}, "XML6", "GIOI_TINH", "'1' differs from XML1's '2'"),
    ({"XML7": [discharge(MA_DINH_CHI_THAI="1")]}, "XML7", "NGUYENNHAN_DINHCHI",
     "required when MA_DINH_CHI_THAI is 1"),
    ({"XML7": [discharge(SO_NGAY_NGHI="5")]}, "XML7", "NGOAITRU_DENNGAY",
     "go all 3 together or not at all"),
    ({"XML4": [lab(1, NGAY_KQ=None)]}, "XML4", "NGAY_KQ", "required when GIA_TRI is given"),
    ({"XML3": [service(1, MA_NHOM="8", NGAY_TH_YL=None)]}, "XML3", "NGAY_TH_YL",
     "required when MA_NHOM is one of 1, 2, 3, 8, 18"),
    ({"XML3": [service(1, NGAY_KQ="202503100800")]}, "XML3", "NGAY_KQ",
     "'202503100800' is before NGAY_YL '202503100830'"),
    ({"XML3": [service(1, GOI_VTYT="G1000")]}, "XML3", "GOI_VTYT", "must be G and a number"),
    ({"XML2": [drug(1, NGAY_TH_YL="202503100859")]}, "XML2", "NGAY_TH_YL",
     "must be >= NGAY_YL"),
    ({"XML2": [drug(1, VET_THUONG_TP="2")]}, "XML2", "VET_THUONG_TP", "empty or 1 only"),
    ({"XML8": [record_summary()]}, "XML8", "MA_LK", "XML1 MA_LOAI_KCB is 03, 04, 06 (here '01'"),
    ({"XML11": [sick_leave(MAU_SO="CT08")]}, "XML11", "MAU_SO", "empty or CT07 only"),
    ({"XML11": [sick_leave(MA_BHXH="0000000000")]}, "XML11", "MA_BHXH", "not all zeros"),
    ({"XML14": [appointment(NGAY_HEN_KL="202503100900")]}, "XML14", "NGAY_HEN_KL",
     "is before NGAY_RA"),
    ({"XML14": [appointment(NGAY_VAO="202503100805", NGAY_CT="20250301")]}, "XML14", "NGAY_CT",
     "is before NGAY_VAO"),
])  # fmt: skip
def test_a_conditional_check_warns_naming_table_row_and_field(
    tables: dict[str, Any], table: str, field: str, says: str
) -> None:
    found = _found({name: [{k: v for k, v in r.items() if v is not None} for r in rows]
                    for name, rows in tables.items()})  # fmt: skip
    assert [f for f in found if f[:3] == (table, 1, field) and says in f[3]], found


def test_rows_that_meet_their_conditions_say_nothing() -> None:
    xml1 = summary(MA_LOAI_KCB="03", MA_TTDV="7912345678")
    episode = _episode({"XML1": [xml1], "XML2": [drug(1, NGAY_TH_YL="202503100930")],
                        "XML3": [service(1, NGUOI_THUC_HIEN="BS002")], "XML4": [lab(1)],
                        "XML5": [course(1)], "XML6": [hiv(GIOI_TINH="2", MA_CSKCB="79001")],
                        "XML7": [discharge()], "XML8": [record_summary()],
                        "XML11": [sick_leave()]})  # fmt: skip
    assert _conditional(episode.messages) == []


def test_xml1_own_conditions() -> None:
    episode = _episode({"XML1": [summary(MA_TTDV="79123", NGAY_VAO_NOI_TRU="202503100700")]})
    found = {(m.field, m.severity) for m in _conditional(episode.messages)}
    assert found == {("MA_TTDV", "warning"), ("NGAY_VAO_NOI_TRU", "warning")}


def test_each_checkin_row_names_its_service_drug_or_supply() -> None:
    person = {k: v for k, v in summary().items() if k != "NGAY_RA"}
    rows = [dict(person, MA_DICH_VU="13.0001", TEN_DICH_VU="Khám Nội", NGAY_YL="202503100810"),
            dict(person, NGAY_YL="202503100815"),  # neither service, drug nor supply
            dict(person, MA_THUOC="40.1", NGAY_YL="202503100820",
                 NGAY_VAO_NOI_TRU="202503100900")]  # fmt: skip
    items = "".join("<TRANG_THAI_KCB>" + "".join(f"<{k}>{v}</{k}>" for k, v in r.items())
                    + "</TRANG_THAI_KCB>" for r in rows)  # fmt: skip
    doc = ("<CHI_TIEU_TRANG_THAI_KCB><DSACH_TRANG_THAI_KCB>" + items
           + "</DSACH_TRANG_THAI_KCB></CHI_TIEU_TRANG_THAI_KCB>").encode()  # fmt: skip
    episode = parse_checkin(doc, settings=SETTINGS).episodes[0]
    found = {(m.row, m.field) for m in _conditional(episode.messages)}
    assert found == {(2, "MA_DICH_VU"), (2, "MA_THUOC"), (2, "MA_VAT_TU"),
                     (3, "TEN_THUOC"), (3, "LY_DO_VNT")}  # fmt: skip
    assert episode.bundle is not None
