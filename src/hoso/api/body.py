"""Request bodies: media type, size limit and JSON syntax checked before any logic."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from hoso.core import jsonx
from hoso.core.errors import InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from hoso.core.settings import Settings

FHIR_JSON_TYPES = {"application/fhir+json", "application/json"}
JSON_TYPES = FHIR_JSON_TYPES | {"application/json-patch+json"}


async def read_json(
    request: Request,
    settings: Settings,
    *,
    allowed: set[str] = JSON_TYPES,
    max_bytes: int | None = None,
) -> Any:
    """The body as JSON (`jsonx.loads_request`: exact numbers, duplicate keys, NUL and
    nesting refused), after its media type and size; `max_bytes` defaults to the
    server's body limit."""
    check_media_type(request, allowed)
    limit = settings.max_body_bytes if max_bytes is None else max_bytes
    data = await read_body(request, limit)
    return jsonx.loads_request(
        data,
        max_depth=settings.max_json_depth,
        max_repeats=settings.max_element_repeats,
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused (413) as soon as it passes `limit`, and never empty."""
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > limit:
            raise PayloadTooLarge(too_large_message(limit))
    if not data:
        raise InvalidRequest("Nội dung yêu cầu rỗng / Empty request body", code="structure")
    return bytes(data)


def check_media_type(request: Request, allowed: set[str]) -> str:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in allowed:
        accepted = ", ".join(sorted(allowed))
        raise UnsupportedMediaType(
            f"Kiểu nội dung '{media or 'không có'}' không được hỗ trợ ở đây; chấp nhận: "
            f"{accepted} / Unsupported media type '{media or 'none'}' here; accepted: "
            f"{accepted}"
        )
    return media


def too_large_message(max_bytes: int) -> str:
    return f"Nội dung vượt quá giới hạn {max_bytes} byte / Request body exceeds {max_bytes} bytes"


def parse_if_match(value: str | None) -> int | None:
    """`W/"3"` → 3 (https://hl7.org/fhir/R4/http.html#concurrency)."""
    if not value:
        return None
    text = value.strip()
    text = text[2:] if text.startswith("W/") else text
    text = text.strip('"')
    if not text.isdigit() or len(text) > 18:
        raise InvalidRequest(f"If-Match không hợp lệ: {value} / Invalid If-Match: {value}")
    return int(text)
