"""Search-index values extracted from one resource, one type per parameter kind.

The store turns each into a row of its kind's table; the search compilers query those
tables. Dates are kept as inclusive microsecond ranges since the Unix epoch (UTC) so
that the FHIR precision and period rules become plain integer comparisons on both
databases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DATE_MIN = -62135596800 * 1_000_000  # 0001-01-01T00:00:00Z
DATE_MAX = 253402300799 * 1_000_000 + 999_999  # 9999-12-31T23:59:59.999999Z


@dataclass(frozen=True, slots=True)
class TokenValue:
    param: str
    system: str | None
    code: str | None
    text: str | None = None  # folded display/text, for `:text`


@dataclass(frozen=True, slots=True)
class StringValue:
    param: str
    exact: str
    folded: str


@dataclass(frozen=True, slots=True)
class DateValue:
    param: str
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class ReferenceValue:
    param: str
    target_type: str | None
    target_id: str | None
    url: str | None = None  # absolute or canonical reference, kept verbatim


@dataclass(frozen=True, slots=True)
class QuantityValue:
    """Quantity and number parameters; `number` leaves system/code/unit empty."""

    param: str
    value: float
    system: str | None = None
    code: str | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class UriValue:
    param: str
    uri: str


@dataclass
class IndexValues:
    tokens: list[TokenValue] = field(default_factory=list)
    strings: list[StringValue] = field(default_factory=list)
    dates: list[DateValue] = field(default_factory=list)
    references: list[ReferenceValue] = field(default_factory=list)
    quantities: list[QuantityValue] = field(default_factory=list)
    uris: list[UriValue] = field(default_factory=list)
    # Patient ids whose compartment holds this resource (CompartmentDefinition patient).
    compartment_patients: list[str] = field(default_factory=list)
