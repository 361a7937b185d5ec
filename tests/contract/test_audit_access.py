"""Session.audit (AuditTables) and Session.access (AccessTables): the audit chain read per
resident, break-the-glass grants, the care-claim counter and anomalies flagged once."""

from __future__ import annotations

import pytest

from hoso.fhir.audit_row import AuditRow
from hoso.fhir.store import Store

HOUR = 3_600_000_000
T0 = 1_750_000_000_000_000 - 1_750_000_000_000_000 % HOUR  # the start of an hour, µs
CLINICIAN = "account:bs-lan"


class Abandoned(Exception):
    """What a caller raises to give up its unit of work."""


def entry(n: int, *patients: str) -> AuditRow:
    """The n-th audit entry, about `patients`."""
    return AuditRow(
        recorded=T0 + n, action="R", subtype="read", outcome="0", agent=CLINICIAN,
        role="clinician", facility="79001", break_glass=False,
        content=f'{{"resourceType":"AuditEvent","id":"e{n}"}}', patients=patients,
    )  # fmt: skip


def _trail(store: Store, patient_id: str, before: int | None = None, count: int = 50
           ) -> list[tuple[int, str]]:  # fmt: skip
    with store.unit_of_work(write=False) as s:
        return s.audit.for_patient(patient_id, before=before, count=count)


def test_audit_entries_are_read_per_resident_newest_first(contract_store: Store) -> None:
    """audit.append then for_patient: (seq, content) of the entries naming the resident,
    newest first; an entry naming two residents is in both trails."""
    with contract_store.unit_of_work() as s:
        s.audit.append([entry(1, "pat-1"), entry(2, "pat-1", "pat-2")])
    with contract_store.unit_of_work() as s:
        s.audit.append([entry(3, "pat-2"), entry(4, "pat-1", "pat-1")])
    first = _trail(contract_store, "pat-1")
    second = _trail(contract_store, "pat-2")
    assert [content for _, content in first] == [entry(n).content for n in (4, 2, 1)]
    assert [content for _, content in second] == [entry(n).content for n in (3, 2)]
    seqs = [seq for seq, _ in first]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == 3
    assert dict(first)[seqs[1]] == dict(second)[seqs[1]]  # entry 2: one seq, both trails
    assert _trail(contract_store, "pat-never") == []


def test_audit_trail_pages_with_before_and_count(contract_store: Store) -> None:
    """for_patient(before, count): at most `count` entries older than seq `before`."""
    with contract_store.unit_of_work() as s:
        s.audit.append([entry(n, "pat-1") for n in range(1, 8)])
    newest = _trail(contract_store, "pat-1", count=3)
    assert len(newest) == 3
    older = _trail(contract_store, "pat-1", before=newest[-1][0], count=3)
    oldest = _trail(contract_store, "pat-1", before=older[-1][0], count=3)
    contents = [c for _, c in newest + older + oldest]
    assert contents == [entry(n).content for n in range(7, 0, -1)]
    assert _trail(contract_store, "pat-1", before=oldest[-1][0]) == []


def test_audit_entries_commit_with_their_unit(contract_store: Store) -> None:
    """audit.append: an entry appended in a unit that rolls back is not recorded."""
    with pytest.raises(Abandoned), contract_store.unit_of_work() as s:
        s.audit.append([entry(1, "pat-1")])
        assert len(s.audit.for_patient("pat-1", before=None, count=5)) == 1
        raise Abandoned
    assert _trail(contract_store, "pat-1") == []


def _grant(store: Store, agent: str, patient_id: str, expires: int) -> str:
    with store.unit_of_work() as s:
        return s.access.grant_break_glass(
            agent=agent, facility="79001", patient_id=patient_id, reason="Cấp cứu",
            started=T0, expires=expires,
        )  # fmt: skip


def test_break_glass_grants_hold_until_they_expire(contract_store: Store) -> None:
    """grant_break_glass then break_glass_patients(agent, now): the residents of the
    agent's grants not yet expired at `now` (a grant ending at `now` has)."""
    first = _grant(contract_store, CLINICIAN, "pat-1", expires=T0 + HOUR)
    second = _grant(contract_store, CLINICIAN, "pat-2", expires=T0 + 2 * HOUR)
    _grant(contract_store, "account:other", "pat-3", expires=T0 + 2 * HOUR)
    assert first and second and first != second
    with contract_store.unit_of_work(write=False) as s:
        glass = s.access.break_glass_patients
        assert glass(CLINICIAN, T0) == frozenset({"pat-1", "pat-2"})
        assert glass(CLINICIAN, T0 + HOUR) == frozenset({"pat-2"})
        assert glass(CLINICIAN, T0 + 2 * HOUR) == frozenset()
        assert glass("account:nobody", T0) == frozenset()


