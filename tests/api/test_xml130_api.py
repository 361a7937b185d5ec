"""XML 130 files over HTTP (issue 16 point 2): `POST /api/xml130` with a facility's
token, and the BHXH gateway's own call shape. Both backends; what was written is read
back through FHIR."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access import claims as roles
from hoso.access.gateway_login import md5_upper
from hoso.api.app import create_app
from hoso.core.vi_format import HCMC
from hoso.store.sql_store import SqlStore
from tests.api.conftest import FHIR_JSON, bearer
from tests.ingest.xml130.files import every_table, giamdinhhs, hoso, outpatient, summary
from tests.ingest.xml130.signing import sign

FACILITY = "79001"
XML = {"Content-Type": "application/xml"}


@pytest.fixture
def his(app: FastAPI, client: TestClient) -> Iterator[TestClient]:
    """The facility's system: its Organization on file, its token on every call."""
    org = {"resourceType": "Organization", "active": True, "name": "Trạm y tế phường Bến Thành",
           "identifier": [{"system": app.state.settings.facility_system, "value": FACILITY}]}
    assert client.post("/fhir/Organization", json=org, headers=FHIR_JSON).status_code == 201
    token = bearer(app, role=roles.FACILITY_SYSTEM, scopes=("system/*.cruds",),
                   facility=FACILITY, client_id="his-79001")  # fmt: skip
    with TestClient(app, raise_server_exceptions=False, headers=token) as c:
        yield c


def _file(**changes: str) -> bytes:
    """Yesterday's visit: a facility's own token opens a record only while the care it
    files is recent (the care window; older files are back-loaded by the operator)."""
    day = (datetime.now(HCMC) - timedelta(days=1)).strftime("%Y%m%d")
    tables = outpatient()
    tables["XML1"] = [summary(NGAY_VAO=f"{day}0805", NGAY_RA=f"{day}1130", **changes)]
    return giamdinhhs(hoso(tables))


def test_a_file_is_taken_and_reads_back_through_fhir(his: TestClient, client: TestClient) -> None:
    answer = his.post("/api/xml130", content=_file(), headers=XML)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["maKetQua"] == "200" and len(body["maGiaoDich"]) == 32
    assert len(body["thoiGianTiepNhan"]) == 14 and body["thoiGianTiepNhan"].isdigit()
    (record,) = body["danhSachHoSo"]
    assert record["maLk"] == "LK0001" and record["trangThai"] != "rejected"
    patients = client.get("/fhir/Patient", params={"identifier": "079190001234"}).json()
    assert patients["total"] == 1  # the CCCD kept its leading zero
    pid = patients["entry"][0]["resource"]["id"]
    everything = client.get(f"/fhir/Patient/{pid}/$everything").json()
    kinds = {e["resource"]["resourceType"] for e in everything["entry"]}
    assert {"Encounter", "Condition", "MedicationRequest", "MedicationDispense",
            "Observation"} <= kinds
    again = his.post("/api/xml130", content=_file(), headers=XML)
    assert again.status_code == 200
    twice = client.get(f"/fhir/Patient/{pid}/$everything").json()

    def records(bundle: dict) -> list[str]:  # each submission's Provenance is its own
        return sorted(e["resource"]["resourceType"] + "/" + e["resource"]["id"]
                      for e in bundle["entry"] if e["resource"]["resourceType"] != "Provenance")

    assert records(twice) == records(everything)  # replaced (new versions), not duplicated
    provenances = client.get("/fhir/Provenance").json()
    assert provenances["total"] == 2  # one a submission, written by the server
    first = provenances["entry"][0]["resource"]
    assert any(t["reference"].startswith("Encounter/") for t in first["target"])
    assert first["entity"][0]["what"]["reference"].startswith("DocumentReference/")


def test_a_file_of_another_facility_is_refused_whole(his: TestClient, client: TestClient) -> None:
    answer = his.post("/api/xml130", content=giamdinhhs(hoso(outpatient()), facility="79002"),
                      headers=XML)  # fmt: skip
    assert answer.status_code == 400
    body = answer.json()
    assert body["maKetQua"] == "400" and body["danhSachHoSo"] == []
    assert "79002" in body["thongBao"][0]["noiDung"]
    assert client.get("/fhir/Patient").json()["total"] == 0


