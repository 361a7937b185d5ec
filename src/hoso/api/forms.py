"""A page's form post (`application/x-www-form-urlencoded`), read with a size and a
field-count limit before anything is parsed: a plain HTML form is all a page without
script sends, and nothing bigger is ever needed."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import Request

from hoso.core.errors import InvalidRequest, UnsupportedMediaType

__all__ = ["FORM_TYPE", "read_form"]

FORM_TYPE = "application/x-www-form-urlencoded"


async def read_form(request: Request, *, max_bytes: int = 4096, max_fields: int = 10
                    ) -> dict[str, list[str]]:  # fmt: skip
    """Every value of every field (a checkbox group repeats its name)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != FORM_TYPE:
        raise UnsupportedMediaType(f"Biểu mẫu phải là {FORM_TYPE} / The form must be {FORM_TYPE}")
    data = bytearray()
    async for chunk in request.stream():  # stop reading as soon as it is too big
        data += chunk
        if len(data) > max_bytes:
            raise InvalidRequest("Biểu mẫu quá lớn / The form is too large", expression=["$"])
    try:
        return parse_qs(data.decode("utf-8"), max_num_fields=max_fields)
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest("Biểu mẫu không đọc được / Unreadable form",
                             expression=["$"]) from None  # fmt: skip
