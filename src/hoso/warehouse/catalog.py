"""The warehouse's tables: one per packaged ViewDefinition (`views/*.json`), with what
the pipeline needs to know beyond the view itself — which column dates a row (its
period), which columns name persons or records (pseudonymised by default) and which are
dates (cut to the day).

De-identification (issue 20 point 2: pseudonymous resident keys, birth year not date,
ward not address) is decided here, per column, once: the Patient view has no name,
identifier, telecom or address column at all; its birth date becomes a birth year; ids
of residents and of their records become the store's pseudonyms (the same HMAC as the
officers' de-identified reads, `hoso.access.deidentify.pseudonym`), so joins still work;
times of day are dropped. Facilities keep their ids: they are public.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["TABLES", "TableSpec", "table", "tables"]

PSEUDONYMOUS = ("id", "patient_id", "encounter_id", "primary_condition_id", "requester_id")
# The column that dates a row, per view (its partition's year and its `period`).
PERIOD_COLUMN = {
    "encounter": ("start",),
    "condition": ("onset", "recorded"),
    "observation": ("effective",),
    "immunization": ("occurrence",),
    "medication_request": ("authored",),
    "procedure": ("performed",),
    "appointment": ("start", "created"),
}
DATE_TYPES = {"date", "dateTime", "instant"}


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    resource_type: str
    view: dict[str, Any]
    columns: tuple[str, ...]  # the view's, in order
    types: dict[str, str]  # column → FHIR type as the view declares it
    period_from: tuple[str, ...]  # first non-null of these dates the row's period
    pseudonymous: tuple[str, ...]
    dates: tuple[str, ...]

    @property
    def output_columns(self) -> tuple[str, ...]:
        """The table's columns as stored: the view's (birth_date → birth_year) + ward,
        period, year (year is the partition's, not stored inside the files)."""
        cols = tuple("birth_year" if c == "birth_date" else c for c in self.columns)
        return (*cols, "ward", "period", "year")


def _columns(view: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(selects: list[dict[str, Any]]) -> None:
        for select in selects:
            found.extend(select.get("column") or [])
            walk(select.get("select") or [])
            union = select.get("unionAll") or []
            if union:
                walk(union[:1])  # every branch has the same columns

    walk(view.get("select") or [])
    return found


def _spec(name: str, view: dict[str, Any]) -> TableSpec:
    columns = _columns(view)
    names = tuple(c["name"] for c in columns)
    types = {c["name"]: c.get("type", "string") for c in columns}
    return TableSpec(
        name=name,
        resource_type=view["resource"],
        view=view,
        columns=names,
        types=types,
        period_from=PERIOD_COLUMN.get(name, ()),
        pseudonymous=tuple(c for c in names if c in PSEUDONYMOUS),
        dates=tuple(c for c in names if types[c] in DATE_TYPES),
    )


@cache
def tables() -> tuple[TableSpec, ...]:
    """The packaged views, Patient first (the others take their ward from it)."""
    folder = resources.files("hoso.warehouse") / "views"
    specs = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".json"):
            view = json.loads(item.read_text(encoding="utf-8"))
            specs.append(_spec(item.name.removesuffix(".json"), view))
    return tuple(sorted(specs, key=lambda s: (s.name != "patient", s.name)))


def table(name: str) -> TableSpec:
    for spec in tables():
        if spec.name == name:
            return spec
    raise KeyError(name)


TABLES = ("patient", "encounter", "condition", "observation", "immunization",
          "medication_request", "procedure", "appointment")  # fmt: skip
