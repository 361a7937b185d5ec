"""Public health (ARCHITECTURE.md `publichealth`): disease definitions, case reports from
the record, outbreak detection, R_t, contact tracing and infection chains, outbreak foci.

Imports `core`, `fhir` and `identity` only; the record is reached through the
`Repository` contract the composition root hands in (the access-wrapped one), and
changes arrive through the change feed.
"""
