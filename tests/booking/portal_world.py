"""The booking world's residents as the portal meets them: a CCCD on their record (the
world's Patients have only a phone) and the one-time code read from the outbox, as a
resident reads it from their SMS."""

from __future__ import annotations

import re

import sqlalchemy as sa

from hoso.core import jsonx
from hoso.store.booking_schema import bk_outbox
from hoso.store.sql_store import SqlStore
from tests.callers import as_caller


def cccd_of(n: int) -> str:
    return f"0790900{n:05d}"


def phone_of(n: int) -> str:
    return f"09{n:08d}"  # tests/booking/world.py's patient(n)


def with_cccd(store: SqlStore, n: int = 0, **changes: object) -> None:
    """Give resident `n` a CCCD (and any other top-level changes: active=False…)."""
    with as_caller(store) as repo:
        patient = jsonx.loads(repo.read("Patient", f"bk-p{n}").content)
        patient["identifier"] = [{"system": store.settings.cccd_system, "value": cccd_of(n)}]
        repo.update("Patient", f"bk-p{n}", {**patient, **changes})


def outbox(store: SqlStore) -> list[sa.Row]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(bk_outbox).order_by(bk_outbox.c.id)))


def sent_code(store: SqlStore) -> str:
    found = re.search(r"\b(\d{6})\b", outbox(store)[-1].body)
    assert found is not None
    return found.group(1)
