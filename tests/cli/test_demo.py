"""`hoso demo` (hoso.cli.demo) after a first start: a data steward among the accounts,
and for each page whom to log in as to find something on it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from hoso.access import claims as roles
from hoso.access.auth_services import AuthServices, build_auth
from hoso.access.bulk_import import BulkImportAccess
from hoso.access.records import QualityJob
from hoso.ingest.demo_population import load_demo_population
from hoso.store.auth_store import SqlAuthStore
from hoso.store.sql_store import SqlStore
from tests.builders.auth import AuditRecorder
from tests.callers import as_caller, staff
from tests.cli.conftest import hoso

BASE = "http://127.0.0.1:8000"  # the default HOSO_BASE_URL


@pytest.fixture
def auth(store: SqlStore) -> Iterator[AuthServices]:
    yield build_auth(SqlAuthStore(store.engine), store.settings, AuditRecorder())


def _who_sees(output: str) -> dict[str, str]:
    """Each page's URL → the line under it naming whom to log in as."""
    lines = output.splitlines()
    return {
        match.group(1): lines[i + 1]
        for i, line in enumerate(lines[:-1])
        if (match := re.match(r"  [^:]+: (http\S+)$", line)) and lines[i + 1].startswith("      → ")
    }


def test_demo_names_a_steward_and_whom_each_page_is_for(
    store: SqlStore, database_url: str, tmp_path: Path, auth: AuthServices
) -> None:
    with as_caller(store) as repo:  # the first start, on a small population
        folder = tmp_path / "population"
        loaded = load_demo_population(repo, BulkImportAccess(repo), QualityJob(repo),
                                      store.settings, folder, people=60)  # fmt: skip
    assert loaded is not None and loaded.duplicates is not None
    pairs = loaded.duplicates.queued
    result = hoso("demo", "--key-out", str(tmp_path / "key.json"), database_url=database_url)
    assert result.returncode == 0, result.stderr
    out = result.stdout

    password, uri = re.search(r"data steward: dl\.demo / (\S+)\s+TOTP: (\S+)", out).groups()  # type: ignore[union-attr]
    code = pyotp.TOTP(pyotp.parse_uri(uri).secret).now()
    account = auth.accounts.login("dl.demo", password, code)
    assert account.role == roles.STEWARD
    cccd = re.search(r"resident: (\d{12}) / ", out).group(1)  # type: ignore[union-attr]
    patient = re.search(r"\(Patient/([^)]+)\)", out).group(1)  # type: ignore[union-attr]

    assert f"Đăng nhập / Log in: {BASE}/login" in out
    who = _who_sees(out)
    record_url = f"{BASE}/fhir/Patient/{patient}/$everything"
    assert set(who) == {f"{BASE}/", f"{BASE}/api/mpi/review.html",
                        f"{BASE}/api/quality/scorecard.html", record_url,
                        f"{BASE}/fhir/Patient", f"{BASE}/publichealth/cases",
                        f"{BASE}/programmes/"}  # fmt: skip
    review = who[f"{BASE}/api/mpi/review.html"]
    assert "dl.demo" in review and f"{pairs} cặp chờ xem xét / pairs to review" in review
    assert "cb.demo" not in review  # an officer may not open the queue
    scorecard = who[f"{BASE}/api/quality/scorecard.html"]
    assert "dl.demo" in scorecard and "cb.demo" in scorecard and "has a run" in scorecard
    record = who[record_url]
    assert cccd in record and "bs.demo" in record
    assert "cb.demo" in who[f"{BASE}/fhir/Patient"]
    assert "cb.demo" in who[f"{BASE}/publichealth/cases"]
    # The ward station's nurse: a clinician of the station of the most populous ward.
    assert "tyt.demo" in who[f"{BASE}/programmes/"]
    password, uri = re.search(r"tyt\.demo / (\S+)\s+TOTP: (\S+)", out).groups()  # type: ignore[union-attr]
    nurse = auth.accounts.login("tyt.demo", password, pyotp.TOTP(pyotp.parse_uri(uri).secret).now())
    assert nurse.role == roles.CLINICIAN and nurse.facility

    # What the guide promises the steward is there, through the steward's own door.
    with as_caller(store, staff(roles.STEWARD)) as repo:
        with repo.match_queue() as queue:
            assert len(queue.open(limit=100, offset=0)) == pairs > 0
        with repo.quality_tables() as tables:
            assert tables.latest_runs(1)


def test_demo_on_a_store_without_the_first_start_says_how_to_fill_the_pages(
    database_url: str, tmp_path: Path
) -> None:
    result = hoso("demo", "--key-out", str(tmp_path / "key.json"), database_url=database_url)
    assert result.returncode == 0, result.stderr
    who = _who_sees(result.stdout)
    assert "empty; run `hoso mpi dedupe`" in who[f"{BASE}/api/mpi/review.html"]
    assert "empty; run `hoso quality run`" in who[f"{BASE}/api/quality/scorecard.html"]
    assert "no ward health station" in who[f"{BASE}/programmes/"]
