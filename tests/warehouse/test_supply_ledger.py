"""The stock ledger replayed against the claims (issue 20: "a stock ledger replayed
against the claims"): receipts imported from a goods-received file, dispensing synced
from the MedicationDispenses the XML 130 intake wrote for XML2 rows, an adjustment —
stock = receipts − dispensed ± adjustments, per lot first-expiry-first-out, worked by
hand below. And the ledger cannot be rewritten, by the API or by SQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from hoso.core import clock
from hoso.ingest.xml130_intake import take_xml130
from hoso.store.sql_store import SqlStore
from hoso.warehouse.supply import service
from hoso.warehouse.supply.reports import stock_report
from tests.callers import as_caller, audit_subtypes, staff
from tests.ingest.xml130.files import clean, drug, giamdinhhs, hoso, summary
from tests.warehouse.supply_world import FAC, OTHER, door, facilities, staff_of

# The intake's care claims open only for recent care, so the world is dated from today.
TODAY = clock.today_vn()


def _day(offset: int, fmt: str = "%d/%m/%Y") -> str:
    return (TODAY + timedelta(days=offset)).strftime(fmt)


AMLODIPIN, METFORMIN = "VD-12345-19", "VN-20544-17"
A1_EXPIRY = TODAY + timedelta(days=72)  # within 90 days
RECEIPTS = (
    "Số đăng ký,Tên thuốc,Số lô,Hạn dùng,Số lượng,Ngày nhập\n"
    f"{AMLODIPIN},Amlodipin 5mg,A1,{A1_EXPIRY:%d/%m/%Y},150,{_day(-74)}\n"
    f"{AMLODIPIN},Amlodipin 5mg,A2,{_day(800)},200,{_day(-47)}\n"
    f"{METFORMIN},Metformin 850mg,M1,{_day(400)},50,{_day(-69)}\n"
).encode()


def _claim(ma_lk: str, offset: int, *rows: tuple[str, str]) -> bytes:
    day = _day(offset, "%Y%m%d")
    drugs = [drug(n, MA_LK=ma_lk, SO_DANG_KY=sdk, SO_LUONG=qty, NGAY_YL=f"{day}0830",
                  NGAY_TH_YL=f"{day}0900")
             for n, (sdk, qty) in enumerate(rows, start=1)]  # fmt: skip
    tables: dict[str, Any] = {"XML1": [summary(MA_LK=ma_lk, NGAY_VAO=f"{day}0800",
                                               NGAY_RA=f"{day}1100")], "XML2": drugs}
    return giamdinhhs(hoso(clean(tables)))


CLAIMS = [
    _claim("LK0001", -10, (AMLODIPIN, "30.000"), (METFORMIN, "60.500")),
    _claim("LK0002", -5, (AMLODIPIN, "90.000")),
]


def _file(store: SqlStore, data: bytes) -> None:
    # Sent by the facility's own HIS: what it wrote is its staff's to read, whatever
    # the age of the care (a clinician's care-link window does not apply).
    his = staff_of(FAC, "facility-system", store=store)
    with as_caller(store, his) as repo:
        answer = take_xml130(repo, data, settings=store.settings,
                             base_url="https://hoso.example/fhir", facility=FAC)  # fmt: skip
    assert answer.records and answer.accepted, answer.to_json()


def _positions(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["drug"]: row for row in report["on_hand"]}


def test_ledger_replayed_against_the_claims(store: SqlStore) -> None:
    facilities(store)
    for claim in CLAIMS:
        _file(store, claim)
    with door(store, staff_of(FAC, store=store)) as mine:
        assert service.import_stock(mine, RECEIPTS, FAC, TODAY) == {"rows": 3, "added": 3}
        assert service.import_stock(mine, RECEIPTS, FAC, TODAY)["added"] == 0  # same file
        assert service.sync_dispensing(mine, FAC) == {"dispenses": 3, "added": 3}
        assert service.sync_dispensing(mine, FAC)["added"] == 0  # already synced
        service.adjust(mine, FAC, AMLODIPIN, Decimal(-5), "vỡ 5 viên khi kiểm kê",
                       TODAY - timedelta(days=4), lot="A2")  # fmt: skip
        report = stock_report(mine, TODAY)
    # Each import, sync, adjustment and read is one audit entry of the caller.
    assert audit_subtypes(store).count("warehouse-supply") == 6
    found = _positions(report)
    # Amlodipin: received 150 + 200, dispensed 30 + 90 (XML2 SO_LUONG), lost 5 → 225.
    # FEFO: the 120 dispensed come out of A1 (expires first): A1 30 left, A2 200 − 5.
    amlo = found[AMLODIPIN]
    assert (amlo["received"], amlo["dispensed"], amlo["adjusted"]) == (350, 120, -5)
    assert amlo["on_hand"] == amlo["received"] - amlo["dispensed"] + amlo["adjusted"] == 225
    # Mean daily dispensing 120 / 90 days; 225 / (120 / 90) = 168.75 days → 168.8.
    assert amlo["days_left"] == Decimal("168.8") and not amlo["stock_out"]
    # Metformin: 50 received, 60.5 dispensed → −10.5, a stock-out.
    metf = found[METFORMIN]
    assert metf["on_hand"] == Decimal("-10.5") and metf["stock_out"]
    assert [r["drug"] for r in report["stock_outs"]] == [METFORMIN]
    # A1 (30 left) expires in 72 days, within 90; A2 and M1 do not.
    assert [(r["lot"], r["on_hand"], r["expiry"]) for r in report["expiring"]] == [
        ("A1", 30, A1_EXPIRY.isoformat())]


def test_a_resubmitted_claim_is_corrected_by_a_new_entry(store: SqlStore) -> None:
    facilities(store)
    _file(store, CLAIMS[1])
    with door(store, staff_of(FAC, store=store)) as mine:
        service.import_stock(mine, RECEIPTS, FAC, TODAY)
        service.sync_dispensing(mine, FAC)
        _file(store, _claim("LK0002", -5, (AMLODIPIN, "80.000")))  # 90 → 80
        assert service.sync_dispensing(mine, FAC) == {"dispenses": 1, "added": 1}
        _, entries = mine.ledger_entries()
        report = stock_report(mine, TODAY)
    dispensing = [e.quantity for e in entries if e.kind == "dispense"]
    assert dispensing == [Decimal(-90), Decimal(10)]  # the first entry stays as it was
    assert _positions(report)[AMLODIPIN]["on_hand"] == 350 - 80


def test_the_ledger_is_append_only(store: SqlStore) -> None:
    facilities(store)
    with door(store, staff_of(FAC, store=store)) as mine:
        service.import_stock(mine, RECEIPTS, FAC, TODAY)
    for statement in ("UPDATE wh_stock_entry SET quantity = 0",
                      "DELETE FROM wh_stock_entry"):  # fmt: skip
        with pytest.raises(sa.exc.DBAPIError), store.engine.begin() as conn:
            conn.execute(sa.text(statement))
    with store.engine.connect() as conn:
        total = conn.execute(sa.text("SELECT SUM(quantity) FROM wh_stock_entry")).scalar()
    assert Decimal(total) == 400


def test_adjustments_are_permissioned_and_need_a_reason(store: SqlStore) -> None:
    from hoso.core.errors import Forbidden, InvalidRequest

    facilities(store)
    with door(store, staff_of(OTHER)) as theirs, pytest.raises(Forbidden):
        service.adjust(theirs, FAC, AMLODIPIN, Decimal(-5), "mất cắp", TODAY)
    with door(store, staff("officer")) as officer, pytest.raises(Forbidden):
        service.adjust(officer, FAC, AMLODIPIN, Decimal(-5), "mất cắp", TODAY)
    with door(store, staff_of(FAC, store=store)) as mine:
        with pytest.raises(InvalidRequest):
            service.adjust(mine, FAC, AMLODIPIN, Decimal(-5), "x", TODAY)
        with pytest.raises(InvalidRequest, match="không hợp lệ"):
            service.adjust(mine, FAC, "XX-1-19", Decimal(-5), "kiểm kê thiếu", TODAY)
        _, entries = mine.ledger_entries()
    assert entries == []


def test_a_bad_receipt_row_adds_nothing(store: SqlStore) -> None:
    from hoso.core.errors import InvalidRequest

    facilities(store)
    bad = RECEIPTS + "VD-99-1,Thuốc X,L9,31/12/2026,10,01/03/2025\n".encode()
    with door(store, staff_of(FAC, store=store)) as mine:
        with pytest.raises(InvalidRequest, match=r"^Dòng 5: Số đăng ký thuốc 'VD-99-1'"):
            service.import_stock(mine, bad, FAC, TODAY)
        _, entries = mine.ledger_entries()
    assert entries == []


def test_an_xlsx_goods_received_file_with_date_and_number_cells(store: SqlStore) -> None:
    """Excel keeps dates as dates and quantities as numbers: read as the CSV's text."""
    from datetime import datetime
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["SĐK", "Tên thuốc", "Số lô", "Hạn dùng", "Số lượng", "Ngày nhập"])
    sheet.append([AMLODIPIN, "Amlodipin", "X1", datetime(2030, 1, 31), 120.0,
                  datetime.combine(TODAY - timedelta(days=3), datetime.min.time())])
    sheet.append(["893110012323", "Paracetamol", "P1", "31/12/2029", 12.5, _day(-2)])
    out = BytesIO()
    book.save(out)
    facilities(store)
    with door(store, staff_of(FAC, store=store)) as mine:
        assert service.import_stock(mine, out.getvalue(), FAC, TODAY)["added"] == 2
        _, entries = mine.ledger_entries()
    assert [(e.drug, e.lot, e.expiry, e.quantity) for e in entries] == [
        (AMLODIPIN, "X1", "2030-01-31", 120), ("893110012323", "P1", "2029-12-31",
                                               Decimal("12.5"))]  # fmt: skip


