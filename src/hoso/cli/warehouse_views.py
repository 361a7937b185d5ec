"""`hoso warehouse run-view VIEW.json --input RESOURCES.ndjson`: a SQL on FHIR v2
ViewDefinition run over FHIR resources the caller gives, rows printed as NDJSON.

No store access: the command reads the two files it is given (or stdin) and nothing
else — no resident's record is read from the store, so there is nothing to authorise or
audit; what the caller feeds in is the caller's. (The warehouse build runs views over the
store through the access layer; this command is for anyone's own views and files.)

Streaming: the resources are read one line at a time and each row is printed as soon as
it is made, so a file of millions of resources runs in constant memory.

Exit status 2, with a message on stderr naming what is wrong: the view file is missing,
not JSON, or not a valid ViewDefinition (the message names the JSON path, e.g.
`select[0].column[1].path`); a line of the input is not a JSON object, or longer than
64 MiB (the message names the line number); the view fails on a resource (a column
without `collection: true` meeting several values, a `where` that is not boolean: line
number and path). The run stops at the first such line: rows printed before it stay
printed, and the exit status says the output is incomplete. Blank lines are skipped.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import orjson
import typer

from hoso.warehouse.viewdef import ViewError

if TYPE_CHECKING:
    from hoso.warehouse.viewdef.runner import CompiledView

__all__ = ["run_view"]

MAX_VIEW_BYTES = 1 << 20  # a ViewDefinition is a page of JSON, not megabytes
MAX_LINE_BYTES = 64 << 20  # a Binary or a large Bundle-free resource fits


class InputError(Exception):
    """What is wrong with the input, as the message printed on stderr."""


def run_view(
    view: Annotated[Path, typer.Argument(help="Tệp ViewDefinition JSON / ViewDefinition file")],
    input: Annotated[
        Path, typer.Option("--input", "-i", help="Tài nguyên FHIR NDJSON; - là stdin / NDJSON")
    ],
) -> None:
    """Chạy một ViewDefinition SQL-on-FHIR trên tệp NDJSON, in các hàng dạng NDJSON /
    Run a SQL on FHIR v2 ViewDefinition over NDJSON resources, print rows as NDJSON."""
    # Imported here: the FHIRPath engine (ANTLR, the R4 model) costs every other
    # `hoso` command its start-up time otherwise.
    from hoso.warehouse.viewdef.runner import compile_view

    try:
        try:
            compiled = compile_view(_read_view(view))
        except ViewError as exc:
            raise InputError(f"{view}: {exc}") from None
        if str(input) == "-":
            _run(compiled, sys.stdin.buffer)
        else:
            if not input.is_file():
                raise InputError(f"{input}: không tìm thấy tệp / file not found")
            with input.open("rb") as handle:
                _run(compiled, handle)
    except (ViewError, InputError) as exc:
        sys.stdout.flush()
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        sys.stderr.close()


def _read_view(path: Path) -> Any:
    if not path.is_file():
        raise InputError(f"{path}: không tìm thấy tệp / file not found")
    if path.stat().st_size > MAX_VIEW_BYTES:
        raise InputError(f"{path}: tệp quá lớn (> 1 MiB) / file too large (> 1 MiB)")
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: không phải JSON / not JSON ({exc})") from None


def _run(compiled: CompiledView, handle: IO[bytes]) -> None:
    out = sys.stdout.buffer
    for number, resource in _resources(handle):
        try:
            for row in compiled.rows(resource):
                out.write(orjson.dumps(row, default=str))
                out.write(b"\n")
        except ViewError as exc:
            raise InputError(f"dòng / line {number}: {exc}") from None
    out.flush()


def _resources(handle: IO[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    number = 0
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES:
            raise InputError(f"dòng / line {number}: dài quá 64 MiB / longer than 64 MiB")
        if not line.strip():
            continue
        try:
            resource = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InputError(f"dòng / line {number}: không phải JSON / not JSON ({exc})") from None
        if not isinstance(resource, dict):
            raise InputError(f"dòng / line {number}: không phải đối tượng JSON / not a JSON object")
        yield number, resource
