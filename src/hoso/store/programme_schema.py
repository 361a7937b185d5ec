"""The community programmes' tables (`hoso.programmes`, issue 19), on the store's one
`metadata`.

What the framework computed for each enrolled resident (`prog_enrolment`: the rule
version that enrolled them, their ward, band and sex for the reports, the measures the
indicators count) and the activities due (`prog_due`), replaced whenever the resident's
record changes or the nightly run passes; and the enrolments a station set by hand
(`prog_manual`), which outlive every recompute. The record's resources stay in the FHIR
tables; these rows name residents by Patient id. Days are ISO `YYYY-MM-DD` strings,
instants µs since the epoch, as everywhere in the store.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.store.schema import metadata

_SUBJECT = 140

prog_enrolment = sa.Table(
    "prog_enrolment",
    metadata,
    sa.Column("programme", sa.String(32), primary_key=True),
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("ward", sa.String(8)),  # NSO code of the home ward (2025 wards)
    sa.Column("birth_year", sa.Integer),
    sa.Column("sex", sa.String(8), nullable=False),
    sa.Column("age_band", sa.String(8), nullable=False),
    sa.Column("rule_version", sa.String(32), nullable=False),  # "" when enrolled by hand
    sa.Column("by_hand", sa.Boolean, nullable=False),
    sa.Column("measures", sa.Text, nullable=False),  # JSON: the indicators' measures
    sa.Column("summary", sa.Text, nullable=False),  # JSON: {vi, en} one line for lists
    sa.Column("since", sa.String(10), nullable=False),  # first day found enrolled
    sa.Column("assessed_on", sa.String(10), nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Index("ix_prog_enrolment_ward", "programme", "ward"),
    sa.Index("ix_prog_enrolment_patient", "patient_id"),
)

prog_due = sa.Table(
    "prog_due",
    metadata,
    sa.Column("programme", sa.String(32), primary_key=True),
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("activity", sa.String(64), primary_key=True),
    sa.Column("ward", sa.String(8)),
    sa.Column("due", sa.String(10), nullable=False),
    sa.Column("latest", sa.String(10)),
    sa.Column("status", sa.String(10), nullable=False),  # upcoming | due | overdue | missed
    sa.Column("form", sa.String(200)),
    sa.Column("label", sa.Text, nullable=False),  # JSON {vi, en}
    sa.Column("detail", sa.Text, nullable=False),  # JSON
    sa.Index("ix_prog_due_ward", "programme", "ward", "status", "due"),
    sa.Index("ix_prog_due_patient", "patient_id"),
)

prog_manual = sa.Table(
    "prog_manual",
    metadata,
    sa.Column("programme", sa.String(32), primary_key=True),
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("enrolled", sa.Boolean, nullable=False),  # False: kept out despite the rule
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("set_by", sa.String(_SUBJECT), nullable=False),
    sa.Column("set_at", sa.BigInteger, nullable=False),
)
