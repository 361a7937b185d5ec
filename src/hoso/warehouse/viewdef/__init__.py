"""SQL on FHIR v2 ViewDefinitions (https://sql-on-fhir.org/ig/latest/)."""

from __future__ import annotations

__all__ = ["ViewError"]


class ViewError(ValueError):
    """A ViewDefinition that is not valid: the message names what is wrong and where
    (e.g. `select[0].column[1].path`), in Vietnamese first, then English."""
