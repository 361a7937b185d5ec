"""Facility codes (mã cơ sở KCB) shown with the facility's name: one search of
Organizations by identifier, through the caller's repository (so the access layer
decides and audits it, as for any other read). A code without a readable Organization
is shown alone."""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from hoso.access.repository import AccessRepository
from hoso.core.errors import FhirError

__all__ = ["facility_names"]

MAX_CODES = 100  # one page's worth; the scorecard shows at most 30 facilities


def facility_names(repo: AccessRepository, codes: Iterable[str | None]) -> dict[str, str]:
    wanted = sorted({c for c in codes if c})[:MAX_CODES]
    if not wanted:
        return {}
    system = repo.settings.facility_system
    escaped = [code.replace(",", r"\,") for code in wanted]  # FHIR search escaping
    param = ",".join(f"{system}|{code}" for code in escaped)
    try:
        page = repo.search("Organization", [("identifier", param), ("_count", str(MAX_CODES))])
    except FhirError:  # the caller may not search Organizations: show the codes alone
        return {}
    names: dict[str, str] = {}
    for hit in page.matches:
        org = orjson.loads(hit.content)
        for identifier in org.get("identifier", []):
            code = identifier.get("value")
            if identifier.get("system") == system and code in wanted and org.get("name"):
                names.setdefault(code, org["name"])
    return names
