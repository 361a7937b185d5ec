"""Derived rows the access policy decides on: care links and consent rules.

Written by the write path in the same transaction as the resource they come from, and
rebuilt from scratch on every version, like the search index.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hoso.fhir.care_links import CARE_TYPES, care_links
from hoso.fhir.consent_rules import consent_rules
from hoso.store import schema

_TYPES = CARE_TYPES | {"Consent"}


def access_rows(
    res_seq: int, resource_type: str, patient_id: str | None, resource: dict[str, Any]
) -> tuple[sa.Table, list[dict[str, Any]]] | None:
    """The care-link or consent-rule rows `resource` gives (None: neither kind)."""
    if resource_type not in _TYPES:
        return None
    if resource_type == "Consent":
        table = schema.consent_rule
        rows = (
            [
                {
                    "res_seq": res_seq,
                    "patient_id": patient_id,
                    "effect": r.effect,
                    "actor_ref": r.actor_ref,
                    "label_system": r.label_system,
                    "label_code": r.label_code,
                    "purpose": r.purpose,
                    "low": r.low,
                    "high": r.high,
                }
                for r in consent_rules(resource)
            ]
            if patient_id is not None
            else []
        )
    else:
        table = schema.care_link
        rows = (
            [
                {
                    "res_seq": res_seq,
                    "patient_id": patient_id,
                    "facility_ref": link.facility_ref,
                    "kind": link.kind,
                    "low": link.low,
                    "high": link.high,
                    "self_claimed": link.self_claimed,
                }
                for link in care_links(resource)
            ]
            if patient_id is not None
            else []
        )
    return table, rows


def replace_access_rows(
    conn: sa.Connection,
    res_seq: int,
    resource_type: str,
    patient_id: str | None,
    resource: dict[str, Any] | None,
    *,
    fresh: bool = False,
) -> None:
    """Drop the rows of `res_seq` and derive them again from `resource` (None: deleted)."""
    if resource_type not in _TYPES:
        return
    table = schema.consent_rule if resource_type == "Consent" else schema.care_link
    if not fresh:
        conn.execute(table.delete().where(table.c.res_seq == res_seq))
    if resource is None:
        return
    built = access_rows(res_seq, resource_type, patient_id, resource)
    if built is not None and built[1]:
        conn.execute(built[0].insert(), built[1])
