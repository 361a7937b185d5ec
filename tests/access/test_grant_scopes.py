"""Which requested SMART scopes an allowed set covers."""

from __future__ import annotations

import pytest

from hoso.access.grant_scopes import parse_resource_scope, parse_scopes, uncovered


@pytest.mark.parametrize(
    ("requested", "allowed"),
    [
        ("system/Patient.rs", "system/*.rs"),
        ("system/Observation.r", "system/*.cruds"),
        ("system/Observation.read", "system/*.rs"),  # v1 read = v2 rs
        ("patient/*.rs", "patient/*.*"),
        ("patient/Observation.rs?category=laboratory", "patient/Observation.rs"),
        ("openid fhirUser launch/patient", "openid fhirUser launch/patient patient/*.rs"),
    ],
)
def test_covered(requested: str, allowed: str) -> None:
    assert uncovered(parse_scopes(requested), parse_scopes(allowed)) == []


@pytest.mark.parametrize(
    ("requested", "allowed", "missing"),
    [
        ("system/Patient.cud", "system/*.rs", ["system/Patient.cud"]),
        ("user/Patient.rs", "system/*.rs", ["user/Patient.rs"]),  # context matters
        ("system/*.rs", "system/Patient.rs", ["system/*.rs"]),
        ("system/Observation.write", "system/*.rs", ["system/Observation.write"]),
        ("offline_access system/*.rs", "system/*.rs", ["offline_access"]),
        (
            "patient/Observation.rs",
            "patient/Observation.rs?category=vital-signs",
            ["patient/Observation.rs"],
        ),
    ],
)
def test_not_covered(requested: str, allowed: str, missing: list[str]) -> None:
    assert uncovered(parse_scopes(requested), parse_scopes(allowed)) == missing


def test_parse_scopes_deduplicates_and_refuses_bad_characters() -> None:
    assert parse_scopes("a b a") == ("a", "b")
    with pytest.raises(ValueError):
        parse_scopes('system/*.rs "quoted"')


def test_permissions_must_keep_smart_order() -> None:
    assert parse_resource_scope("system/*.sr") is None  # v2 letters are in cruds order
    scope = parse_resource_scope("user/Encounter.cruds")
    assert scope is not None and scope.permissions == frozenset("cruds")
