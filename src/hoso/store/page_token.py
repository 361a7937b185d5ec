"""Opaque page tokens for keyset paging: a position in an immutable sequence.

History pages by `resource_history.hseq`, a compartment by `resource.seq`; the token is
urlsafe base64 of a tiny JSON so clients treat it as opaque.
"""

from __future__ import annotations

import base64

from hoso.core import jsonx
from hoso.core.errors import InvalidRequest


def encode_position(position: int) -> str:
    return base64.urlsafe_b64encode(jsonx.dumps({"p": position})).decode().rstrip("=")


def decode_position(token: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        return int(jsonx.loads(base64.urlsafe_b64decode(padded))["p"])
    except Exception as exc:  # any malformed token is the client's error
        raise InvalidRequest("Mã trang không hợp lệ / Invalid page token") from exc
