"""The shipped cohorts: each parses with the rules parser, names its source, and shows
as a FHIR R4 Group that fhir.resources validates; officers' documents are refused with
the field named."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.group import Group

from hoso.programmes.cohorts import parse_cohort, shipped_cohorts
from hoso.programmes.cohorts.group import COHORT_SYSTEM, cohort_group
from hoso.programmes.rules import RuleError

ISSUE_GROUPS = {"elderly-60", "hypertension", "diabetes", "copd-asthma", "chronic-kidney",
                "cancer", "cardiovascular-stroke", "pregnant-postpartum",
                "under5-immunisation-gap", "school-vision-fail", "disability-mental",
                "tb-hiv", "contacts-followup"}  # fmt: skip


def test_every_group_of_the_issue_is_shipped_with_a_source() -> None:
    shipped = {c.code: c for c in shipped_cohorts()}
    assert set(shipped) >= ISSUE_GROUPS
    for cohort in shipped.values():
        assert cohort.rule.source.strip(), cohort.code
        assert cohort.name["vi"] and cohort.name["en"], cohort.code
    assert {c for c, x in shipped.items() if x.restricted} == {"tb-hiv"}


def test_each_cohort_is_a_valid_group_with_its_rule_named() -> None:
    for cohort in shipped_cohorts():
        group = cohort_group(cohort, count=12)
        Group.model_validate(group)  # raises on an invalid Group
        assert group["actual"] is True and group["quantity"] == 12
        assert group["identifier"] == [{"system": COHORT_SYSTEM,
                                        "value": f"{cohort.code}|{cohort.version}"}]  # fmt: skip
        criteria = sum(len(cohort.document.get(k) or []) for k in ("all", "any", "none"))
        assert len(group["characteristic"]) == criteria


def test_the_group_tells_any_from_all() -> None:
    flu = next(c for c in shipped_cohorts() if c.code == "influenza-elderly-chronic")
    sets = [ch["extension"][0]["valueCode"] for ch in cohort_group(flu)["characteristic"]]
    assert sets == ["all", "any"]
    age = cohort_group(flu)["characteristic"][0]
    assert age["valueRange"]["low"]["value"] == 60 and age["exclude"] is False


def _doc(**over: Any) -> dict[str, Any]:
    return {"code": "flu-2027", "version": "1", "name": {"vi": "Cúm"},
            "all": [{"age": {"min": 60}}], **over}  # fmt: skip


@pytest.mark.parametrize(("over", "field"), [
    ({"restricted": "yes"}, "restricted"),
    ({"all": [{"age": {"min": "sixty"}}]}, "all[0].age.min"),
    ({"all": [{"condition": {"icd10": ["XYZ"]}}]}, "all[0].condition.icd10"),
    ({"all": [{"fhirpath": "Patient.where("}]}, "all[0].fhirpath"),
    ({"all": [{"observation": {"code": "http://loinc.org|82810-3", "value_code": "LA1"}}]},
     "all[0].observation.value_code"),
    ({"code": "Bad Code"}, "code"),
    ({"version": "x" * 40}, "version"),
    ({"version": "=HYPERLINK(1)"}, "version"),
    ({"all": [], "any": []}, "all/any"),
])  # fmt: skip
def test_a_bad_document_names_its_field(over: dict[str, Any], field: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_cohort(_doc(**over))
    assert caught.value.message.startswith(field), caught.value.message


def test_a_good_document_parses() -> None:
    cohort = parse_cohort(_doc(restricted=True))
    assert (cohort.code, cohort.version, cohort.restricted) == ("flu-2027", "1", True)
