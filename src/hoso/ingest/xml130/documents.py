"""What the paper tables (XML7–XML11, XML13, XML15) share: one Composition per row.

A paper is a document a person signed, not a set of findings: its fields are kept as
the narrative of the Composition's sections (`section.text`, status `generated`, an
XHTML `<div>` with every value escaped), grouped as the printed form groups them.
Codes stay strings, as sent; dates are checked (`yyyyMMdd` / `yyyyMMddHHmm`) and
shown in ISO form, so a malformed date is an error naming the field like elsewhere.

Composition: status final; type the paper's LOINC code where one fits (18842-5
discharge summary, 34133-9 summary of episode, 57133-1 referral note) and always the
table in the Hồ Sơ code system `bang-xml130`; subject the patient; encounter the
episode; author the facility (by its code) and the signer by name; date NGAY_CT (the
episode's discharge/admission if the paper has none). The signers are attesters: the
head of the facility or the person it delegated (MA_TTDV, a BHXH number) `legal`, the
doctor (MA_BS: BHXH number; MA_BAC_SI: practising certificate) `professional`.

One Composition per row, identifier `<MA_CSKCB>-<MA_LK>-XMLn-<row>`: a resubmitted
episode replaces its papers in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from hoso.ingest.xml130.context import EpisodeContext
from hoso.ingest.xml130.fields import Place, date_time, day
from hoso.ingest.xml130.patient import CS
from hoso.ingest.xml130.wrapper import Row

LOINC = "http://loinc.org"
PAPER_TABLE = CS + "bang-xml130"
XHTML = "http://www.w3.org/1999/xhtml"
# yyyyMMdd fields of the paper tables (GT_THE_DEN may be a `;` list: kept as text)
DAY_FIELDS = frozenset({
    "NGAY_CT", "TU_NGAY", "DEN_NGAY", "NGOAITRU_TUNGAY", "NGOAITRU_DENNGAY", "NGAYSINH_NND",
    "NGAYCAP_CCCD_NND", "NGAY_SINHCON", "NGAY_CONCHET", "NGAYBD_DTRI_LAO", "NGAYKT_DTRI_LAO",
    "NGAYKD_HIV", "BDDT_ARV", "NGAY_BAT_DAU_DT_CTX", "NGAY_XN_TLVR", "NGAY_KQ_XN_TLVR",
    "NGAY_XN_PCR", "NGAY_KQ_XN_PCR", "NGAY_NHAN_TT_MANG_THAI", "NGAY_BAT_DAU_XU_TRI",
    "NGAY_KET_THUC_XU_TRI", "NGAY_CHUYEN_PHAC_DO",
})  # fmt: skip
# yyyyMMddHHmm fields
MOMENT_FIELDS = frozenset({"NGAY_VAO", "NGAY_VAO_NOI_TRU", "NGAY_RA", "THOIGIAN_DINHCHI",
                           "NGAY_SINH_CON", "NGAY_HEN_KL"})  # fmt: skip

Fields = tuple[tuple[str, str], ...]  # (field, Vietnamese label)


@dataclass(frozen=True)
class Signer:
    field: str  # the signer's number
    name: str | None  # the field with the signer's name, if the table has one
    mode: str  # attester mode: legal | professional
    role: str  # shown when there is no name
    kind: str = "bhxh"  # bhxh: a BHXH number; cchn: a practising certificate


@dataclass(frozen=True)
class Paper:
    table: str
    title: str
    loinc: tuple[str, str] | None
    sections: tuple[tuple[str, Fields], ...]
    signers: tuple[Signer, ...] = ()
    date_field: str = "NGAY_CT"


HEAD = Signer("MA_TTDV", None, "legal", "Thủ trưởng cơ sở KBCB hoặc người được uỷ quyền")


def checked_dates(place: Place, row: Row) -> dict[str, str]:
    """ISO form of every date field of the row; a malformed one is reported and left out."""
    found = {}
    for name in row:
        value = (day(place, row, name) if name in DAY_FIELDS
                 else date_time(place, row, name) if name in MOMENT_FIELDS else None)  # fmt: skip
        if value:
            found[name] = value
    return found


def narrative(lines: list[tuple[str, str]]) -> dict[str, str]:
    """FHIR Narrative of `(label, value)` lines: XHTML, every value escaped."""
    body = "".join(f"<p><b>{escape(label, False)}</b>: {escape(value, False)}</p>"
                   for label, value in lines)  # fmt: skip
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{body}</div>'}


def sections(paper: Paper, row: Row, dates: dict[str, str]) -> list[dict[str, Any]]:
    found = []
    for title, fields in paper.sections:
        lines = [(label, dates.get(name, row[name])) for name, label in fields if name in row]
        if lines:
            found.append({"title": title, "text": narrative(lines)})
    return found


def person(ctx: EpisodeContext, signer: Signer, row: Row) -> dict[str, Any] | None:
    """A reference to a signer by number (no Practitioner is created: the HIS does not
    send one), with the name as display when the table has it."""
    number = row.get(signer.field)
    if not number:
        return None
    system = (ctx.settings.bhxh_system if signer.kind == "bhxh"
              else f"{ctx.settings.facility_system}/{ctx.facility}/bac-si")  # fmt: skip
    name = row.get(signer.name) if signer.name else None
    return {"identifier": {"system": system, "value": number},
            "display": name or f"{signer.role} ({number})"}  # fmt: skip


def paper_type(paper: Paper) -> dict[str, Any]:
    codings = [{"system": LOINC, "code": paper.loinc[0], "display": paper.loinc[1]}] if (
        paper.loinc) else []  # fmt: skip
    codings.append({"system": PAPER_TABLE, "code": paper.table, "display": paper.title})
    return {"coding": codings, "text": paper.title}


def composition(ctx: EpisodeContext, paper: Paper, number: int, row: Row,
                security: list[dict[str, str]] | None = None) -> str | None:  # fmt: skip
    """Add the row's Composition; its urn, or None when it has no date at all."""
    place = ctx.place(paper.table, number)
    dates = checked_dates(place, row)
    when = dates.get(paper.date_field) or ctx.episode_date
    if not when:
        return None
    resource: dict[str, Any] = {
        "resourceType": "Composition",
        "status": "final",
        "type": paper_type(paper),
        "subject": ctx.subject,
        "encounter": ctx.encounter,
        "date": when,
        "author": [ctx.facility_ref],
        "title": paper.title,
        "custodian": ctx.facility_ref,
    }
    if security:
        resource["meta"] = {"security": security}
    attesters = []
    for signer in paper.signers:
        party = person(ctx, signer, row)
        if party:
            attester = {"mode": signer.mode, "party": party}
            if paper.date_field in dates:
                attester["time"] = dates[paper.date_field]
            attesters.append(attester)
    if attesters:
        resource["attester"] = attesters
        # the signer's name on the paper, as the person who wrote it
        resource["author"].append({"display": attesters[0]["party"]["display"]})
    found = sections(paper, row, dates)
    if found:
        resource["section"] = found
    return ctx.put(resource, paper.table, str(number))
