"""The review page's side-by-side comparison, on SQLite and PostgreSQL: "exact" (✓ Khớp /
Same) means the two displayed values are the same text; a difference only in Vietnamese
diacritics ("Nguyễn" / "Nguyen"), which the model folds away, is "close" (≈ Gần giống /
Close), never "exact"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hoso.access.repository import AccessRepository
from hoso.identity.mpi import review_queue as rq
from hoso.identity.mpi.model import load_model
from hoso.store.sql_store import SqlStore
from tests.builders.patient import patient
from tests.callers import as_caller, staff

HOME = [{"use": "home", "line": ["12 Lê Lợi"], "city": "Phường Sài Gòn"}]
ELSEWHERE = [{"use": "home", "line": ["88 Trần Hưng Đạo"], "city": "Phường Chợ Lớn"}]
PHONE = [{"system": "phone", "value": "0901234567", "use": "mobile"}]


@pytest.fixture
def steward(store: SqlStore) -> Iterator[AccessRepository]:
    with as_caller(store, staff("steward")) as reviewer:
        yield reviewer


def _review(repo: AccessRepository, steward: AccessRepository, first: dict, second: dict
            ) -> dict[str, dict]:  # fmt: skip
    """Both created through the MPI, which queues them as a possible pair; the pair's
    fields as the review page gets them, by field key."""
    a = repo.create(first)
    b = repo.create(second)
    assert a.created and b.created and a.stored.id != b.stored.id
    with repo.match_queue() as queue:
        (pair,) = queue.open(limit=10, offset=0)
    shown = rq.review(steward, pair.id, load_model()).to_json()
    return {f["field"]: f for f in shown["fields"]}


def test_a_difference_only_in_diacritics_is_close_not_exact(
    repo: AccessRepository, steward: AccessRepository
) -> None:
    # Same birth date and sex, another ward: a possible pair, for a steward.
    marked = patient(cccd=None, family="Nguyễn", given=("Văn", "Hậu"), address=HOME,
                     telecom=PHONE)
    unmarked = patient(cccd=None, family="Nguyen", given=("Van", "Hau"), address=ELSEWHERE)
    fields = _review(repo, steward, marked, unmarked)
    for key, a, b in (("family", "Nguyễn", "Nguyen"), ("middle", "Văn", "Van"),
                      ("given", "Hậu", "Hau")):  # fmt: skip
        row = fields[key]
        assert {row["a"], row["b"]} == {a, b}
        assert row["level"] in ("exact", "jaro-winkler >= 0.88")  # the model folds marks
        assert row["agreement"] == "close", key
    assert fields["birth_date"]["agreement"] == "exact"  # 01/05/1990 on both sides
    assert fields["sex"]["agreement"] == "exact"


def test_case_and_spacing_alone_still_read_the_same(
    repo: AccessRepository, steward: AccessRepository
) -> None:
    first = patient(cccd=None, family="Nguyễn", given=("Văn", "Hậu"), address=HOME,
                    telecom=PHONE)
    shouted = patient(cccd=None, family=" NGUYỄN ", given=("VĂN", "HẬU"), address=ELSEWHERE)
    fields = _review(repo, steward, first, shouted)
    assert {k: fields[k]["agreement"] for k in ("family", "middle", "given")} == {
        "family": "exact", "middle": "exact", "given": "exact"}


def test_same_text_is_exact_and_marks_are_not_folded() -> None:
    assert rq.shown_same("Nguyễn  Văn", " nguyễn văn")
    assert rq.shown_same("Nguye\u0302\u0303n", "Nguyễn")  # decomposed marks: one letter
    assert not rq.shown_same("Nguyễn", "Nguyen")
    assert not rq.shown_same("Thuận", "Thuần")
    assert not rq.shown_same("", "")  # nothing shown is not agreement
    assert rq.agreement("exact", "Nguyễn", "Nguyen") == "close"
    assert rq.agreement("same year, partial date", "1990", "1990") == "exact"