def test_a_synthetic_month_of_claims_replayed(store: SqlStore) -> None:
    """Twelve claims of random XML2 rows (three drugs, quantities with decimals): the
    ledger's stock of each drug equals what was received minus the sum of SO_LUONG
    over the claims, counted here from the claims themselves."""
    import random

    drugs = (AMLODIPIN, METFORMIN, "893110012323")
    rng = random.Random(79)
    sent: dict[str, Decimal] = dict.fromkeys(drugs, Decimal(0))
    facilities(store)
    for n in range(12):
        rows = [(rng.choice(drugs), f"{rng.randint(1, 60)}.{rng.choice(['000', '500'])}")
                for _ in range(rng.randint(1, 3))]  # fmt: skip
        for sdk, qty in rows:
            sent[sdk] += Decimal(qty)
        _file(store, _claim(f"LK{n:04}", -rng.randint(1, 60), *rows))
    received = RECEIPTS + f"893110012323,Paracetamol,P1,{_day(500)},1000,{_day(-80)}\n".encode()
    with door(store, staff_of(FAC, store=store)) as mine:
        service.import_stock(mine, received, FAC, TODAY)
        service.sync_dispensing(mine, FAC)
        found = _positions(stock_report(mine, TODAY))
    receipts = {AMLODIPIN: 350, METFORMIN: 50, "893110012323": 1000}
    for sdk in drugs:
        assert found[sdk]["dispensed"] == sent[sdk]
        assert found[sdk]["on_hand"] == receipts[sdk] - sent[sdk]
