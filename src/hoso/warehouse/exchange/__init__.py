"""The warehouse's aggregate exchange (issue 20 point 6): indicators as FHIR R4 `Measure`
and `MeasureReport` (`measures`), and the DHIS2 aggregate export (`dhis2`, with its
mapping `dhis2_mapping`), so the numbers can be loaded where the country's systems
expect them."""
