"""The school eye programme's own state (`hoso.programmes.eyes`, issue 19 point 3), on
the store's one `metadata`: schools (each in a ward), classes per school year, rosters
(which residents are in a class), screening rounds, each child's status in a round, and
eye-clinic referrals being tracked. The results themselves are Observations and the
referrals ServiceRequests in the children's records; these rows name them by id and keep
what the lists and counts need (logMAR, SE, outcome, age and sex on the day)."""

from __future__ import annotations

import sqlalchemy as sa

from hoso.store.schema import metadata

_SUBJECT = 140

prog_eye_school = sa.Table(
    "prog_eye_school",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(32), nullable=False, unique=True),  # the school's own code
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("ward", sa.String(8), nullable=False),  # 2025 ward code of the school
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_prog_eye_school_ward", "ward"),
)

prog_eye_class = sa.Table(
    "prog_eye_class",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("school_id", sa.Integer, nullable=False),
    sa.Column("school_year", sa.String(9), nullable=False),  # "2026-2027"
    sa.Column("name", sa.String(32), nullable=False),  # "6A1"
    sa.Column("grade", sa.Integer),
    sa.UniqueConstraint("school_id", "school_year", "name", name="uq_prog_eye_class"),
)

prog_eye_roster = sa.Table(
    "prog_eye_roster",
    metadata,
    sa.Column("class_id", sa.Integer, primary_key=True),
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("added_at", sa.BigInteger, nullable=False),
    sa.Index("ix_prog_eye_roster_patient", "patient_id"),
)

prog_eye_round = sa.Table(
    "prog_eye_round",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("school_id", sa.Integer, nullable=False),
    sa.Column("school_year", sa.String(9), nullable=False),
    sa.Column("day", sa.String(10), nullable=False),  # ISO date (Asia/Ho_Chi_Minh)
    sa.Column("created_by", sa.String(_SUBJECT), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("school_id", "day", name="uq_prog_eye_round"),
)

# One child's status in a round: screened (with the result), absent or refused.
prog_eye_screen = sa.Table(
    "prog_eye_screen",
    metadata,
    sa.Column("round_id", sa.Integer, primary_key=True),
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("class_id", sa.Integer, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # screened | absent | refused
    sa.Column("outcome", sa.String(12)),  # pass | fail | incomplete
    sa.Column("result", sa.Text),  # JSON: logMAR per eye, SE per eye
    sa.Column("myopia", sa.String(8)),  # none | myopia | high
    sa.Column("age", sa.Integer),  # completed years on the round's day
    sa.Column("sex", sa.String(8)),
    sa.Column("observations", sa.Text),  # JSON list of "Observation/<id>"
    sa.Column("recorded_by", sa.String(_SUBJECT), nullable=False),
    sa.Column("recorded_at", sa.BigInteger, nullable=False),
    sa.Index("ix_prog_eye_screen_class", "class_id", "round_id"),
)

prog_eye_referral = sa.Table(
    "prog_eye_referral",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("patient_id", sa.String(64), nullable=False),
    sa.Column("school_id", sa.Integer, nullable=False),
    sa.Column("ward", sa.String(8), nullable=False),  # the school's
    sa.Column("round_id", sa.Integer, nullable=False),
    sa.Column("service_request", sa.String(64), nullable=False),  # its id in the record
    sa.Column("opened", sa.String(10), nullable=False),
    sa.Column("lapse_on", sa.String(10), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # open | dispensed | closed
    sa.Column("closed", sa.String(10)),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("round_id", "patient_id", name="uq_prog_eye_referral"),
    sa.Index("ix_prog_eye_referral_ward", "ward", "status", "lapse_on"),
    sa.Index("ix_prog_eye_referral_school", "school_id", "status"),
)
