"""Authentication services over a real database (both backends), a settable clock and
an audit recorder."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hoso.access.auth_services import AuthServices, build_auth
from hoso.core.settings import Settings
from hoso.store.auth_store import SqlAuthStore
from hoso.store.sql_store import SqlStore
from tests.builders.auth import AuditRecorder, Clock

BASE_URL = "https://hoso.example.vn"


@pytest.fixture
def auth_clock() -> Clock:
    return Clock()


@pytest.fixture
def audit_recorder() -> AuditRecorder:
    return AuditRecorder()


@pytest.fixture
def auth_settings(store: SqlStore) -> Settings:
    return replace(store.settings, public_base_url=BASE_URL)


@pytest.fixture
def credential_store(store: SqlStore) -> SqlAuthStore:
    return SqlAuthStore(store.engine)


@pytest.fixture
def auth(
    credential_store: SqlAuthStore,
    auth_settings: Settings,
    audit_recorder: AuditRecorder,
    auth_clock: Clock,
) -> AuthServices:
    return build_auth(credential_store, auth_settings, audit_recorder, clock=auth_clock)
