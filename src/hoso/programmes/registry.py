"""Every programme the framework assesses (issue 19). The lead's file; one line each."""

from hoso.programmes.eyes.programme import SCHOOL_EYE

PROGRAMMES = (SCHOOL_EYE,)
