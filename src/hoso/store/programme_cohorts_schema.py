"""The cohorts' tables (`hoso.programmes.cohorts`, issue 19 point 6), on the store's one
`metadata`.

`prog_cohort`: the cohort definitions officers added (the shipped ones are package
data), every version kept and never changed. `prog_cohort_member`: the daily snapshots
of members — one row per cohort, rule version, day and resident, with the ward, age
band and sex of that day — so a day's counts under a rule version can be asked again
and come out the same. Days are ISO `YYYY-MM-DD` strings, instants µs since the epoch.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.store.schema import metadata

prog_cohort = sa.Table(
    "prog_cohort",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("version", sa.String(32), primary_key=True),
    sa.Column("content", sa.Text, nullable=False),  # the rule document's JSON
    sa.Column("restricted", sa.Boolean, nullable=False),
    sa.Column("created_by", sa.String(140), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

prog_cohort_member = sa.Table(
    "prog_cohort_member",
    metadata,
    sa.Column("cohort", sa.String(64), primary_key=True),
    sa.Column("version", sa.String(32), primary_key=True),
    sa.Column("computed_on", sa.String(10), primary_key=True),
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("ward", sa.String(8)),
    sa.Column("age_band", sa.String(8), nullable=False),
    sa.Column("sex", sa.String(8), nullable=False),
    sa.Index("ix_prog_cohort_member_ward", "cohort", "version", "computed_on", "ward"),
    sa.Index("ix_prog_cohort_member_day_patient", "computed_on", "patient_id"),
)
