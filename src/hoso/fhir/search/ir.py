"""The search IR: what a FHIR search asks for, parsed once, with no SQL in it.

`parse_search` builds it from the query string; each store compiles it to its own
query language (https://hl7.org/fhir/R4/search.html). All classes are frozen so a
query can be hashed, cached and shared between threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "ChainTarget",
    "DateValue",
    "Filter",
    "Include",
    "Kind",
    "MissingValue",
    "Modifier",
    "NumberValue",
    "Prefix",
    "ReferenceValue",
    "SearchLimits",
    "SearchQuery",
    "SortKey",
    "StringValue",
    "TokenValue",
    "UriValue",
    "Value",
]


class Kind(StrEnum):
    """Search-parameter types the store indexes (composite and special are not)."""

    TOKEN = "token"
    STRING = "string"
    DATE = "date"
    REFERENCE = "reference"
    NUMBER = "number"
    QUANTITY = "quantity"
    URI = "uri"


class Prefix(StrEnum):
    """Comparison prefixes of ordered kinds (https://hl7.org/fhir/R4/search.html#prefix)."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    SA = "sa"
    EB = "eb"
    AP = "ap"


class Modifier(StrEnum):
    """Supported modifiers; a reference's `:Type` is folded into its values instead."""

    MISSING = "missing"
    EXACT = "exact"
    CONTAINS = "contains"
    TEXT = "text"
    NOT = "not"
    BELOW = "below"
    ABOVE = "above"


@dataclass(frozen=True, slots=True)
class TokenValue:
    """`system|code`: `system=None` means any system, `""` means no system; `code=None`
    means any code (`system|`). `_id` values are codes with `system=None`."""

    system: str | None
    code: str | None


@dataclass(frozen=True, slots=True)
class StringValue:
    """A string, or the text of a token `:text`; `folded` is compared unless `:exact`."""

    exact: str
    folded: str


@dataclass(frozen=True, slots=True)
class DateValue:
    """`low`..`high` is the inclusive µs range the value's precision denotes."""

    prefix: Prefix
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class NumberValue:
    """Number and quantity values. `low`..`high` (half-open) is the range implied by the
    written precision (`100` → [99.5, 100.5)); `ap` widens it to ±10 %. `system`/`code`
    are only set for quantities (`5.4|http://unitsofmeasure.org|mg`)."""

    prefix: Prefix
    value: Decimal
    low: Decimal
    high: Decimal
    system: str | None = None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class ReferenceValue:
    """`Type/id`, a bare `id` (type from `:Type` or any), or an absolute/canonical `url`."""

    target_type: str | None = None
    target_id: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class UriValue:
    uri: str


@dataclass(frozen=True, slots=True)
class MissingValue:
    """`:missing=true` (no index value at all) or `:missing=false`."""

    missing: bool


Value = (
    TokenValue | StringValue | DateValue | NumberValue | ReferenceValue | UriValue | MissingValue
)


@dataclass(frozen=True, slots=True)
class ChainTarget:
    """One target type of a chained reference and the filter applied to that target."""

    target_type: str
    filter: Filter


@dataclass(frozen=True, slots=True)
class Filter:
    """One occurrence of a parameter. Occurrences are AND-ed, `values` are OR-ed.

    A chained filter (`subject:Patient.name=an`) has no values but one `chain` entry
    per candidate target type; a resource matches when any of them does.
    """

    code: str
    kind: Kind
    modifier: Modifier | None
    values: tuple[Value, ...]
    chain: tuple[ChainTarget, ...] = ()


@dataclass(frozen=True, slots=True)
class SortKey:
    code: str
    kind: Kind
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Include:
    """`_include` / `_revinclude=source_type:param[:target_type]`, `iterate` for `:iterate`.

    For `_include`, `source_type` resources point at what is added; for `_revinclude`,
    the added resources are of `source_type` and point at the page's resources.
    """

    source_type: str
    param: str
    target_type: str | None = None
    iterate: bool = False


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed search. `canonical` identifies the result set (all parameters except
    `_count`, `_format`, `_pretty`, sorted), so a paging cursor can be bound to it."""

    resource_type: str | None
    filters: tuple[Filter, ...] = ()
    sort: tuple[SortKey, ...] = ()
    count: int | None = None
    includes: tuple[Include, ...] = ()
    revincludes: tuple[Include, ...] = ()
    summary: str | None = None
    elements: tuple[str, ...] = ()
    total: str | None = None
    ignored: tuple[str, ...] = ()
    canonical: str = ""


@dataclass(frozen=True, slots=True)
class SearchLimits:
    """How much one search may ask for (`Settings.max_search_*`): the work of a query
    grows with its parameters and values, so past these it is refused with 400."""

    max_parameters: int = 50  # each occurrence counts, `_include` and `_sort` too
    max_values: int = 100  # comma-separated values of one parameter
    max_sort_keys: int = 8
