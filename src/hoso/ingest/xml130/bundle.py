"""One HOSO → one transaction Bundle: the checks across tables, then the mapping.

Checks across tables: every row of XML2–XML15 must carry the MA_LK of XML1 (an error
naming the table and row otherwise: rows of another episode must not be filed under
this patient). A STT used twice in one table is an error too: STT is part of each
resource's business identifier, so two rows would overwrite each other on the server.
Each row also gets the check sheets' conditional checks (spec_conditions.py), some of
them against XML1 ("if given, the same as XML1"; XML8 only for inpatient-like visits).

Entry order: Patient, Encounter (the facility's care claim, before the rest of the
person's record), Coverages, Conditions, MedicationRequests each followed by its
MedicationDispense, Procedures, lab Observations and DiagnosticReports, clinical-course
Observations, HIV-labelled XML6 resources (hiv.py), the papers XML7–XML11 and XML15
(papers.py), the referral XML13 (referral.py), the appointment XML14 (appointment.py),
the DocumentReference with the original HOSO XML, and the Provenance of it all.

XML12 (giám định y khoa) is entered on the BHXH gateway, never sent by a HIS: a record
carrying it gets a warning and the table is ignored. The archive DocumentReference
holds the original bytes, XML6 included: when any resource of the episode carries the
HIV label, so does the archive, or the label would be bypassed by reading the original.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from hoso.core.settings import Settings
from hoso.fhir.security_labels import HIV, resource_labels
from hoso.ingest.xml130.appointment import add_appointment
from hoso.ingest.xml130.context import EpisodeContext
from hoso.ingest.xml130.course import add_course
from hoso.ingest.xml130.drugs import add_drug
from hoso.ingest.xml130.encounter import add_conditions, add_encounter
from hoso.ingest.xml130.fields import Place, check_row, date_time
from hoso.ingest.xml130.hiv import add_hiv, hiv_security
from hoso.ingest.xml130.labs import add_labs
from hoso.ingest.xml130.messages import Findings, Xml130Episode
from hoso.ingest.xml130.papers import add_paper
from hoso.ingest.xml130.patient import GENDER, add_coverages, add_patient
from hoso.ingest.xml130.referral import add_referral
from hoso.ingest.xml130.services import add_service
from hoso.ingest.xml130.signature import (
    VALID,
    FacilitySignature,
    report_signature,
    signature_extension,
)
from hoso.ingest.xml130.spec_conditions import check_conditions
from hoso.ingest.xml130.wrapper import Row, Table, read_table

DETAIL_TABLES = ("XML2", "XML3", "XML4", "XML5", "XML6", "XML7", "XML8", "XML9", "XML10",
                 "XML11", "XML13", "XML14", "XML15")  # fmt: skip
PAPER_TABLES = ("XML7", "XML8", "XML9", "XML10", "XML11", "XML15")
_DOCUMENT_TYPES = {
    "hoso": "Hồ sơ XML theo QĐ 130/QĐ-BYT, sửa đổi bởi QĐ 4750/QĐ-BYT",
    "checkin": "Check-in XML0 (trạng thái KCB) theo QĐ 4750/QĐ-BYT",
}


def _tables(hoso: ET.Element, findings: Findings) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for file_element in hoso.findall("FILEHOSO"):
        table = read_table(file_element, findings)
        if table is None:
            continue
        if table.name == "XML12":
            findings.warning("XML12", None, None,
                             "XML12 (giám định y khoa) do cổng BHXH nhập, không do HIS gửi: "
                             "bỏ qua", "XML12 (medical assessment) is entered on the BHXH "
                             "gateway, not sent by a HIS: ignored")  # fmt: skip
            continue
        if table.name in tables:
            findings.error(table.name, None, "LOAIHOSO", "bảng gửi hai lần trong một hồ sơ",
                           "table sent twice in one record")  # fmt: skip
            continue
        tables[table.name] = table
    return tables


def _check_details(tables: dict[str, Table], summary: Row, findings: Findings) -> None:
    ma_lk = summary.get("MA_LK")
    for name in DETAIL_TABLES:
        seen: dict[str, int] = {}
        for number, row in enumerate(tables[name].rows if name in tables else [], 1):
            check_row(name, number, row, findings)
            check_conditions(name, number, row, summary, findings)
            if ma_lk and row.get("MA_LK") and row["MA_LK"] != ma_lk:
                findings.error(name, number, "MA_LK",
                               f"MA_LK '{row['MA_LK']}' khác MA_LK của XML1 '{ma_lk}'",
                               f"MA_LK '{row['MA_LK']}' differs from XML1's '{ma_lk}'")  # fmt: skip
            stt = row.get("STT")
            if stt is not None and stt in seen:
                findings.error(name, number, "STT", f"STT {stt} trùng với dòng {seen[stt]}",
                               f"STT {stt} repeats row {seen[stt]}")  # fmt: skip
            elif stt is not None:
                seen[stt] = number


def map_episode(hoso: ET.Element, wrapper_facility: str | None, settings: Settings,
                signature: FacilitySignature) -> Xml130Episode:  # fmt: skip
    findings = Findings()
    report_signature(signature, settings, findings, "GIAMDINHHS")
    source = ET.tostring(hoso, encoding="utf-8")
    tables = _tables(hoso, findings)
    summary = tables.get("XML1")
    if summary is None or not summary.rows:
        findings.error("XML1", None, None, "thiếu bảng XML1 (tổng hợp)", "XML1 (summary) missing")
        return Xml130Episode(None, wrapper_facility, findings.items, None, source)
    row = summary.rows[0]
    if len(summary.rows) > 1:
        findings.error("XML1", 2, None, "XML1 chỉ được có một dòng cho mỗi hồ sơ",
                       "XML1 must have one row per record")  # fmt: skip
    check_row("XML1", 1, row, findings)
    check_conditions("XML1", 1, row, row, findings)
    facility = row.get("MA_CSKCB") or wrapper_facility
    if facility is None:
        findings.error("XML1", 1, "MA_CSKCB", "thiếu mã cơ sở KBCB", "facility code missing")
    elif wrapper_facility and facility != wrapper_facility:
        findings.warning("XML1", 1, "MA_CSKCB", f"khác MACSKCB của tệp '{wrapper_facility}'",
                         f"differs from the file's MACSKCB '{wrapper_facility}'")  # fmt: skip
    ma_lk = row.get("MA_LK")
    _check_details(tables, row, findings)
    bundle = None
    if facility and ma_lk:
        ctx = EpisodeContext(settings, facility, ma_lk, findings)
        _map(ctx, row, tables)
        provenance = add_paper_trail(ctx, source, signature)
        bundle = {"resourceType": "Bundle", "type": "transaction", "entry": ctx.entries}
        return Xml130Episode(ma_lk, facility, findings.items,
                             None if findings.rejected else bundle, source,
                             None if findings.rejected else provenance)  # fmt: skip
    return Xml130Episode(ma_lk, facility, findings.items, None, source)


def _detail_rows(tables: dict[str, Table], name: str) -> list[tuple[int, Row]]:
    table = tables.get(name)
    # rows without STT were reported (and reject the episode): nothing to key them by
    return [(n, r) for n, r in enumerate(table.rows, 1) if "STT" in r] if table else []


def _map(ctx: EpisodeContext, row: Row, tables: dict[str, Table]) -> None:
    place = ctx.place("XML1", 1)
    add_patient(ctx, place, row)
    quiet = Place("XML1", 1, Findings())  # add_encounter reports XML1's dates
    ctx.episode_date = date_time(quiet, row, "NGAY_RA") or date_time(quiet, row, "NGAY_VAO") or ""
    # The Encounter before anything else of the person's: a facility's own token may
    # write to a resident's record once it has filed the care (its care claim).
    encounter = add_encounter(ctx, place, row)
    add_coverages(ctx, place, row)
    add_conditions(ctx, place, row, encounter, GENDER.get(row.get("GIOI_TINH", "")))
    for number, detail in _detail_rows(tables, "XML2"):
        add_drug(ctx, number, detail)
    for number, detail in _detail_rows(tables, "XML3"):
        add_service(ctx, number, detail)
    add_labs(ctx, [(n, r) for n, r in _detail_rows(tables, "XML4") if "TEN_CHI_SO" in r])
    for number, detail in _detail_rows(tables, "XML5"):
        if "DIEN_BIEN_LS" in detail:
            add_course(ctx, number, detail)
    _map_papers(ctx, tables, encounter)


def _rows(tables: dict[str, Table], name: str) -> list[tuple[int, Row]]:
    """The rows of a table keyed by position (most paper tables have no STT)."""
    return list(enumerate(tables[name].rows, 1)) if name in tables else []


def _map_papers(ctx: EpisodeContext, tables: dict[str, Table], encounter: dict) -> None:
    for number, detail in _rows(tables, "XML6"):
        add_hiv(ctx, number, detail)
    for name in PAPER_TABLES:
        for number, detail in _rows(tables, name):
            add_paper(ctx, name, number, detail)
    for number, detail in _rows(tables, "XML13"):
        add_referral(ctx, number, detail)
    discharge = encounter.get("period", {}).get("end")
    for number, detail in _rows(tables, "XML14"):
        add_appointment(ctx, number, detail, discharge)


def add_paper_trail(ctx: EpisodeContext, source: bytes, signature: FacilitySignature,
                    kind: str = "hoso") -> dict[str, Any]:  # fmt: skip
    """The original XML as a DocumentReference in the Bundle, and the Provenance naming
    the facility as the source of every resource of the episode, returned: the server
    writes it (`hoso.ingest.intake`), a sender may not. `kind` is "hoso" for a record of
    a GIAMDINHHS file, "checkin" for an XML0 document (both originals are kept).

    The facility signature's result rides on the DocumentReference (an extension, and
    the facility as `authenticator` when valid). A GIAMDINHHS signature covers the whole
    file while the DocumentReference holds this record's HOSO only: the result is what
    was found on arrival, not something to check again from the record (a check-in's
    DocumentReference holds the whole signed document, so that one can be)."""
    targets = [{"reference": e["fullUrl"]} for e in ctx.entries]
    checked = datetime.now(UTC).isoformat(timespec="seconds")
    document: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "extension": [signature_extension(signature, checked)],
        "status": "current",
        "type": {"text": _DOCUMENT_TYPES[kind]},
        "subject": ctx.subject,
        "custodian": ctx.facility_ref,
        "content": [{"attachment": {"contentType": "application/xml",
                                    "data": base64.b64encode(source).decode("ascii")}}],
        "context": {"encounter": [ctx.encounter]},
    }  # fmt: skip
    if signature.status == VALID:
        document["authenticator"] = ctx.facility_ref
    if any(HIV in resource_labels(e["resource"]) for e in ctx.entries):
        document["meta"] = {"security": hiv_security()}
    document_urn = ctx.put(document, kind)
    provenance = {
        "resourceType": "Provenance",
        "target": targets,
        "recorded": checked,
        # By its code: the server writes this outside the Bundle, where a conditional
        # reference is not resolved.
        "agent": [{"who": {"identifier": ctx.facility_ref["identifier"]}}],
        "entity": [{"role": "source", "what": {"reference": document_urn}}],
    }
    return provenance
