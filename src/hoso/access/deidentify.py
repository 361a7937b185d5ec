"""De-identified views for public-health officers.

In an officer's view, everything outside the records of persons of the cases linked to
them and their contacts (the case link, `hoso.access.publichealth_cases`)
is shown under pseudonyms: a keyed hash of the id (`pseudonym`), the same for one id
under one key, so one resident (or encounter, or facility) keeps one pseudonym across
requests, processes and restarts.

- a Patient keeps only gender, birth year and the administrative area of its address;
- any other resource of a person's record loses narrative, identifiers, notes and the
  display text of its references (`deidentify`);
- a resource in no one's record (Organization, Practitioner, Location…) keeps what it
  says, as before (`pseudonymise`);
- in all of them the resource's own id and every `reference`, wherever it is, become
  pseudonyms: the real id of a resource never reaches the officer, and a reference
  followed inside the view reads the resource it names (`hoso.access.reads` resolves
  a pseudonym back to the id; `PseudonymBook` remembers the ones handed out);
- a case-report person's record is shown as stored, except that a reference to what
  the view shows under a pseudonym is written with that pseudonym (`with_references`).

Officers' searches may not filter on what would re-identify a person; they may name a
resource by its pseudonym (`_id`, reference parameters), which is translated back.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from hoso.core.errors import Forbidden
from hoso.fhir.searchparams import get_search_param

__all__ = [
    "BOOK", "PseudonymBook", "check_deidentified_search", "deidentify", "is_pseudonym",
    "key_fingerprint",
    "literal_references", "pseudonym", "pseudonymise", "with_real_ids", "with_references",
]  # fmt: skip

_DROP = {"text", "identifier", "note", "contained", "photo", "telecom", "name", "contact"}
_ADDRESS_KEEP = ("district", "city", "state", "country")
_PATIENT_FORBIDDEN = {"identifier", "telecom", "phone", "email", "birthdate", "address"}
_ALWAYS_FORBIDDEN = {"_id", "_text", "_content", "_filter", "_query"}
_PSEUDONYM = re.compile(r"anon-[0-9a-f]{20}")
# A literal reference: [base URL/]Type/id[/_history/version] (FHIR id: 1–64 of A-Za-z0-9-.).
_LITERAL = re.compile(r"(?P<base>(?:[a-z][a-z0-9+.-]*://[^?#]*/)?)(?P<type>[A-Z][A-Za-z]{1,63})/"
                      r"(?P<id>[A-Za-z0-9.-]{1,64})(?P<version>/_history/[A-Za-z0-9.-]{1,64})?")
# Whether a (type, id) the view names is shown as stored (a case-report person's record).
Identified = Callable[[str, str], bool]


def pseudonym(resource_id: str, key: bytes) -> str:
    return "anon-" + hmac.new(key, resource_id.encode(), hashlib.sha256).hexdigest()[:20]


def is_pseudonym(value: str) -> bool:
    return bool(_PSEUDONYM.fullmatch(value))


class PseudonymBook:
    """The pseudonyms this process handed out, so that reading one back is a look-up;
    bounded (the oldest forgotten first). Each is also queued once for the store's
    pseudonym index (`unsaved`), which answers for every process and after a restart."""

    def __init__(self, size: int = 100_000) -> None:
        self._size = size
        self._ids: OrderedDict[tuple[bytes, str, str], str] = OrderedDict()
        self._unsaved: dict[bytes, dict[tuple[str, str], str]] = {}
        self._lock = threading.Lock()

    def name(self, key: bytes, resource_type: str, resource_id: str) -> str:
        """The pseudonym of `resource_type/resource_id`, remembered."""
        alias = pseudonym(resource_id, key)
        self.learn(key, resource_type, alias, resource_id, save=True)
        return alias

    def learn(self, key: bytes, resource_type: str, alias: str, resource_id: str, *,
              save: bool = False) -> None:  # fmt: skip
        entry = (_fingerprint(key), resource_type, alias)
        with self._lock:
            if entry not in self._ids and save:
                self._unsaved.setdefault(entry[0], {})[(resource_type, alias)] = resource_id
            self._ids[entry] = resource_id
            self._ids.move_to_end(entry)
            while len(self._ids) > self._size:
                self._ids.popitem(last=False)

    def recall(self, key: bytes, resource_type: str, alias: str) -> str | None:
        with self._lock:
            return self._ids.get((_fingerprint(key), resource_type, alias))

    def unsaved(self, key: bytes) -> list[tuple[str, str, str, str]]:
        """The rows for the pseudonym index not yet written under `key`, taken."""
        fingerprint = _fingerprint(key)
        with self._lock:
            taken = self._unsaved.pop(fingerprint, {})
        return [(fingerprint.hex(), t, alias, rid) for (t, alias), rid in taken.items()]


def key_fingerprint(key: bytes) -> str:
    return _fingerprint(key).hex()


def _fingerprint(key: bytes) -> bytes:
    # The book is shared by every repository of the process: pseudonyms under one key
    # never answer for another (tests and tools run several keys).
    return hashlib.blake2b(key, digest_size=16).digest()


BOOK = PseudonymBook()


def literal_references(resource: dict[str, Any]) -> set[tuple[str, str]]:
    """(type, id) of every literal reference anywhere in `resource`."""
    found: set[tuple[str, str]] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for name, value in node.items():
                match = _LITERAL.fullmatch(value) if name == "reference" and isinstance(
                    value, str) else None  # fmt: skip
                if match:
                    found.add((match["type"], match["id"]))
                else:
                    walk(value)

    walk(resource)
    return found


def _renamed(reference: str, key: bytes, identified: Identified | None) -> str | None:
    """A reference as the view writes it: its target's pseudonym (unless `identified`
    says the target is shown as stored); None for a form that names a resource but is
    not a literal reference this view can rename (a urn:uuid), which is dropped."""
    if reference.startswith("#"):
        return reference  # a contained resource: a local name, no id
    match = _LITERAL.fullmatch(reference)
    if match is None:
        return reference if identified is not None else None
    if identified is not None and identified(match["type"], match["id"]):
        return reference
    alias = BOOK.name(key, match["type"], match["id"])
    return f"{match['base']}{match['type']}/{alias}{match['version'] or ''}"


def deidentify(resource: dict[str, Any], key: bytes) -> dict[str, Any]:
    """A resource of a person's record (not named in a case report), de-identified."""
    if resource.get("resourceType") == "Patient":
        return _patient(resource, key)
    out = _walk(resource, key, scrub=True)
    out["id"] = BOOK.name(key, resource["resourceType"], resource["id"])
    return out


