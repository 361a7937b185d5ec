"""Which pairs of records the MPI compares at all: the blocking rules, defined once.

Each rule is a conjunction of equalities between feature columns, and serves three
places, so that the batch and the online check compare the same pairs:

- `sql`: splink's blocking rule in the batch (`splink_model.splink_settings`);
- `holds`: the same rule in Python, which the online check applies to its candidates;
- `search`: FHIR searches that return at least every stored record the rule pairs with
  an incoming one (`online.candidate_queries`).

The searches are wider than the rules (a string search matches by prefix, so `given=an`
also finds "Anh"; `birthdate=1990` finds every date in that year): the online check
keeps only the candidates some rule pairs with the incoming record, else it would score,
and queue, pairs the batch never looks at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hoso.identity.mpi.features import Features

__all__ = ["BLOCKING_RULES", "BlockingRule", "blocked", "candidate_queries"]

Search = list[tuple[str, str]]
_PAGE = "200"  # candidates per search; a blocking key shared by more is a data problem


@dataclass(frozen=True, slots=True)
class BlockingRule:
    description: str
    equal: tuple[tuple[str, str], ...]  # (column of one record, column of the other)
    search: Callable[[Features, str], Search]  # (incoming record's features, CCCD system)

    @property
    def sql(self) -> str:
        return " AND ".join(f"l.{a} = r.{b}" for a, b in self.equal)

    def holds(self, left: Features, right: Features) -> bool:
        """The rule on one ordered pair, with SQL's NULL: a missing value equals nothing."""
        return all(left[a] is not None and left[a] == right[b] for a, b in self.equal)

    def applies_to(self, features: Features) -> bool:
        """Whether the incoming record has every value this rule's search needs (both
        columns of each equality: the swap rule searches with the swapped date)."""
        return all(features[c] is not None for pair in self.equal for c in pair)


def _given_names(f: Features) -> str:
    """The given name, and with its middle name before it: a record may keep "Văn An" in
    one `given` element, where a prefix search for "an" does not reach."""
    given, middle = f["given"] or "", f["middle"]
    return f"{given},{middle} {given}" if middle else given


def _phones(f: Features) -> str:
    """The national form and the international forms a HIS may have stored: the
    `phone` search compares the stored text, not its normalised form."""
    national = f["phone"] or ""
    return f"{national},+84{national[1:]},84{national[1:]}"


BLOCKING_RULES: tuple[BlockingRule, ...] = (
    BlockingRule("ngày sinh / birth date", (("birth_date", "birth_date"),),
                 lambda f, _: [("birthdate", f"eq{f['birth_date']}")]),
    BlockingRule("ngày sinh đảo ngày-tháng / birth date, day and month swapped",
                 (("birth_date", "birth_swapped"),),
                 lambda f, _: [("birthdate", f"eq{f['birth_swapped']}")]),
    # The year of a date of any precision: "1990" meets "1990-05-12".
    BlockingRule("họ, tên và năm sinh / family and given name, birth year",
                 (("family", "family"), ("given", "given"), ("birth_year", "birth_year")),
                 lambda f, _: [("family", f["family"] or ""), ("given", _given_names(f)),
                               ("birthdate", f["birth_year"] or "")]),
    BlockingRule("số CCCD / CCCD", (("cccd", "cccd"),),
                 lambda f, system: [("identifier", f"{system}|{f['cccd']}")]),
    BlockingRule("điện thoại và tên / phone and given name",
                 (("phone", "phone"), ("given", "given")),
                 lambda f, _: [("phone", _phones(f)), ("given", _given_names(f))]),
)  # fmt: skip


def blocked(left: Features, right: Features) -> bool:
    """Whether the batch compares this pair. splink takes each pair once, the lower id
    on the left; every rule holds both ways round or neither (the day/month swap of a
    date swaps back), so either order answers the same."""
    return any(rule.holds(left, right) or rule.holds(right, left) for rule in BLOCKING_RULES)


def candidate_queries(features: Features, cccd_system: str) -> list[Search]:
    """FHIR searches that return at least every stored record a rule pairs with the
    incoming record `features` (one search per rule it has the values for)."""
    return [[*rule.search(features, cccd_system), ("_count", _PAGE)]
            for rule in BLOCKING_RULES if rule.applies_to(features)]  # fmt: skip
