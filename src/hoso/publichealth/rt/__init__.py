"""R_t, the time-varying reproduction number, by the method of Cori et al. (2013),
identical to R's EpiEstim 2.2-4 `estimate_R` (methods `parametric_si` and
`non_parametric_si`) and `discr_si`. See docs/rt.md.

- `estimate_r`: EpiEstim's `estimate_R`;
- `discr_si`: EpiEstim's discretised gamma serial interval;
- `daily_rt`: R_t for a disease in a district from daily counts (the case registry);
- `read_incidence_csv`, `read_si_distr_csv`, `write_estimate_csv`: the CLI's files.
"""

from hoso.publichealth.rt.cori import R_COLUMNS, RtEstimate, RWindow, estimate_r
from hoso.publichealth.rt.csv_format import (
    OUTPUT_COLUMNS,
    read_incidence_csv,
    read_si_distr_csv,
    write_estimate_csv,
)
from hoso.publichealth.rt.daily import SerialInterval, daily_rt
from hoso.publichealth.rt.errors import RtInputError
from hoso.publichealth.rt.incidence import Incidence, incidence_from_series
from hoso.publichealth.rt.serial_interval import discr_si

__all__ = [
    "OUTPUT_COLUMNS",
    "R_COLUMNS",
    "Incidence",
    "RWindow",
    "RtEstimate",
    "RtInputError",
    "SerialInterval",
    "daily_rt",
    "discr_si",
    "estimate_r",
    "incidence_from_series",
    "read_incidence_csv",
    "read_si_distr_csv",
    "write_estimate_csv",
]
