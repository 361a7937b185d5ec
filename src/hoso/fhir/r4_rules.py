"""What R4 says that the R4B models of fhir.resources do not, as data.

`hoso.fhir.validation` checks R4 content against R4B models; these tables hold the
differences (types, code lists, reference targets, choices) and the R4 JSON formats, so the
walk in `hoso.fhir.json_walk` can apply them. See hl7.org/fhir/R4/datatypes.html
"""

from __future__ import annotations

import re

# Absent from R4B, or redesigned there so that R4 content does not fit.
UNSUPPORTED_R4_TYPES = frozenset([
    "EffectEvidenceSynthesis", "Evidence", "EvidenceVariable", "MedicinalProduct",
    "MedicinalProductAuthorization", "MedicinalProductContraindication",
    "MedicinalProductIndication", "MedicinalProductIngredient", "MedicinalProductInteraction",
    "MedicinalProductManufactured", "MedicinalProductPackaged", "MedicinalProductPharmaceutical",
    "MedicinalProductUndesirableEffect", "RiskEvidenceSynthesis", "SubstanceNucleicAcid",
    "SubstancePolymer", "SubstanceProtein", "SubstanceReferenceInformation",
    "SubstanceSourceMaterial", "SubstanceSpecification",
])  # fmt: skip
R4_RESOURCE_TYPES = UNSUPPORTED_R4_TYPES | frozenset([
    "Account", "ActivityDefinition", "AdverseEvent", "AllergyIntolerance", "Appointment",
    "AppointmentResponse", "AuditEvent", "Basic", "Binary", "BiologicallyDerivedProduct",
    "BodyStructure", "Bundle", "CapabilityStatement", "CarePlan", "CareTeam", "CatalogEntry",
    "ChargeItem", "ChargeItemDefinition", "Claim", "ClaimResponse", "ClinicalImpression",
    "CodeSystem", "Communication", "CommunicationRequest", "CompartmentDefinition",
    "Composition", "ConceptMap", "Condition", "Consent", "Contract", "Coverage",
    "CoverageEligibilityRequest", "CoverageEligibilityResponse", "DetectedIssue", "Device",
    "DeviceDefinition", "DeviceMetric", "DeviceRequest", "DeviceUseStatement",
    "DiagnosticReport", "DocumentManifest", "DocumentReference", "Encounter", "Endpoint",
    "EnrollmentRequest", "EnrollmentResponse", "EpisodeOfCare", "EventDefinition",
    "ExampleScenario", "ExplanationOfBenefit", "FamilyMemberHistory", "Flag", "Goal",
    "GraphDefinition", "Group", "GuidanceResponse", "HealthcareService", "ImagingStudy",
    "Immunization", "ImmunizationEvaluation", "ImmunizationRecommendation",
    "ImplementationGuide", "InsurancePlan", "Invoice", "Library", "Linkage", "List", "Location",
    "Measure", "MeasureReport", "Media", "Medication", "MedicationAdministration",
    "MedicationDispense", "MedicationKnowledge", "MedicationRequest", "MedicationStatement",
    "MessageDefinition", "MessageHeader", "MolecularSequence", "NamingSystem", "NutritionOrder",
    "Observation", "ObservationDefinition", "OperationDefinition", "OperationOutcome",
    "Organization", "OrganizationAffiliation", "Parameters", "Patient", "PaymentNotice",
    "PaymentReconciliation", "Person", "PlanDefinition", "Practitioner", "PractitionerRole",
    "Procedure", "Provenance", "Questionnaire", "QuestionnaireResponse", "RelatedPerson",
    "RequestGroup", "ResearchDefinition", "ResearchElementDefinition", "ResearchStudy",
    "ResearchSubject", "RiskAssessment", "Schedule", "SearchParameter", "ServiceRequest", "Slot",
    "Specimen", "SpecimenDefinition", "StructureDefinition", "StructureMap", "Subscription",
    "Substance", "SupplyDelivery", "SupplyRequest", "Task", "TerminologyCapabilities",
    "TestReport", "TestScript", "ValueSet", "VerificationResult", "VisionPrescription",
])  # fmt: skip

# Keyed by R4B model class name. R4-only `Meta` values, then R4B-only choices.
R4_ONLY = {
    "Extension": ("valueMeta",),
    "ElementDefinitionExample": ("valueMeta",),
    "ElementDefinition": ("defaultValueMeta", "fixedMeta", "patternMeta"),
}
_NEW = ("CodeableReference", "RatioRange")
R4B_ONLY = {
    "Extension": tuple(f"value{t}" for t in _NEW),
    "ElementDefinitionExample": tuple(f"value{t}" for t in _NEW),
    "ElementDefinition": tuple(
        f"{p}{t}" for p in ("defaultValue", "fixed", "pattern") for t in _NEW
    ),
    "ActivityDefinition": ("subjectCanonical",),
    "PlanDefinition": ("subjectCanonical",),
    "PlanDefinitionAction": ("subjectCanonical",),
}
# R4's required code lists where R4B truncates with "+", and R4's reference targets where
# R4B widened them; both read from the R4 definitions (tested).
_OBS = "registered preliminary final amended corrected cancelled entered-in-error unknown"
_ENC = "planned arrived triaged in-progress onleave finished cancelled entered-in-error unknown"
R4_CODES = {
    ("Observation", "status"): _OBS,
    ("DetectedIssue", "status"): _OBS,
    ("RiskAssessment", "status"): _OBS,
    ("Encounter", "status"): _ENC,
    ("EncounterStatusHistory", "status"): _ENC,
    ("DiagnosticReport", "status"): f"{_OBS} partial appended",
    ("DeviceUdiCarrier", "entryType"): "barcode rfid manual card self-reported unknown",
}
R4_TARGETS = {
    ("Observation", "subject"): "Patient Group Device Location",
    ("DiagnosticReport", "subject"): "Patient Group Device Location",
    ("GroupMember", "entity"): "Patient Practitioner PractitionerRole Device Medication "
    "Substance Group",
}
# R4B lists codes where R4 binds extensibly (language) or to every MIME type (format).
UNBOUND_CODES = {("Expression", "language"), ("CapabilityStatement", "format")}

_YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
_MONTH, _DAY = r"(0[1-9]|1[0-2])", r"(0[1-9]|[12][0-9]|3[01])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
_TZ = r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
FORMATS = {  # the R4 regexes (datatypes.html)
    "date": re.compile(rf"{_YEAR}(-{_MONTH}(-{_DAY})?)?"),
    "dateTime": re.compile(rf"{_YEAR}(-{_MONTH}(-{_DAY}(T{_TIME}{_TZ})?)?)?"),
    "instant": re.compile(rf"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_TZ}"),
    "time": re.compile(_TIME),
    "id": re.compile(r"[A-Za-z0-9\-.]{1,64}"),
    "code": re.compile(r"[^\s]+(\s[^\s]+)*"),
    "uuid": re.compile(r"urn:uuid:[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"),
}
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REFERENCE_TYPE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/[A-Za-z0-9\-.]{1,64}(/_history/[^/]+)?$")
UUID4_STANDIN = "urn:uuid:00000000-0000-4000-8000-000000000000"  # stands in for a non-v4 R4 uuid
