"""Which ward a resident belongs to for the programmes: their home address's 2025 ward
(NSO code), else their first address's; the ward health station of that ward keeps
their registers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hoso.identity.addresses import normalise_address

__all__ = ["home_ward"]


def home_ward(patient: Mapping[str, Any]) -> str | None:
    addresses = [a for a in patient.get("address") or [] if isinstance(a, dict)]
    for address in [a for a in addresses if a.get("use") == "home"] or addresses:
        code = normalise_address(address).ward_code
        if code:
            return str(code)
    return None
