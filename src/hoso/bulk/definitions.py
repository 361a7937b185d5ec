"""The three `$export` operations as the CapabilityStatement lists them (served by
`hoso.api.bulk_routes`, not by the generic operation registry: they answer
asynchronously)."""

from __future__ import annotations

from hoso.fhir.operations import OperationDefinition, OperationParameter

__all__ = ["EXPORT_DEFINITIONS"]

_BULK = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition"
_PARAMETERS = (
    OperationParameter("_outputFormat", "in", 0, "1", "string", "application/fhir+ndjson"),
    OperationParameter("_since", "in", 0, "1", "instant", "lastUpdated after this instant"),
    OperationParameter("_type", "in", 0, "*", "string", "comma-separated resource types"),
)
_PATIENT = OperationParameter("patient", "in", 0, "*", "Reference", "narrow to these Patients")


def _definition(slug: str, title: str, levels: str, types: tuple[str, ...]) -> OperationDefinition:
    return OperationDefinition(
        name="export",
        title=title,
        description=f"{title} (FHIR Bulk Data v2; Prefer: respond-async)",
        url=f"{_BULK}/{slug}",
        levels=frozenset({levels}),
        resource_types=types,
        parameters=_PARAMETERS if levels == "system" else (*_PARAMETERS, _PATIENT),
    )


EXPORT_DEFINITIONS = (
    _definition("export", "Xuất toàn hệ thống / System export", "system", ()),
    _definition("patient-export", "Xuất theo người bệnh / Patient export", "type", ("Patient",)),
    _definition("group-export", "Xuất theo nhóm / Group export", "instance", ("Group",)),
)
