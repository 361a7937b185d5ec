"""`Patient/{id}/$everything`: the Patient, every resource in its compartment, and the
Practitioners, Organizations, Locations and Medications they point at, as a paged
searchset (https://hl7.org/fhir/R4/patient-operation-everything.html).

The compartment is read through `repo.compartment`, one query per page in storage
order (the first page also holds the Patient), so a large record costs one round trip
per page rather than one search per compartment parameter; referenced resources are
added with one `_id` search per type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from hoso.core import jsonx
from hoso.core.errors import InvalidRequest, NotSupported
from hoso.core.text import whole_number
from hoso.fhir.bundles import PAGE_CURSOR_PARAM, searchset_bundle
from hoso.fhir.dates import since_us
from hoso.fhir.operations import (
    OperationContext,
    OperationDefinition,
    OperationParameter,
    OperationParams,
)
from hoso.fhir.repository import Hit, Repository, SearchPage, iter_references
from hoso.fhir.searchparams import supported_types

__all__ = ["DEFINITION", "run"]

DEFAULT_COUNT = 50
MAX_COUNT = 1000
# Non-compartment resources pulled in one level, like `_include` (R4 §patient-everything).
INCLUDED_TYPES = ("Practitioner", "Organization", "Location", "Medication")

DEFINITION = OperationDefinition(
    name="everything",
    title="Toàn bộ hồ sơ người bệnh / Patient everything",
    description=(
        "Trả về người bệnh và mọi tài nguyên trong ngăn (compartment) của họ, kèm "
        "Practitioner, Organization, Location, Medication được tham chiếu / Returns the "
        "patient, every resource in their compartment and the practitioners, "
        "organizations, locations and medications those resources reference."
    ),
    url="http://hl7.org/fhir/OperationDefinition/Patient-everything",
    levels=frozenset({"instance"}),
    resource_types=("Patient",),
    parameters=(
        OperationParameter(
            "_since",
            "in",
            0,
            "1",
            "instant",
            "Chỉ tài nguyên cập nhật từ thời điểm này / Only resources updated since this instant",
        ),
        OperationParameter(
            "_type",
            "in",
            0,
            "*",
            "string",
            "Các loại tài nguyên, cách nhau bởi dấu phẩy / Comma-separated "
            "resource types to return",
        ),
        OperationParameter(
            "_count", "in", 0, "1", "integer", "Số tài nguyên mỗi trang / Resources per page"
        ),
        OperationParameter(
            "return",
            "out",
            1,
            "1",
            "Bundle",
            "Bundle searchset, có phân trang / A paged searchset Bundle",
        ),
    ),
)


def run(repo: Repository, ctx: OperationContext, params: OperationParams) -> dict[str, Any]:
    """Build one page of the Patient's record."""
    if not ctx.id:
        raise InvalidRequest("$everything cần id người bệnh / $everything needs a Patient id")
    for unsupported in ("start", "end"):
        if unsupported in params:
            raise NotSupported(
                f"Tham số {unsupported} chưa được hỗ trợ / Parameter {unsupported} "
                "is not supported",
                expression=[unsupported],
            )
    patient = repo.read("Patient", ctx.id)  # 404/410, and the access check, come first
    since = since_us(_single(params, "_since"))
    wanted = _types(params)
    cursor = _single(params, PAGE_CURSOR_PARAM)
    matches: list[Hit] = []
    if (
        cursor is None
        and "Patient" in wanted
        and (since is None or patient.last_updated_us >= since)
    ):
        matches.append(Hit("Patient", patient.id, patient.content))
    page = repo.compartment(
        ctx.id,
        sorted(wanted),
        since_us=since,
        count=_count(params) - len(matches),
        cursor=cursor,
    )
    matches.extend(page.matches)
    includes = _includes(repo, matches, [t for t in INCLUDED_TYPES if t in wanted])
    return _bundle(ctx, params, SearchPage(matches, includes, None, page.next_cursor), cursor)


def _includes(repo: Repository, matches: Sequence[Hit], types: Sequence[str]) -> list[Hit]:
    """Resources of `types` the page's resources reference, one level, not repeated."""
    present = {(hit.resource_type, hit.id) for hit in matches}
    wanted: dict[str, set[str]] = {t: set() for t in types}
    for hit in matches:
        for _path, reference in iter_references(jsonx.loads(hit.content)):
            parts = reference.split("/")
            if len(parts) in (2, 4) and parts[0] in wanted and (parts[0], parts[1]) not in present:
                wanted[parts[0]].add(parts[1])
    included: list[Hit] = []
    for resource_type, ids in wanted.items():
        if ids:
            page = repo.search(
                resource_type, [("_id", ",".join(sorted(ids))), ("_count", str(len(ids)))]
            )
            included.extend(page.matches)
    return included


def _bundle(
    ctx: OperationContext, params: OperationParams, page: SearchPage, cursor: str | None
) -> dict[str, Any]:
    query = [
        (name, str(value))
        for name, values in params.items()
        if name in ("_since", "_type", "_count")
        for value in values
    ]
    path = f"{ctx.base_url}/Patient/{ctx.id}/$everything"

    def link(cursor_value: str | None) -> str:
        items = query + ([(PAGE_CURSOR_PARAM, cursor_value)] if cursor_value else [])
        return f"{path}?{urlencode(items)}" if items else path

    next_link = link(page.next_cursor) if page.next_cursor else None
    return searchset_bundle(
        page, base_url=ctx.base_url, self_link=link(cursor), next_link=next_link
    )


def _single(params: OperationParams, name: str) -> str | None:
    values = params.get(name) or []
    if len(values) > 1:
        raise InvalidRequest(
            f"Tham số {name} chỉ được có một giá trị / Parameter {name} takes one value",
            expression=[name],
        )
    return None if not values or values[0] in (None, "") else str(values[0])


def _types(params: OperationParams) -> set[str]:
    known = set(supported_types())
    values = [t.strip() for v in params.get("_type") or [] for t in str(v).split(",") if t.strip()]
    if not values:
        return known
    unknown = sorted(set(values) - known)
    if unknown:
        raise InvalidRequest(
            f"_type có loại không hỗ trợ: {', '.join(unknown)} / "
            f"_type names unsupported types: {', '.join(unknown)}",
            expression=["_type"],
        )
    return set(values)


def _count(params: OperationParams) -> int:
    value = _single(params, "_count")
    if value is None:
        return DEFAULT_COUNT
    count = whole_number(value)
    if count is None or count < 1:
        raise InvalidRequest(
            f"_count không hợp lệ: {value} / Invalid _count: {value}", expression=["_count"]
        )
    return min(count, MAX_COUNT)
