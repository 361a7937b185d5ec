"""Asynchronous `$import`: the kick-off's inputs, staged to files, then `import_ndjson`.

Inputs come either as the request body (`Content-Type: application/fhir+ndjson`) or as a
`Parameters` resource in the form of the Bulk Data import proposal and HAPI's `$import`
(`input` parts with `type` and `url`). A URL is fetched only when it starts with one of
the prefixes an operator listed in `HOSO_IMPORT_SOURCES`: otherwise a token holder could
make the server fetch any address it can reach (server-side request forgery).

The job stages every input under `<bulk_dir>/<job id>/` before the first line is
written, so a failed fetch writes nothing; the import itself commits batch by batch, so
cancelling keeps what was committed and kicking off the same inputs again resumes.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from hoso.core import clock, jsonx
from hoso.core.errors import InvalidRequest
from hoso.core.settings import Settings
from hoso.ingest.bulk_import import (
    Importer,
    ImportOptions,
    ImportProgress,
    ImportReport,
    import_ndjson,
)

log = logging.getLogger("hoso.ingest")
NDJSON_TYPES = ("application/fhir+ndjson", "application/ndjson", "application/x-ndjson", "ndjson")
ERROR_FILE = "OperationOutcome.ndjson"
FETCH_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class ImportInput:
    url: str  # "body" for an uploaded body
    type: str | None = None


def parse_import_parameters(body: Any, allowed_sources: tuple[str, ...]) -> list[ImportInput]:
    """The `input` parts of a `$import` Parameters body; every error names its element."""
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise InvalidRequest(
            "Cần một tài nguyên Parameters hoặc nội dung NDJSON / "
            "Expected a Parameters resource or an NDJSON body",
            expression=["Parameters"],
        )
    inputs: list[ImportInput] = []
    for i, parameter in enumerate(body.get("parameter") or []):
        name = parameter.get("name") if isinstance(parameter, dict) else None
        where = f"Parameters.parameter[{i}]"
        if name == "inputFormat" and parameter.get("valueCode") not in NDJSON_TYPES:
            raise InvalidRequest(
                "Chỉ nhận định dạng application/fhir+ndjson / "
                "Only application/fhir+ndjson input is accepted",
                expression=[f"{where}.valueCode"],
            )
        if name != "input":
            continue
        parts = {p.get("name"): p for p in parameter.get("part") or [] if isinstance(p, dict)}
        url = (parts.get("url") or {}).get("valueUri") or (parts.get("url") or {}).get("valueUrl")
        if not isinstance(url, str) or not url:
            raise InvalidRequest(
                "Thiếu url của input / input has no url", expression=[f"{where}.part"]
            )
        if not any(url.startswith(prefix) for prefix in allowed_sources):
            raise InvalidRequest(
                f"Không được phép tải từ {url}; nguồn cho phép: HOSO_IMPORT_SOURCES / "
                f"Fetching {url} is not allowed; allowed sources are set by HOSO_IMPORT_SOURCES",
                code="security",
                expression=[f"{where}.part"],
            )
        kind = (parts.get("type") or {}).get("valueCode")
        inputs.append(ImportInput(url, kind if isinstance(kind, str) else None))
    if not inputs:
        raise InvalidRequest(
            "Không có input nào / No input given", expression=["Parameters.parameter"]
        )
    return inputs


def stage_inputs(inputs: list[ImportInput], folder: Path, headers: dict[str, str]) -> list[Path]:
    """Fetch every URL input into `folder` (streamed); raises before anything is imported."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    with httpx.Client(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=False) as client:
        for n, item in enumerate(inputs, start=1):
            path = folder / f"input-{n}.ndjson"
            try:
                with client.stream("GET", item.url, headers=headers) as response:
                    response.raise_for_status()
                    with path.open("wb") as f:
                        for block in response.iter_bytes():
                            f.write(block)
            except httpx.HTTPError as exc:
                raise InvalidRequest(
                    f"Không tải được {item.url}: {type(exc).__name__} / "
                    f"Could not fetch {item.url}: {type(exc).__name__}",
                    code="exception",
                ) from None
            paths.append(path)
    return paths


def error_outcomes(report: ImportReport, names: dict[str, str]) -> bytes:
    """One OperationOutcome per refused line, as the Bulk Data error files are."""
    lines = []
    for error in report.errors:
        issue: dict[str, Any] = {
            "severity": "error",
            "code": "invalid",
            "diagnostics": f"{names.get(error.file, error.file)}:{error.line}: {error.message}",
        }
        if error.path:
            issue["expression"] = error.path.split(",")
        lines.append(jsonx.dumps({"resourceType": "OperationOutcome", "issue": [issue]}))
    return b"".join(line + b"\n" for line in lines)


@dataclass
class ImportJobResult:
    report: ImportReport
    manifest: dict[str, Any]


def run_import(
    importer: Importer,
    settings: Settings,
    paths: list[Path],
    names: dict[str, str],
    out: Path,
    *,
    request_url: str,
    files_url: Callable[[str], str],
    heartbeat: Callable[[str], bool],
) -> ImportJobResult:
    """Import staged files; the manifest lists counts per type and the error file."""
    started = clock.now()
    stop = threading.Event()

    def progress(p: ImportProgress) -> None:
        done = f"{p.written} written, {p.skipped} already stored, {p.errors} errors"
        percent = 100 * p.bytes_done // max(p.bytes_total, 1)
        if not heartbeat(f"{percent}% ({done})"):
            stop.set()  # cancelled: stop after the batch being written

    report = import_ndjson(importer, settings, paths, ImportOptions(progress=progress, stop=stop))
    errors: list[dict[str, Any]] = []
    if report.errors:
        (out / ERROR_FILE).write_bytes(error_outcomes(report, names))
        errors.append(
            {"type": "OperationOutcome", "url": files_url(ERROR_FILE), "count": len(report.errors)}
        )
    manifest = {
        "transactionTime": clock.fhir_instant(started),
        "request": request_url,
        "requiresAccessToken": True,
        "output": [{"type": t, "count": n} for t, n in sorted(report.counts.items())],
        "error": errors,
        "extension": {
            "updated": report.updated,
            "alreadyStored": report.skipped,
            "warnings": report.warnings[:100],
            "interrupted": report.interrupted,
        },
    }
    for path in paths:
        if path.parent == out:
            path.unlink(missing_ok=True)  # staged inputs: the data now lives in the store
    return ImportJobResult(report, manifest)


def remove_staging(out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
