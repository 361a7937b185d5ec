"""Adapters that turn incoming files and messages into FHIR writes."""
