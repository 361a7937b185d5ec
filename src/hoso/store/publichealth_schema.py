"""The public-health tables (`hoso.publichealth`, issue 18), on the store's one `metadata`.

Disease definitions (every version kept), case reports made from the record, the
officers who manage each case (the "case link" that lets an officer see a person
identified), contacts and exposures as directed edges, follow-up of contacts with their
daily visits, population denominators, outbreak signals and foci, and chain snapshots.
The record's own resources (the Conditions and Observations a case is made from, the
Patients) stay in the FHIR tables; these rows name them by id. Dates of illness are ISO
`YYYY-MM-DD` strings (they sort and group as dates on both databases); instants are µs
since the epoch, as everywhere in the store.
"""

from __future__ import annotations

import sqlalchemy as sa

from hoso.store.schema import metadata

_SUBJECT = 140  # a token subject: "account:<id>", "operator:<user>"

ph_disease = sa.Table(
    "ph_disease",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),  # "dengue", "measles"
    sa.Column("version", sa.Integer, primary_key=True),  # 1, 2, … per code
    sa.Column("content", sa.Text, nullable=False),  # the definition's JSON (docs/publichealth.md)
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("created_by", sa.String(_SUBJECT), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

ph_case = sa.Table(
    "ph_case",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("disease", sa.String(64), nullable=False),
    sa.Column("definition_version", sa.Integer, nullable=False),
    sa.Column("patient_id", sa.String(64), nullable=False),
    # suspected | probable | confirmed | discarded
    sa.Column("classification", sa.String(16), nullable=False),
    sa.Column("severity", sa.String(32)),
    sa.Column("status", sa.String(16), nullable=False),  # open | closed
    sa.Column("onset_date", sa.String(10), nullable=False),
    sa.Column("last_onset_date", sa.String(10)),  # of the latest evidence (else onset_date)
    sa.Column("report_date", sa.String(10), nullable=False),  # day the report reached us (HCMC)
    sa.Column("diagnosed_at", sa.BigInteger, nullable=False),  # the deadline's clock starts
    sa.Column("reported_at", sa.BigInteger, nullable=False),  # the first evidence arrived
    sa.Column("deadline_at", sa.BigInteger, nullable=False),
    sa.Column("last_evidence_at", sa.BigInteger, nullable=False),
    sa.Column("ward", sa.String(8)),  # NSO code of the ward of residence (2025 wards)
    sa.Column("facility", sa.String(32)),  # the reporting facility's code
    sa.Column("isolation_date", sa.String(10)),
    sa.Column("outcome", sa.String(16)),  # recovered | died | unknown
    sa.Column("epi", sa.Text, nullable=False),  # JSON: epidemiological data officers add
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Index("ix_ph_case_disease_onset", "disease", "onset_date"),
    sa.Index("ix_ph_case_disease_ward", "disease", "ward", "onset_date"),
    sa.Index("ix_ph_case_patient", "patient_id", "disease", "status"),
    sa.Index("ix_ph_case_facility", "facility", "reported_at"),
)

# Every change of a case: created, evidence, classification, severity, epi data, officer.
ph_case_event = sa.Table(
    "ph_case_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, nullable=False),
    sa.Column("at", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("value", sa.Text, nullable=False),  # JSON
    sa.Column("agent", sa.String(_SUBJECT), nullable=False),
    sa.Index("ix_ph_case_event_case", "case_id", "id"),
)

# The record's resources a case was made from; unique per version, so replaying the
# change feed after a crash adds nothing twice.
ph_case_evidence = sa.Table(
    "ph_case_evidence",
    metadata,
    sa.Column("case_id", sa.Integer, nullable=False),
    sa.Column("resource_type", sa.String(64), nullable=False),
    sa.Column("resource_id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint(
        "resource_type", "resource_id", "version", "case_id", name="uq_ph_case_evidence"
    ),
    sa.Index("ix_ph_case_evidence_case", "case_id"),
)

# The case link: the officers who manage a case see its person (and its contacts)
# identified; everyone else sees de-identified counts.
ph_case_officer = sa.Table(
    "ph_case_officer",
    metadata,
    sa.Column("case_id", sa.Integer, primary_key=True),
    sa.Column("officer", sa.String(_SUBJECT), primary_key=True),
    sa.Column("since", sa.BigInteger, nullable=False),
    sa.Index("ix_ph_case_officer_officer", "officer"),
)

# Which officers answer for which ward: a new case there is linked to them.
ph_officer_ward = sa.Table(
    "ph_officer_ward",
    metadata,
    sa.Column("officer", sa.String(_SUBJECT), primary_key=True),
    sa.Column("ward", sa.String(8), primary_key=True),
    sa.Index("ix_ph_officer_ward_ward", "ward"),
)

# Events and clusters: nodes of the chains that are not persons (a wedding, a school).
ph_event = sa.Table(
    "ph_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),  # event | cluster
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("disease", sa.String(64), nullable=False),
    sa.Column("ward", sa.String(8)),
    sa.Column("date", sa.String(10)),
    sa.Column("created_by", sa.String(_SUBJECT), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

# Contacts and exposures: directed edges source → target (a person exposed).
ph_contact = sa.Table(
    "ph_contact",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("disease", sa.String(64), nullable=False),
    sa.Column("source_patient", sa.String(64)),  # a person, or …
    sa.Column("source_event", sa.Integer),  # … an event or cluster
    sa.Column("target_patient", sa.String(64), nullable=False),
    sa.Column("first_exposure", sa.String(10), nullable=False),
    sa.Column("last_exposure", sa.String(10), nullable=False),
    # household | school | workplace | healthcare | event | other
    sa.Column("setting", sa.String(16), nullable=False),
    sa.Column("certainty", sa.String(8), nullable=False),  # high | medium | low
    sa.Column("duration_minutes", sa.Integer),
    sa.Column("created_by", sa.String(_SUBJECT), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_ph_contact_source", "source_patient", "disease"),
    sa.Index("ix_ph_contact_target", "target_patient", "disease"),
    sa.Index("ix_ph_contact_disease", "disease", "last_exposure"),
)

# A person under follow-up for a disease after an exposure; re-exposure restarts it.
ph_followup = sa.Table(
    "ph_followup",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("patient_id", sa.String(64), nullable=False),
    sa.Column("disease", sa.String(64), nullable=False),
    sa.Column("ward", sa.String(8)),
    sa.Column("start_date", sa.String(10), nullable=False),  # last exposure + 1 day
    sa.Column("end_date", sa.String(10), nullable=False),
    sa.Column("frequency_days", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # active|completed|lost|became-case
    sa.Column("assignee", sa.String(_SUBJECT)),
    sa.Column("case_id", sa.Integer),  # the case it became
    sa.Column("closed_at", sa.BigInteger),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_ph_followup_ward", "ward", "status", "start_date"),
    sa.Index("ix_ph_followup_assignee", "assignee", "status"),
    sa.Index("ix_ph_followup_patient", "patient_id", "disease", "status"),
)

ph_visit = sa.Table(
    "ph_visit",
    metadata,
    sa.Column("followup_id", sa.Integer, primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    # seen-ok | seen-with-symptoms | missed | not-attempted
    sa.Column("outcome", sa.String(24), nullable=False),
    sa.Column("recorded_by", sa.String(_SUBJECT), nullable=False),
    sa.Column("recorded_at", sa.BigInteger, nullable=False),
)

# Residents per ward and year: the denominators of rates per 100,000 (loadable from CSV).
ph_population = sa.Table(
    "ph_population",
    metadata,
    sa.Column("ward", sa.String(8), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("population", sa.Integer, nullable=False),
)

# An alarm of the daily detection: a signal officers verify, dismiss or turn into a focus.
ph_signal = sa.Table(
    "ph_signal",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("disease", sa.String(64), nullable=False),
    sa.Column("ward", sa.String(8), nullable=False),  # a ward code, or "city"
    sa.Column("week", sa.String(10), nullable=False),  # the ISO week's Monday
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("observed", sa.Integer, nullable=False),
    sa.Column("expected", sa.Float),
    sa.Column("upperbound", sa.Float),
    sa.Column("status", sa.String(16), nullable=False),  # open|verified|dismissed|focus
    sa.Column("focus_id", sa.Integer),
    sa.Column("decided_by", sa.String(_SUBJECT)),
    sa.Column("decided_at", sa.BigInteger),
    sa.Column("note", sa.Text),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("disease", "ward", "week", "method", name="uq_ph_signal"),
    sa.Index("ix_ph_signal_status", "status", "created_at"),
)

# Outbreak foci (ổ dịch).
ph_focus = sa.Table(
    "ph_focus",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("disease", sa.String(64), nullable=False),
    sa.Column("ward", sa.String(8), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # suggested|active|closed|rejected
    sa.Column("first_case_date", sa.String(10), nullable=False),
    sa.Column("last_case_date", sa.String(10), nullable=False),
    sa.Column("case_count", sa.Integer, nullable=False),
    sa.Column("opened_at", sa.BigInteger),
    sa.Column("response_deadline_at", sa.BigInteger),
    sa.Column("closed_at", sa.BigInteger),
    sa.Column("created_by", sa.String(_SUBJECT), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_ph_focus_disease_ward", "disease", "ward", "status"),
)

ph_focus_report = sa.Table(
    "ph_focus_report",
    metadata,
    sa.Column("focus_id", sa.Integer, primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("new_cases", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("reported_by", sa.String(_SUBJECT), nullable=False),
    sa.Column("reported_at", sa.BigInteger, nullable=False),
)

# Chain snapshots: an asynchronous job's status and its result (JSON), cached by as-of date.
ph_chain_snapshot = sa.Table(
    "ph_chain_snapshot",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("disease", sa.String(64), nullable=False),
    sa.Column("as_of", sa.String(10), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # queued|running|done|failed
    sa.Column("requested_by", sa.String(_SUBJECT), nullable=False),
    sa.Column("requested_at", sa.BigInteger, nullable=False),
    sa.Column("finished_at", sa.BigInteger),
    sa.Column("error", sa.Text),
    sa.Column("result", sa.Text),
    sa.Index("ix_ph_chain_snapshot_disease", "disease", "as_of"),
)
