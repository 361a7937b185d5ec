"""String search: folded starts-with, `:exact`, `:contains`, escaping, AND/OR."""

from __future__ import annotations

from typing import Any

import pytest

from tests.store.sql.search.conftest import Records, Search, ids


def patient(pid: str, family: str, *given: str) -> dict[str, Any]:
    name = {"family": family, "given": list(given)}
    return {"resourceType": "Patient", "id": pid, "name": [name]}


@pytest.fixture(autouse=True)
def patients(records: Records) -> None:
    records.put_all(
        patient("s1", "Nguyễn", "Văn", "An"),
        patient("s2", "Nguyễn", "Thị", "Ánh"),
        patient("s3", "Trần", "Văn", "Bình"),
        patient("s4", "Đặng", "50%_Test"),
        patient("s5", "NGUYEN", "AN"),
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("name=nguyen", {"s1", "s2", "s5"}),
        ("name=NGUYỄN VĂN", {"s1"}),  # whole-name form "Nguyễn Văn An"
        ("name=nguyen van an", {"s1"}),
        ("name=an", {"s1", "s2", "s5"}),  # "Ánh" starts with "an" once folded
        ("name=inh", set()),  # starts-with, not contains
        ("family=dang", {"s4"}),  # đ folds to d
        ("family=Đặng", {"s4"}),
        ("name:exact=An", {"s1"}),
        ("name:exact=an", set()),
        ("name:exact=AN", {"s5"}),
        ("name:exact=Nguyễn Văn An", {"s1"}),
        ("name:contains=inh", {"s3"}),
        ("name:contains=VAN", {"s1", "s3"}),
        ("name:contains=%", {"s4"}),  # `%` and `_` are literal, not wildcards
        ("name:contains=_", {"s4"}),
        ("name=50%_", {"s4"}),
        ("name=tran,dang", {"s3", "s4"}),
        ("name=nguyen&given=van", {"s1"}),
        ("name=nguyen&name=tran", set()),
        ("given=an,binh&family=tran", {"s3"}),
    ],
)
def test_string_search(search: Search, query: str, expected: set[str]) -> None:
    assert ids(search("Patient", query.replace("%", "%25"))) == expected