def _claim(store: Store, agent: str, hour: int, now: int) -> tuple[int, int | None]:
    with store.unit_of_work() as s:
        return s.access.count_care_claim(agent, "79001", hour, now)


def test_care_claims_are_counted_per_agent_and_hour(contract_store: Store) -> None:
    """count_care_claim: adds one to the agent's hour; (openings so far, the previous
    opening's time, None for the first)."""
    assert _claim(contract_store, CLINICIAN, T0, T0 + 10) == (1, None)
    assert _claim(contract_store, CLINICIAN, T0, T0 + 20) == (2, T0 + 10)
    assert _claim(contract_store, CLINICIAN, T0, T0 + 30) == (3, T0 + 20)
    assert _claim(contract_store, CLINICIAN, T0 + HOUR, T0 + HOUR + 1) == (1, None)
    assert _claim(contract_store, "account:other", T0, T0 + 40) == (1, None)


def test_a_rolled_back_care_claim_is_not_counted(contract_store: Store) -> None:
    """count_care_claim: the count commits with its unit of work."""
    _claim(contract_store, CLINICIAN, T0, T0 + 10)
    with pytest.raises(Abandoned), contract_store.unit_of_work() as s:
        s.access.count_care_claim(CLINICIAN, "79001", T0, T0 + 20)
        raise Abandoned
    assert _claim(contract_store, CLINICIAN, T0, T0 + 30) == (2, T0 + 10)


def test_busiest_care_claim_hour_in_a_window(contract_store: Store) -> None:
    """busiest_care_claim_hour(agent, since, before): the most openings in one hour
    starting in [since, before); 0 when none."""
    for hour, openings in ((T0, 2), (T0 + HOUR, 5), (T0 + 2 * HOUR, 3)):
        for n in range(openings):
            _claim(contract_store, CLINICIAN, hour, hour + n)
    with contract_store.unit_of_work(write=False) as s:
        busiest = s.access.busiest_care_claim_hour
        assert busiest(CLINICIAN, T0, T0 + 3 * HOUR) == 5
        assert busiest(CLINICIAN, T0 + 2 * HOUR, T0 + 3 * HOUR) == 3
        assert busiest(CLINICIAN, T0, T0 + HOUR) == 2  # `before` is not included
        assert busiest(CLINICIAN, T0 + 3 * HOUR, T0 + 9 * HOUR) == 0
        assert busiest("account:other", T0, T0 + 3 * HOUR) == 0


def anomaly(hour: int, detected: int, agent: str = CLINICIAN) -> dict[str, object]:
    """What `hoso.access.care_claims.ClaimWatch` flags."""
    return {"kind": "care-claim-rate", "agent": agent, "hour_us": hour, "client_id": "his",
            "facility": "79001", "count": 31, "threshold": 30, "detected_us": detected}  # fmt: skip


def test_an_anomaly_is_flagged_once_per_kind_agent_and_hour(contract_store: Store) -> None:
    """flag_anomaly: True when newly flagged, False for the same kind, agent and hour."""
    with contract_store.unit_of_work() as s:
        assert s.access.flag_anomaly(anomaly(T0, T0 + 5))
        assert not s.access.flag_anomaly(anomaly(T0, T0 + 9))
    with contract_store.unit_of_work() as s:
        assert not s.access.flag_anomaly(anomaly(T0, T0 + 10))
        assert s.access.flag_anomaly(anomaly(T0 + HOUR, T0 + HOUR + 5))
        assert s.access.flag_anomaly(anomaly(T0, T0 + 6, agent="account:other"))


def test_anomalies_since_a_time_newest_first(contract_store: Store) -> None:
    """anomalies(since): the flagged anomalies detected since then, newest first, as
    they were flagged."""
    flagged = [anomaly(T0, T0 + 5), anomaly(T0 + HOUR, T0 + HOUR + 5),
               anomaly(T0, T0 + 7, agent="account:other")]  # fmt: skip
    with contract_store.unit_of_work() as s:
        for one in flagged:
            s.access.flag_anomaly(one)
    with contract_store.unit_of_work(write=False) as s:
        everything = s.access.anomalies(T0)
        recent = s.access.anomalies(T0 + 6)
        none = s.access.anomalies(T0 + 2 * HOUR)
    assert everything == [flagged[1], flagged[2], flagged[0]]
    assert [a["detected_us"] for a in recent] == [T0 + HOUR + 5, T0 + 7]
    assert none == []
