"""The door shaped like the BHXH gateway (CV 1245/BHXH-CNTT), so that a HIS sends its
XML 130 files to Hồ Sơ by changing only the host:

- `POST /api/token/take` `{username, password}` (password: upper-case MD5 hex) →
  `access_token`, `id_token`, `expires_in` (also under `APIKey`, as the gateway nests them);
- `POST /api/qd130/checkInKcbQd4750` (XML0) and `/api/qd130/guiHoSoXmlQD4750`
  (GIAMDINHHS), and the same under the `…QD3176` names: headers `accessToken`,
  `tokenId`, `passwordHash` (or a standard `Authorization: Bearer` token from
  `/auth/token`), JSON body `{username, loaiHoSo, maTinh, maCSKCB, fileHSBase64}`;
  answered `maKetQua`, `maGiaoDich`, `thoiGianTiepNhan` (yyyyMMddHHmmss), `thongDiep`
  and each record's result (`hoso.ingest.xml130_intake`).

Thin handlers over `hoso.access.gateway_login` and the one intake; the token is an
ordinary facility-system access token, so policy and audit are the API's.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from hoso.access.gateway_login import GatewayLogin, GatewayRefused
from hoso.access.repository import AccessRepository
from hoso.api.body import read_json
from hoso.api.deps import repository_of
from hoso.api.responses import base_url
from hoso.api.xml130_routes import sender_facility
from hoso.core.errors import CredentialsMissing, FhirError, InvalidRequest
from hoso.ingest.xml130_intake import take_xml130
from hoso.store.gateway_accounts import SqlGatewayAccounts

__all__ = ["install", "router"]

router = APIRouter(prefix="/api")
MAX_TOKEN_BODY = 4096
CHECKIN = ("checkInKcbQd4750", "checkInKcbQD4750", "checkInKcbQd3176", "checkInKcbQD3176")
FILES = ("guiHoSoXmlQD4750", "guiHoSoXmlQd4750", "guiHoSoXmlQD3176", "guiHoSoXmlQd3176")


def install(app: FastAPI) -> GatewayLogin:
    state = app.state
    login = GatewayLogin(SqlGatewayAccounts(state.store.engine), state.tokens, state.audit_trail)
    state.gateway_login = login
    return login


def _answer(code: str, message: str, status: int, **extra: Any) -> JSONResponse:
    return JSONResponse({"maKetQua": code, "thongDiep": message, **extra}, status)


async def _credentials(request: Request) -> dict[str, str]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data = await request.body()
    if len(data) > MAX_TOKEN_BODY:
        raise InvalidRequest("Nội dung quá lớn / Body too large")
    if media == "application/x-www-form-urlencoded":
        try:
            fields = parse_qs(data.decode("utf-8"), max_num_fields=8)
        except (UnicodeDecodeError, ValueError):
            raise InvalidRequest("Biểu mẫu không đọc được / Unreadable form") from None
        return {k: v[0] for k, v in fields.items() if v}
    body = await read_json(request, request.app.state.settings, max_bytes=MAX_TOKEN_BODY,
                           allowed={"application/json"})  # fmt: skip
    if not isinstance(body, dict):
        raise InvalidRequest("Cần một đối tượng JSON / A JSON object is required")
    return {k: v for k, v in body.items() if isinstance(v, str)}


@router.post("/token/take")
async def token_take(request: Request) -> Response:
    fields = await _credentials(request)
    source_ip = request.client.host if request.client else None
    login: GatewayLogin = request.app.state.gateway_login
    try:
        issued = await run_in_threadpool(login.take_token, fields.get("username", ""),
                                         fields.get("password", ""), source_ip)  # fmt: skip
    except GatewayRefused as exc:
        return _answer("401", str(exc), 401)
    key = {"access_token": issued.token, "id_token": issued.claims.token_id,
           "token_type": "bearer", "expires_in": issued.expires_in}  # fmt: skip
    return JSONResponse({"maKetQua": "200", **key, "APIKey": key},
                        headers={"Cache-Control": "no-store"})  # fmt: skip


def _gateway_repository(request: Request) -> AccessRepository:
    """The caller's repository from `accessToken` (the gateway's header) or a bearer."""
    state = request.app.state
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    token = token or request.headers.get("accesstoken", "").strip()
    if not token:
        raise CredentialsMissing("Cần accessToken / accessToken is required")
    claims = state.tokens.verify(token, state.tokens.audience)
    principal = state.principals.resolve(claims, request.client.host if request.client else None)
    return repository_of(request, principal)


async def _submit(request: Request, *, checkin: bool) -> Response:
    repo = _gateway_repository(request)
    facility = sender_facility(repo)
    settings = request.app.state.settings
    body = await read_json(request, settings, allowed={"application/json"})
    if not isinstance(body, dict) or not isinstance(body.get("fileHSBase64"), str):
        return _answer("400", "Thiếu fileHSBase64 / fileHSBase64 is missing", 400)
    if facility and body.get("maCSKCB") not in (None, facility):
        return _answer("403", f"maCSKCB không phải cơ sở {facility} / maCSKCB is not "
                              f"facility {facility}", 403)  # fmt: skip
    try:
        data = base64.b64decode(body["fileHSBase64"], validate=True)
    except (binascii.Error, ValueError):
        return _answer("400", "fileHSBase64 không phải base64 / fileHSBase64 is not base64", 400)
    try:
        answer = await run_in_threadpool(take_xml130, repo, data, settings=settings,
                                         base_url=base_url(request), facility=facility,
                                         checkin=checkin)  # fmt: skip
    except FhirError as exc:
        return _answer(str(exc.http_status), str(exc), exc.http_status)
    return JSONResponse(answer.to_json(), 200 if answer.accepted else 400)


def _route(name: str, checkin: bool) -> None:
    async def submit(request: Request) -> Response:
        return await _submit(request, checkin=checkin)

    router.add_api_route(f"/qd130/{name}", submit, methods=["POST"], name=name)


for _name in CHECKIN:
    _route(_name, True)
for _name in FILES:
    _route(_name, False)
