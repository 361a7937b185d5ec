"""The XML0 check-in document (trạng thái KCB): sent right after the first billable
item, before the episode's XML1 exists. It is mapped to the Patient, Coverage and an
in-progress Encounter with the same business identifier as the later XML1 will have,
so the full record replaces it in place. The document's own facility signature
(`CHUKYDONVI`, signature.py) is checked as a GIAMDINHHS file's is, and the original is
kept as a DocumentReference of its own ("checkin"), with the server's Provenance.
"""

from __future__ import annotations

from hoso.core.settings import Settings
from hoso.ingest.xml130.bundle import add_paper_trail
from hoso.ingest.xml130.context import EpisodeContext
from hoso.ingest.xml130.encounter import add_encounter
from hoso.ingest.xml130.fields import check_row
from hoso.ingest.xml130.messages import Findings, Xml130Episode, Xml130File
from hoso.ingest.xml130.patient import add_coverages, add_patient
from hoso.ingest.xml130.signature import check_signature, report_signature
from hoso.ingest.xml130.spec_conditions import check_conditions
from hoso.ingest.xml130.wrapper import XmlRefused, parse_document, table_rows


def map_checkin(data: bytes, settings: Settings) -> Xml130File:
    findings = Findings()
    try:
        root = parse_document(data)
    except XmlRefused as exc:
        findings.error("XML0", None, None, exc.vi, exc.en)
        return Xml130File(None, [], findings.items)
    signature = check_signature(data, root)
    report_signature(signature, settings, findings, "XML0")
    rows = table_rows(root)
    if not rows:
        findings.error("XML0", None, None, "không có dòng check-in nào", "no check-in row")
        return Xml130File(None, [], findings.items)
    row = rows[0]  # later rows repeat the person and visit for other billable items
    check_row("XML0", 1, row, findings)
    facility, ma_lk = row.get("MA_CSKCB"), row.get("MA_LK")
    for number, other in enumerate(rows, 1):
        # Each row is one billable item: its service, drug or supply is checked per row.
        check_conditions("XML0", number, other, None, findings)
        if other.get("MA_LK") != ma_lk:
            findings.error("XML0", number, "MA_LK", "MA_LK khác dòng 1", "MA_LK differs from row 1")
    bundle, provenance = None, None
    if facility and ma_lk:
        ctx = EpisodeContext(settings, facility, ma_lk, findings)
        place = ctx.place("XML0", 1)
        add_patient(ctx, place, row)
        add_coverages(ctx, place, row)
        encounter = add_encounter(ctx, place, row)
        encounter["status"] = "in-progress"  # check-in has no NGAY_RA: the visit goes on
        provenance = add_paper_trail(ctx, data, signature, "checkin")
        bundle = {"resourceType": "Bundle", "type": "transaction", "entry": ctx.entries}
    rejected = findings.rejected
    episode = Xml130Episode(ma_lk, facility, findings.items, None if rejected else bundle, data,
                            None if rejected else provenance)  # fmt: skip
    return Xml130File(facility, [episode], [])
