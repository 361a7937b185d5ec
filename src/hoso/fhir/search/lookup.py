"""Resolving parameter codes against the registry, with the errors a client sees."""

from __future__ import annotations

from hoso.core.errors import InvalidRequest, NotSupported, UnknownParameter
from hoso.fhir.search.ir import Kind
from hoso.fhir.searchparams import SearchParam, get_search_param, supported_types

# Columns of `resource` rather than index rows; `_type` only in system-level search.
ID, LAST_UPDATED, TYPE = "_id", "_lastUpdated", "_type"
# R4 parameters that narrow a search and that this server does not evaluate: refused
# even under lenient handling, since ignoring one would widen the result set.
UNSUPPORTED_FILTERS = frozenset(
    {"_has", "_text", "_content", "_list", "_query", "_filter", "_contained", "_containedType"}
)


def unsupported_filter(name: str) -> NotSupported:
    return NotSupported(
        f"Tham số '{name}' chưa được hỗ trợ / The '{name}' parameter is not supported",
        expression=[name],
    )


def find_param(resource_type: str | None, code: str) -> SearchParam | None:
    """The parameter `code` of `resource_type`; system-level search (no type) knows the
    common parameters, which every type shares."""
    if resource_type is not None:
        return get_search_param(resource_type, code)
    types = supported_types()
    if not code.startswith("_") or not types:
        return None
    return get_search_param(types[0], code)


def param_kind(param: SearchParam, name: str) -> Kind:
    """The IR kind of `param`; composite and special parameters are not indexed."""
    try:
        return Kind(param.type)
    except ValueError:
        raise NotSupported(
            f"Tham số '{name}' thuộc loại '{param.type}' chưa được hỗ trợ / "
            f"Search parameter '{name}' of type '{param.type}' is not supported",
            expression=[name],
        ) from None


def unknown_parameter(resource_type: str | None, name: str) -> UnknownParameter:
    where = resource_type or "hệ thống / system"
    return UnknownParameter(
        f"Tham số tìm kiếm '{name}' không được hỗ trợ cho {where} / "
        f"Unknown search parameter '{name}' for {where}",
        expression=[name],
    )


def check_type(name: str, resource_type: str, allowed: tuple[str, ...] = ()) -> None:
    """`resource_type` must be served, and one of `allowed` when that is not empty."""
    if resource_type not in supported_types() or (allowed and resource_type not in allowed):
        raise InvalidRequest(
            f"Loại tài nguyên '{resource_type}' không hợp lệ cho '{name}' / "
            f"Resource type '{resource_type}' is not valid for '{name}'",
            expression=[name],
        )
