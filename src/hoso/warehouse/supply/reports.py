"""Group 2's tables, computed from what the caller's `SupplyDoor` lets them read: staff
per facility, ward and profession (headcount, FTE, per 10,000 residents), devices per
ward, class and status with their services per month, and the stock positions.

Each table is a list of flat dicts (the API's JSON and CSV, the page's rows alike).
A facility's ward is its Organization's address (`ward_of`, handed in by the root:
the warehouse does not resolve addresses itself). The denominator per ward is the
population on file (`ph_population`, the statistics office's figures the surveillance
keeps) or, where a ward has none, the residents in the store whose home is there.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hoso.warehouse.supply.codes import FTE_EXT, PROFESSION
from hoso.warehouse.supply.equipment import device_class, usage_by_month
from hoso.warehouse.supply.positions import expiring, positions
from hoso.warehouse.supply.service import SupplyDoor

__all__ = ["equipment_report", "stock_report", "table_csv", "workforce_report"]

WardOf = Callable[[Mapping[str, Any]], str | None]
UNKNOWN_WARD = "?"
PER = 10_000


def _facility_of(reference: Any, system: str) -> str | None:
    ident = (reference or {}).get("identifier") or {} if isinstance(reference, dict) else {}
    return str(ident["value"]) if ident.get("system") == system and ident.get("value") else None


def _wards(door: SupplyDoor, codes: Iterable[str], ward_of: WardOf) -> dict[str, str]:
    orgs = door.organizations(sorted(set(codes))) if codes else {}
    return {code: ward_of(org) or UNKNOWN_WARD for code, org in orgs.items()}


def _rate(count: Decimal | int, residents: int | None) -> Decimal | None:
    if not residents:
        return None
    return (Decimal(count) * PER / residents).quantize(Decimal("0.01"), ROUND_HALF_UP)


def residents_by_ward(door: SupplyDoor, ward_of: WardOf) -> dict[str, int]:
    """Residents in the store per home ward: the denominator where no figure is on file."""
    _, patients = door.resources("Patient", [("active:not", "false")])
    return dict(Counter(w for p in patients if (w := ward_of(p))))


def _profession(role: Mapping[str, Any]) -> str:
    for concept in role.get("code") or []:
        for coding in concept.get("coding") or []:
            if coding.get("system") == PROFESSION and coding.get("code"):
                return str(coding["code"])
    return "other"


def _fte(role: Mapping[str, Any]) -> Decimal:
    for ext in role.get("extension") or []:
        if ext.get("url") == FTE_EXT and ext.get("valueDecimal") is not None:
            return Decimal(str(ext["valueDecimal"]))
    return Decimal(1)


def workforce_report(door: SupplyDoor, ward_of: WardOf, population: Mapping[str, int]
                     ) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
    """Active posts per facility × profession and per ward × profession, with FTE and
    headcount per 10,000 residents of the ward."""
    scope, roles = door.resources("PractitionerRole", [("active", "true")])
    system = door.facility_system
    posts = [(f, _profession(r), _fte(r)) for r in roles
             if (f := _facility_of(r.get("organization"), system))
             and (scope is None or f in scope)]  # fmt: skip
    wards = _wards(door, {f for f, _, _ in posts}, ward_of)
    by_facility: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    by_ward: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for facility, profession, fte in posts:
        by_facility[(facility, profession)].append(fte)
        by_ward[(wards.get(facility, UNKNOWN_WARD), profession)].append(fte)
    residents = dict(population)
    if not residents and by_ward:
        residents = residents_by_ward(door, ward_of)
    facility_rows = [{"facility": f, "ward": wards.get(f, UNKNOWN_WARD), "profession": p,
                      "headcount": len(v), "fte": sum(v, Decimal(0))}
                     for (f, p), v in sorted(by_facility.items())]  # fmt: skip
    ward_rows = [{"ward": w, "profession": p, "headcount": len(v), "fte": sum(v, Decimal(0)),
                  "residents": residents.get(w),
                  "per_10000": _rate(len(v), residents.get(w)),
                  "fte_per_10000": _rate(sum(v, Decimal(0)), residents.get(w))}
                 for (w, p), v in sorted(by_ward.items())]  # fmt: skip
    return {"facilities": facility_rows, "wards": ward_rows}


def equipment_report(door: SupplyDoor, ward_of: WardOf, today: date, months: int = 12, *,
                     usage: bool = True) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
    """Devices per ward × class × status, and (`usage`) each device's services per month
    over the last `months` months from the claims' MA_MAY — a read of every Procedure
    of those months in the caller's view, so the page leaves it to its CSV link."""
    scope, devices = door.resources("Device")
    system = door.facility_system
    owned = [(f, d) for d in devices if (f := _facility_of(d.get("owner"), system))
             and (scope is None or f in scope)]  # fmt: skip
    wards = _wards(door, {f for f, _ in owned}, ward_of)
    counts = Counter((wards.get(f, UNKNOWN_WARD), device_class(d) or "?", d.get("status", "?"))
                     for f, d in owned)  # fmt: skip
    codes = {str(i["value"]): f for f, d in owned for i in d.get("identifier") or []
             if i.get("system", "").endswith("/ma-may")}  # fmt: skip
    start = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    used: Counter[tuple[str, str]] = Counter()
    if usage and codes:
        _, procedures = door.resources("Procedure", [("date", f"ge{start.isoformat()}")])
        used = usage_by_month(procedures, set(codes))
    return {
        "wards": [{"ward": w, "class": c, "status": s, "devices": n}
                  for (w, c, s), n in sorted(counts.items())],
        "usage": [{"facility": codes[code], "device": code, "month": month, "services": n}
                  for (code, month), n in sorted(used.items())],
    }  # fmt: skip


def stock_report(door: SupplyDoor, today: date) -> dict[str, list[dict[str, Any]]]:
    """On hand per facility × drug (and days left), stock-outs and lots expiring in 90
    days, from the caller's ledger."""
    _, entries = door.ledger_entries()
    found = positions(entries, today)
    lots = expiring(found, today)
    return {
        "on_hand": [p.as_dict() for p in found],
        "stock_outs": [p.as_dict() for p in found if p.stock_out],
        "expiring": [{"facility": x.facility, "drug": x.drug, "drug_name": x.drug_name,
                      "lot": x.lot, "expiry": x.expiry, "on_hand": x.on_hand} for x in lots],
    }  # fmt: skip


def table_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """A table as CSV (UTF-8 with BOM is the caller's: Excel needs it to read Vietnamese).
    Cells that a spreadsheet would run as a formula are quoted with a leading '."""
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True
