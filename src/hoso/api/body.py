"""Request bodies: media type, size limit and JSON syntax checked before any logic."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from hoso.core import jsonx
from hoso.core.errors import InvalidRequest, PayloadTooLarge, UnsupportedMediaType

JSON_TYPES = {"application/fhir+json", "application/json", "application/json-patch+json"}


async def read_json(request: Request, *, max_bytes: int, allowed: set[str] = JSON_TYPES) -> Any:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in allowed:
        raise UnsupportedMediaType(
            f"Kiểu nội dung '{media or 'không có'}' không được hỗ trợ; dùng application/fhir+json"
            f" / Unsupported media type '{media or 'none'}'; use application/fhir+json"
        )
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > max_bytes:
            raise PayloadTooLarge(too_large_message(max_bytes))
    if not data:
        raise InvalidRequest("Nội dung yêu cầu rỗng / Empty request body", code="structure")
    return jsonx.loads(bytes(data))


def too_large_message(max_bytes: int) -> str:
    return f"Nội dung vượt quá giới hạn {max_bytes} byte / Request body exceeds {max_bytes} bytes"


def parse_if_match(value: str | None) -> int | None:
    """`W/"3"` → 3 (https://hl7.org/fhir/R4/http.html#concurrency)."""
    if not value:
        return None
    text = value.strip()
    text = text[2:] if text.startswith("W/") else text
    try:
        return int(text.strip('"'))
    except ValueError as exc:
        raise InvalidRequest(f"If-Match không hợp lệ: {value} / Invalid If-Match: {value}") from exc
