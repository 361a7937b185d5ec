# ruff: noqa: E501 - each segment stays whole on one line, as on the wire
"""Realistic HL7 v2.5 messages from a district hospital's HIS (facility 79001), as a
sender puts them on the wire: segments separated by carriage returns."""

from __future__ import annotations

FACILITY = "79001"
CCCD = "079085001234"
BHYT = "GD4797920012345"


def join(*segments: str) -> str:
    return "\r".join(segments) + "\r"


MSH = "MSH|^~\\&|HIS_BVQ1|{facility}^^L|HOSO|SYT_HCM|20250312083000+0700||{type}|{id}|P|2.5|||AL|NE|VN|{charset}"
PID = (
    f"PID|1||{CCCD}^^^BCA^NNVNM~{BHYT}^^^BHXH^HC~BN0042^^^BVQ1^MR||"
    "Nguyễn^An^Văn||19850214|M|||12 Lê Lợi^Phường Bến Thành^Quận 1^Thành phố Hồ Chí Minh^^VN||0903123456"
)


def pv1(kind: str, location: str, visit: str, admit: str, discharge: str = "") -> str:
    """PV1 by field number: 2 class, 3 location, 7 attending, 19 visit, 44/45 dates."""
    fields = [""] * 46
    fields[0], fields[1], fields[2], fields[3] = "PV1", "1", kind, location
    fields[7], fields[19], fields[44], fields[45] = "BS001^Trần^Bình", visit, admit, discharge
    return "|".join(fields).rstrip("|")


PV1_IN = pv1("I", "NOI^301^2", "VV2025-0001", "20250312080500")
PV1_OUT = pv1("O", "KHAM^P5", "KB2025-0777", "202503120830")


def msh(
    kind: str, control_id: str, *, facility: str = FACILITY, charset: str = "UNICODE UTF-8"
) -> str:
    return MSH.format(facility=facility, type=kind, id=control_id, charset=charset)


def adt(event: str, control_id: str = "ADT0001", *, pv1: str = PV1_IN, **kw: str) -> str:
    return join(
        msh(f"ADT^{event}^ADT_A01", control_id, **kw), f"EVN|{event}|20250312083000", PID, pv1
    )


ADT_A01 = adt("A01")
ADT_A04 = adt("A04", "ADT0002", pv1=PV1_OUT)
ADT_A08 = adt("A08", "ADT0003")
ADT_A03 = adt(
    "A03", "ADT0004", pv1=pv1("I", "NOI^301^2", "VV2025-0001", "20250312080500", "20250318101500")
)

ORU_R01 = join(
    msh("ORU^R01^ORU_R01", "LAB0001"),
    PID,
    PV1_OUT,
    "ORC|RE|CD-555|XN-2025-0091",
    "OBR|1|CD-555|XN-2025-0091|24323-8^Comprehensive metabolic panel^LN|||20250312070000|||||||||||||||20250312093000|||F",
    "OBX|1|NM|2345-7^Glucose [Mass/volume] in Serum or Plasma^LN||6.4|mmol/L|3.9-6.1|H|||F|||20250312091500",
    "OBX|2|ST|XN-NT^Nhận xét^L||Mẫu hơi vỡ hồng cầu||||||C|||20250312091500",
    "OBX|3|CWE|94500-6^SARS-CoV-2 RNA^LN||260385009^Âm tính^SCT||||||P",
)

VXU_V04 = join(
    msh("VXU^V04^VXU_V04", "VAC0001"),
    PID,
    "ORC|RE||TC-2025-1234",
    "RXA|0|1|20250310093000|20250310093000|08^Hep B, adolescent or pediatric^CVX|0.5|mL^^UCUM||00^New^NIP001||||||AB1234||MSD^Merck Sharp \\T\\ Dohme^MVX|||CP",
    "ORC|RE||TC-2025-1235",
    "RXA|0|1|20250310094000||QT-BCG^Vắc xin BCG^VN-TCMR|0.1|mL||||||||IVAC-77||IVAC^Viện Vắc xin và Sinh phẩm Y tế^MVX|||RE",
)

ADT_A40 = join(
    msh("ADT^A40^ADT_A39", "MRG0001"),
    "EVN|A40|20250312083000",
    PID,
    "MRG|079085009999^^^BCA^NNVNM",
)
