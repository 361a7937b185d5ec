"""FHIR search on SQL: the IR from `hoso.fhir.search` compiled to one SQLAlchemy Core
select over `resource`, one predicate module per parameter kind, plus paging and
`_include`. Entry point: `execute_search`."""
