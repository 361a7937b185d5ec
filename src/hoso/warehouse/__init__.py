"""The city's health data warehouse (issue 20), in three groups.

- `viewdef`: SQL on FHIR v2 ViewDefinitions, evaluated in Python (the reference
  runner, which passes the official suite) or compiled to DuckDB SQL (the fast path the
  builds use), the same rows either way;
- the pipeline: the store's resources, read through the access layer, flattened by the
  packaged views (`views/*.json`) into Parquet partitioned by period and ward,
  de-identified by default; full builds and incremental ones from the change feed;
- analyses written once in Ibis and run on DuckDB (embedded, offline) or Spark;
- group 1 (residents' health), group 2 (workforce, equipment, drug supply) and group 3
  (practising certificates and operating licences), the aggregate exchange (Measure,
  MeasureReport, DHIS2) and the `/warehouse/` dashboards.
"""
