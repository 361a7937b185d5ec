"""Canonical JSON: one byte form for storage, hashing and streaming.

orjson is used because reads stream the stored bytes unchanged, so the stored form must
already be the response form (minified UTF-8, keys in a stable order).
"""

from __future__ import annotations

from typing import Any

import orjson

from hoso.core.errors import InvalidRequest


def dumps(value: Any) -> bytes:
    """Canonical minified UTF-8 JSON with sorted keys."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def dumps_str(value: Any) -> str:
    return dumps(value).decode()


def loads(data: bytes | str) -> Any:
    """Parse JSON from a request or file; a syntax error becomes an `InvalidRequest`."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(
            f"JSON không hợp lệ: {exc} / Malformed JSON: {exc}", code="structure"
        ) from exc
