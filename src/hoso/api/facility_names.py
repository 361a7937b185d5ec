"""Facility codes (mã cơ sở KCB) shown with the facility's name: one search of
Organizations by identifier, through the caller's repository (so the access layer
decides and audits it, as for any other read). A code without a readable Organization
is shown alone."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from hoso.access.repository import AccessRepository
from hoso.core.errors import FhirError

__all__ = ["content_facility_names", "facility_names", "facility_organizations",
           "organization_names", "provider_names"]

MAX_CODES = 100  # one page's worth; the scorecard shows at most 30 facilities


def facility_names(repo: AccessRepository, codes: Iterable[str | None]) -> dict[str, str]:
    return {code: name for code, (_, name) in facility_organizations(repo, codes).items()
            if name}  # fmt: skip


def facility_organizations(repo: AccessRepository, codes: Iterable[str | None]
                           ) -> dict[str, tuple[str, str | None]]:  # fmt: skip
    """{code: ("Organization/id", name)} for the codes with a readable Organization."""
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
    found: dict[str, tuple[str, str | None]] = {}
    for hit in page.matches:
        org = orjson.loads(hit.content)
        for identifier in org.get("identifier", []):
            code = identifier.get("value")
            if identifier.get("system") == system and code in wanted:
                found.setdefault(code, (f"Organization/{hit.id}", org.get("name")))
    return found


def organization_names(repo: AccessRepository, refs: Iterable[str]) -> dict[str, str]:
    """{"Organization/id": name} for an episode's provider named by reference only."""
    names: dict[str, str] = {}
    for ref in sorted(set(refs))[:MAX_CODES]:
        try:
            org = orjson.loads(repo.read("Organization", ref.split("/", 1)[1]).content)
        except FhirError:  # gone or not the caller's to read: the reference alone
            continue
        if org.get("name"):
            names[ref] = org["name"]
    return names


def content_facility_names(repo: AccessRepository, content: Any) -> dict[str, str]:
    """Every `facility` anywhere in a health book's content (a facility code, or an
    Organization reference when the sender named the provider only so), with its name."""
    named: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("facility"), str):
                named.add(node["facility"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(content)
    return provider_names(repo, named)


def provider_names(repo: AccessRepository, named: Iterable[str]) -> dict[str, str]:
    """Names for facility codes and for Organization references alike."""
    wanted = set(named)
    refs = {n for n in wanted if n.startswith("Organization/")}
    return {**facility_names(repo, wanted - refs), **organization_names(repo, refs)}
