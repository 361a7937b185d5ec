"""At-risk groups as rule-versioned cohorts (issue 19 point 6;
docs/programmes-cohorts-reports.md): a cohort is an enrolment-rule document
(`hoso.programmes.rules`) with a `restricted` flag, shown as a FHIR `Group`, whose
members are computed per resident and day and stored as daily snapshots."""

from hoso.programmes.cohorts.definition import Cohort, parse_cohort, shipped_cohorts
from hoso.programmes.cohorts.members import Member, cohort_members

__all__ = ["Cohort", "Member", "cohort_members", "parse_cohort", "shipped_cohorts"]
