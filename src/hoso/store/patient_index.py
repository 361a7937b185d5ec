"""The hook through which the master patient index sees every Patient the store creates.

The store cannot import `hoso.identity` (it sits below it); the composition root hands
the store an object of this shape (`hoso.identity.mpi.online.OnlinePatientIndex`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from hoso.fhir.repository import WriteResult


class PatientIndex(Protocol):
    def create_patient(
        self, session: Any, resource: dict[str, Any], write: Callable[[dict[str, Any]], WriteResult]
    ) -> WriteResult:
        """Inside `session`'s transaction: return the matching resident's record
        (`matched_existing`), or `write(resource)` and note any possible matches."""
        ...
