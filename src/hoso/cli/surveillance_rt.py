"""`hoso surveillance rt`: R_t by the Cori method over an incidence CSV, identical to R's
EpiEstim 2.2-4 `estimate_R` (`hoso.publichealth.rt`, docs/rt.md).

    hoso surveillance rt --incidence INC.csv (--si-mean M --si-sd S | --si-distr SI.csv)
        [--window DAYS] [--mean-prior 5 --std-prior 5] --output OUT.csv

`--si-mean/--si-sd` run EpiEstim's `parametric_si`, `--si-distr` its
`non_parametric_si`. Without `--window`, EpiEstim's weekly sliding windows. The output
is EpiEstim's R table (t_start,t_end,Mean(R),…; NA as an empty cell); EpiEstim's
warnings go to stderr. Malformed input: a bilingual message and exit status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hoso.cli.options import fail


def _method_options(
    si_mean: float | None, si_sd: float | None, si_distr: Path | None
) -> dict[str, object]:
    """The method and its serial-interval arguments, from exactly one of the two ways."""
    from hoso.publichealth.rt import read_si_distr_csv

    parametric = si_mean is not None or si_sd is not None
    if parametric and si_distr is not None:
        fail(
            "Chỉ dùng một trong --si-mean/--si-sd hoặc --si-distr / use either "
            "--si-mean/--si-sd or --si-distr, not both"
        )
    if si_distr is not None:
        return {"method": "non_parametric_si", "si_distr": read_si_distr_csv(si_distr)}
    if si_mean is None or si_sd is None:
        fail(
            "Cần --si-mean và --si-sd, hoặc --si-distr / give --si-mean and --si-sd, or --si-distr"
        )
    return {"method": "parametric_si", "si_mean": si_mean, "si_sd": si_sd}


def _windows(window: int | None, days: int) -> dict[str, list[int]]:
    """Sliding windows of `window` days (t_start = 2 … T−window+1); none given, the
    estimate's own default (EpiEstim's weekly windows)."""
    from hoso.publichealth.rt.cori import sliding_windows

    if window is None:
        return {}
    if window < 2:
        fail("--window phải ≥ 2 ngày / --window must be at least 2 days")
    if window > days - 1:
        fail(
            f"--window {window} quá dài cho chuỗi {days} ngày (tối đa {days - 1}) / "
            f"--window {window} is too long for a {days}-day series (at most {days - 1})"
        )
    t_start, t_end = sliding_windows(days, window)
    return {"t_start": t_start, "t_end": t_end}


def rt(
    incidence: Annotated[
        Path, typer.Option(help="CSV dates,I hoặc dates,local,imported / incidence CSV")
    ],
    output: Annotated[Path, typer.Option(help="CSV kết quả / the R table written")],
    si_mean: Annotated[
        float | None, typer.Option(help="Trung bình khoảng nối tiếp (ngày) / SI mean")
    ] = None,
    si_sd: Annotated[
        float | None, typer.Option(help="Độ lệch chuẩn khoảng nối tiếp / SI std dev")
    ] = None,
    si_distr: Annotated[
        Path | None, typer.Option(help="CSV k,p: phân bố khoảng nối tiếp / SI distribution")
    ] = None,
    window: Annotated[
        int | None, typer.Option(help="Độ dài cửa sổ trượt (ngày) / sliding window, days")
    ] = None,
    mean_prior: Annotated[float, typer.Option(help="Trung bình tiên nghiệm / prior mean")] = 5,
    std_prior: Annotated[float, typer.Option(help="Độ lệch chuẩn tiên nghiệm / prior sd")] = 5,
) -> None:
    """Ước lượng R_t theo phương pháp Cori (EpiEstim) / Estimate R_t by the Cori method
    (EpiEstim's estimate_R)."""
    from hoso.publichealth.rt import (
        RtInputError,
        estimate_r,
        read_incidence_csv,
        write_estimate_csv,
    )

    try:
        method = _method_options(si_mean, si_sd, si_distr)
        incid = read_incidence_csv(incidence)
        windows = _windows(window, len(incid))
        estimate = estimate_r(
            incid, mean_prior=mean_prior, std_prior=std_prior, **method, **windows
        )
        write_estimate_csv(estimate, output)
    except RtInputError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"Không ghi được {output} / cannot write {output}: {exc}")
    for note in estimate.notes:
        typer.echo(f"EpiEstim: {note}", err=True)
