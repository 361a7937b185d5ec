"""A `$export` kick-off's parameters, checked (Bulk Data IG v2, "Query Parameters"):
query string for GET, a Parameters resource for POST."""

from __future__ import annotations

import re
from typing import Any

from hoso.access.bulk_access import GROUP, ExportRequest
from hoso.core.errors import InvalidRequest, NotSupported
from hoso.fhir.dates import since_us
from hoso.fhir.operations import OperationParams
from hoso.fhir.searchparams import supported_types

__all__ = ["NDJSON_FORMATS", "parse_export"]

NDJSON_FORMATS = frozenset({"application/fhir+ndjson", "application/ndjson", "ndjson"})
# FHIR `instant`: to the second at least, with a time zone.
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")
_NOT_SUPPORTED = ("_typeFilter", "_elements", "includeAssociatedData", "organizeOutputBy")
_KNOWN = frozenset({"_type", "_since", "_outputFormat", "patient", *_NOT_SUPPORTED})


def parse_export(
    level: str,
    url: str,
    params: OperationParams,
    *,
    group_id: str | None = None,
    lenient: bool = False,
) -> ExportRequest:
    """`params` as `hoso.fhir.operations.collect_params` gives them; 400 for anything
    this server would not honour, naming the parameter."""
    for name in params:
        if name in _NOT_SUPPORTED:
            raise NotSupported(
                f"Tham số {name} chưa được hỗ trợ / Parameter {name} is not supported",
                expression=[name],
            )
        if name not in _KNOWN and not lenient:
            raise InvalidRequest(
                f"Tham số không rõ: {name} / Unknown parameter: {name}",
                code="not-supported",
                expression=[name],
            )
    output_format = _one(params, "_outputFormat")
    if output_format is not None and output_format not in NDJSON_FORMATS:
        raise InvalidRequest(
            f"Chỉ hỗ trợ NDJSON, không hỗ trợ {output_format} / Only NDJSON "
            f"(application/fhir+ndjson) is supported, not {output_format}",
            code="not-supported",
            expression=["_outputFormat"],
        )
    since = _one(params, "_since")
    return ExportRequest(
        level=level,
        url=url,
        types=_types(params),
        since_us=_since(since),
        since=since,
        patients=_patients(params, level),
        group_id=group_id if level == GROUP else None,
    )


def _one(params: OperationParams, name: str) -> str | None:
    values = params.get(name) or []
    if len(values) > 1:
        raise InvalidRequest(
            f"Tham số {name} chỉ được có một lần / Parameter {name} may appear once",
            expression=[name],
        )
    if not values:
        return None
    if not isinstance(values[0], str):
        raise InvalidRequest(
            f"Tham số {name} phải là chuỗi / Parameter {name} must be a string",
            expression=[name],
        )
    return values[0]


def _types(params: OperationParams) -> tuple[str, ...] | None:
    if "_type" not in params:
        return None
    names = []
    for value in params["_type"]:
        names += [t.strip() for t in str(value).split(",") if t.strip()]
    unknown = [t for t in names if t not in supported_types()]
    if unknown or not names:
        shown = ", ".join(unknown) or "(rỗng / empty)"
        raise InvalidRequest(
            f"Loại tài nguyên không được hỗ trợ trong _type: {shown} / "
            f"Unsupported resource types in _type: {shown}",
            code="not-supported",
            expression=["_type"],
        )
    return tuple(dict.fromkeys(names))


def _since(value: str | None) -> int | None:
    if value is None:
        return None
    if not _INSTANT.fullmatch(value):
        raise InvalidRequest(
            f"_since phải là một instant FHIR (vd. 2026-01-01T00:00:00+07:00): {value} / "
            f"_since must be a FHIR instant (e.g. 2026-01-01T00:00:00+07:00): {value}",
            expression=["_since"],
        )
    return since_us(value)


def _patients(params: OperationParams, level: str) -> tuple[str, ...] | None:
    values: list[Any] = params.get("patient") or []
    if not values:
        return None
    if level not in ("patient", GROUP):
        raise InvalidRequest(
            "Tham số patient chỉ dùng ở mức Patient hoặc Group / "
            "The patient parameter applies to Patient- and Group-level exports only",
            expression=["patient"],
        )
    ids = []
    for value in values:
        # POST gives a valueReference; a query string (lenient servers accept it) text.
        reference = value.get("reference") if isinstance(value, dict) else value
        parts = reference.split("/") if isinstance(reference, str) else []
        if len(parts) < 2 or parts[-2] != "Patient" or not parts[-1]:
            raise InvalidRequest(
                "Tham số patient phải là tham chiếu Patient/<id> / "
                "The patient parameter must be a reference Patient/<id>",
                expression=["patient"],
            )
        ids.append(parts[-1])
    return tuple(dict.fromkeys(ids))
