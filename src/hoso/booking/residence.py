"""Where a resident (or a facility) is, for ranking options by distance: the ward (2025
NSO code) of the home address, else the first address — the same rule as the
programmes' and the warehouse's."""

from __future__ import annotations

from typing import Any

from hoso.identity.addresses import normalise_address

__all__ = ["ward_of"]


def ward_of(resource: dict[str, Any]) -> str | None:
    addresses = [a for a in resource.get("address") or [] if isinstance(a, dict)]
    for address in [a for a in addresses if a.get("use") == "home"] or addresses:
        code = normalise_address(address).ward_code
        if code:
            return str(code)
    return None
