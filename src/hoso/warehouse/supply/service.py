"""Group 2's interactions, the same for the command line, the API and the pages: read a
file, check it whole, hand it to the caller's `SupplyDoor` (the access layer,
`hoso.access.warehouse_supply.SupplyAccess`, which decides, writes and audits).

A file with a bad row writes nothing: the whole file is parsed and checked before the
door is called, and the door writes the file in one unit of work (resources) or one
transaction (ledger rows). The refusal names the row's line, as a spreadsheet numbers
it (the header is line 1).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import quote

from hoso.warehouse.supply.codes import DEVICE_CODE, SID_CCHN, SID_ROLE
from hoso.warehouse.supply.equipment import read_devices
from hoso.warehouse.supply.stock import (
    SID_MEDICATION,
    adjustment,
    dispense_entry,
    medication_of,
    read_receipts,
    with_correction,
)
from hoso.warehouse.supply.workforce import read_staff

__all__ = ["SupplyDoor", "adjust", "import_devices", "import_stock", "import_workforce",
           "sync_dispensing"]  # fmt: skip


class SupplyDoor(Protocol):
    facility_system: str

    def check_writer(self, facility: str) -> None: ...
    def read_scope(self) -> list[str] | None: ...
    def write_resources(self, facility: str, kind: str,
                        items: Sequence[tuple[str, dict[str, Any], str, dict[str, Any] | None]],
                        *, upsert: bool = False) -> dict[str, int]: ...  # fmt: skip
    def append_stock(self, facility: str, rows: Sequence[Mapping[str, Any]], what: str, *,
                     skip_known_sources: bool = True,
                     medications: Sequence[tuple[str, dict[str, Any]]] = ()
                     ) -> int: ...  # fmt: skip
    def ledger_totals(self, facility: str, sources: Sequence[str]) -> dict[str, Decimal]: ...
    def ledger_entries(self) -> tuple[list[str] | None, list[Any]]: ...
    def resources(self, resource_type: str, params: Sequence[tuple[str, str]] = ()
                  ) -> tuple[list[str] | None, list[dict[str, Any]]]: ...  # fmt: skip
    def organizations(self, codes: Sequence[str] | None) -> dict[str, dict[str, Any]]: ...
    def dispenses(self, facility: str, since: str | None) -> list[dict[str, Any]]: ...


def criteria(system: str, value: str) -> str:
    return "identifier=" + quote(f"{system}|{value}", safe=":/|")


def import_workforce(door: SupplyDoor, data: bytes, facility: str) -> dict[str, int]:
    door.check_writer(facility)  # 403 before the file is read
    posts = read_staff(data, facility, door.facility_system)
    items = [(criteria(SID_CCHN, p.licence), p.practitioner,
              criteria(SID_ROLE, p.role["identifier"][0]["value"]), p.role)
             for p in posts]  # fmt: skip
    return {"rows": len(posts)} | door.write_resources(facility, "workforce", items)


def import_devices(door: SupplyDoor, data: bytes, facility: str) -> dict[str, int]:
    door.check_writer(facility)
    devices = read_devices(data, facility, door.facility_system)
    items = [(criteria(DEVICE_CODE, d.code), d.device, "", None) for d in devices]
    return {"rows": len(devices)} | door.write_resources(facility, "devices", items, upsert=True)


def import_stock(door: SupplyDoor, data: bytes, facility: str, today: date) -> dict[str, int]:
    """A goods-received file's receipts; the same file again adds nothing."""
    door.check_writer(facility)
    entries = read_receipts(data, facility, today)
    drugs = {e.drug: medication_of(e) for e in entries}
    medications = [(criteria(SID_MEDICATION, key), med) for key, med in sorted(drugs.items())]
    rows = [asdict(e) for e in entries]
    added = door.append_stock(facility, rows, "receipts", medications=medications)
    return {"rows": len(entries), "added": added}


def sync_dispensing(door: SupplyDoor, facility: str, since: str | None = None
                    ) -> dict[str, int]:  # fmt: skip
    """Bring the facility's ledger up to its MedicationDispenses: a new dispensing is
    appended, one whose quantity changed (a claim resubmitted) gets its difference as a
    new entry, one already there adds nothing."""
    door.check_writer(facility)
    entries = [e for d in door.dispenses(facility, since)
               if (e := dispense_entry(d, facility, d["id"])) is not None]  # fmt: skip
    held = door.ledger_totals(facility, [e.source for e in entries])
    rows = []
    for entry in entries:
        before = held.get(entry.source)
        if before is None:
            rows.append(asdict(entry))
        elif before != entry.quantity:
            rows.append(asdict(with_correction(entry, entry.quantity - before)))
    added = door.append_stock(facility, rows, "dispensing", skip_known_sources=False)
    return {"dispenses": len(entries), "added": added}


def adjust(door: SupplyDoor, facility: str, drug: str, quantity: Decimal, reason: str,
           day: date, lot: str = "") -> dict[str, int]:  # fmt: skip
    """A count correction or a loss (signed), with its reason: a new entry, audited."""
    door.check_writer(facility)
    entry = adjustment(facility, drug, quantity, reason, day, f"adjust:{uuid.uuid4().hex}",
                       lot)  # fmt: skip
    return {"added": door.append_stock(facility, [asdict(entry)], "adjustment")}
