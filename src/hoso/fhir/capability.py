"""The server's CapabilityStatement, built from what is really there: the search-parameter
registry, the interactions the API implements and the operation registry
(https://hl7.org/fhir/R4/capabilitystatement.html, https://hl7.org/fhir/R4/http.html#capabilities).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from hoso import __version__
from hoso.core import clock
from hoso.fhir.operations import OperationDefinition
from hoso.fhir.searchparams import search_params, supported_types

__all__ = ["DEFAULT_SYSTEM_INTERACTIONS", "capability_statement"]

DEFAULT_SYSTEM_INTERACTIONS = ("transaction", "batch", "history-system")

DESCRIPTION = (
    "Hồ Sơ — hồ sơ sức khỏe điện tử của Thành phố Hồ Chí Minh, máy chủ FHIR R4 / "
    "Hồ Sơ — Ho Chi Minh City's electronic health record, a FHIR R4 server"
)


def capability_statement(
    base_url: str,
    *,
    interactions: Iterable[str],
    operations: Iterable[OperationDefinition] = (),
    system_interactions: Iterable[str] = DEFAULT_SYSTEM_INTERACTIONS,
    conditional_create: bool = True,
    conditional_update: bool = True,
    conditional_delete: str = "not-supported",
    security: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A CapabilityStatement (kind instance) for the server at `base_url`.

    `interactions` are the type/instance interactions the API implements (read, vread,
    update, patch, delete, history-instance, history-type, create, search-type);
    `operations` are the registry's definitions (`OperationRegistry.registered`); `security` is the
    `rest.security` block naming how to get a token (SMART on FHIR).
    """
    codes = list(dict.fromkeys(interactions))
    definitions = list(operations)
    rest: dict[str, Any] = {
        "mode": "server",
        "documentation": DESCRIPTION,
        **({"security": security} if security else {}),
        "resource": [
            _resource(t, codes, definitions, conditional_create, conditional_update,
                      conditional_delete)
            for t in supported_types()
        ],
        "interaction": [{"code": code} for code in dict.fromkeys(system_interactions)],
    }
    system_ops = [_operation(d) for d in definitions if "system" in d.levels]
    if system_ops:
        rest["operation"] = system_ops
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": clock.fhir_instant(clock.now()),
        "publisher": "Hồ Sơ",
        "kind": "instance",
        "software": {"name": "Hồ Sơ", "version": __version__},
        "implementation": {"description": DESCRIPTION, "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "patchFormat": ["application/json-patch+json"],
        "rest": [rest],
    }


def _resource(
    resource_type: str,
    interactions: list[str],
    definitions: list[OperationDefinition],
    conditional_create: bool,
    conditional_update: bool,
    conditional_delete: str,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": resource_type,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{resource_type}",
        "interaction": [{"code": code} for code in interactions],
    }
    if "update" in interactions:
        out["versioning"] = "versioned-update"
    out["readHistory"] = "vread" in interactions
    if "update" in interactions:
        out["updateCreate"] = True
    if "create" in interactions:
        out["conditionalCreate"] = conditional_create
    if "update" in interactions:
        out["conditionalUpdate"] = conditional_update
    if "delete" in interactions:
        out["conditionalDelete"] = conditional_delete
    out["referencePolicy"] = ["literal", "local"]
    includes, revincludes = _include_lists(resource_type)
    out["searchInclude"] = ["*", *includes]
    if revincludes:
        out["searchRevInclude"] = list(revincludes)
    out["searchParam"] = [
        {"name": p.code, "definition": p.url, "type": p.type}
        for p in search_params(resource_type).values()
    ]
    ops = [_operation(d) for d in definitions
           if d.applies_to("type", resource_type) or d.applies_to("instance", resource_type)]
    if ops:
        out["operation"] = ops
    return out


def _operation(definition: OperationDefinition) -> dict[str, str]:
    return {"name": definition.name, "definition": definition.url}


@cache
def _include_lists(resource_type: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`Type:param` for this type's reference parameters, and `Source:param` for the
    reference parameters of other types that may point at this one."""
    includes = tuple(
        f"{resource_type}:{p.code}"
        for p in search_params(resource_type).values() if p.type == "reference"
    )
    revincludes = tuple(
        f"{source}:{p.code}"
        for source in supported_types()
        for p in search_params(source).values()
        if p.type == "reference" and (resource_type in p.targets or not p.targets)
    )
    return includes, revincludes
