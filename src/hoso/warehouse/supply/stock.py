"""The drug stock ledger's entries: receipts read from a facility's goods-received file,
dispensings read from MedicationDispense (the XML 130 mapping writes one per XML2 row),
adjustments keyed in with a reason. Pure: the access layer decides and stores
(`hoso.access.warehouse_supply`), `positions` derives stock from the entries.

Quantities are signed: a receipt adds, a dispensing subtracts, an adjustment does
either. A drug is keyed by its normalised registration number (SĐK), or by the
facility's drug code (`ma-thuoc:<code>`) when it has none or an invalid one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from hoso.core.errors import InvalidRequest
from hoso.warehouse.supply.codes import DRUG_CODE, REGISTRATION, SID
from hoso.warehouse.supply.registration import parse_registration
from hoso.warehouse.supply.tabular import Column, Row, Template, bad_row

__all__ = ["ADJUSTMENT", "DISPENSE", "RECEIPT", "RECEIPTS", "LedgerEntry", "adjustment",
           "dispense_entry", "drug_key", "medication_of", "read_receipts"]  # fmt: skip

RECEIPT, DISPENSE, ADJUSTMENT = "receipt", "dispense", "adjustment"
HCMC = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_QUANTITY = Decimal("100000000")  # 10^8 units of one lot is no real delivery
SID_MEDICATION = SID + "thuoc"  # a Medication: the drug key below

RECEIPTS = Template((
    Column("registration", "Số đăng ký", ("SĐK", "SDK", "SO_DANG_KY", "Registration number")),
    Column("drug_code", "Mã thuốc", ("MA_THUOC", "Drug code")),
    Column("name", "Tên thuốc", ("TEN_THUOC", "Drug name", "Name")),
    Column("lot", "Số lô", ("Lot", "Lot number", "Batch"), required=True),
    Column("expiry", "Hạn dùng", ("Expiry", "Expiry date", "HSD"), required=True),
    Column("quantity", "Số lượng", ("SO_LUONG", "Quantity"), required=True),
    Column("unit", "Đơn vị tính", ("DON_VI_TINH", "Unit")),
    Column("received", "Ngày nhập", ("Date received", "Received"), required=True),
    Column("facility", "Mã CSKCB", ("MA_CSKCB", "Facility code")),
))  # fmt: skip


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    facility: str
    drug: str
    drug_name: str
    lot: str
    expiry: str | None
    kind: str
    quantity: Decimal
    occurred: str  # YYYY-MM-DD
    reason: str
    source: str

    def row(self, agent: str, recorded_at: int) -> dict[str, Any]:
        return {"facility": self.facility, "drug": self.drug, "drug_name": self.drug_name,
                "lot": self.lot, "expiry": self.expiry, "kind": self.kind,
                "quantity": self.quantity, "occurred": self.occurred, "reason": self.reason,
                "source": self.source, "agent": agent, "recorded_at": recorded_at}  # fmt: skip


def parse_day(text: str) -> date | None:
    """dd/mm/yyyy (how people write it), yyyy-mm-dd (what Excel cells become), or None."""
    try:
        if "/" in text:
            day, month, year = text.split("/")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def parse_quantity(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() and abs(value) <= MAX_QUANTITY else None


def drug_key(registration: str | None, code: str | None) -> str | None:
    """The normalised SĐK when it parses, else `ma-thuoc:<code>`, else None."""
    if registration:
        try:
            return parse_registration(registration).number
        except InvalidRequest:
            pass
    return f"ma-thuoc:{code}" if code else None


def _receipt(row: Row, facility: str, digest: str, today: date) -> LedgerEntry:
    line = row.line
    if row.get("facility") not in (None, facility):
        raise bad_row(line, f"Mã CSKCB {row.get('facility')} khác cơ sở nhập {facility}",
                      f"facility {row.get('facility')} is not {facility}", "facility")  # fmt: skip
    registration = row.get("registration")
    if registration:
        try:
            parse_registration(registration)
        except InvalidRequest as exc:
            raise bad_row(line, exc.message, "invalid registration number",
                          "registration") from exc  # fmt: skip
    key = drug_key(registration, row.get("drug_code"))
    if key is None:
        raise bad_row(line, "cần Số đăng ký hoặc Mã thuốc", "registration number or drug "
                      "code required")  # fmt: skip
    quantity = parse_quantity(row.get("quantity") or "")
    if quantity is None or quantity <= 0:
        raise bad_row(line, "Số lượng phải là số dương", "quantity must be positive", "quantity")
    expiry, received = parse_day(row.get("expiry") or ""), parse_day(row.get("received") or "")
    if expiry is None:
        raise bad_row(line, "Hạn dùng không phải ngày dd/mm/yyyy", "expiry is not a date",
                      "expiry")  # fmt: skip
    if received is None or received > today:
        raise bad_row(line, "Ngày nhập không hợp lệ hoặc ở tương lai",
                      "date received invalid or in the future", "received")  # fmt: skip
    return LedgerEntry(facility, key, row.get("name") or key, row.get("lot") or "",
                       expiry.isoformat(), RECEIPT, quantity, received.isoformat(),
                       "nhập kho / goods received", f"file:{digest}:{line}")  # fmt: skip


def read_receipts(data: bytes, facility: str, today: date) -> list[LedgerEntry]:
    """Every receipt of a goods-received file, or the first bad row's error (nothing
    is kept from a file with a bad row). The file's digest and each row's line make the
    entries' sources, so the same file imported again adds nothing."""
    digest = hashlib.sha256(data).hexdigest()[:24]
    return [_receipt(row, facility, digest, today) for row in RECEIPTS.read(data)]


