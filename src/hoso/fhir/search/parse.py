"""Query string → `SearchQuery` (https://hl7.org/fhir/R4/search.html).

Parsing happens once, here, with every FHIR rule about names, modifiers, prefixes and
escaping; stores only compile the IR. Each parameter occurrence becomes one `Filter`
(occurrences are AND-ed, comma-separated values OR-ed). Unknown parameters raise
`UnknownParameter`, or are listed in `SearchQuery.ignored` under lenient handling
(`Prefer: handling=lenient`; by default only those starting with `_`). Malformed values
always raise `InvalidRequest`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlencode

from hoso.core.errors import InvalidRequest, NotSupported, UnknownParameter
from hoso.fhir.search import control
from hoso.fhir.search.ir import (
    ChainTarget,
    Filter,
    Include,
    Kind,
    Modifier,
    SearchLimits,
    SearchQuery,
    SortKey,
    TokenValue,
    Value,
)
from hoso.fhir.search.lookup import (
    ID,
    TYPE,
    UNSUPPORTED_FILTERS,
    check_type,
    find_param,
    param_kind,
    unknown_parameter,
    unsupported_filter,
)
from hoso.fhir.search.values import (
    parse_date,
    parse_missing,
    parse_number,
    parse_quantity,
    parse_reference,
    parse_string,
    parse_token,
    parse_uri,
    split_escaped,
    unescape,
)
from hoso.fhir.searchparams import SearchParam, supported_types

__all__ = ["check_size", "parse_filter", "parse_search"]

SILENT = frozenset({"_format", "_pretty"})
_NOT_CANONICAL = SILENT | {"_count"}  # a page size change keeps the same result set

_ALLOWED: dict[Kind, frozenset[Modifier]] = {
    Kind.TOKEN: frozenset({Modifier.MISSING, Modifier.NOT, Modifier.TEXT}),
    Kind.STRING: frozenset({Modifier.MISSING, Modifier.EXACT, Modifier.CONTAINS}),
    Kind.DATE: frozenset({Modifier.MISSING}),
    Kind.REFERENCE: frozenset({Modifier.MISSING}),
    Kind.NUMBER: frozenset({Modifier.MISSING}),
    Kind.QUANTITY: frozenset({Modifier.MISSING}),
    Kind.URI: frozenset({Modifier.MISSING, Modifier.BELOW, Modifier.ABOVE}),
}
# R4 modifiers this server recognises but does not implement (→ NotSupported).
_R4_MODIFIERS = frozenset(
    {
        "missing",
        "exact",
        "contains",
        "text",
        "not",
        "above",
        "below",
        "in",
        "not-in",
        "of-type",
        "identifier",
        "type",
    }
)


def parse_search(
    resource_type: str | None,
    params: Sequence[tuple[str, str]],
    *,
    lenient: bool | None = False,
    limits: SearchLimits = SearchLimits(),  # noqa: B008 (frozen: one shared default)
) -> SearchQuery:
    """Parse decoded `(name, value)` pairs of a type-level (or, with no type, system-level)
    search. A paging cursor is not a search parameter: the caller passes it apart."""
    check_size(params, limits)
    builder = _Builder(resource_type, lenient)
    for name, raw in params:
        builder.add(name, raw)
    if len(builder.sort) > limits.max_sort_keys:
        raise _too_costly("_sort", f"{len(builder.sort)} khóa sắp xếp", f"{len(builder.sort)} "
                          "sort keys", limits.max_sort_keys)  # fmt: skip
    return builder.build(canonical(resource_type, params))


def check_size(params: Sequence[tuple[str, str]], limits: SearchLimits) -> None:
    """Refuse a search that asks for more work than one request may (before parsing),
    or that holds a NUL (FHIR strings cannot; PostgreSQL refuses it)."""
    if any("\x00" in name or "\x00" in raw for name, raw in params):
        raise InvalidRequest("Tham số tìm kiếm chứa ký tự NUL / A search parameter holds a "
                             "NUL character")  # fmt: skip
    counted = [(name, raw) for name, raw in params if name not in SILENT]
    if len(counted) > limits.max_parameters:
        raise _too_costly("", f"{len(counted)} tham số", f"{len(counted)} parameters",
                          limits.max_parameters)  # fmt: skip
    for name, raw in counted:
        if raw.count(",") >= limits.max_values:
            values = len(split_escaped(raw, ","))
            if values > limits.max_values:
                raise _too_costly(name, f"{values} giá trị", f"{values} values",
                                  limits.max_values)  # fmt: skip


def _too_costly(name: str, vi: str, en: str, limit: int) -> InvalidRequest:
    where = f" '{name}'" if name else ""
    return InvalidRequest(
        f"Tìm kiếm{where} có {vi}, vượt giới hạn {limit} / The search{where} has {en}, over "
        f"the limit of {limit}",
        code="too-costly",
        expression=[name] if name else [],
    )


def canonical(resource_type: str | None, params: Sequence[tuple[str, str]]) -> str:
    kept = sorted((n, v) for n, v in params if n.partition(":")[0] not in _NOT_CANONICAL)
    return f"{resource_type or ''}?{urlencode(kept)}"


class _Builder:
    """Collects the parts of one query while the parameters are read in order."""

    def __init__(self, resource_type: str | None, lenient: bool | None) -> None:
        self.resource_type = resource_type
        self.lenient = lenient
        self.filters: list[Filter] = []
        self.sort: list[SortKey] = []
        self.includes: list[Include] = []
        self.revincludes: list[Include] = []
        self.ignored: list[str] = []
        self.count: int | None = None
        self.summary: str | None = None
        self.total: str | None = None
        self.elements: tuple[str, ...] = ()

    def add(self, name: str, raw: str) -> None:
        base, _, modifier = name.partition(":")
        if base in SILENT:
            return
        handler = _RESULT_PARAMS.get(base)
        if handler is not None:
            if modifier and base not in ("_include", "_revinclude"):
                raise InvalidRequest(
                    f"'{name}' không nhận bổ nghĩa / '{name}' takes no modifier",
                    expression=[base],
                )
            handler(self, name, raw)
            return
        try:
            parsed = parse_filter(self.resource_type, name, raw)
        except UnknownParameter:
            # By default only `_`-parameters are let go (a client library's `_totalMethod`);
            # a misspelt `famly=` would otherwise silently match everyone.
            if self.lenient is False or (self.lenient is None and not base.startswith("_")):
                raise
            self.ignored.append(name)
            return
        if parsed is not None:
            self.filters.append(parsed)

    def _sort(self, _name: str, raw: str) -> None:
        keys, ignored = control.parse_sort(self.resource_type, raw, self.lenient is True)
        self.sort.extend(keys)
        self.ignored.extend(ignored)

    def _count(self, name: str, raw: str) -> None:
        self.count = control.parse_count(name, raw)

    def _include(self, name: str, raw: str) -> None:
        self.includes.append(control.parse_include(name, raw))

    def _revinclude(self, name: str, raw: str) -> None:
        self.revincludes.append(control.parse_include(name, raw))

    def _summary(self, name: str, raw: str) -> None:
        self.summary = control.parse_choice(name, raw, control.SUMMARY_VALUES)

    def _total(self, name: str, raw: str) -> None:
        self.total = control.parse_choice(name, raw, control.TOTAL_VALUES)

    def _elements(self, _name: str, raw: str) -> None:
        self.elements = (*self.elements, *control.parse_elements(raw))

    def build(self, canonical_form: str) -> SearchQuery:
        return SearchQuery(
            resource_type=self.resource_type,
            filters=tuple(self.filters),
            sort=tuple(self.sort),
            count=self.count,
            includes=tuple(self.includes),
            revincludes=tuple(self.revincludes),
            summary=self.summary,
            elements=self.elements,
            total=self.total,
            ignored=tuple(self.ignored),
            canonical=canonical_form,
        )


_RESULT_PARAMS: dict[str, Callable[[_Builder, str, str], None]] = {
    "_sort": _Builder._sort,
    "_count": _Builder._count,
    "_include": _Builder._include,
    "_revinclude": _Builder._revinclude,
    "_summary": _Builder._summary,
    "_total": _Builder._total,
    "_elements": _Builder._elements,
}


def parse_filter(resource_type: str | None, name: str, raw: str) -> Filter | None:
    """One parameter occurrence; None when its value is empty (the spec ignores it)."""
    head, dot, tail = name.partition(".")
    code, _, modifier = head.partition(":")
    if code in UNSUPPORTED_FILTERS:
        raise unsupported_filter(code)
    if code == TYPE and resource_type is None:
        return _type_filter(raw) if raw else None
    param = find_param(resource_type, code)
    if param is None:
        raise unknown_parameter(resource_type, code)
    kind = param_kind(param, code)
    if dot:
        return _chain(param, kind, modifier, tail, raw)
    if raw == "":
        return None
    type_modifier = None
    if kind is Kind.REFERENCE and modifier[:1].isupper():
        check_type(name, modifier, param.targets)
        type_modifier, modifier = modifier, ""
    mod = _modifier(name, kind, modifier)
    if code == ID and mod is Modifier.TEXT:
        raise NotSupported(
            "'_id:text' không được hỗ trợ / '_id:text' is not supported", expression=[name]
        )
    if mod is Modifier.MISSING:
        return Filter(code, kind, mod, (parse_missing(name, raw),))
    pieces = split_escaped(raw, ",")
    values = tuple(_value(param, kind, mod, type_modifier, piece) for piece in pieces)
    return Filter(code, kind, mod, values)


def _modifier(name: str, kind: Kind, modifier: str) -> Modifier | None:
    if not modifier:
        return None
    known = {m.value for m in Modifier}
    if modifier in known and Modifier(modifier) in _ALLOWED[kind]:
        return Modifier(modifier)
    if modifier in _R4_MODIFIERS:
        raise NotSupported(
            f"Bổ nghĩa ':{modifier}' chưa được hỗ trợ cho '{name}' / "
            f"Modifier ':{modifier}' is not supported for '{name}'",
            expression=[name],
        )
    raise InvalidRequest(
        f"Bổ nghĩa ':{modifier}' không hợp lệ ('{name}') / Unknown modifier ':{modifier}' "
        f"('{name}')",
        expression=[name],
    )


def _value(
    param: SearchParam, kind: Kind, mod: Modifier | None, type_modifier: str | None, raw: str
) -> Value:
    code = param.code
    if param.code == ID:
        return TokenValue(None, unescape(raw))
    if kind is Kind.TOKEN:
        return parse_string(raw) if mod is Modifier.TEXT else parse_token(raw)
    if kind is Kind.STRING:
        return parse_string(raw)
    if kind is Kind.DATE:
        return parse_date(code, raw)
    if kind is Kind.NUMBER:
        return parse_number(code, raw)
    if kind is Kind.QUANTITY:
        return parse_quantity(code, raw)
    if kind is Kind.URI:
        return parse_uri(raw)
    return parse_reference(code, raw, type_modifier)


def _type_filter(raw: str) -> Filter:
    """System-level `_type=Patient,Observation` restricts the resource type column."""
    types = tuple(t for t in raw.split(",") if t)
    for rtype in types:
        check_type(TYPE, rtype)
    return Filter(TYPE, Kind.TOKEN, None, tuple(TokenValue(None, t) for t in types))


def _chain(param: SearchParam, kind: Kind, modifier: str, tail: str, raw: str) -> Filter | None:
    """`subject:Patient.name=an` (one level): the target parameter is resolved on each
    candidate target type; without `:Type`, every target type that has it is searched."""
    name = f"{param.code}{':' + modifier if modifier else ''}.{tail}"
    if kind is not Kind.REFERENCE:
        raise InvalidRequest(
            f"'{param.code}' không phải tham số tham chiếu nên không thể nối chuỗi / "
            f"'{param.code}' is not a reference parameter and cannot be chained",
            expression=[name],
        )
    if "." in tail:
        raise NotSupported(
            f"Chỉ hỗ trợ nối chuỗi một cấp ('{name}') / Only one chaining level is supported "
            f"('{name}')",
            expression=[name],
        )
    if modifier:
        check_type(name, modifier, param.targets)
    targets = (modifier,) if modifier else param.targets
    inner_code = tail.partition(":")[0]
    served = set(supported_types())
    chain: list[ChainTarget] = []
    for target in targets:
        if target in served and find_param(target, inner_code) is not None:
            inner = parse_filter(target, tail, raw)
            if inner is None:
                return None
            chain.append(ChainTarget(target, inner))
    if not chain:
        raise unknown_parameter(None if not targets else "/".join(targets), tail)
    return Filter(param.code, Kind.REFERENCE, None, (), tuple(chain))
