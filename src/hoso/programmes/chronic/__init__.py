"""Chronic-disease registers of the ward health station: hypertension and diabetes
(issue 19; docs/programmes-elderly-chronic.md)."""

from hoso.programmes.chronic.programme import DIABETES, HYPERTENSION, ChronicProgramme

__all__ = ["DIABETES", "HYPERTENSION", "ChronicProgramme"]