def medication_of(entry: LedgerEntry) -> dict[str, Any]:
    """The Medication a drug key names (created once, conditional on its identifier)."""
    coding = ({"system": DRUG_CODE, "code": entry.drug.split(":", 1)[1]}
              if entry.drug.startswith("ma-thuoc:")
              else {"system": REGISTRATION, "code": entry.drug})  # fmt: skip
    return {"resourceType": "Medication",
            "identifier": [{"system": SID_MEDICATION, "value": entry.drug}],
            "code": {"coding": [coding], "text": entry.drug_name}}  # fmt: skip


def _local_day(text: str) -> str | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text[:10] if parse_day(text[:10]) else None
    if moment.tzinfo is not None:
        moment = moment.astimezone(HCMC)
    return moment.date().isoformat()


def dispense_entry(dispense: dict[str, Any], facility: str, resource_id: str
                   ) -> LedgerEntry | None:  # fmt: skip
    """A completed MedicationDispense as a (negative) ledger entry; None when it is not
    one (another status, no quantity, no drug)."""
    if dispense.get("status") != "completed":
        return None
    codings = (dispense.get("medicationCodeableConcept") or {}).get("coding") or []
    by_system = {c.get("system"): c.get("code") for c in codings if isinstance(c, dict)}
    key = drug_key(by_system.get(REGISTRATION), by_system.get(DRUG_CODE))
    quantity = parse_quantity(str((dispense.get("quantity") or {}).get("value", "")))
    # XML2 without NGAY_TH_YL leaves whenHandedOver out: then the day it was filed
    # (meta.lastUpdated) stands in — HOUSE assumption, a claim is filed within days.
    when = dispense.get("whenHandedOver") or dispense.get("whenPrepared") or (
        dispense.get("meta") or {}).get("lastUpdated")  # fmt: skip
    day = _local_day(str(when or ""))
    if key is None or quantity is None or quantity <= 0 or day is None:
        return None
    name = (dispense.get("medicationCodeableConcept") or {}).get("text") or key
    return LedgerEntry(facility, key, str(name)[:256], "", None, DISPENSE, -quantity, day,
                       "cấp phát / dispensed", f"MedicationDispense/{resource_id}")  # fmt: skip


def adjustment(facility: str, drug: str, quantity: Decimal, reason: str, day: date,
               source: str, lot: str = "", name: str | None = None) -> LedgerEntry:  # fmt: skip
    """A count correction or a loss, signed; a reason of at least 5 characters."""
    reason = " ".join(reason.split())
    if len(reason) < 5 or len(reason) > 256:
        raise InvalidRequest("Điều chỉnh cần lý do (5–256 ký tự) / an adjustment needs a "
                             "reason (5–256 characters)", expression=["reason"])  # fmt: skip
    if quantity == 0 or abs(quantity) > MAX_QUANTITY:
        raise InvalidRequest("Số lượng điều chỉnh khác 0 và không quá 10^8 / quantity must be "
                             "non-zero and at most 10^8", expression=["quantity"])  # fmt: skip
    if drug.startswith("ma-thuoc:") and 9 < len(drug) <= 80:
        key = drug
    else:
        key = parse_registration(drug).number  # its own Vietnamese error when invalid
    return LedgerEntry(facility, key, name or key, lot[:64], None, ADJUSTMENT, quantity,
                       day.isoformat(), reason, source)  # fmt: skip


def with_correction(entry: LedgerEntry, delta: Decimal) -> LedgerEntry:
    """A dispensing whose MedicationDispense changed since it was synced: the
    difference, as a new entry (the ledger is never rewritten)."""
    return replace(entry, quantity=delta, reason="cấp phát, sửa theo phiên bản mới / "
                   "dispensing corrected to the resource's new version")  # fmt: skip
