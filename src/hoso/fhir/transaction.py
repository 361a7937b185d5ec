"""Batch and transaction Bundles (https://hl7.org/fhir/R4/http.html#transaction).

A transaction runs in one `repo.unit_of_work()`: DELETEs, then POSTs, then PUT/PATCHes,
then GETs. Placeholder `fullUrl`s (`urn:uuid:`, `urn:oid:`, any POST fullUrl) and
conditional references (`Patient?identifier=…`) become `Type/id` before a resource is
written, and any failure raises with issues naming `Bundle.entry[i]`, so the unit
rolls back everything. A batch runs each entry alone; a failure becomes that entry's
status and OperationOutcome (https://hl7.org/fhir/R4/http.html#brules). One entry's
envelope and interaction live in `hoso.fhir.bundle_entry`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_plus

from hoso.core.errors import FhirError, InvalidRequest, Issue, PayloadTooLarge, ResourceNotFound
from hoso.fhir.bundle_entry import Entry, execute, invalid, parse_entry
from hoso.fhir.bundles import response_entry
from hoso.fhir.conditional import CONDITIONAL_REF, one_match
from hoso.fhir.operations import OperationRegistry
from hoso.fhir.repository import Repository, iter_references

__all__ = ["BundleLimits", "process_bundle"]

log = logging.getLogger(__name__)

_KINDS = {"batch": "batch-response", "transaction": "transaction-response"}
_URNS = ("urn:uuid:", "urn:oid:")


@dataclass(frozen=True, slots=True)
class BundleLimits:
    """How much one Bundle may ask for (`Settings.max_bundle_entries`, …): past them it
    is refused with 413 before any entry runs."""

    max_entries: int = 1000
    max_patch_operations: int = 1000


def process_bundle(
    repo: Repository,
    bundle: Any,
    *,
    base_url: str,
    return_preference: str = "minimal",
    limits: BundleLimits = BundleLimits(),
    operations: OperationRegistry | None = None,
) -> dict[str, Any]:
    """Process a `batch` or `transaction` Bundle into its response Bundle; entries keep
    their order. `return_preference` is `Prefer: return` for the written entries;
    `operations` serves `$op` entries (without it they are refused)."""
    kind = _check_bundle(bundle, limits.max_entries)
    raw = bundle.get("entry") or []
    ops = limits.max_patch_operations
    if kind == "transaction":
        entries = [parse_entry(i, item, base_url, ops) for i, item in enumerate(raw)]
        responses = _transaction(repo, entries, base_url, return_preference, operations)
    else:
        responses = _batch(repo, raw, base_url, return_preference, ops, operations)
    return {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": _KINDS[kind],
            "entry": responses}


def _check_bundle(bundle: Any, max_entries: int) -> str:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InvalidRequest("Nội dung phải là một Bundle / Body must be a Bundle",
                             expression=["resourceType"])
    kind = bundle.get("type")
    if not isinstance(kind, str) or kind not in _KINDS:
        raise InvalidRequest(
            f"Bundle.type phải là batch hoặc transaction, không phải '{kind}' / "
            f"Bundle.type must be batch or transaction, not '{kind}'", expression=["Bundle.type"])
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise InvalidRequest("Bundle.entry phải là một mảng / Bundle.entry must be an array",
                             expression=["Bundle.entry"])
    if len(entries) > max_entries:
        raise PayloadTooLarge(
            f"Bundle có {len(entries)} mục, vượt giới hạn {max_entries}; hãy chia nhỏ / The "
            f"Bundle has {len(entries)} entries, over the limit of {max_entries}; split it",
            expression=["Bundle.entry"])
    return kind


# -- transaction -------------------------------------------------------------------------
def _transaction(
    repo: Repository, entries: list[Entry], base_url: str, prefer: str,
    operations: OperationRegistry | None,
) -> list[dict[str, Any]]:  # fmt: skip
    seen: dict[str, Entry] = {}
    for entry in entries:
        if entry.full_url and entry.full_url in seen:
            raise invalid(f"{entry.path}.fullUrl", f"trùng với {seen[entry.full_url].path}",
                          f"repeats {seen[entry.full_url].path}")
        if entry.full_url:
            seen[entry.full_url] = entry
    try:
        with repo.unit_of_work() as uow:
            responses = _Transaction(uow, entries, base_url, prefer, operations).run()
    except FhirError as exc:
        if getattr(exc, "bundle_entry", None) is None:  # raised as the unit ended
            _blame_references(exc, entries)
        raise
    return [responses[e.index] for e in entries]


class _Transaction:
    """The entries of one transaction in spec order, sharing the resolved placeholders."""

    def __init__(self, uow: Repository, entries: list[Entry], base_url: str, prefer: str,
                 operations: OperationRegistry | None):  # fmt: skip
        self.uow, self.entries, self.base_url, self.prefer = uow, entries, base_url, prefer
        self.operations = operations
        self.mapping: dict[str, str] = {}  # placeholder → Type/id
        self.producers: dict[str, Entry] = {}
        self.touched: set[str] = set()
        self.responses: dict[int, dict[str, Any]] = {}
        for entry in entries:
            for ph in _placeholders(entry, base_url):
                self.producers[ph] = entry
                if entry.method in ("PUT", "PATCH") and not entry.query:
                    self.mapping[ph] = "/".join(entry.segments[:2])  # known before it runs

    def run(self) -> dict[int, dict[str, Any]]:
        """DELETE, then POST, then PUT/PATCH (an entry waits for the entries whose
        placeholders it uses), then GET/HEAD."""
        for entry in self._with("DELETE"):
            self._run(entry)
        pending = [*self._with("POST"), *self._with("PUT", "PATCH")]
        uses = {e.index: _mentions(e, self.producers) for e in pending}
        while pending:
            ready = [e for e in pending if all(
                ph in self.mapping or self.producers[ph] is e for ph in uses[e.index])]
            if not ready:
                self._break_cycle(pending)
                continue
            # Prefer an entry whose conditional references no pending write could satisfy.
            entry = next((e for e in ready if not _waits_for_type(e, pending)), ready[0])
            pending.remove(entry)
            self._run(entry)
        for entry in self._with("GET", "HEAD"):
            self._run(entry)
        return self.responses

    def _with(self, *methods: str) -> list[Entry]:
        return [e for e in self.entries if e.method in methods]

    def _run(self, entry: Entry) -> None:
        try:
            _prepare(self.uow, entry, self.mapping, self.base_url)
            self.responses[entry.index] = execute(self.uow, entry, self.base_url, self.prefer,
                                                  self.operations)  # fmt: skip
            self._check_overlap(entry)
        except FhirError as exc:
            raise _blame(exc, entry) from None
        if entry.identity:
            for ph in _placeholders(entry, self.base_url):
                self.mapping.setdefault(ph, entry.identity)

    def _check_overlap(self, entry: Entry) -> None:
        """R4: two DELETE/PUT/PATCH entries may not change the same resource."""
        if entry.method in ("DELETE", "PUT", "PATCH") and entry.identity:
            if entry.identity in self.touched:
                raise InvalidRequest(f"{entry.identity} bị thay đổi bởi nhiều mục / "
                                     f"{entry.identity} is changed by more than one entry")
            self.touched.add(entry.identity)

    def _break_cycle(self, pending: list[Entry]) -> None:
        """Entries that reference each other: the first plain POST gets its id now."""
        for entry in pending:
            if entry.method == "POST" and not entry.if_none_exist and not entry.preassigned_id:
                entry.preassigned_id = str(uuid.uuid4())
                for ph in _placeholders(entry, self.base_url):
                    self.mapping[ph] = f"{entry.resource_type}/{entry.preassigned_id}"
                return
        raise InvalidRequest(
            "Các mục tham chiếu vòng tròn không giải được / Entries reference each other "
            "in a cycle that cannot be resolved", expression=[e.path for e in pending])


def _waits_for_type(entry: Entry, pending: list[Entry]) -> bool:
    wanted = {m.group(1) for ref in _references(entry.resource)
              if (m := CONDITIONAL_REF.match(ref))}
    return any(o is not entry and o.method != "PATCH" and o.resource_type in wanted
               for o in pending)


def _blame(exc: FhirError, entry: Entry) -> FhirError:
    """Name the entry in every issue: `Bundle.entry[i]`, then the element inside it."""
    rtype = (entry.resource or {}).get("resourceType")

    def qualify(expression: str) -> str:
        if rtype and (expression == rtype or expression.startswith(f"{rtype}.")):
            return f"{entry.path}.resource{expression[len(rtype):]}"
        return expression

    exc.issues = [
        Issue(i.severity, i.code, f"{entry.path}: {i.diagnostics}",
              (entry.path, *(qualify(e) for e in i.expression if e != entry.path)))
        for i in exc.issues
    ]
    exc.bundle_entry = entry.index  # type: ignore[attr-defined]
    return exc


def _blame_references(exc: FhirError, entries: list[Entry]) -> None:
    """References are verified when the unit ends; find the entry holding the first one."""
    for entry in entries:
        if entry.written is None:
            continue
        refs = list(iter_references(entry.written, entry.written["resourceType"]))
        if any(path in issue.expression and ref in issue.diagnostics
               for issue in exc.issues for path, ref in refs):
            _blame(exc, entry)
            return


# -- batch -------------------------------------------------------------------------------
def _batch(repo: Repository, raw: list[Any], base_url: str, prefer: str, max_patch_operations: int,
           operations: OperationRegistry | None) -> list[dict[str, Any]]:  # fmt: skip
    """Each entry alone, in its own unit of work; entries may not reference each other."""
    parsed: list[Entry | FhirError] = []
    for i, item in enumerate(raw):
        try:
            parsed.append(parse_entry(i, item, base_url, max_patch_operations))
        except FhirError as exc:
            parsed.append(exc)
    full_urls = {e.full_url: e for e in parsed if isinstance(e, Entry) and e.full_url}
    responses: list[dict[str, Any]] = []
    for entry in parsed:
        if isinstance(entry, FhirError):
            responses.append(response_entry(entry.http_status, issues=entry.issues))
            continue
        try:
            others = [u for u, e in full_urls.items() if e is not entry]
            if used := sorted(_mentions(entry, others)):
                raise invalid(entry.path, f"mục batch không được tham chiếu mục khác {used}, "
                              "hãy dùng transaction", f"batch entries may not reference "
                              f"each other {used}, use a transaction")
            _prepare(repo, entry, {}, base_url)
            responses.append(execute(repo, entry, base_url, prefer, operations))
        except FhirError as exc:
            responses.append(response_entry(exc.http_status, issues=exc.issues))
        except Exception:  # one entry's bug must not lose the other entries' results
            log.exception("batch entry %d failed", entry.index)
            responses.append(response_entry(500, issues=[Issue(
                "error", "exception", "Lỗi máy chủ / Internal server error", (entry.path,))]))
    return responses


# -- placeholders and conditional references --------------------------------------------
def _placeholders(entry: Entry, base_url: str) -> list[str]:
    """Names other entries may use for this entry's resource before it has an id: any
    POST fullUrl (an absolute one on this server also by its relative form), and a
    urn fullUrl of a PUT or PATCH (https://hl7.org/fhir/R4/bundle.html#references)."""
    url = entry.full_url
    if not url or entry.method not in ("POST", "PUT", "PATCH"):
        return []
    if entry.method != "POST" and not url.startswith(_URNS):
        return []
    base = base_url.rstrip("/") + "/"
    return [url, url[len(base):]] if url.startswith(base) else [url]


def _references(node: Any) -> Iterator[str]:
    """Every `reference` string, contained resources included."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def _query_values(query: str) -> set[str]:
    return {v for _k, value in parse_qsl(query, keep_blank_values=True) for v in value.split(",")}


def _mentions(entry: Entry, names: Iterable[str]) -> set[str]:
    """Which of `names` the entry's resource references or its URL/ifNoneExist uses."""
    used = set(_references(entry.resource)) | _query_values(entry.query)
    used |= _query_values(entry.if_none_exist or "")
    return {name for name in names if name in used}


def _rewrite(node: Any, mapping: dict[str, str], base: str) -> Any:
    """A copy with references, and narrative links, to placeholders replaced; absolute
    references to this server become relative."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                value = value[len(base):] if value.startswith(base) else value
                out[key] = mapping.get(value, value)
            elif key == "div" and isinstance(value, str):
                for ph, target in mapping.items():
                    value = value.replace(f'"{ph}"', f'"{target}"')
                out[key] = value
            else:
                out[key] = _rewrite(value, mapping, base)
        return out
    if isinstance(node, list):
        return [_rewrite(item, mapping, base) for item in node]
    return node


def _rewrite_query(query: str, mapping: dict[str, str]) -> str:
    """Replace placeholder search values (`subject=urn:uuid:…`) with `Type/id`."""
    pairs = []
    for pair in query.split("&") if query else []:
        key, eq, value = pair.partition("=")
        values = [quote(mapping[unquote_plus(v)], safe="/") if unquote_plus(v) in mapping else v
                  for v in value.split(",")]
        pairs.append(key + eq + ",".join(values))
    return "&".join(pairs)


def _prepare(repo: Repository, entry: Entry, mapping: dict[str, str], base_url: str) -> None:
    """Resolve placeholders and conditional references (exactly one match) in the
    entry's resource, URL and ifNoneExist (https://hl7.org/fhir/R4/http.html#trules)."""
    local = dict(mapping)
    for ref in set(_references(entry.resource)):
        if match := CONDITIONAL_REF.match(ref):
            found = one_match(repo, match.group(1), match.group(2))
            if found is None:
                raise ResourceNotFound(
                    f"Tham chiếu có điều kiện '{ref}' không khớp tài nguyên nào / "
                    f"Conditional reference '{ref}' matched no resource")
            local[ref] = f"{match.group(1)}/{found}"
    if entry.resource is not None:
        entry.resource = _rewrite(entry.resource, local, base_url.rstrip("/") + "/")
        dangling = sorted({r for r in _references(entry.resource) if r.startswith(_URNS)})
        if dangling:
            raise invalid(f"{entry.path}.resource", f"tham chiếu {dangling} không có trong "
                          "Bundle", f"references {dangling} are not in the Bundle")
    if entry.query:
        entry.url = entry.url.partition("?")[0] + "?" + _rewrite_query(entry.query, mapping)
    if entry.if_none_exist:
        entry.if_none_exist = _rewrite_query(entry.if_none_exist, mapping)
