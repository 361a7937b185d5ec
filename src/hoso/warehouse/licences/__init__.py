"""Group 3 of the warehouse: practising certificates (CCHN, GPHN, CCHND) and facilities'
operating licences (GPHĐ) as FHIR resources, their validity, expiry alerts, and the
check of the practitioners named in claims and records (docs/warehouse-licences.md).

- `model`: the FHIR shapes (Practitioner.qualification, the Organization's licence
  extension, VerificationResult) and the code lists;
- `sheets`, `rows`: reading a register's CSV/XLSX and its rows, problems by line;
- `validity`: valid on a day, expiry and conversion alerts;
- `checks`: who a record names, for what, and the findings.

Pure: the store and the caller's rights are `hoso.access.warehouse_licences`'s.
"""
