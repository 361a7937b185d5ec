"""`Patient/{id}/$everything`: the Patient, every resource in its compartment, and the
Practitioners, Organizations, Locations and Medications they point at, as a paged
searchset (https://hl7.org/fhir/R4/patient-operation-everything.html).

The compartment is read through `repo.search`, one stream per (type, compartment
parameter) in the order of `compartment_params`, so the access layer sees ordinary
searches. A resource reachable by two parameters of one type (an Observation whose
subject and performer are both the Patient) is returned once: its second sighting is
dropped. The cursor records the stream and the store's cursor within it.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from hoso.core import jsonx
from hoso.core.errors import InvalidRequest, NotSupported
from hoso.fhir.bundles import PAGE_CURSOR_PARAM, searchset_bundle
from hoso.fhir.dates import date_range
from hoso.fhir.operations import (
    OperationContext,
    OperationDefinition,
    OperationParameter,
    OperationParams,
)
from hoso.fhir.repository import Hit, Repository, SearchPage, iter_references
from hoso.fhir.searchparams import compartment_params, supported_types

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
        OperationParameter("_since", "in", 0, "1", "instant",
                           "Chỉ tài nguyên cập nhật từ thời điểm này / Only resources "
                           "updated since this instant"),
        OperationParameter("_type", "in", 0, "*", "string",
                           "Các loại tài nguyên, cách nhau bởi dấu phẩy / Comma-separated "
                           "resource types to return"),
        OperationParameter("_count", "in", 0, "1", "integer",
                           "Số tài nguyên mỗi trang / Resources per page"),
        OperationParameter("return", "out", 1, "1", "Bundle",
                           "Bundle searchset, có phân trang / A paged searchset Bundle"),
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
                "is not supported", expression=[unsupported],
            )
    patient = repo.read("Patient", ctx.id)  # 404/410, and the access check, come first
    since = _single(params, "_since")
    since_us = _since_us(since)
    wanted = _types(params)
    count = _count(params)
    cursor = _single(params, PAGE_CURSOR_PARAM)
    stream, inner = _decode_cursor(cursor) if cursor else (0, None)

    matches: list[Hit] = []
    if stream == 0:
        if "Patient" in wanted and (since_us is None or patient.last_updated_us >= since_us):
            matches.append(Hit("Patient", patient.id, patient.content))
        stream = 1
    streams = _streams(wanted)
    reference = f"Patient/{ctx.id}"
    while len(matches) < count and stream <= len(streams):
        resource_type, index = streams[stream - 1]
        page = _stream_page(repo, resource_type, index, reference, since, count - len(matches),
                            inner)
        matches.extend(page.matches)
        inner = page.next_cursor
        if inner is None:
            stream += 1
    more = stream <= len(streams)
    next_cursor = _encode_cursor(stream, inner) if more else None
    includes = _includes(repo, matches, [t for t in INCLUDED_TYPES if t in wanted])
    return _bundle(ctx, params, SearchPage(matches, includes, None, next_cursor), cursor)


def _streams(wanted: set[str]) -> list[tuple[str, int]]:
    """(type, index of its compartment parameter); the Patient itself is stream 0."""
    return [
        (resource_type, i)
        for resource_type in supported_types()
        if resource_type != "Patient" and resource_type in wanted
        for i in range(len(compartment_params(resource_type)))
    ]


def _stream_page(
    repo: Repository, resource_type: str, index: int, reference: str, since: str | None,
    count: int, cursor: str | None,
) -> SearchPage:
    codes = compartment_params(resource_type)
    params = [(codes[index], reference), ("_count", str(count))]
    if since:
        params.append(("_lastUpdated", f"ge{since}"))
    page = repo.search(resource_type, params, cursor=cursor)
    if index == 0 or not page.matches:
        return page
    # Drop what an earlier parameter of this type already returned.
    ids = ",".join(hit.id for hit in page.matches)
    seen: set[str] = set()
    for earlier in codes[:index]:
        found = repo.search(
            resource_type, [(earlier, reference), ("_id", ids), ("_count", str(len(page.matches)))]
        )
        seen.update(hit.id for hit in found.matches)
    fresh = [hit for hit in page.matches if hit.id not in seen]
    return SearchPage(fresh, [], page.total, page.next_cursor)


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
    return searchset_bundle(page, base_url=ctx.base_url, self_link=link(cursor),
                            next_link=next_link)


def _single(params: OperationParams, name: str) -> str | None:
    values = params.get(name) or []
    if len(values) > 1:
        raise InvalidRequest(
            f"Tham số {name} chỉ được có một giá trị / Parameter {name} takes one value",
            expression=[name],
        )
    return None if not values or values[0] in (None, "") else str(values[0])


def _since_us(since: str | None) -> int | None:
    if since is None:
        return None
    try:
        return date_range(since)[0]
    except ValueError as exc:
        raise InvalidRequest(
            f"_since không hợp lệ: {since} / Invalid _since: {since}", expression=["_since"]
        ) from exc


def _types(params: OperationParams) -> set[str]:
    known = set(supported_types())
    values = [t.strip() for v in params.get("_type") or [] for t in str(v).split(",") if t.strip()]
    if not values:
        return known
    unknown = sorted(set(values) - known)
    if unknown:
        raise InvalidRequest(
            f"_type có loại không hỗ trợ: {', '.join(unknown)} / "
            f"_type names unsupported types: {', '.join(unknown)}", expression=["_type"],
        )
    return set(values)


def _count(params: OperationParams) -> int:
    value = _single(params, "_count")
    if value is None:
        return DEFAULT_COUNT
    if not value.isdigit() or int(value) < 1:
        raise InvalidRequest(
            f"_count không hợp lệ: {value} / Invalid _count: {value}", expression=["_count"]
        )
    return min(int(value), MAX_COUNT)


def _encode_cursor(stream: int, inner: str | None) -> str:
    raw = jsonx.dumps({"s": stream, "c": inner})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[int, str | None]:
    try:
        data = jsonx.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        stream, inner = int(data["s"]), data["c"]
        if stream < 1 or not (inner is None or isinstance(inner, str)):
            raise ValueError(cursor)
    except Exception as exc:  # any malformed token is the client's error
        raise InvalidRequest(
            "Mã trang $everything không hợp lệ / Invalid $everything page token",
            expression=[PAGE_CURSOR_PARAM],
        ) from exc
    return stream, inner
