"""Every community programme, in the order they are assessed (issue 19)."""

from hoso.programmes.chronic import DIABETES, HYPERTENSION
from hoso.programmes.elderly import ELDERLY

PROGRAMMES = (ELDERLY, HYPERTENSION, DIABETES)
