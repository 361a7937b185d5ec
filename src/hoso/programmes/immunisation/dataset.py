"""The national immunisation dataset (QĐ 3891/QĐ-BYT, 18/12/2025: 44 fields, 20
mandatory; DOMAIN-VN.md §6) read from the record: one row per dose, the mandatory
fields checked before a dose counts as complete, and the rows written as CSV or .xlsx
with the dataset's Vietnamese column names.

The field list is `data/qd3891-dataset.json`. The decision's annex was not found: the
names, order and mandatory set are a HOUSE assumption marked in that file (and in
docs/programmes-immunisation.md); only the counts and lot/expiry per dose are sourced.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from hoso.core.settings import DEFAULT_BHYT_SYSTEM, DEFAULT_CCCD_SYSTEM, DEFAULT_FACILITY_SYSTEM

__all__ = ["DoseContext", "Field", "dataset_fields", "dataset_row", "dose_gaps",
           "missing_mandatory", "patient_gaps", "related", "write_csv", "write_xlsx"]  # fmt: skip

HCMC = "79"
OBSERVATION_30MIN = "post-vaccination-observation-30min"
Row = dict[str, str]


@dataclass(frozen=True, slots=True)
class Field:
    no: int
    key: str
    column: str
    en: str
    mandatory: bool
    source: str


@dataclass(frozen=True, slots=True)
class DoseContext:
    """One dose with what the dataset reads beside it: the child (Patient), their home
    ward (2025 code), the 30-minute observation and the adverse events of this dose."""

    immunization: Mapping[str, Any]
    patient: Mapping[str, Any] | None = None
    ward: str | None = None
    observations: Sequence[Mapping[str, Any]] = field(default=())
    adverse_events: Sequence[Mapping[str, Any]] = field(default=())


@cache
def dataset_fields() -> tuple[Field, ...]:
    entry = resources.files("hoso.programmes").joinpath("data/qd3891-dataset.json")
    raw = json.loads(entry.read_text(encoding="utf-8"))
    found = tuple(Field(f["no"], f["key"], f["column"], f["en"], bool(f["mandatory"]),
                        f["source"]) for f in raw["fields"])  # fmt: skip
    counts = raw["counts"]
    if len(found) != counts["fields"] or sum(f.mandatory for f in found) != counts["mandatory"]:
        raise ValueError("qd3891-dataset.json: field counts disagree with the decision's")
    return found


def _text(concept: Any) -> str:
    if not isinstance(concept, Mapping):
        return ""
    codings = [c for c in concept.get("coding") or [] if isinstance(c, Mapping)]
    return str(concept.get("text") or next((c.get("display") for c in codings
                                             if c.get("display")), "") or "")  # fmt: skip


def _code(concept: Any) -> str:
    codings = concept.get("coding") if isinstance(concept, Mapping) else None
    return next((str(c["code"]) for c in codings or []
                 if isinstance(c, Mapping) and c.get("code")), "")  # fmt: skip


def _identifier(patient: Mapping[str, Any], system: str) -> str:
    return next((str(i.get("value") or "") for i in patient.get("identifier") or []
                 if isinstance(i, Mapping) and i.get("system") == system), "")  # fmt: skip


def _name(patient: Mapping[str, Any]) -> str:
    for name in patient.get("name") or []:
        if isinstance(name, Mapping):
            given = " ".join(str(g) for g in name.get("given") or [])
            return str(name.get("text") or f"{name.get('family', '')} {given}".strip())
    return ""


def _dmy(value: Any) -> str:
    """dd/mm/yyyy for a FHIR date or dateTime (the day as written)."""
    text = str(value or "")
    return f"{text[8:10]}/{text[5:7]}/{text[:4]}" if len(text) >= 10 else ""


def _performers(imm: Mapping[str, Any], organisation: bool) -> list[Mapping[str, Any]]:
    found = []
    for performer in imm.get("performer") or []:
        actor = performer.get("actor") if isinstance(performer, Mapping) else None
        if isinstance(actor, Mapping):
            is_org = str(actor.get("reference", "")).startswith("Organization/") \
                or actor.get("type") == "Organization"  # fmt: skip
            if is_org == organisation:
                found.append(actor)
    return found


def _facility(imm: Mapping[str, Any]) -> str:
    for actor in _performers(imm, True):
        ident = actor.get("identifier") or {}
        if ident.get("system") == DEFAULT_FACILITY_SYSTEM and ident.get("value"):
            return str(ident["value"])
    return ""


def _observation(ctx: DoseContext) -> Mapping[str, Any] | None:
    return next((o for o in ctx.observations if _code(o.get("code")) == OBSERVATION_30MIN), None)


def _reaction(ctx: DoseContext) -> str:
    """Có when a reaction or an AEFI is recorded; Không when the 30-minute observation
    found none; empty (unknown) otherwise."""
    if ctx.adverse_events or ctx.immunization.get("reaction"):
        return "Có"
    observed = _observation(ctx)
    if observed is not None:
        return "Có" if _code(observed.get("valueCodeableConcept")) == "reaction" else "Không"
    return ""


def _seriousness(ctx: DoseContext) -> str:
    codes = {_code(a.get("seriousness")) for a in ctx.adverse_events}
    return "Nặng" if "serious" in codes else ("Thông thường" if codes else "")


def _dose_number(imm: Mapping[str, Any]) -> str:
    for protocol in imm.get("protocolApplied") or []:
        if isinstance(protocol, Mapping) and protocol.get("doseNumberPositiveInt"):
            return str(protocol["doseNumberPositiveInt"])
    return ""


def _quantity(imm: Mapping[str, Any]) -> str:
    q = imm.get("doseQuantity") or {}
    return f"{q.get('value')} {q.get('unit') or q.get('code') or ''}".strip() if q else ""


_STATUS = {"completed": "Đã tiêm", "not-done": "Không tiêm", "entered-in-error": "Nhập nhầm"}
_FUNDING = {"public": "TCMR", "private": "Dịch vụ"}


def _phone(p: Mapping[str, Any]) -> str:
    return next((str(t.get("value")) for t in p.get("telecom") or []
                 if isinstance(t, Mapping) and t.get("system") == "phone"), "")  # fmt: skip


def _line(p: Mapping[str, Any]) -> str:
    address = next((a for a in p.get("address") or [] if isinstance(a, Mapping)), {})
    return ", ".join(str(x) for x in address.get("line") or [])


def _programme_kind(ctx: DoseContext) -> str:
    """TCMR or service: the funding source, else a series the record names "TCMR" (how
    the synthetic city and vaccination software write the programme's doses)."""
    funded = _FUNDING.get(_code(ctx.immunization.get("fundingSource")), "")
    if funded:
        return funded
    series = {str(p.get("series") or "").upper() for p in ctx.immunization.get("protocolApplied")
              or [] if isinstance(p, Mapping)}  # fmt: skip
    return "TCMR" if "TCMR" in series else ""


def _first_event(ctx: DoseContext) -> Mapping[str, Any]:
    return ctx.adverse_events[0] if ctx.adverse_events else {}


_SEX = {"male": "Nam", "female": "Nữ", "other": "Khác"}
Extract = Callable[[DoseContext], str]
# The child's fields (the same for each of their doses) …
PATIENT_FIELDS: dict[str, Callable[[Mapping[str, Any], str | None], str]] = {
    "ma_doi_tuong": lambda p, _w: str(p.get("id") or ""),
    "ho_ten": lambda p, _w: _name(p),
    "ngay_sinh": lambda p, _w: _dmy(p.get("birthDate")),
    "gioi_tinh": lambda p, _w: _SEX.get(str(p.get("gender")), ""),
    "so_dinh_danh": lambda p, _w: _identifier(p, DEFAULT_CCCD_SYSTEM),
    "so_the_bhyt": lambda p, _w: _identifier(p, DEFAULT_BHYT_SYSTEM),
    "ma_tinh": lambda _p, w: HCMC if w else "",
    "ma_xa": lambda _p, w: w or "",
    "dia_chi": lambda p, _w: _line(p),
    "dien_thoai": lambda p, _w: _phone(p),
}
# … and the dose's: one table, so the export and the completeness check read alike.
DOSE_FIELDS: dict[str, Extract] = {
    "ma_mui_tiem": lambda c: str(c.immunization.get("id") or ""),
    "ngay_tiem": lambda c: _dmy(c.immunization.get("occurrenceDateTime")),
    "ten_vac_xin": lambda c: _text(c.immunization.get("vaccineCode")),
    "ma_vac_xin": lambda c: _code(c.immunization.get("vaccineCode")),
    "benh_phong": lambda c: ", ".join(_text(d) for p in c.immunization.get("protocolApplied")
                                      or [] for d in p.get("targetDisease") or []),
    "mui_thu": lambda c: _dose_number(c.immunization),
    "so_lo": lambda c: str(c.immunization.get("lotNumber") or ""),
    "han_su_dung": lambda c: _dmy(c.immunization.get("expirationDate")),
    "nha_san_xuat": lambda c: str((c.immunization.get("manufacturer") or {}).get("display")
                                  or ""),
    "lieu_luong": lambda c: _quantity(c.immunization),
    "duong_tiem": lambda c: _text(c.immunization.get("route")),
    "vi_tri_tiem": lambda c: _text(c.immunization.get("site")),
    "loai_hinh": _programme_kind,
    "ma_co_so": lambda c: _facility(c.immunization),
    "ten_co_so": lambda c: next((str(a.get("display") or "")
                                 for a in _performers(c.immunization, True)), ""),
    "nguoi_tiem": lambda c: next((str(a.get("display") or a.get("reference") or "")
                                  for a in _performers(c.immunization, False)), ""),
    "theo_doi_30_phut": lambda c: _text((_observation(c) or {}).get("valueCodeableConcept")),
    "phan_ung": _reaction,
    "mo_ta_phan_ung": lambda c: _text(_first_event(c).get("event")),
    "muc_do_phan_ung": _seriousness,
    "ngay_phan_ung": lambda c: _dmy(_first_event(c).get("date")),
    "trang_thai": lambda c: _STATUS.get(str(c.immunization.get("status")), ""),
    "ly_do_khong_tiem": lambda c: _text(c.immunization.get("statusReason")),
    "ghi_chu": lambda c: "; ".join(str(n.get("text") or "")
                                   for n in c.immunization.get("note") or []),
    "ngay_cap_nhat": lambda c: _dmy((c.immunization.get("meta") or {}).get("lastUpdated")),
}  # fmt: skip


def related(immunization: Mapping[str, Any], resources: Mapping[str, Sequence[Mapping[str, Any]]]
            ) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:  # fmt: skip
    """The Observations made as part of the dose (`partOf`) and the AdverseEvents that
    suspect it (`suspectEntity.instance`), among a record's resources."""
    ref = f"Immunization/{immunization.get('id')}"
    observations = [
        o
        for o in resources.get("Observation", ())
        if any(p.get("reference") == ref for p in o.get("partOf") or [])
    ]
    events = [a for a in resources.get("AdverseEvent", ())
              if any((s.get("instance") or {}).get("reference") == ref
                     for s in a.get("suspectEntity") or [])]  # fmt: skip
    return observations, events


def dataset_row(ctx: DoseContext) -> Row:
    """Every field of the dataset for one dose ("" where the record has nothing)."""
    patient = ctx.patient or {}
    values = {k: f(patient, ctx.ward) for k, f in PATIENT_FIELDS.items()}
    values |= {k: f(ctx) for k, f in DOSE_FIELDS.items()}
    return {f.key: values.get(f.key, "") for f in dataset_fields()}


def patient_gaps(patient: Mapping[str, Any], ward: str | None) -> list[str]:
    """The mandatory fields of the child that the record lacks (the same for every
    dose of theirs)."""
    return [f.key for f in dataset_fields()
            if f.mandatory and f.key in PATIENT_FIELDS and not PATIENT_FIELDS[f.key](
                patient, ward)]  # fmt: skip


def dose_gaps(ctx: DoseContext) -> list[str]:
    """The mandatory fields of the dose itself that the record lacks."""
    return [f.key for f in dataset_fields()
            if f.mandatory and f.key in DOSE_FIELDS and not DOSE_FIELDS[f.key](ctx)]  # fmt: skip


def missing_mandatory(immunization: Mapping[str, Any], ctx: DoseContext | None = None
                      ) -> list[str]:  # fmt: skip
    """The keys of the mandatory fields the dose lacks. Without a context (the child,
    ward, observation) only the dose's own fields are checked, and not the reaction
    (which the 30-minute observation beside it tells)."""
    if ctx is None:
        return [k for k in dose_gaps(DoseContext(immunization)) if k != "phan_ung"]
    return patient_gaps(ctx.patient or {}, ctx.ward) + dose_gaps(ctx)


def _header() -> list[str]:
    return [f.column for f in dataset_fields()] + ["Thiếu trường bắt buộc"]


def _cells(rows: Iterable[Row]) -> Iterable[list[str]]:
    mandatory = [f.key for f in dataset_fields() if f.mandatory]
    for row in rows:
        missing = [k for k in mandatory if not row.get(k)]
        yield [row.get(f.key, "") for f in dataset_fields()] + [", ".join(missing)]


def write_csv(rows: Iterable[Row]) -> str:
    """UTF-8 CSV (with a byte-order mark, so a spreadsheet opens the diacritics right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_header())
    writer.writerows(_cells(rows))
    return "\ufeff" + out.getvalue()


def write_xlsx(rows: Iterable[Row], sheet: str = "TiemChung") -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(_header())
    for cells in _cells(rows):
        ws.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
