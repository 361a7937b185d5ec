"""Group 2 of the warehouse (issue 20 point 4; docs/warehouse-supply.md): the health
workforce, medical equipment and drug supply — the tables facilities keep read into
FHIR resources and an append-only stock ledger, and the counts and stock positions
derived from them. The access layer (`hoso.access.warehouse_supply`) decides and
audits; this package reads, checks and computes."""