def pseudonymise(resource: dict[str, Any], key: bytes) -> dict[str, Any]:
    """A resource in no one's record: what it says, with its id and references renamed."""
    out = _walk(resource, key, scrub=False)
    out["id"] = BOOK.name(key, resource["resourceType"], resource["id"])
    return out


def with_references(resource: dict[str, Any], key: bytes, identified: Identified
                    ) -> dict[str, Any]:  # fmt: skip
    """A case-report person's resource, as stored but for its references to what the
    view shows under pseudonyms."""
    out: dict[str, Any] = _walk(resource, key, scrub=False, identified=identified)
    return out


def _patient(patient: dict[str, Any], key: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Patient",
                           "id": BOOK.name(key, "Patient", patient["id"])}  # fmt: skip
    if "gender" in patient:
        out["gender"] = patient["gender"]
    if isinstance(patient.get("birthDate"), str):
        out["birthDate"] = patient["birthDate"][:4]
    if patient.get("deceasedBoolean") or patient.get("deceasedDateTime"):
        out["deceasedBoolean"] = True
    areas = [
        {k: a[k] for k in _ADDRESS_KEEP if k in a}
        for a in patient.get("address") or []
        if isinstance(a, dict)
    ]
    if any(areas):
        out["address"] = [a for a in areas if a]
    out["meta"] = {"security": [_ANONYMIZED]}
    return out


_ANONYMIZED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "ANONYED",
    "display": "anonymized",
}


