"""FHIR Bulk Data (https://hl7.org/fhir/uv/bulkdata/): asynchronous `$export` jobs.

`request` parses a kick-off, `hoso.access.bulk_access` decides and audits it, `export`
streams what the caller may see into NDJSON files, `jobs` keeps each job's state in the
`bulk_job` table and `runner` runs jobs on a small thread pool owned by the API.
"""
