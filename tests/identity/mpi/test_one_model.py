"""One model, one set of thresholds, one set of blocking rules: the online check of every
Patient create and `hoso mpi dedupe` find the same pairs of records, on SQLite and
PostgreSQL.

A small population is built both ways: online, each record created through the
operator's access layer, as the API does (the MPI attaches a sure duplicate to its
resident and queues a possible one); in batch, the dedupe run (`--dry-run`) over the same
records, and over the store the online path left. The pair sets must be equal, and are
the pairs this population was written to contain: sure matches and review-band pairs,
not the look-alikes that no blocking rule pairs.
"""

from __future__ import annotations

from typing import Any

import pytest

from hoso.access.repository import AccessRepository
from hoso.core import jsonx
from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.identity.mpi.blocking import BLOCKING_RULES, blocked
from hoso.identity.mpi.dedupe import dedupe
from hoso.identity.mpi.features import patient_features
from hoso.identity.mpi.model import MatchModel, load_model
from hoso.identity.mpi.thresholds import THRESHOLDS
from tests.builders.patient import patient, resident

Pair = tuple[str, str]


def _home(line: str, ward: str) -> list[dict[str, Any]]:
    return [{"use": "home", "line": [line], "city": ward, "state": "Thành phố Hồ Chí Minh"}]


def _phone(number: str) -> list[dict[str, Any]]:
    return [{"system": "phone", "value": number, "use": "mobile"}]


def _without(resource: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k not in keys}


LE_LOI = _home("12 Lê Lợi", "Phường Sài Gòn")
AN = patient(cccd="079090001234", address=LE_LOI, telecom=_phone("0901234567"))
BINH = patient(cccd="079085004321", family="Trần", given=("Văn", "Bình"),
               birth_date="1985-03-07", address=_home("5 Pasteur", "Phường Bến Thành"),
               telecom=_phone("0912000111"))  # fmt: skip
CUONG = patient(cccd=None, family="Võ", given=("Minh", "Cường"), birth_date="1979-12-24",
                address=_home("40 Hậu Giang", "Phường Chợ Lớn"),
                telecom=_phone("0938555666"))  # fmt: skip
CHI = patient(cccd="079172008888", family="Lê", given=("Thị", "Chi"), gender="female",
              birth_date="1972-08-15", address=_home("7 Lý Tự Trọng", "Phường Sài Gòn"),
              telecom=_phone("0977123123"))  # fmt: skip
DUNG = patient(cccd="079068003333", family="Phạm", given=("Văn", "Dũng"),
               birth_date="1968-02-03", address=_home("3 Nguyễn Trãi", "Phường Bến Thành"))

# (key, record), in the order the facilities send them. The comments give the weight
# the shipped model gives each pair (prior −18.8 bits; thresholds −10 and 10).
POPULATION: list[tuple[str, dict[str, Any]]] = [
    *((f"r{n}", resident(n)) for n in range(20, 32)),  # twelve clearly different people
    # Nguyễn Văn Anh, same home, same birth year as An: not a pair any rule forms (given
    # names differ, so do the dates), so neither path scores it; `given=an` finds "Anh"
    # by prefix, which is how the online path used to queue it (−0.4) alone.
    ("anh", patient(cccd=None, given=("Văn", "Anh"), birth_date="1990-11-20",
                    address=LE_LOI)),
    ("an", AN),
    # The household: same home and phone, another name and year. No rule pairs them.
    ("hoa", patient(cccd=None, given=("Thị", "Hoa"), gender="female", birth_date="1994-11-23",
                    address=LE_LOI, telecom=_phone("0901234567"))),
    # Same name and birth date, another ward, nothing else: −8.3, a steward decides.
    ("an-moved", patient(cccd=None, address=_home("88 Trần Hưng Đạo", "Phường Chợ Lớn"))),
    ("binh", BINH),
    # The same CCCD from another facility, the name in capitals without marks: certain.
    ("binh-again", {**BINH, "name": [{"family": "TRAN", "given": ["VAN", "BINH"]}],
                    "meta": {"source": "urn:facility:79002"}}),
    ("cuong", CUONG),
    # No CCCD on either, everything else the same: certain by the model (50 bits).
    ("cuong-again", {**CUONG, "name": [{"text": "Võ Minh Cường"}]}),
    ("chi", CHI),
    # Only the birth year known (FHIR allows "1972"), nothing but the name: +1.3.
    ("chi-year", _without({**CHI, "birthDate": "1972"}, "identifier", "address", "telecom")),
    ("dung", DUNG),
    # Day and month swapped, no address, no CCCD: +5.3.
    ("dung-swapped", _without({**DUNG, "birthDate": "1968-03-02"}, "identifier", "address")),
    # The given names in one element ("Thị Lan"), then split: only name and birth year
    # pair them (another date in 1979): −7.6.
    ("lan-one-element", patient(cccd=None, family="Hoàng", given=("Thị Lan",), gender="female",
                                birth_date="1979-04-04")),
    ("lan", patient(cccd=None, family="Hoàng", given=("Thị", "Lan"), gender="female",
                    birth_date="1979-10-10")),
]  # fmt: skip