@pytest.mark.parametrize(("content", "headers", "status"), [
    (b"", XML, 400),
    (b"<GIAMDINHHS><oops>", XML, 400),
    (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><GIAMDINHHS>&e;</GIAMDINHHS>',
     XML, 400),
    (b"\xff\xfe\x00<", XML, 400),
    (b"<GIAMDINHHS/>", {"Content-Type": "application/json"}, 415),
])  # fmt: skip
def test_malformed_files_get_an_answer_not_a_500(
    his: TestClient, content: bytes, headers: dict[str, str], status: int
) -> None:
    answer = his.post("/api/xml130", content=content, headers=headers)
    assert answer.status_code == status, answer.text
    assert "passwd" not in answer.text or "root:" not in answer.text


def test_only_a_facility_system_sends_files(app: FastAPI, client: TestClient) -> None:
    clinician = bearer(app, role=roles.CLINICIAN, scopes=("user/*.cruds",), facility=FACILITY)
    answer = client.post("/api/xml130", content=_file(), headers={**XML, **clinician})
    assert answer.status_code == 403
    assert client.get("/fhir/Patient").json()["total"] == 0


def test_the_gateway_call_shape_end_to_end(app: FastAPI, his: TestClient,
                                           client: TestClient) -> None:  # fmt: skip
    password = app.state.gateway_login.create("bv79001", FACILITY)
    with TestClient(app, raise_server_exceptions=False) as gateway:
        token = gateway.post("/api/token/take", json={"username": "bv79001",
                                                      "password": md5_upper(password)}).json()
        headers = {"accessToken": token["access_token"], "tokenId": token["id_token"],
                   "passwordHash": md5_upper(password)}  # fmt: skip
        body = {"username": "bv79001", "loaiHoSo": "130", "maTinh": "79", "maCSKCB": FACILITY,
                "fileHSBase64": base64.b64encode(_file()).decode()}  # fmt: skip
        sent = gateway.post("/api/qd130/guiHoSoXmlQD4750", json=body, headers=headers)
        assert sent.status_code == 200, sent.text
        assert sent.json()["danhSachHoSo"][0]["trangThai"] != "rejected"
        renamed = gateway.post("/api/qd130/guiHoSoXmlQD3176", json=body, headers=headers)
        assert renamed.status_code == 200
        other = gateway.post("/api/qd130/guiHoSoXmlQD4750", headers=headers,
                             json={**body, "maCSKCB": "79002"})  # fmt: skip
        assert other.status_code == 403
        garbled = gateway.post("/api/qd130/guiHoSoXmlQD4750", headers=headers,
                               json={**body, "fileHSBase64": "%%%"})  # fmt: skip
        assert garbled.status_code == 400 and garbled.json()["maKetQua"] == "400"
    assert client.get("/fhir/Patient", params={"identifier": "079190001234"}).json()["total"] == 1


def test_hiv_care_from_xml6_is_hidden_from_who_may_not_see_it(
    app: FastAPI, his: TestClient, client: TestClient
) -> None:
    """XML6 arrives with the HIV label, and the access policy does the rest: the
    operator sees it, a public-health officer's view does not."""
    day = (datetime.now(HCMC) - timedelta(days=1)).strftime("%Y%m%d")
    tables = every_table()
    tables["XML1"] = [summary(NGAY_VAO=f"{day}0805", NGAY_RA=f"{day}1130")]
    answer = his.post("/api/xml130", content=giamdinhhs(hoso(tables)), headers=XML)
    assert answer.status_code == 200, answer.text

    def hiv_labelled(headers: dict[str, str]) -> int:
        found = client.get("/fhir/Observation", params={"_count": "200"}, headers=headers).json()
        return sum(any(s.get("code") == "HIV" for s in e["resource"].get("meta", {})
                       .get("security", [])) for e in found.get("entry", []))  # fmt: skip

    assert hiv_labelled({}) > 0  # the operator (the client's own header)
    officer = bearer(app, role=roles.OFFICER, scopes=("user/*.rs",))
    assert hiv_labelled(officer) == 0


