"""School eye health (refractive error), issue 19 point 3: visual acuity read in any
notation and kept as logMAR, refraction and its spherical equivalent, pass/fail and
myopia by criteria shipped as data with their sources, the programme's assessment, and
class rosters read from CSV (docs/programmes-eyes.md)."""

from hoso.programmes.eyes.acuity import Acuity, AcuityError, parse_acuity
from hoso.programmes.eyes.criteria import Criteria, load_criteria, packaged_criteria
from hoso.programmes.eyes.programme import SCHOOL_EYE, SchoolEye, school_eye_rule
from hoso.programmes.eyes.refraction import Refraction, RefractionError, parse_refraction
from hoso.programmes.eyes.screening import EYE_SYSTEM, Result, parse_result, result_observations

__all__ = ["EYE_SYSTEM", "SCHOOL_EYE", "Acuity", "AcuityError", "Criteria", "Refraction",
           "RefractionError", "Result", "SchoolEye", "load_criteria", "packaged_criteria",
           "parse_acuity", "parse_refraction", "parse_result", "result_observations",
           "school_eye_rule"]  # fmt: skip
