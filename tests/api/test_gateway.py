"""The BHXH-gateway-shaped door (issue 16 point 2): a facility's login with the MD5 of
its password, and its XML 130 submissions under the gateway's own names. Both backends."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access.gateway_login import md5_upper

FACILITY = "79001"


@pytest.fixture
def his(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def gateway_password(app: FastAPI, his: TestClient) -> str:
    return str(app.state.gateway_login.create("bv79001", FACILITY))


def test_token_take_gives_the_facilitys_token(app: FastAPI, his: TestClient,
                                              gateway_password: str) -> None:  # fmt: skip
    answer = his.post("/api/token/take",
                      json={"username": "bv79001", "password": md5_upper(gateway_password)})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["maKetQua"] == "200" and body["APIKey"]["access_token"] == body["access_token"]
    assert body["expires_in"] > 0 and body["id_token"]
    claims = app.state.tokens.verify(body["access_token"], app.state.tokens.audience)
    assert (claims.role, claims.facility) == ("facility-system", FACILITY)
    form = his.post("/api/token/take", data={"username": "bv79001",
                                             "password": md5_upper(gateway_password).lower()})
    assert form.status_code == 200  # a form body, the hex in lower case: the same login


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    his: TestClient, gateway_password: str
) -> None:
    wrong = his.post("/api/token/take", json={"username": "bv79001", "password": "00" * 16})
    nobody = his.post("/api/token/take", json={"username": "khong-co", "password": "00" * 16})
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json() == nobody.json() and wrong.json()["maKetQua"] == "401"
    plain = his.post("/api/token/take", json={"username": "bv79001",
                                              "password": gateway_password})
    assert plain.status_code == 401  # the gateway's clients send the MD5, not the password


def test_five_failures_lock_the_account(his: TestClient, gateway_password: str) -> None:
    for _ in range(5):
        his.post("/api/token/take", json={"username": "bv79001", "password": "x"})
    locked = his.post("/api/token/take",
                      json={"username": "bv79001", "password": md5_upper(gateway_password)})
    assert locked.status_code == 401


@pytest.mark.parametrize("body", [b"", b"[1,2]", b"{" * 5000, "ü".encode("latin-1")])
def test_a_malformed_login_is_a_400_not_a_500(his: TestClient, body: bytes) -> None:
    answer = his.post("/api/token/take", content=body,
                      headers={"Content-Type": "application/json"})
    assert answer.status_code in (400, 413), answer.text


def test_submissions_need_the_gateways_token(his: TestClient) -> None:
    body = {"username": "bv79001", "loaiHoSo": "130", "maTinh": "79", "maCSKCB": FACILITY,
            "fileHSBase64": base64.b64encode(b"<GIAMDINHHS/>").decode()}
    bare = his.post("/api/qd130/guiHoSoXmlQD4750", json=body)
    assert bare.status_code == 401
    forged = his.post("/api/qd130/guiHoSoXmlQD4750", json=body,
                      headers={"accessToken": "not-a-token", "tokenId": "x"})
    assert forged.status_code == 401
