"""`hoso tracing close` and `hoso tracing snapshot`: the daily jobs of contact tracing
(issue 18 point 5) on the server's machine, as the operator, audited. Registered on the
main app by `hoso.cli`.

- `close [--today YYYY-MM-DD]`: close the follow-ups that are over — became-case,
  completed, or lost after the grace period (docs/contact-tracing.md);
- `snapshot --disease CODE [--as-of DAY] [--refresh]`: compute (or find cached) the
  chains of a disease as of a day and print their totals; also runs a snapshot an
  API request queued whose server stopped before computing it (`--run ID`).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store
from hoso.core.errors import FhirError
from hoso.core.vi_format import vi_number

tracing_app = typer.Typer(help="Truy vết tiếp xúc / Contact tracing", no_args_is_help=True)


@tracing_app.command("close")
def close(today: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
          database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Đóng các theo dõi đã hết hạn / Close the follow-ups that are over."""
    from hoso.api.publichealth_tracing_routes import facades_of

    store = open_store(database_url)
    try:
        tracing, _chains = facades_of(SimpleNamespace(store=store))
        with as_operator(store) as repo:
            counts = tracing.close_due(repo, today)
    except FhirError as exc:
        fail(exc.message, code=2)
    finally:
        store.engine.dispose()
    typer.echo(" · ".join(f"{k}: {vi_number(v)}" for k, v in counts.items()))


@tracing_app.command("snapshot")
def snapshot(disease: Annotated[str, typer.Option(help="mã bệnh / disease code")],
             as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD")] = None,
             refresh: bool = False,
             run: Annotated[int | None, typer.Option("--run", help="a queued snapshot")] = None,
             database_url: DatabaseUrl = None) -> None:  # fmt: skip
    """Tính chuỗi lây nhiễm / Compute the infection chains of a disease as of a day."""
    from hoso.api.publichealth_tracing_routes import facades_of

    store = open_store(database_url)
    try:
        _tracing, chains = facades_of(SimpleNamespace(store=store))
        with as_operator(store) as repo:
            if run is None:
                body = {"disease": disease, "refresh": refresh}
                if as_of:
                    body["as_of"] = as_of
                found, _cached = chains.request(repo, body)
                run = found.id
            chains.run(run)
            status = chains.status(repo, run, limit=5)
    except FhirError as exc:
        fail(exc.message, code=2)
    finally:
        store.engine.dispose()
    typer.echo(f"Ảnh chụp / snapshot {status['id']}: {status['status']}")
    for key, value in (status.get("totals") or {}).items():
        typer.echo(f"  {key}: {vi_number(value)}")
