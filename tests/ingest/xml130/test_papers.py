"""XML6–XML15 → HIV-labelled resources, Appointment, referral, papers (Compositions)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from hoso.fhir.security_labels import HIV, SEX, resource_labels
from hoso.ingest.xml130 import Xml130Episode
from tests.ingest.xml130.files import appointment, discharge, every_table, outpatient, summary
from tests.ingest.xml130.test_parse import FAC, _episode, _errors

XHTML = "{http://www.w3.org/1999/xhtml}"


def _kinds_with(episode: Xml130Episode, label: str) -> list[str]:
    assert episode.bundle is not None, [str(m) for m in episode.messages]
    return [e["resource"]["identifier"][0]["value"] if isinstance(
        e["resource"]["identifier"], list) else e["resource"]["identifier"]["value"]
        for e in episode.bundle["entry"] if label in resource_labels(e["resource"])]  # fmt: skip


def _by_id(episode: Xml130Episode, value: str) -> dict[str, Any]:
    assert episode.bundle is not None
    for entry in episode.bundle["entry"]:
        ident = entry["resource"].get("identifier")
        first = ident[0] if isinstance(ident, list) else ident
        if first and first["value"] == value:
            return entry
    raise AssertionError(value)


def _text(section: dict[str, Any]) -> str:
    div = ET.fromstring(section["text"]["div"])  # well-formed XHTML or this raises
    assert div.tag == XHTML + "div" and section["text"]["status"] == "generated"
    return "".join(div.itertext())


def test_every_table_maps_without_error() -> None:
    episode = _episode(every_table())
    assert not _errors(episode.messages), [str(m) for m in episode.messages]
    kinds = [e["resource"]["resourceType"] for e in episode.bundle["entry"]]
    assert kinds[:2] == ["Patient", "Encounter"]
    assert kinds.count("Composition") == 7  # XML7–11, 13, 15
    assert kinds.count("Appointment") == 1 and kinds.count("ServiceRequest") == 1


def test_hiv_label_on_every_xml6_resource_and_nothing_else() -> None:
    episode = _episode(every_table())
    labelled = _kinds_with(episode, HIV)
    key = "79001-LK0001-"
    assert sorted(labelled) == sorted([
        key + "XML6-1", key + "XML6-1-tlvr", key + "XML6-1-arv",  # XML6 (no PCR: adult)
        key + "XML15-1-hiv",  # XML15's HIV status fields
        key + "hoso",  # the archive holds the original XML6 bytes
    ])  # fmt: skip
    for value in labelled:
        security = _by_id(episode, value)["resource"]["meta"]["security"]
        assert {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HIV",
                "display": "HIV/AIDS"} in security  # fmt: skip
    tb = _by_id(episode, key + "XML15-1")["resource"]
    assert "meta" not in tb and "NGAYKD_HIV" not in str(tb) and "2020-01-15" not in str(tb)


def test_no_hiv_label_without_xml6() -> None:
    tables = every_table()
    del tables["XML6"], tables["XML15"]
    assert _kinds_with(_episode(tables), HIV) == []


def test_xml6_field_by_field() -> None:
    episode = _episode(every_table())
    panel = _by_id(episode, "79001-LK0001-XML6-1")["resource"]
    assert panel["resourceType"] == "Observation" and panel["status"] == "final"
    values = {c["code"]["coding"][0]["code"]: c.get("valueString", c.get("valueDateTime"))
              for c in panel["component"]}  # fmt: skip
    assert values["NGAYKD_HIV"] == "2020-01-15" and values["MA_XU_TRI"] == "1;4"
    assert values["SO_NGAY_CAP_THUOC_ARV"] == "090"  # codes and counts kept as strings
    assert values["NOI_XN_KD"] == "79002" and values["GIAI_DOAN_LAM_SANG"] == "1"
    assert "MA_THE_BHYT" not in values and "MA_CSKCB" not in values  # XML1's business
    load = _by_id(episode, "79001-LK0001-XML6-1-tlvr")["resource"]
    assert load["valueCodeableConcept"]["coding"][0]["code"] == "1"
    assert load["valueCodeableConcept"]["text"] == "Không phát hiện"
    assert load["effectiveDateTime"] == "2025-03-01"
    plan = _by_id(episode, "79001-LK0001-XML6-1-arv")["resource"]
    assert plan["period"] == {"start": "2025-03-10", "end": "2025-06-09"}
    assert plan["activity"][0]["detail"]["code"]["coding"][0]["code"] == "1c"


def test_xml14_appointment_field_by_field() -> None:
    entry = _by_id(_episode(every_table()), "79001-LK0001-XML14-1")
    assert entry["request"]["method"] == "PUT"
    assert entry["request"]["url"] == f"Appointment?identifier={FAC}|79001-LK0001-XML14-1"
    appt = entry["resource"]
    assert appt["status"] == "booked"
    assert appt["start"] == appt["end"] == "2025-04-10T08:00:00+07:00"
    assert appt["participant"][0]["actor"]["reference"].startswith("urn:uuid:")
    assert appt["participant"][1]["actor"]["identifier"]["value"] == "BS001"
    assert appt["reasonCode"][0]["coding"][0]["code"] == "I10"
    assert appt["reasonCode"][0]["text"] == "Tăng huyết áp vô căn"
    assert appt["identifier"][1]["value"] == "HKL-0099" and appt["created"] == "2025-03-10"
    assert "Tăng huyết áp vô căn" in appt["description"]


def test_xml13_referral_field_by_field() -> None:
    episode = _episode(every_table())
    request = _by_id(episode, "79001-LK0001-XML13-1-referral")
    assert request["resource"]["resourceType"] == "ServiceRequest"
    sr = request["resource"]
    assert sr["intent"] == "order" and sr["authoredOn"] == "2025-03-10T11:30:00+07:00"
    assert sr["performer"][0]["identifier"] == {"system": FAC, "value": "79010"}
    assert sr["requester"]["reference"] == f"Organization?identifier={FAC}|79001"
    codes = [c["code"] for r in sr["reasonCode"] for c in r.get("coding", [])]
    assert codes == ["I10", "E11.9", "2"]
    note = _by_id(episode, "79001-LK0001-XML13-1")
    assert sr["supportingInfo"] == [{"reference": note["fullUrl"]}]
    doc = note["resource"]
    assert doc["type"]["coding"][0]["code"] == "57133-1"
    assert doc["author"][-1]["display"].endswith("(7912345678)")
    assert doc["attester"][0]["mode"] == "legal"
    text = " ".join(_text(s) for s in doc["section"])
    assert "Huyết áp 180/100" in text and "Xe cấp cứu" in text and "GCT-0042" in text


def test_xml7_discharge_paper_escapes_narrative() -> None:
    episode = _episode(every_table())
    entry = _by_id(episode, "79001-LK0001-XML7-1")
    doc = entry["resource"]
    assert entry["request"]["url"] == f"Composition?identifier={FAC}|79001-LK0001-XML7-1"
    assert doc["identifier"] == {"system": FAC, "value": "79001-LK0001-XML7-1"}  # 0..1
    assert doc["status"] == "final" and doc["type"]["coding"][0]["code"] == "18842-5"
    assert doc["subject"]["reference"] == episode.bundle["entry"][0]["fullUrl"]
    assert doc["encounter"]["reference"] == episode.bundle["entry"][1]["fullUrl"]
    assert doc["author"][0]["reference"] == f"Organization?identifier={FAC}|79001"
    assert doc["date"] == "2025-03-10"
    assert [a["party"]["display"] for a in doc["attester"]][1] == "Trần Văn Bình"
    assert "&lt;độ 2&gt; &amp; đái" in doc["section"][1]["text"]["div"]
    assert "Tăng huyết áp <độ 2> & đái tháo đường" in _text(doc["section"][1])


def test_other_papers_and_their_types() -> None:
    episode = _episode(every_table())
    key = "79001-LK0001-"
    summary_doc = _by_id(episode, key + "XML8-1")["resource"]
    assert summary_doc["type"]["coding"][0]["code"] == "34133-9"
    birth = _by_id(episode, key + "XML9-1")["resource"]
    assert "3200" in " ".join(_text(s) for s in birth["section"])
    assert "2025-03-10T09:30:00+07:00" in " ".join(_text(s) for s in birth["section"])
    for table in ("XML10", "XML11", "XML15"):
        doc = _by_id(episode, key + table + "-1")["resource"]
        assert doc["type"]["coding"][-1]["code"] == table and doc["section"]


def test_terminated_pregnancy_is_labelled_sex() -> None:
    tables = every_table()
    tables["XML7"] = [discharge(MA_DINH_CHI_THAI="1", NGUYENNHAN_DINHCHI="Thai dị tật",
                                THOIGIAN_DINHCHI="202503100900", TUOI_THAI="18")]  # fmt: skip
    assert _kinds_with(_episode(tables), SEX) == ["79001-LK0001-XML7-1"]


def test_xml14_malformed_date_is_an_error() -> None:
    tables = {**outpatient(), "XML14": [appointment(NGAY_HEN_KL="10/04/2025")]}
    episode = _episode(tables)
    assert episode.bundle is None
    assert _errors(episode.messages, table="XML14", row=1, field="NGAY_HEN_KL")


def test_xml14_other_episode_is_an_error() -> None:
    tables = {**outpatient(), "XML14": [appointment(MA_LK="LK9999")]}
    episode = _episode(tables)
    assert episode.bundle is None
    assert _errors(episode.messages, table="XML14", row=1, field="MA_LK")


def test_xml14_before_discharge_is_a_warning() -> None:
    tables = {**outpatient(), "XML14": [appointment(NGAY_HEN_KL="202503100900")]}
    episode = _episode(tables)
    assert episode.bundle is not None
    assert any(m.table == "XML14" and m.severity == "warning" for m in episode.messages)


def test_xml12_is_ignored_with_a_warning() -> None:
    tables = {"XML1": [summary()], "XML12": [{"MA_LK": "LK0001", "SO_BIEN_BAN": "1"}]}
    episode = _episode(tables)
    assert episode.bundle is not None
    assert [m.severity for m in episode.messages if m.table == "XML12"] == ["warning"]
