"""The CapabilityStatement tells the truth about search parameters and operations."""

from __future__ import annotations

from hoso.fhir.capability import capability_statement
from hoso.fhir.operations import OperationRegistry
from hoso.fhir.searchparams import search_params, supported_types

INTERACTIONS = ["read", "vread", "update", "patch", "delete", "history-instance",
                "history-type", "create", "search-type"]


def _statement() -> dict:
    definitions = [op.DEFINITION for op in OperationRegistry().registered()]
    return capability_statement(
        "https://hoso.example/fhir", interactions=INTERACTIONS, operations=definitions
    )


def _resource(statement: dict, resource_type: str) -> dict:
    return next(r for r in statement["rest"][0]["resource"] if r["type"] == resource_type)


def test_header() -> None:
    cs = _statement()
    assert cs["resourceType"] == "CapabilityStatement"
    assert cs["fhirVersion"] == "4.0.1" and cs["kind"] == "instance" and cs["status"] == "active"
    assert "json" in cs["format"]
    assert cs["implementation"]["url"] == "https://hoso.example/fhir"
    assert "Hồ Chí Minh" in cs["implementation"]["description"]
    assert "Ho Chi Minh" in cs["implementation"]["description"]
    rest = cs["rest"][0]
    assert rest["mode"] == "server"
    assert [i["code"] for i in rest["interaction"]] == ["transaction", "batch", "history-system"]


def test_every_supported_type_with_interactions_and_flags() -> None:
    cs = _statement()
    assert [r["type"] for r in cs["rest"][0]["resource"]] == list(supported_types())
    patient = _resource(cs, "Patient")
    assert [i["code"] for i in patient["interaction"]] == INTERACTIONS
    assert patient["versioning"] == "versioned-update"
    assert patient["readHistory"] is True
    assert patient["conditionalCreate"] is True and patient["conditionalUpdate"] is True


def test_only_given_interactions() -> None:
    cs = capability_statement("https://x/fhir", interactions=["read", "search-type"])
    patient = _resource(cs, "Patient")
    assert [i["code"] for i in patient["interaction"]] == ["read", "search-type"]
    assert patient["readHistory"] is False
    assert "versioning" not in patient and "conditionalCreate" not in patient


def test_search_params_match_the_registry() -> None:
    cs = _statement()
    for resource in cs["rest"][0]["resource"]:
        registry = search_params(resource["type"])
        listed = {p["name"]: p for p in resource["searchParam"]}
        assert set(listed) == set(registry)
        for code, param in registry.items():
            assert listed[code]["definition"] == param.url
            assert listed[code]["type"] == param.type


def test_includes_and_revincludes() -> None:
    cs = _statement()
    observation = _resource(cs, "Observation")
    assert "Observation:subject" in observation["searchInclude"]
    assert "*" in observation["searchInclude"]
    patient = _resource(cs, "Patient")
    assert "Observation:subject" in patient["searchRevInclude"]
    assert "Encounter:patient" in patient["searchRevInclude"]


def test_operations_from_the_registry() -> None:
    cs = _statement()
    names = {op.DEFINITION.name for op in OperationRegistry().registered()}
    assert {"everything", "validate"} <= names
    patient_ops = {o["name"]: o["definition"] for o in _resource(cs, "Patient")["operation"]}
    assert patient_ops["everything"] == (
        "http://hl7.org/fhir/OperationDefinition/Patient-everything")
    assert "validate" in patient_ops
    observation_ops = {o["name"] for o in _resource(cs, "Observation")["operation"]}
    assert "validate" in observation_ops
    assert "everything" not in observation_ops  # $everything is the Patient compartment's


def test_two_registries_do_not_share_operations() -> None:
    """The registry is an object per app: what one app registers, another never serves."""
    from hoso.fhir.operations import everything

    first, second = OperationRegistry(), OperationRegistry()

    class Extra:
        DEFINITION = everything.DEFINITION.__class__(
            name="extra", title="x", description="x", url="urn:x", levels=frozenset({"system"})
        )

        def run(self, repo, ctx, params):  # type: ignore[no-untyped-def]
            return {}

    first.register(Extra())
    assert first.find("extra", "system") is not None
    assert second.find("extra", "system") is None
