"""Result parameters: `_count`, `_sort`, `_include`, `_revinclude`, `_summary`,
`_elements`, `_total` (https://hl7.org/fhir/R4/search.html#return)."""

from __future__ import annotations

from hoso.core.errors import InvalidRequest, NotSupported
from hoso.core.text import whole_number
from hoso.fhir.search.ir import Include, Kind, SortKey
from hoso.fhir.search.lookup import check_type, find_param, param_kind, unknown_parameter
from hoso.fhir.search.values import invalid_value
from hoso.fhir.searchparams import get_search_param

SUMMARY_VALUES = ("true", "text", "data", "count", "false")
TOTAL_VALUES = ("none", "estimate", "accurate")
INCLUDE_MODIFIERS = ("", "iterate", "recurse")  # `recurse` is the R3 spelling of iterate
_SORTABLE = frozenset(Kind) - {Kind.REFERENCE}


def parse_count(name: str, raw: str) -> int:
    """A page size: at most 18 ASCII digits (the store clamps it to its largest page)."""
    count = whole_number(raw)
    if count is None:
        raise invalid_value(name, raw[:40], "expected a non-negative integer")
    return count


def parse_choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    if raw not in choices:
        raise invalid_value(name, raw, "expected one of " + ", ".join(choices))
    return raw


def parse_elements(raw: str) -> tuple[str, ...]:
    return tuple(e.strip() for e in raw.split(",") if e.strip())


def parse_sort(
    resource_type: str | None, raw: str, lenient: bool
) -> tuple[tuple[SortKey, ...], tuple[str, ...]]:
    """`_sort=-date,name`: keys in order; unknown codes are errors unless `lenient`."""
    keys: list[SortKey] = []
    ignored: list[str] = []
    for item in raw.split(","):
        item = item.strip()
        code = item.removeprefix("-")
        if not code:
            raise invalid_value("_sort", raw)
        param = find_param(resource_type, code)
        if param is None:
            if not lenient:
                raise unknown_parameter(resource_type, code)
            ignored.append(f"_sort={code}")
            continue
        kind = param_kind(param, code)
        if kind not in _SORTABLE:
            raise NotSupported(
                f"Không thể sắp xếp theo tham số tham chiếu '{code}' / "
                f"Sorting by the reference parameter '{code}' is not supported",
                expression=["_sort"],
            )
        keys.append(SortKey(code, kind, descending=item.startswith("-")))
    return tuple(keys), tuple(ignored)


def parse_include(name: str, raw: str) -> Include:
    """`_include[:iterate]=Source:param[:Target]`; the wildcard `*` is not supported."""
    base, _, modifier = name.partition(":")
    if modifier not in INCLUDE_MODIFIERS:
        raise InvalidRequest(
            f"Bổ nghĩa '{modifier}' không hợp lệ cho {base} / "
            f"Invalid modifier '{modifier}' for {base}",
            expression=[base],
        )
    parts = raw.split(":")
    if "*" in parts:
        raise NotSupported(
            f"{base}=* chưa được hỗ trợ / {base} with '*' is not supported", expression=[base]
        )
    if len(parts) not in (2, 3) or not all(parts):
        raise invalid_value(base, raw, "expected Type:param[:TargetType]")
    source, code = parts[0], parts[1]
    check_type(base, source)
    param = get_search_param(source, code)
    if param is None or param.type != Kind.REFERENCE:
        raise invalid_value(base, raw, f"'{code}' is not a reference parameter of {source}")
    target = parts[2] if len(parts) == 3 else None
    if target is not None:
        check_type(base, target, param.targets)
    return Include(source, code, target, iterate=bool(modifier))
