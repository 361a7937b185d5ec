"""public health: disease definitions, cases and their officers, contacts, follow-up and
visits, population denominators, signals, outbreak foci, chain snapshots (issue 18)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ph_disease",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(140), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "ph_case",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("disease", sa.String(64), nullable=False),
        sa.Column("definition_version", sa.Integer, nullable=False),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("classification", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(32)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("onset_date", sa.String(10), nullable=False),
        sa.Column("last_onset_date", sa.String(10)),
        sa.Column("report_date", sa.String(10), nullable=False),
        sa.Column("diagnosed_at", sa.BigInteger, nullable=False),
        sa.Column("reported_at", sa.BigInteger, nullable=False),
        sa.Column("deadline_at", sa.BigInteger, nullable=False),
        sa.Column("last_evidence_at", sa.BigInteger, nullable=False),
        sa.Column("ward", sa.String(8)),
        sa.Column("facility", sa.String(32)),
        sa.Column("isolation_date", sa.String(10)),
        sa.Column("outcome", sa.String(16)),
        sa.Column("epi", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_ph_case_facility", "ph_case", ["facility", "reported_at"])
    op.create_index("ix_ph_case_disease_ward", "ph_case", ["disease", "ward", "onset_date"])
    op.create_index("ix_ph_case_patient", "ph_case", ["patient_id", "disease", "status"])
    op.create_index("ix_ph_case_disease_onset", "ph_case", ["disease", "onset_date"])
    op.create_table(
        "ph_case_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("agent", sa.String(140), nullable=False),
    )
    op.create_index("ix_ph_case_event_case", "ph_case_event", ["case_id", "id"])
    op.create_table(
        "ph_case_evidence",
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint(
            "resource_type", "resource_id", "version", "case_id", name="uq_ph_case_evidence"
        ),
    )
    op.create_index("ix_ph_case_evidence_case", "ph_case_evidence", ["case_id"])
    op.create_table(
        "ph_case_officer",
        sa.Column("case_id", sa.Integer, primary_key=True),
        sa.Column("officer", sa.String(140), primary_key=True),
        sa.Column("since", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_ph_case_officer_officer", "ph_case_officer", ["officer"])
    op.create_table(
        "ph_officer_ward",
        sa.Column("officer", sa.String(140), primary_key=True),
        sa.Column("ward", sa.String(8), primary_key=True),
    )
    op.create_index("ix_ph_officer_ward_ward", "ph_officer_ward", ["ward"])
    op.create_table(
        "ph_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("disease", sa.String(64), nullable=False),
        sa.Column("ward", sa.String(8)),
        sa.Column("date", sa.String(10)),
        sa.Column("created_by", sa.String(140), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "ph_contact",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("disease", sa.String(64), nullable=False),
        sa.Column("source_patient", sa.String(64)),
        sa.Column("source_event", sa.Integer),
        sa.Column("target_patient", sa.String(64), nullable=False),
        sa.Column("first_exposure", sa.String(10), nullable=False),
        sa.Column("last_exposure", sa.String(10), nullable=False),
        sa.Column("setting", sa.String(16), nullable=False),
        sa.Column("certainty", sa.String(8), nullable=False),
        sa.Column("duration_minutes", sa.Integer),
        sa.Column("created_by", sa.String(140), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_ph_contact_target", "ph_contact", ["target_patient", "disease"])
    op.create_index("ix_ph_contact_disease", "ph_contact", ["disease", "last_exposure"])
    op.create_index("ix_ph_contact_source", "ph_contact", ["source_patient", "disease"])
    op.create_table(
        "ph_followup",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("disease", sa.String(64), nullable=False),
        sa.Column("ward", sa.String(8)),
        sa.Column("start_date", sa.String(10), nullable=False),
        sa.Column("end_date", sa.String(10), nullable=False),
        sa.Column("frequency_days", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(140)),
        sa.Column("case_id", sa.Integer),
        sa.Column("closed_at", sa.BigInteger),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_ph_followup_assignee", "ph_followup", ["assignee", "status"])
    op.create_index("ix_ph_followup_patient", "ph_followup", ["patient_id", "disease", "status"])
    op.create_index("ix_ph_followup_ward", "ph_followup", ["ward", "status", "start_date"])
    op.create_table(
        "ph_visit",
        sa.Column("followup_id", sa.Integer, primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("recorded_by", sa.String(140), nullable=False),
        sa.Column("recorded_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "ph_population",
        sa.Column("ward", sa.String(8), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("population", sa.Integer, nullable=False),
    )
    op.create_table(
        "ph_signal",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("disease", sa.String(64), nullable=False),
        sa.Column("ward", sa.String(8), nullable=False),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("observed", sa.Integer, nullable=False),
        sa.Column("expected", sa.Float),
        sa.Column("upperbound", sa.Float),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("focus_id", sa.Integer),
        sa.Column("decided_by", sa.String(140)),
        sa.Column("decided_at", sa.BigInteger),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("disease", "ward", "week", "method", name="uq_ph_signal"),
    )
    op.create_index("ix_ph_signal_status", "ph_signal", ["status", "created_at"])
    op.create_table(
        "ph_focus",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("disease", sa.String(64), nullable=False),
        sa.Column("ward", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("first_case_date", sa.String(10), nullable=False),
        sa.Column("last_case_date", sa.String(10), nullable=False),
        sa.Column("case_count", sa.Integer, nullable=False),
        sa.Column("opened_at", sa.BigInteger),
        sa.Column("response_deadline_at", sa.BigInteger),
        sa.Column("closed_at", sa.BigInteger),
        sa.Column("created_by", sa.String(140), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_ph_focus_disease_ward", "ph_focus", ["disease", "ward", "status"])
    op.create_table(
        "ph_focus_report",
        sa.Column("focus_id", sa.Integer, primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("new_cases", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("reported_by", sa.String(140), nullable=False),
        sa.Column("reported_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "ph_chain_snapshot",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("disease", sa.String(64), nullable=False),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(140), nullable=False),
        sa.Column("requested_at", sa.BigInteger, nullable=False),
        sa.Column("finished_at", sa.BigInteger),
        sa.Column("error", sa.Text),
        sa.Column("result", sa.Text),
    )
    op.create_index("ix_ph_chain_snapshot_disease", "ph_chain_snapshot", ["disease", "as_of"])


def downgrade() -> None:
    op.drop_index("ix_ph_chain_snapshot_disease", "ph_chain_snapshot")
    op.drop_index("ix_ph_focus_disease_ward", "ph_focus")
    op.drop_index("ix_ph_signal_status", "ph_signal")
    op.drop_index("ix_ph_followup_ward", "ph_followup")
    op.drop_index("ix_ph_followup_patient", "ph_followup")
    op.drop_index("ix_ph_followup_assignee", "ph_followup")
    op.drop_index("ix_ph_contact_source", "ph_contact")
    op.drop_index("ix_ph_contact_disease", "ph_contact")
    op.drop_index("ix_ph_contact_target", "ph_contact")
    op.drop_index("ix_ph_officer_ward_ward", "ph_officer_ward")
    op.drop_index("ix_ph_case_officer_officer", "ph_case_officer")
    op.drop_index("ix_ph_case_evidence_case", "ph_case_evidence")
    op.drop_index("ix_ph_case_event_case", "ph_case_event")
    op.drop_index("ix_ph_case_disease_onset", "ph_case")
    op.drop_index("ix_ph_case_patient", "ph_case")
    op.drop_index("ix_ph_case_disease_ward", "ph_case")
    op.drop_index("ix_ph_case_facility", "ph_case")
    op.drop_table("ph_chain_snapshot")
    op.drop_table("ph_focus_report")
    op.drop_table("ph_focus")
    op.drop_table("ph_signal")
    op.drop_table("ph_population")
    op.drop_table("ph_visit")
    op.drop_table("ph_followup")
    op.drop_table("ph_contact")
    op.drop_table("ph_event")
    op.drop_table("ph_officer_ward")
    op.drop_table("ph_case_officer")
    op.drop_table("ph_case_evidence")
    op.drop_table("ph_case_event")
    op.drop_table("ph_case")
    op.drop_table("ph_disease")