EXPECTED = {
    ("an", "an-moved"): "possible",
    ("binh", "binh-again"): "certain",
    ("cuong", "cuong-again"): "certain",
    ("chi", "chi-year"): "possible",
    ("dung", "dung-swapped"): "possible",
    ("lan", "lan-one-element"): "possible",
}


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


def _online(repo: AccessRepository) -> tuple[dict[Pair, str], dict[Pair, float], dict[str, str]]:
    """Create every record as the API does. Returns the pairs (by population key) with
    their grade: each attached duplicate with its resident ("certain"), and every pair
    in the review queue; the queued weights; stored id → key."""
    keys: dict[str, str] = {}
    pairs: dict[Pair, str] = {}
    for key, record in POPULATION:
        result = repo.create(record)
        if result.matched_existing:
            pairs[_pair(key, keys[result.stored.id])] = "certain"
        else:
            assert result.created
            keys[result.stored.id] = key
    with repo.match_queue() as queue:
        queued = queue.open(limit=100, offset=0)
    weights = {}
    for c in queued:
        pair = _pair(keys[c.patient_a], keys[c.patient_b])
        pairs[pair], weights[pair] = c.grade, c.weight
    return pairs, weights, keys


def _batch(contents: list[str], model: MatchModel) -> tuple[dict[Pair, str], dict[Pair, float]]:
    """`hoso mpi dedupe --dry-run` over these Patients."""
    report = dedupe(contents, model, DEFAULT_CCCD_SYSTEM, write=None, now_us=0)
    assert report.frame is not None
    rows = report.frame[["patient_a", "patient_b", "weight", "grade"]].itertuples(index=False)
    found = [(_pair(a, b), w, g) for a, b, w, g in rows]
    return {p: g for p, _, g in found}, {p: w for p, w, _ in found}


def test_online_and_batch_find_the_same_pairs(repo: AccessRepository) -> None:
    model = load_model()
    online, online_weights, keys = _online(repo)
    population = [jsonx.dumps_str({**record, "id": key}) for key, record in POPULATION]
    batch, batch_weights = _batch(population, model)
    assert online == batch == EXPECTED
    # The store the online path left (attached duplicates are not in it), read as the
    # command reads it: the same pairs the online path queued, with the same weights.
    stored = [
        jsonx.dumps_str({**jsonx.loads(row.content), "id": keys[row.id]})
        for row in repo.whole_store(["Patient"], "MPI dedupe")
    ]
    in_store, in_store_weights = _batch(stored, model)
    queued = {p: g for p, g in online.items() if p in online_weights}
    assert in_store == queued and set(queued) == {p for p, g in EXPECTED.items()
                                                  if g == "possible"}  # fmt: skip
    for pair, weight in online_weights.items():
        assert weight == pytest.approx(in_store_weights[pair], abs=1e-5)
        assert weight == pytest.approx(batch_weights[pair], abs=1e-5)
        assert THRESHOLDS.review <= weight < THRESHOLDS.match


def test_every_blocking_rule_holds_both_ways_round() -> None:
    """splink forms each pair once, lower id on the left; the online check does not know
    which record will get the lower id. Every rule must not care."""
    features = [patient_features({**r, "id": k}, DEFAULT_CCCD_SYSTEM) for k, r in POPULATION]
    for rule in BLOCKING_RULES:
        for left in features:
            for right in features:
                assert rule.holds(left, right) == rule.holds(right, left), rule.description
    by_key = {f["patient_id"]: f for f in features}
    assert blocked(by_key["an"], by_key["an-moved"])  # birth date
    assert blocked(by_key["dung"], by_key["dung-swapped"])  # swapped day and month
    assert blocked(by_key["chi"], by_key["chi-year"])  # name and a partial birth year
    assert not blocked(by_key["an"], by_key["anh"])
    assert not blocked(by_key["an"], by_key["hoa"])


def test_thresholds_are_set_in_one_place() -> None:
    model = load_model()
    assert (model.match_threshold, model.review_threshold) == (THRESHOLDS.match,
                                                               THRESHOLDS.review)  # fmt: skip
    assert [model.grade(w) for w in (10.0, 9.99, -10.0, -10.01)] == [
        "certain", "possible", "possible", "certainly-not"]
    assert "match_threshold" not in model.to_json()
    with pytest.raises(ValueError, match=r"thresholds\.py"):
        MatchModel.from_json({**model.to_json(), "review_threshold": -5.0})
