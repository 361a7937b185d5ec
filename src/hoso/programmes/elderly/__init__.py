"""The programme for older people (≥ 60): WHO ICOPE screening and step 2 assessments,
the yearly health check, and the register of dependent and bedridden people for home
visits (issue 19; docs/programmes-elderly-chronic.md)."""

from hoso.programmes.elderly.programme import ELDERLY, ElderlyProgramme

__all__ = ["ELDERLY", "ElderlyProgramme"]
