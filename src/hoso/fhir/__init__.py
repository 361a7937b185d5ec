"""FHIR knowledge with no SQL and no HTTP."""
