"""Community programmes (ARCHITECTURE.md: immunisation, school eye health, elderly,
chronic disease, at-risk cohorts): rules computed from the record's FHIR resources and
from versioned programme data in `programmes/data/`. Imports only `core` and `fhir`."""
