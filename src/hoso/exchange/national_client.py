"""Talking to the national database's FHIR R4 API: a transaction Bundle in, and what
went wrong sorted into "try again later" and "refused".

- `Transient`: unreachable, timed out, 408/429/5xx, a token that cannot be had right
  now: nothing is known to be refused; the worker backs off and sends again.
- `Refused`: a 4xx answer to the Bundle: something in it is wrong and will be wrong
  again; the worker finds which change (`hoso.exchange.national_sync`) and parks it.

A Bundle whose answer never came (the worker was killed, the connection dropped after
sending) is "in doubt": before sending it again, `applied` asks the receiver which of
its entries it already holds at our version (`meta.source`), and those are dropped, so
a change arrives once even across a crash.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from hoso.core import jsonx
from hoso.exchange.national_bundle import Outgoing

__all__ = ["NationalClient", "Refused", "Transient"]

FHIR_JSON = "application/fhir+json"
# A token is renewed this long before it expires, so a batch never starts with one
# that runs out while it is sent.
TOKEN_MARGIN_SECONDS = 30


class Transient(Exception):
    """Try again later."""


class Refused(Exception):
    """The receiver refused the Bundle (HTTP 4xx); `text` is its OperationOutcome."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(f"HTTP {status}: {text[:500]}")
        self.status = status


class NationalClient:
    def __init__(self, fhir_base: str, token: Callable[[], tuple[str, int]], *,
                 timeout: float = 60.0, transport: httpx.BaseTransport | None = None
                 ) -> None:  # fmt: skip
        """`token()` gives (access token, seconds it lives), by SMART Backend Services."""
        self.fhir_base = fhir_base.rstrip("/")
        self._token_source = token
        self._token: tuple[str, float] | None = None
        self._http = httpx.Client(base_url=self.fhir_base + "/", timeout=timeout,
                                  transport=transport)  # fmt: skip

    def close(self) -> None:
        self._http.close()

    def _bearer(self, renew: bool = False) -> str:
        if renew or self._token is None or self._token[1] <= time.monotonic():
            try:
                value, lifetime = self._token_source()
            except Exception as exc:  # the token endpoint down, or refusing for now
                raise Transient(f"token: {exc}") from exc
            self._token = (value, time.monotonic() + max(lifetime - TOKEN_MARGIN_SECONDS, 1))
        return self._token[0]

    def post(self, bundle: dict[str, Any]) -> dict[str, Any]:
        """POST a transaction or batch Bundle to the base; its response Bundle."""
        body = jsonx.dumps(bundle)
        for attempt in (0, 1):
            headers = {"Authorization": f"Bearer {self._bearer(renew=attempt == 1)}",
                       "Content-Type": FHIR_JSON, "Accept": FHIR_JSON}  # fmt: skip
            try:
                answer = self._http.post("", content=body, headers=headers)
            except httpx.HTTPError as exc:
                raise Transient(f"{type(exc).__name__}: {exc}") from exc
            if answer.status_code != 401:
                break
        return _answer(answer)

    def applied(self, outgoing: list[Outgoing]) -> set[int]:
        """The positions among `outgoing` that the receiver already holds: a PUT whose
        resource there carries our `meta.source` for this version or a later one, a
        DELETE whose resource is no longer there."""
        asks = [o for o in outgoing if o.entry is not None]
        if not asks:
            return set()
        bundle = {"resourceType": "Bundle", "type": "batch", "entry": [
            {"request": {"method": "GET", "url": o.key.url()}} for o in asks]}
        answer = self.post(bundle)
        done: set[int] = set()
        for o, entry in zip(asks, answer.get("entry") or [], strict=False):
            found = _found(entry)
            there = not found if o.change.deleted else any(_holds(r, o) for r in found)
            if there:
                done.add(o.change.position)
        return done


def _answer(answer: httpx.Response) -> dict[str, Any]:
    status = answer.status_code
    if status in (408, 429) or status >= 500:
        raise Transient(f"HTTP {status}: {answer.text[:300]}")
    if status >= 400:
        raise Refused(status, answer.text)
    try:
        found = jsonx.loads(answer.content)
    except ValueError as exc:
        raise Transient(f"HTTP {status}: not JSON") from exc
    return found if isinstance(found, dict) else {}


def _found(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The resources a batch GET answered: a read's, or a search's matches."""
    if not str((entry.get("response") or {}).get("status", "")).startswith("200"):
        return []
    resource = entry.get("resource") or {}
    if resource.get("resourceType") == "Bundle":
        return [e.get("resource") or {} for e in resource.get("entry") or []]
    return [resource]


def _holds(resource: dict[str, Any], o: Outgoing) -> bool:
    source = str((resource.get("meta") or {}).get("source") or "")
    ours = str(o.entry["resource"]["meta"]["source"]) if o.entry else ""
    stem, _, version = ours.rpartition("/_history/")
    there_stem, _, there_version = source.rpartition("/_history/")
    return there_stem == stem and there_version.isdigit() and int(there_version) >= int(version)
