"""The operation registry: one module per `$operation`, each with a declared definition.

A module exposes `DEFINITION` (an `OperationDefinition`) and
`run(repo, ctx, params) -> dict`, written against the `Repository` contract only. The
composition root builds one `OperationRegistry` with the built-ins and what the domain
packages offer (identity's `$match`, `$merge`); the API builds its `$op` routes and the
CapabilityStatement from it, and transactions find their `$op` entries in it.
See https://hl7.org/fhir/R4/operations.html.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from hoso.core.errors import InvalidRequest
from hoso.fhir.repository import Repository

__all__ = [
    "Operation",
    "OperationContext",
    "OperationDefinition",
    "OperationParameter",
    "OperationParams",
    "OperationRegistry",
    "collect_params",
]

# Parameter name → its values, in the order given (a name may repeat).
OperationParams = dict[str, list[Any]]

_BUILTIN = ("hoso.fhir.operations.everything", "hoso.fhir.operations.summary",
            "hoso.fhir.operations.validate")


@dataclass(frozen=True, slots=True)
class OperationParameter:
    """One `OperationDefinition.parameter` (https://hl7.org/fhir/R4/operationdefinition.html)."""

    name: str
    use: str  # "in" | "out"
    min: int
    max: str  # "1" | "*"
    type: str | None = None  # FHIR type: "instant", "string", "Resource", "Bundle", …
    documentation: str = ""
    search_type: str | None = None  # for `string` parameters that are search values


@dataclass(frozen=True, slots=True)
class OperationDefinition:
    """What an operation is: `levels` ⊆ {system, type, instance}; an empty
    `resource_types` means every supported type."""

    name: str  # without the `$`
    title: str
    description: str
    url: str  # canonical of the OperationDefinition
    levels: frozenset[str]
    resource_types: tuple[str, ...] = ()
    parameters: tuple[OperationParameter, ...] = ()
    affects_state: bool = False
    methods: tuple[str, ...] = ("GET", "POST")

    def applies_to(self, level: str, resource_type: str | None) -> bool:
        if level not in self.levels:
            return False
        if level == "system":
            return True
        return not self.resource_types or resource_type in self.resource_types

    def to_fhir(self) -> dict[str, Any]:
        """This definition as an OperationDefinition resource."""
        return {
            "resourceType": "OperationDefinition",
            "id": self.url.rsplit("/", 1)[-1],
            "url": self.url,
            "name": self.name,
            "title": self.title,
            "status": "active",
            "kind": "operation",
            "description": self.description,
            "affectsState": self.affects_state,
            "code": self.name,
            "resource": list(self.resource_types) or ["Resource"],
            "system": "system" in self.levels,
            "type": "type" in self.levels,
            "instance": "instance" in self.levels,
            "parameter": [_parameter_fhir(p) for p in self.parameters],
        }


def _parameter_fhir(p: OperationParameter) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "use": p.use, "min": p.min, "max": p.max}
    if p.documentation:
        out["documentation"] = p.documentation
    if p.type:
        out["type"] = p.type
    if p.search_type:
        out["searchType"] = p.search_type
    return out


@dataclass(frozen=True, slots=True)
class OperationContext:
    """Where an operation was invoked: `level`, the type and id from the URL, the
    server base (for fullUrl and paging links) and whether it came by GET or POST."""

    base_url: str
    level: str
    resource_type: str | None = None
    id: str | None = None
    method: str = "GET"


class Operation(Protocol):
    """A module (or object) that implements one operation."""

    DEFINITION: OperationDefinition

    def run(
        self, repo: Repository, ctx: OperationContext, params: OperationParams
    ) -> dict[str, Any]: ...


class OperationRegistry:
    """The operations one app (or command) serves: built by the composition root and
    kept on it, never process-global, so two apps built in one process cannot see each
    other's operations. The built-ins (`$everything`, `$validate`) come first."""

    def __init__(self, *operations: Operation) -> None:
        self._operations: dict[str, Operation] = {}
        for module in _BUILTIN:
            self.register(importlib.import_module(module))  # type: ignore[arg-type]
        for operation in operations:
            self.register(operation)

    def register(self, operation: Operation) -> None:
        """Add an operation; a second one with the same name replaces the first."""
        self._operations[operation.DEFINITION.name] = operation

    def registered(self) -> tuple[Operation, ...]:
        """Every operation, built-ins first, in registration order."""
        return tuple(self._operations.values())

    def find(self, name: str, level: str, resource_type: str | None = None) -> Operation | None:
        """The operation `$name` if it may be invoked at this level on this type."""
        operation = self._operations.get(name.removeprefix("$"))
        if operation is None or not operation.DEFINITION.applies_to(level, resource_type):
            return None
        return operation


def collect_params(
    query: Iterable[tuple[str, str]], body: dict[str, Any] | None = None
) -> OperationParams:
    """Operation input from the query string and, for POST, the body: a Parameters
    resource gives its parameters (value[x], resource or part), any other resource
    becomes the `resource` parameter (https://hl7.org/fhir/R4/operations.html#request)."""
    params: OperationParams = {}
    for name, value in query:
        params.setdefault(name, []).append(value)
    if body is None:
        return params
    if not isinstance(body, dict) or not isinstance(body.get("resourceType"), str):
        raise InvalidRequest(
            "Nội dung phải là một tài nguyên FHIR / Body must be a FHIR resource",
            expression=["resourceType"],
        )
    if body["resourceType"] != "Parameters":
        params.setdefault("resource", []).append(body)
        return params
    for i, parameter in enumerate(body.get("parameter") or []):
        if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str):
            raise InvalidRequest(
                "Tham số thiếu name / Parameter without a name",
                expression=[f"Parameters.parameter[{i}].name"],
            )
        params.setdefault(parameter["name"], []).append(_parameter_value(parameter))
    return params


def _parameter_value(parameter: dict[str, Any]) -> Any:
    if "resource" in parameter:
        return parameter["resource"]
    if "part" in parameter:
        return parameter["part"]
    for key, value in parameter.items():
        if key.startswith("value"):
            return value
    return None
