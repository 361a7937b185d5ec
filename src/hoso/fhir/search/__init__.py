"""FHIR search without SQL: the query string is parsed once into a frozen IR."""

from hoso.fhir.search.ir import (
    ChainTarget,
    DateValue,
    Filter,
    Include,
    Kind,
    MissingValue,
    Modifier,
    NumberValue,
    Prefix,
    ReferenceValue,
    SearchQuery,
    SortKey,
    StringValue,
    TokenValue,
    UriValue,
    Value,
)
from hoso.fhir.search.parse import parse_search

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
    "SearchQuery",
    "SortKey",
    "StringValue",
    "TokenValue",
    "UriValue",
    "Value",
    "parse_search",
]
