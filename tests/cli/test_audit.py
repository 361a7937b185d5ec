"""`hoso audit anomalies` (hoso.cli.audit), run as a user would run it, on both
databases."""

from __future__ import annotations

from tests.cli.conftest import hoso


def test_audit_anomalies_lists_what_the_watch_flagged(database_url: str) -> None:
    from hoso.core import clock
    from hoso.store.sql_store import make_store

    store = make_store(database_url)
    with store.unit_of_work() as session:
        session.access.flag_anomaly({"kind": "care-claim-rate", "agent": "client:his-79002",
                              "hour_us": clock.now_us() // 3_600_000_000 * 3_600_000_000,
                              "client_id": "his-79002", "facility": "79002", "count": 61,
                              "threshold": 30, "detected_us": clock.now_us()})  # fmt: skip
    store.engine.dispose()
    listed = hoso("audit", "anomalies", database_url=database_url)
    assert listed.returncode == 0, listed.stderr
    assert "client:his-79002 | 79002 | 61 | 30" in listed.stdout
    none_since = hoso("audit", "anomalies", "--days", "0", database_url=database_url)
    assert none_since.returncode == 0
    assert "Không có cảnh báo trong 0 ngày" in none_since.stdout