def _walk(node: Any, key: bytes, *, scrub: bool, identified: Identified | None = None) -> Any:
    if isinstance(node, list):
        return [_walk(item, key, scrub=scrub, identified=identified) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for name, value in node.items():
        if scrub and name in _DROP:
            continue
        if name == "reference" and isinstance(value, str):
            renamed = _renamed(value, key, identified)
            if renamed is not None:
                out[name] = renamed
        elif scrub and name == "display" and "reference" in node:
            continue
        elif scrub and name == "meta" and isinstance(value, dict):
            meta = {k: v for k, v in value.items() if k in ("versionId", "lastUpdated", "security")}
            meta["security"] = [*meta.get("security", []), _ANONYMIZED]
            out[name] = meta
        else:
            out[name] = _walk(value, key, scrub=scrub, identified=identified)
    return out


# -- searches ---------------------------------------------------------------------------
def _reference_ids(value: str) -> list[str]:
    """The id part of each comma-separated value of a reference parameter."""
    return [v.split("/_history/")[0].rstrip("/").rsplit("/", 1)[-1] for v in value.split(",")]


def _names_by_pseudonym(code: str, name: str, value: str, param: Any) -> bool:
    """`_id`, or a reference parameter (not chained), whose every value is a pseudonym:
    the officer names a resource of the view the way the view named it."""
    if code == "_id":
        return all(is_pseudonym(v) for v in value.split(","))
    return (param is not None and param.type == "reference" and "." not in name
            and all(is_pseudonym(i) for i in _reference_ids(value)))  # fmt: skip


def check_deidentified_search(resource_type: str | None, params: list[tuple[str, str]]) -> None:
    """Refuse search parameters that would let a de-identified view name a person."""
    for name, value in params:
        code = name.split(":")[0]
        param = get_search_param(resource_type, code) if resource_type else None
        if _names_by_pseudonym(code, name, value, param):
            continue
        if code.startswith("_") and code not in _ALWAYS_FORBIDDEN:
            continue
        identifying = (
            code in _ALWAYS_FORBIDDEN
            or "." in name
            or (resource_type == "Patient" and code in _PATIENT_FORBIDDEN)
            or (param is not None and param.type == "string")
            or (param is not None and param.type == "reference" and "Patient/" in value)
            or (param is not None and param.type == "reference" and code in ("patient", "subject"))
        )
        if identifying:
            raise Forbidden(
                f"Tham số '{name}' có thể định danh người bệnh, không dùng được với dữ liệu "
                f"đã khử định danh / Parameter '{name}' could identify a person and is not "
                "allowed on de-identified data",
                expression=[name],
            )


# (type, pseudonym) → the id it names in this view, or None
Resolve = Callable[[str, str], str | None]


def with_real_ids(resource_type: str | None, params: list[tuple[str, str]], resolve: Resolve
                  ) -> list[tuple[str, str]]:  # fmt: skip
    """`params` with every pseudonym (in `_id` and reference parameters) replaced by the
    id it names; one that names nothing is left as it is, and matches nothing."""
    out = []
    for name, value in params:
        code, _, modifier = name.partition(":")
        param = get_search_param(resource_type, code) if resource_type else None
        if code == "_id" and resource_type:
            value = ",".join(_real(v, (resource_type,), resolve) for v in value.split(","))
        elif param is not None and param.type == "reference" and "." not in name:
            value = ",".join(_real_reference(v, modifier, param.targets, resolve)
                             for v in value.split(","))  # fmt: skip
        out.append((name, value))
    return out


def _real(value: str, types: tuple[str, ...], resolve: Resolve) -> str:
    if not is_pseudonym(value):
        return value
    return next((found for t in types if (found := resolve(t, value)) is not None), value)


def _real_reference(value: str, modifier: str, targets: tuple[str, ...], resolve: Resolve
                    ) -> str:  # fmt: skip
    """`Type/anon-…`, or a bare `anon-…` of the modifier's type or any target type."""
    match = _LITERAL.fullmatch(value)
    if match is not None:
        real = _real(match["id"], (match["type"],), resolve)
        return f"{match['base']}{match['type']}/{real}{match['version'] or ''}"
    return _real(value, (modifier,) if modifier[:1].isupper() else targets, resolve)
