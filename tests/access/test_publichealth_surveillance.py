"""The surveillance gate (`hoso.access.publichealth_surveillance`) on both databases:
officers and the operator only; small counts exact only for an officer's own wards;
every read and every action one audit entry, a refusal or an error one failure."""

from __future__ import annotations

import pytest

from hoso.access import claims as roles
from hoso.access.audit_record import UPDATE
from hoso.access.publichealth_surveillance import SurveillanceGate
from hoso.core.errors import Forbidden, ResourceNotFound
from hoso.store.publichealth_series import SqlSurveillance
from hoso.store.sql_store import SqlStore
from tests.callers import as_caller, audit_subtypes, staff
from tests.publichealth.case_rows import assign_ward


def _gate(store: SqlStore) -> SurveillanceGate:
    return SurveillanceGate(SqlSurveillance(store.engine))


def test_officers_see_their_wards_exact_the_operator_all(store: SqlStore) -> None:
    assign_ward(store.engine, "test:officer", "26740")
    gate = _gate(store)
    with as_caller(store, staff(roles.OFFICER, ("user/*.rs",))) as repo:
        viewer = gate.read(repo, "surveillance-test", "surveillance/dengue", lambda v: v)
        assert viewer.agent == "test:officer" and viewer.exact_wards == {"26740"}
    with as_caller(store) as repo:
        assert gate.read(repo, "surveillance-test", "surveillance", lambda v: v).exact_wards is None
    assert audit_subtypes(store, outcome="0") == ["surveillance-test"] * 2


@pytest.mark.parametrize("role", [roles.CLINICIAN, roles.RESIDENT, roles.STEWARD, roles.DPO,
                                  roles.ADMIN, roles.FACILITY_SYSTEM])  # fmt: skip
def test_every_other_role_is_refused_and_the_refusal_audited(store: SqlStore, role: str) -> None:
    called = []
    with as_caller(store, staff(role, facility="79001")) as repo:
        with pytest.raises(Forbidden):
            _gate(store).read(repo, "surveillance-test", "surveillance", called.append)
        with pytest.raises(Forbidden):
            _gate(store).act(repo, UPDATE, "surveillance-act", "ph_focus/1", called.append)
    assert called == []  # refused before anything is read or written
    assert audit_subtypes(store, outcome="4") == ["surveillance-test", "surveillance-act"]


def test_an_action_is_audited_with_what_it_did_and_a_failure_too(store: SqlStore) -> None:
    gate = _gate(store)

    def missing(_: object) -> None:
        raise ResourceNotFound("Không tìm thấy ổ dịch / focus not found")

    with as_caller(store, staff(roles.OFFICER, ("user/*.rs",))) as repo:
        done = gate.act(repo, UPDATE, "surveillance-focus-status", "ph_focus/7",
                        lambda v: {"status": "closed"}, lambda d: d["status"])  # fmt: skip
        assert done == {"status": "closed"}
        with pytest.raises(ResourceNotFound):
            gate.act(repo, UPDATE, "surveillance-focus-status", "ph_focus/8", missing)
    assert audit_subtypes(store, outcome="0") == ["surveillance-focus-status"]
    assert audit_subtypes(store, outcome="4") == ["surveillance-focus-status"]
