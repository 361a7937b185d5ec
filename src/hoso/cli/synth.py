"""`hoso synth`: write a synthetic HCMC population as FHIR NDJSON (see `hoso.synth`)."""

# ruff: noqa: B008 - Typer reads its options from the parameter defaults here.

from __future__ import annotations

from pathlib import Path

import typer

from hoso.cli.options import fail


def synth(
    people: int = typer.Option(1000, "--people", help="Số người dân / number of residents"),
    seed: int = typer.Option(1, "--seed", help="Hạt giống ngẫu nhiên / random seed"),
    out: Path = typer.Option(
        ..., "--out", help="Thư mục ghi NDJSON / output directory for the NDJSON files"
    ),
    faults: str = typer.Option(
        "",
        "--faults",
        help="Lỗi cố ý, tỷ lệ theo người / injected faults, rate per person, e.g. "
        "typo=0.02,swap-dmy=0.005,missing-cccd=0.01,duplicate=0.01",
    ),
) -> None:
    """Sinh dân số tổng hợp TP.HCM / Generate a synthetic HCMC population (FHIR R4 NDJSON)."""
    from hoso.synth import generate, parse_faults

    try:
        rates = parse_faults(faults)
    except ValueError as exc:
        fail(f"--faults: {exc}")
    if not 1 <= people <= 1_000_000:
        fail(f"--people: số người dân phải từ 1 đến 1.000.000 / must be 1 to 1,000,000 ({people})")
    with typer.progressbar(length=people, label="Người dân / residents") as bar:
        done = 0

        def advance(now_done: int) -> None:
            nonlocal done
            bar.update(now_done - done)
            done = now_done

        report = generate(people, seed, out, rates, advance)
    for kind, n in report.counts.items():
        typer.echo(f"{kind}: {n}")
    typer.echo(
        f"Tổng / total: {report.total} tài nguyên / resources, "
        f"{report.per_person:.1f} mỗi người / per resident, "
        f"{report.seconds:.1f} s, {report.per_second:,.0f} tài nguyên/s / resources/s"
    )
    typer.echo(f"Thư mục / directory: {out}")
