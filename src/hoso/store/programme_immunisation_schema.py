"""The immunisation programme's own state (issue 19 point 2), on the store's one
`metadata`: what has no FHIR home. The doses, observations and adverse events are FHIR
resources in the record; these tables hold

- `prog_vaccine_lot`: vaccine lots the programme knows of, and whether one is flagged
  (a severe adverse event after a dose of it): a flagged lot is refused at the session
  screen until an officer clears it;
- `prog_aefi_report`: the 24-hour report a severe adverse event opens (deadline 24 h
  after it was recorded; listed as overdue when not sent by then);
- `prog_imm_cohort`: the population denominator of coverage, children born per ward and
  year (the statistics office's or the birth registrations' figure).

Instants are µs since the epoch, days ISO strings, as everywhere in the store.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.store.schema import metadata

_SUBJECT = 140

prog_vaccine_lot = sa.Table(
    "prog_vaccine_lot",
    metadata,
    sa.Column("product", sa.String(200), primary_key=True),  # "system|code" of vaccines.json
    sa.Column("lot", sa.String(40), primary_key=True),
    sa.Column("expiry", sa.String(10)),
    sa.Column("status", sa.String(10), nullable=False),  # ok | flagged | cleared
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("changed_by", sa.String(_SUBJECT), nullable=False),
    sa.Column("changed_at", sa.BigInteger, nullable=False),
    sa.Index("ix_prog_vaccine_lot_status", "status"),
)

prog_aefi_report = sa.Table(
    "prog_aefi_report",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("patient_id", sa.String(64), nullable=False),
    sa.Column("ward", sa.String(8)),
    sa.Column("station", sa.String(32)),  # facility code of the station that recorded it
    sa.Column("immunization_id", sa.String(64), nullable=False),
    sa.Column("adverse_event_id", sa.String(64), nullable=False),
    sa.Column("product", sa.String(200), nullable=False),
    sa.Column("lot", sa.String(40), nullable=False),
    sa.Column("event", sa.Text, nullable=False),  # the event as recorded (the AdverseEvent's text)
    sa.Column("opened_at", sa.BigInteger, nullable=False),
    sa.Column("deadline_at", sa.BigInteger, nullable=False),
    sa.Column("reported_at", sa.BigInteger),
    sa.Column("reported_by", sa.String(_SUBJECT)),
    sa.Column("opened_by", sa.String(_SUBJECT), nullable=False),
    sa.UniqueConstraint("adverse_event_id", name="uq_prog_aefi_report_event"),
    sa.Index("ix_prog_aefi_report_ward", "ward", "reported_at", "deadline_at"),
)

prog_imm_cohort = sa.Table(
    "prog_imm_cohort",
    metadata,
    sa.Column("ward", sa.String(8), primary_key=True),
    sa.Column("birth_year", sa.Integer, primary_key=True),
    sa.Column("children", sa.Integer, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("loaded_at", sa.BigInteger, nullable=False),
)
