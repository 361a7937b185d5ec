"""A small tracing world for the store, facade and API tests: residents, cases linked to
officers (plain inserts: cases are the lead's), a ward's station with two clinicians,
the facades with a fake case opener and fixed disease parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from hoso.access.claims import AccessClaims
from hoso.access.principal import Principal
from hoso.access.publichealth_chains import ChainSnapshots
from hoso.access.publichealth_tracing import ContactTracing, MappedStations
from hoso.access.scopes import ScopeSet
from hoso.core import clock
from hoso.publichealth.tracing.logic import TRACING_LOGIC
from hoso.store.auth_schema import auth_account
from hoso.store.publichealth_schema import ph_case, ph_case_officer
from hoso.store.publichealth_tracing import SqlTracing, TracingBulk

WARD, OTHER_WARD = "26734", "26737"
STATION, OTHER_STATION = "79TYT01", "79TYT02"
# "no-followup": contacts registered, not visited; "broken": a definition no schedule fits.
PARAMS = {"measles": (21, 1), "dengue": (14, 2), "no-followup": (0, 1), "broken": (10, 20)}
OFFICER_A, OFFICER_B = "account:officer-a", "account:officer-b"


def today() -> date:
    return clock.now().astimezone(clock.VN_TZ).date()


def day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


def principal(role: str, subject: str, *, facility: str | None = None,
              scopes: tuple[str, ...] = ("user/*.cruds",)) -> Principal:  # fmt: skip
    claims = AccessClaims(subject=subject, role=role, scopes=scopes, client_id="tests",
                          token_id=f"t-{subject}", expires_at=2_000_000_000,
                          facility=facility)  # fmt: skip
    return Principal(claims, ScopeSet.parse(scopes))


def add_case(engine: sa.Engine, patient_id: str, *, disease: str = "measles",
             classification: str = "confirmed", onset: str | None = None,
             officers: tuple[str, ...] = (), ward: str = WARD, **extra: Any) -> int:  # fmt: skip
    now = clock.now_us()
    onset = onset or day(-10)
    values = {"disease": disease, "definition_version": 1, "patient_id": patient_id,
              "classification": classification, "status": "open", "onset_date": onset,
              "report_date": extra.pop("report_date", onset), "diagnosed_at": now,
              "reported_at": now, "deadline_at": now, "last_evidence_at": now, "ward": ward,
              "epi": "{}", "created_at": now, "updated_at": now, **extra}  # fmt: skip
    with engine.begin() as conn:
        case_id = int(conn.execute(sa.insert(ph_case).values(**values)).inserted_primary_key[0])
        for officer in officers:
            conn.execute(sa.insert(ph_case_officer).values(case_id=case_id, officer=officer,
                                                           since=now))  # fmt: skip
    return case_id


def add_clinician(engine: sa.Engine, account_id: str, facility: str) -> str:
    with engine.begin() as conn:
        conn.execute(sa.insert(auth_account).values(
            id=account_id, username=account_id, password_hash="x", role="clinician",
            facility=facility, failed_attempts=0, status="active", created=0))  # fmt: skip
    return f"account:{account_id}"


@dataclass
class FakeCases:
    """The case opener the lead wires to the case register; here a plain insert."""

    engine: sa.Engine
    opened: list[tuple[str, str, str, str]] = field(default_factory=list)

    def open_suspected(self, repo: Any, patient_id: str, disease: str, onset_date: str) -> int:
        agent = repo.principal.agent
        self.opened.append((patient_id, disease, onset_date, agent))
        return add_case(self.engine, patient_id, disease=disease, classification="suspected",
                        onset=onset_date)  # fmt: skip


def facades(engine: sa.Engine) -> tuple[ContactTracing, ChainSnapshots, FakeCases]:
    cases = FakeCases(engine)
    rows = SqlTracing(engine)

    def params(code: str) -> tuple[int, int]:
        return PARAMS[code]

    stations = MappedStations({WARD: STATION, OTHER_WARD: OTHER_STATION})
    tracing = ContactTracing(rows, TRACING_LOGIC, params, cases, stations)
    return tracing, ChainSnapshots(tracing, TracingBulk(engine), TRACING_LOGIC), cases


def resident_at(n: int, ward_line: str = "12 Lê Lợi") -> dict[str, Any]:
    from tests.builders.patient import resident

    return {**resident(n), "telecom": [{"system": "phone", "value": f"09{n:08d}"}],
            "address": [{"use": "home", "line": [ward_line], "city": "Hồ Chí Minh"}]}
