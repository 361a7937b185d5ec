"""Tables of the record store (SQLAlchemy Core); Alembic migrations create them.

`resource` holds the current version, `resource_history` every version, and one index
table per search-parameter kind holds the rows extracted from the current version.
Every row of a patient's compartment carries `patient_id`, the future sharding key.
Index rows point at `resource.seq`, an immutable integer that also orders unsorted
search results so that paging survives concurrent updates.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

MAX_INDEXED_CHARS = 512

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL wants BIGINT.
SeqType = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

resource = sa.Table(
    "resource",
    metadata,
    sa.Column("seq", SeqType, primary_key=True, autoincrement=True),
    sa.Column("resource_type", sa.String(64), nullable=False),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("last_updated", sa.BigInteger, nullable=False),  # µs since epoch, UTC
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("patient_id", sa.String(64)),
    sa.Column("content", sa.Text, nullable=False),
    sa.UniqueConstraint("resource_type", "id", name="uq_resource_type_id"),
    sa.Index("ix_resource_type_updated", "resource_type", "last_updated"),
    sa.Index("ix_resource_patient", "patient_id"),
)

resource_history = sa.Table(
    "resource_history",
    metadata,
    sa.Column("hseq", SeqType, primary_key=True, autoincrement=True),
    sa.Column("res_seq", sa.BigInteger, nullable=False),
    sa.Column("resource_type", sa.String(64), nullable=False),
    sa.Column("id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("last_updated", sa.BigInteger, nullable=False),
    sa.Column("method", sa.String(8), nullable=False),  # POST, PUT, PATCH, DELETE
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("patient_id", sa.String(64)),
    sa.Column("content", sa.Text, nullable=False),
    sa.UniqueConstraint("resource_type", "id", "version", name="uq_history_version"),
    sa.Index("ix_history_type_updated", "resource_type", "last_updated"),
    sa.Index("ix_history_updated", "last_updated"),
    sa.Index("ix_history_patient", "patient_id"),
)

# The CCCD of every active Patient; the primary key is what makes a CCCD belong to one
# active resident even when two facilities create them at the same moment.
patient_cccd = sa.Table(
    "patient_cccd",
    metadata,
    sa.Column("cccd", sa.String(12), primary_key=True),
    sa.Column("res_seq", sa.BigInteger, nullable=False, index=True),
    sa.Column("patient_id", sa.String(64), nullable=False),
)

# Disagreements between a CCCD's structure and the Patient (kept for data quality).
cccd_warning = sa.Table(
    "cccd_warning",
    metadata,
    sa.Column("res_seq", sa.BigInteger, primary_key=True),
    sa.Column("patient_id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("cccd", sa.String(12), nullable=False),
    sa.Column("messages", sa.Text, nullable=False),
)


def _index_table(
    name: str,
    *columns: sa.Column,
    indexes: tuple[tuple[str, ...], ...],
    prefix_columns: tuple[str, ...] = (),
) -> sa.Table:
    """Common head of every index table; `indexes` lists the search access paths.

    Value columns are unbounded text; the row builder cuts values to `MAX_INDEXED_CHARS`
    so that a PostgreSQL btree entry stays under its size limit.
    """
    table = sa.Table(
        name,
        metadata,
        sa.Column("res_seq", sa.BigInteger, nullable=False),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("param", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.String(64)),
        *columns,
    )
    sa.Index(f"ix_{name}_res", table.c.res_seq)
    for cols in indexes:
        # Starts-with search is `LIKE 'abc%'`; PostgreSQL serves it from a btree only
        # with text_pattern_ops under a non-C collation.
        ops = {c: "text_pattern_ops" for c in cols if c in prefix_columns}
        sa.Index(f"ix_{name}_{'_'.join(cols)}", *(table.c[c] for c in cols), postgresql_ops=ops)
    return table


idx_token = _index_table(
    "idx_token",
    sa.Column("system", sa.Text),
    sa.Column("code", sa.Text),
    sa.Column("text", sa.Text),
    indexes=(
        ("resource_type", "param", "code", "system"),
        ("patient_id", "resource_type", "param", "code"),
        ("resource_type", "param", "text"),
    ),
    prefix_columns=("text",),
)
idx_string = _index_table(
    "idx_string",
    sa.Column("exact", sa.Text, nullable=False),
    sa.Column("folded", sa.Text, nullable=False),
    indexes=(("resource_type", "param", "folded"), ("resource_type", "param", "exact")),
    prefix_columns=("folded",),
)
idx_date = _index_table(
    "idx_date",
    sa.Column("low", sa.BigInteger, nullable=False),
    sa.Column("high", sa.BigInteger, nullable=False),
    indexes=(
        ("resource_type", "param", "low"),
        ("resource_type", "param", "high"),
        ("patient_id", "resource_type", "param", "low"),
    ),
)
idx_reference = _index_table(
    "idx_reference",
    sa.Column("target_type", sa.String(64)),
    sa.Column("target_id", sa.String(64)),
    sa.Column("url", sa.Text),
    indexes=(("resource_type", "param", "target_id", "target_type"), ("target_id", "target_type")),
)
idx_quantity = _index_table(
    "idx_quantity",
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("system", sa.Text),
    sa.Column("code", sa.Text),
    sa.Column("unit", sa.Text),
    indexes=(("resource_type", "param", "value"),),
)
idx_uri = _index_table(
    "idx_uri",
    sa.Column("uri", sa.Text, nullable=False),
    indexes=(("resource_type", "param", "uri"),),
)

INDEX_TABLES = (idx_token, idx_string, idx_date, idx_reference, idx_quantity, idx_uri)

# Frozen result order of a sorted search, written when its first page is read, so that
# later pages neither skip nor repeat resources whose sort values change meanwhile.
# Rows are purged once `created` (µs since epoch) is older than the snapshot lifetime.
search_snapshot = sa.Table(
    "search_snapshot",
    metadata,
    sa.Column("search_id", sa.String(32), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("res_seq", sa.BigInteger, nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Index("ix_search_snapshot_created", "created"),
)

# -- access: derived rows the policy decides on, and the audit chain ---------------------

# Which facility a resource puts its Patient in care of, and when (Encounter,
# Appointment, referral ServiceRequest, EpisodeOfCare); rebuilt on every write.
care_link = sa.Table(
    "care_link",
    metadata,
    sa.Column("res_seq", sa.BigInteger, nullable=False, index=True),
    sa.Column("patient_id", sa.String(64), nullable=False),
    sa.Column("facility_ref", sa.String(140), nullable=False),  # "Organization/<id>"
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("low", sa.BigInteger, nullable=False),  # µs since epoch, UTC
    sa.Column("high", sa.BigInteger, nullable=False),
    # Written by the facility itself (hoso.fhir.care_links): opens only once begun.
    sa.Column("self_claimed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_care_link_patient_facility", "patient_id", "facility_ref", "high"),
)

# Records a caller opened by claiming care itself, per caller and hour: the baseline the
# watch compares the current hour with (hoso.access.care_claims). No resident in it.
care_claim_rate = sa.Table(
    "care_claim_rate",
    metadata,
    sa.Column("agent", sa.String(140), primary_key=True),  # the token subject
    sa.Column("hour_us", sa.BigInteger, primary_key=True),  # start of the hour, µs UTC
    sa.Column("facility", sa.String(64)),
    sa.Column("opened", sa.Integer, nullable=False),
    sa.Column("last_us", sa.BigInteger, nullable=False),  # the latest opening
)

# Secrets the server made for itself without an operator's (a demo deployment's pseudonym
# key, hoso.store.secrets): one value per name, shared by every process.
server_secret = sa.Table(
    "server_secret",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),  # hex
)

# What the watches flagged for the data-protection officer (`hoso audit anomalies`,
# GET /api/audit/anomalies): one row per kind, caller and hour.
access_anomaly = sa.Table(
    "access_anomaly",
    metadata,
    sa.Column("kind", sa.String(32), primary_key=True),  # care-claim-rate
    sa.Column("agent", sa.String(140), primary_key=True),
    sa.Column("hour_us", sa.BigInteger, primary_key=True),
    sa.Column("client_id", sa.String(140)),
    sa.Column("facility", sa.String(64)),
    sa.Column("count", sa.Integer, nullable=False),  # openings in the hour when flagged
    sa.Column("threshold", sa.Integer, nullable=False),
    sa.Column("detected_us", sa.BigInteger, nullable=False),
    sa.Index("ix_access_anomaly_detected", "detected_us"),
)

# The provisions of every active Consent, flattened; rebuilt on every write of a Consent.
consent_rule = sa.Table(
    "consent_rule",
    metadata,
    sa.Column("res_seq", sa.BigInteger, nullable=False, index=True),
    sa.Column("patient_id", sa.String(64), nullable=False),
    sa.Column("effect", sa.String(8), nullable=False),  # permit | deny
    sa.Column("actor_ref", sa.String(140)),  # None: everyone
    sa.Column("label_system", sa.Text),
    sa.Column("label_code", sa.String(64)),  # None: every category
    sa.Column("purpose", sa.String(64)),  # None: every purpose
    sa.Column("low", sa.BigInteger, nullable=False),
    sa.Column("high", sa.BigInteger, nullable=False),
    sa.Index("ix_consent_rule_patient", "patient_id", "effect"),
)

# Break-the-glass grants: one clinician, one resident, a stated reason, an end.
break_glass = sa.Table(
    "break_glass",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("agent", sa.String(140), nullable=False),
    sa.Column("facility", sa.String(64)),
    sa.Column("patient_id", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("started", sa.BigInteger, nullable=False),
    sa.Column("expires", sa.BigInteger, nullable=False),
    sa.Index("ix_break_glass_agent", "agent", "patient_id", "expires"),
    sa.Index("ix_break_glass_patient", "patient_id"),
)

# The audit trail: FHIR AuditEvents in a hash chain. `seq` is assigned by the appender
# (head + 1, never a database sequence) so that a missing row shows as a gap.
audit_event = sa.Table(
    "audit_event",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("recorded", sa.BigInteger, nullable=False),
    sa.Column("action", sa.String(1), nullable=False),
    sa.Column("subtype", sa.String(40), nullable=False),
    sa.Column("outcome", sa.String(2), nullable=False),
    sa.Column("agent", sa.String(140), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("facility", sa.String(64)),
    sa.Column("break_glass", sa.Boolean, nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_audit_event_recorded", "recorded"),
)

# Which residents each audit event concerns ("who accessed my record").
audit_patient = sa.Table(
    "audit_patient",
    metadata,
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
)

# The end of the chain: deleting the newest rows is caught by comparing with it.
audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# How far each local audit spool file (hoso.store.audit_spool) has been chained: updated
# in the transaction that chains its entries, so each is chained exactly once.
audit_spool = sa.Table(
    "audit_spool",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

# Asynchronous bulk jobs (FHIR Bulk Data `$export`, later `$import`): the kick-off, who
# asked, how far the job has come and, once complete, its manifest. `updated` is the
# worker's heartbeat: a running job whose heartbeat stopped is failed (hoso.store.jobs).
bulk_job = sa.Table(
    "bulk_job",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # export | import
    sa.Column("status", sa.String(16), nullable=False),  # accepted in-progress completed…
    sa.Column("owner", sa.String(140), nullable=False),  # Principal.owner of who asked
    sa.Column("request", sa.Text, nullable=False),  # kick-off URL and parameters (JSON)
    sa.Column("created", sa.BigInteger, nullable=False),  # µs since epoch
    sa.Column("updated", sa.BigInteger, nullable=False),
    sa.Column("finished", sa.BigInteger),
    sa.Column("progress", sa.Text),  # short, for X-Progress
    sa.Column("manifest", sa.Text),  # JSON, once completed
    sa.Column("error", sa.Text),
    sa.Index("ix_bulk_job_status_updated", "status", "updated"),
)

# Pairs of Patients the master patient index thinks may be one resident, and the data
# steward's decision. Kept out of FHIR on purpose: a Task naming two residents would sit
# in both compartments, showing each resident that the other exists.
mpi_candidate = sa.Table(
    "mpi_candidate",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("patient_a", sa.String(64), nullable=False),  # patient_a < patient_b
    sa.Column("patient_b", sa.String(64), nullable=False),
    sa.Column("weight", sa.Float, nullable=False),  # Fellegi–Sunter match weight (log2)
    sa.Column("probability", sa.Float, nullable=False),
    sa.Column("grade", sa.String(16), nullable=False),  # certain | possible
    sa.Column("origin", sa.String(16), nullable=False),  # online | batch
    sa.Column("status", sa.String(16), nullable=False),  # open | merged | rejected | superseded
    sa.Column("details", sa.Text, nullable=False),  # JSON: comparison levels
    sa.Column("created", sa.BigInteger, nullable=False),  # µs since epoch
    sa.Column("decided", sa.BigInteger),
    sa.Column("decided_by", sa.String(140)),
    sa.UniqueConstraint("patient_a", "patient_b", name="uq_mpi_candidate_pair"),
    sa.Index("ix_mpi_candidate_status_weight", "status", "weight"),
    sa.Index("ix_mpi_candidate_patient_b", "patient_b"),
)

# -- data quality (hoso.ingest.quality): derived rows, rebuilt by `hoso quality run` -------

# One row per finding of a rule on the current version of a resource. `kind` "write" rows
# are replaced by every write of that resource (the checker the composition root plugs
# into the store); "batch" rows, from rules that look across a resident's whole record
# (coverage, recent vital signs, open MPI candidates), only by the batch.
quality_issue = sa.Table(
    "quality_issue",
    metadata,
    sa.Column("res_seq", sa.BigInteger, nullable=False),
    sa.Column("resource_type", sa.String(64), nullable=False),
    sa.Column("patient_id", sa.String(64)),
    sa.Column("rule", sa.String(16), nullable=False),  # DUNG-001 …
    sa.Column("kind", sa.String(8), nullable=False),  # write | batch
    sa.Column("severity", sa.String(16), nullable=False),  # error | warning | information
    sa.Column("expression", sa.Text, nullable=False),  # FHIRPath of the element
    sa.Column("message", sa.Text, nullable=False),  # "Tiếng Việt / English"
    sa.Index("ix_quality_issue_res", "res_seq"),
    sa.Index("ix_quality_issue_rule", "rule", "resource_type"),
    sa.Index("ix_quality_issue_patient", "patient_id"),
)

# One row per batch run; `finished` stays NULL while it runs (or if it died).
quality_run = sa.Table(
    "quality_run",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started", sa.BigInteger, nullable=False),  # µs since epoch
    sa.Column("finished", sa.BigInteger),
    sa.Column("resources", sa.Integer, nullable=False),
    sa.Column("issues", sa.Integer, nullable=False),
)

# The scorecard snapshot: per run × facility (mã CSKCB) × ward (NSO code) × rule, how many
# resources the rule applied to and how many failed it; "" is an unknown facility or ward.
# Kept for every run, so the trend over time is read back, not recomputed.
quality_score = sa.Table(
    "quality_score",
    metadata,
    sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("facility", sa.String(64), primary_key=True),
    sa.Column("ward", sa.String(16), primary_key=True),
    sa.Column("rule", sa.String(16), primary_key=True),
    sa.Column("checked", sa.Integer, nullable=False),
    sa.Column("failing", sa.Integer, nullable=False),
    sa.Column("findings", sa.Integer, nullable=False),
    sa.Index("ix_quality_score_facility", "facility", "run_id"),
    sa.Index("ix_quality_score_ward", "ward", "run_id"),
)

# The authentication tables, the change feed's and the share links' live in their own
# modules; importing them here registers them on `metadata` for everything that creates
# or compares the schema.
from hoso.store import auth_schema as _auth_schema  # noqa: E402,F401
from hoso.store import booking_otp_schema as _booking_otp_schema  # noqa: E402,F401
from hoso.store import booking_schema as _booking_schema  # noqa: E402,F401
from hoso.store import booking_waitlist_schema as _bk_waitlist_schema  # noqa: E402,F401
from hoso.store import feed_schema as _feed_schema  # noqa: E402,F401
from hoso.store import programme_cohorts_schema as _programme_cohorts_schema  # noqa: E402,F401
from hoso.store import programme_eyes_schema as _programme_eyes_schema  # noqa: E402,F401
from hoso.store import programme_immunisation_schema as _imm_schema  # noqa: E402,F401
from hoso.store import programme_schema as _programme_schema  # noqa: E402,F401
from hoso.store import publichealth_schema as _publichealth_schema  # noqa: E402,F401
from hoso.store import share_schema as _share_schema  # noqa: E402,F401
from hoso.store import warehouse_supply_schema as _wh_supply_schema  # noqa: E402,F401