def test_the_facility_signature_over_http_and_the_gateway(store: SqlStore, client: TestClient
                                                          ) -> None:  # fmt: skip
    """With HOSO_XML130_REQUIRE_SIGNATURE: a signed file is taken, by the raw door and
    by the gateway's (a signed check-in too); an unsigned or tampered one is refused
    record by record, with the reason in Vietnamese then English; nothing of it written."""
    strict = create_app(store, replace(store.settings, xml130_require_signature=True))
    org = {"resourceType": "Organization", "active": True, "name": "Trạm y tế phường Bến Thành",
           "identifier": [{"system": store.settings.facility_system, "value": FACILITY}]}
    assert client.post("/fhir/Organization", json=org, headers=FHIR_JSON).status_code == 201
    token = bearer(strict, role=roles.FACILITY_SYSTEM, scopes=("system/*.cruds",),
                   facility=FACILITY, client_id="his-79001")  # fmt: skip
    with TestClient(strict, raise_server_exceptions=False, headers=token) as his:
        unsigned = his.post("/api/xml130", content=_file(), headers=XML)
        assert unsigned.status_code == 400
        (record,) = unsigned.json()["danhSachHoSo"]
        assert record["trangThai"] == "rejected" and not record["taiNguyen"]
        (reason,) = [m for m in record["thongBao"] if m["truong"] == "CHUKYDONVI"]
        assert reason["noiDung"].startswith("chưa ký số") and "/ not signed" in reason["noiDung"]
        assert client.get("/fhir/Patient").json()["total"] == 0
        tampered = sign(_file()).replace(b"<NGAYLAP>", b"<NGAYLAP>1")
        assert his.post("/api/xml130", content=tampered, headers=XML).status_code == 400
        signed = his.post("/api/xml130", content=sign(_file()), headers=XML)
        assert signed.status_code == 200, signed.text
        password = strict.state.gateway_login.create("bv79001", FACILITY)
        login = his.post("/api/token/take", json={"username": "bv79001",
                                                  "password": md5_upper(password)}).json()
        checkin = sign(_checkin())
        body = {"username": "bv79001", "loaiHoSo": "0", "maTinh": "79", "maCSKCB": FACILITY,
                "fileHSBase64": base64.b64encode(checkin).decode()}  # fmt: skip
        sent = his.post("/api/qd130/checkInKcbQd4750", json=body,
                        headers={"accessToken": login["access_token"]})  # fmt: skip
        assert sent.status_code == 200, sent.text
        body["fileHSBase64"] = base64.b64encode(_checkin()).decode()
        refused = his.post("/api/qd130/checkInKcbQd4750", json=body,
                           headers={"accessToken": login["access_token"]})  # fmt: skip
        assert refused.status_code == 400
    documents = client.get("/fhir/DocumentReference").json()
    assert documents["total"] == 2  # the file's original and the check-in's, both signed
    assert all("authenticator" in e["resource"] for e in documents["entry"])


def _checkin() -> bytes:
    """Today's XML0 check-in for another visit of the same person."""
    day = datetime.now(HCMC).strftime("%Y%m%d")
    row = {k: v for k, v in summary(MA_LK="LK0002", NGAY_VAO=f"{day}0805").items()
           if k != "NGAY_RA"}  # fmt: skip
    row.update(MA_DICH_VU="13.0001", NGAY_YL=f"{day}0810")
    fields = "".join(f"<{k}>{v}</{k}>" for k, v in row.items())
    return ('<?xml version="1.0" encoding="utf-8"?><CHI_TIEU_TRANG_THAI_KCB><DSACH_TRANG_THAI_KCB>'
            f"<TRANG_THAI_KCB>{fields}</TRANG_THAI_KCB></DSACH_TRANG_THAI_KCB>"
            "</CHI_TIEU_TRANG_THAI_KCB>").encode()  # fmt: skip
