"""Which resource types the server serves: exactly those it can also search."""

from __future__ import annotations

from hoso.core.errors import ResourceNotFound
from hoso.fhir.searchparams import supported_types


def check_resource_type(resource_type: str) -> None:
    if resource_type not in supported_types():
        raise ResourceNotFound(
            f"Loại tài nguyên '{resource_type}' không được hỗ trợ / "
            f"Resource type '{resource_type}' is not supported",
            code="not-supported",
        )
