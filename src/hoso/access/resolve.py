"""From verified claims to a `Principal`: the facility's Organization and a guardian's
children, looked up in the store (unfiltered and unaudited: this is the policy's own
input, not a caller's read) and kept for a minute, so a request costs no lookups in the
steady state."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

from hoso.access import claims as roles
from hoso.access.claims import AccessClaims
from hoso.access.principal import Principal
from hoso.access.scopes import ScopeSet
from hoso.core import jsonx
from hoso.core.errors import FhirError
from hoso.core.settings import Settings
from hoso.fhir.store import Session, Store

# v3 RoleCode relationships that make a RelatedPerson a child's legal representative.
GUARDIAN_CODES = frozenset({"MTH", "FTH", "PRN", "NMTH", "NFTH", "GUARD", "STPPRN", "ADOPTP"})
ADULT_AGE = 18
CACHE_SECONDS = 60.0


class PrincipalResolver:
    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._settings = settings
        self._cache: dict[tuple[str, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def resolve(self, claims: AccessClaims, source_ip: str | None = None) -> Principal:
        orgs: tuple[str, ...] = ()
        if claims.facility:
            orgs = self._cached(("org", claims.facility), lambda: self._orgs(claims.facility))
        patients: frozenset[str] = frozenset()
        if claims.patient:
            patients = frozenset({claims.patient})
            if claims.role == roles.RESIDENT:
                patients |= self._cached(
                    ("children", claims.patient), lambda: self._children(claims.patient)
                )
        return Principal(
            claims=claims,
            scopes=ScopeSet.parse(claims.scopes),
            facility_orgs=orgs,
            patients=patients,
            source_ip=source_ip,
        )

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()

    def _cached(self, key: tuple[str, ...], load: Any) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        value = load()
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (now + CACHE_SECONDS, value)
        return value

    def _orgs(self, code: str | None) -> tuple[str, ...]:
        with self._store.unit_of_work(write=False) as s:
            page = s.search("Organization", [
                ("identifier", f"{self._settings.facility_system}|{code}"), ("_total", "none")])
        return tuple(f"Organization/{hit.id}" for hit in page.matches)

    def _children(self, patient_id: str | None) -> frozenset[str]:
        """Minors whose RelatedPerson (parent, guardian) carries this resident's CCCD."""
        with self._store.unit_of_work(write=False) as s:
            return self._children_in(s, patient_id)

    def _children_in(self, s: Session, patient_id: str | None) -> frozenset[str]:
        try:
            me = jsonx.loads(s.read("Patient", str(patient_id)).content)
        except FhirError:
            return frozenset()
        system = self._settings.cccd_system
        cccds = [
            i["value"]
            for i in me.get("identifier") or []
            if i.get("system") == system and i.get("value")
        ]
        children = set()
        for cccd in cccds:
            page = s.search(
                "RelatedPerson", [("identifier", f"{system}|{cccd}"), ("_count", "50")]
            )
            for hit in page.matches:
                person = jsonx.loads(hit.content)
                child = (person.get("patient") or {}).get("reference", "")
                if person.get("active") is False or not child.startswith("Patient/"):
                    continue
                if _guardian(person) and _minor(s, child.split("/", 1)[1]):
                    children.add(child.split("/", 1)[1])
        return frozenset(children)

def _guardian(person: dict[str, Any]) -> bool:
    return any(
        coding.get("code") in GUARDIAN_CODES
        for concept in person.get("relationship") or []
        for coding in concept.get("coding") or []
    )


def _minor(s: Session, patient_id: str) -> bool:
    try:
        child = jsonx.loads(s.read("Patient", patient_id).content)
    except FhirError:
        return False
    born = child.get("birthDate")
    if not isinstance(born, str) or len(born) < 4:
        return False
    year, month, day = (int(x) for x in (born + "-12-31")[:10].split("-"))
    today = date.today()
    age = today.year - year - ((today.month, today.day) < (month, day))
    return age < ADULT_AGE
