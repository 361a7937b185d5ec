"""`hoso mpi …`: the master patient index's batch side on the server's machine.

`dedupe` fills the review queue from the whole store; `score` measures the matcher
against a synthetic population's ground truth; `train` re-estimates the model (EM,
no labels); `queue` shows what waits for a data steward.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from hoso.cli.options import DatabaseUrl, as_operator, fail, open_store

mpi_app = typer.Typer(
    help="Chỉ mục người bệnh chính (MPI) / Master patient index", no_args_is_help=True
)

ModelOption = Annotated[
    Path | None,
    typer.Option("--model", help="Tệp mô hình JSON / model JSON (mặc định: mô hình kèm gói)"),
]


def _model(path: Path | None):
    from hoso.identity.mpi.model import load_model

    try:
        return load_model(path)
    except (OSError, ValueError, KeyError) as exc:
        fail(f"Không đọc được mô hình / Cannot read the model {path}: {exc}")


@mpi_app.command("dedupe")
def dedupe_command(
    database_url: DatabaseUrl = None,
    model: ModelOption = None,
    report: Annotated[
        Path | None, typer.Option(help="Ghi các cặp ra CSV / write the pairs to a CSV file")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Không ghi hàng đợi / do not write the review queue")
    ] = False,
) -> None:
    """Tìm hồ sơ trùng trong toàn bộ kho / Find likely duplicate residents in the store."""
    from hoso.core import clock
    from hoso.identity.mpi.dedupe import dedupe

    match_model = _model(model)
    store = open_store(database_url)
    with as_operator(store) as repo:

        def write(rows: list[dict]) -> int:
            with repo.match_queue(write=True) as queue:
                return queue.add(rows)

        contents = (row.content for row in repo.whole_store(["Patient"], "MPI dedupe"))
        result = dedupe(
            contents,
            match_model,
            store.settings.cccd_system,
            write=None if dry_run else write,
            now_us=clock.now_us(),
        )
    store.engine.dispose()
    if report is not None and result.frame is not None:
        result.frame.to_csv(report, index=False)
    typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))


@mpi_app.command("score")
def score_command(
    population: Annotated[
        Path,
        typer.Argument(
            help="Thư mục `hoso synth` có ground_truth / a `hoso synth` folder with ground_truth"
        ),
    ],
    model: ModelOption = None,
    pairs: Annotated[
        Path | None,
        typer.Option(
            help="Chấm tệp cặp của `dedupe --report` thay vì chạy lại / score a `dedupe --report` "
            "CSV instead of matching again"
        ),
    ] = None,
) -> None:
    """Đo độ chính xác so với dữ liệu gốc / Precision and recall against the ground truth."""
    import pandas as pd

    from hoso.core.settings import Settings
    from hoso.identity.mpi.dedupe import dedupe
    from hoso.identity.mpi.evaluation import accuracy, read_truth

    truth_file = population / "ground_truth" / "persons.csv"
    if not truth_file.is_file():
        fail(f"Thiếu tệp dữ liệu gốc / Missing ground truth: {truth_file}")
    truth = read_truth(truth_file)
    if pairs is not None:
        frame = pd.read_csv(pairs, dtype={"patient_a": str, "patient_b": str})
        summary: dict = {}
    else:
        patients = population / "Patient.ndjson"
        if not patients.is_file():
            fail(f"Thiếu tệp / Missing {patients}")
        with patients.open(encoding="utf-8") as fh:
            result = dedupe(
                fh, _model(model), Settings.from_env().cccd_system, write=None, now_us=0
            )
        frame, summary = result.frame, result.as_dict()
    scored = zip(frame["patient_a"], frame["patient_b"], frame["grade"], strict=True)
    typer.echo(json.dumps({**summary, **accuracy(scored, truth).as_dict()}, ensure_ascii=False))


@mpi_app.command("train")
def train_command(
    population: Annotated[Path, typer.Argument(help="Thư mục NDJSON có Patient.ndjson")],
    out: Annotated[Path, typer.Option(help="Tệp mô hình ghi ra / model file to write")],
    match_threshold: Annotated[float, typer.Option(help="Trọng số khớp tự động")] = 10.0,
    review_threshold: Annotated[float, typer.Option(help="Trọng số chuyển xem xét")] = -10.0,
    seed: int = 1,
) -> None:
    """Ước lượng lại mô hình (EM, không cần nhãn) / Re-estimate the model (EM, no labels)."""
    from hoso.core.settings import Settings
    from hoso.identity.mpi.batch import feature_frame
    from hoso.identity.mpi.dedupe import features_of
    from hoso.identity.mpi.training import train_model

    patients = population / "Patient.ndjson"
    if not patients.is_file():
        fail(f"Thiếu tệp / Missing {patients}")
    with patients.open(encoding="utf-8") as fh:
        frame = feature_frame(features_of(fh, Settings.from_env().cccd_system))
    trained = train_model(
        frame,
        match_threshold=match_threshold,
        review_threshold=review_threshold,
        trained_on=f"{population.name}: {len(frame)} Patients",
        seed=seed,
    )
    out.write_text(
        json.dumps(trained.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    typer.echo(f"Đã ghi / Wrote {out}")


@mpi_app.command("queue")
def queue_command(database_url: DatabaseUrl = None, limit: int = 20) -> None:
    """Hàng đợi xem xét / The review queue (most likely pairs first)."""
    store = open_store(database_url)
    with as_operator(store) as repo, repo.match_queue() as queue:
        counts = queue.count_by_status()
        rows = queue.open(limit=limit, offset=0)
    store.engine.dispose()
    for line in queue_lines(counts, [
        (c.id, c.patient_a, c.patient_b, c.weight, c.grade, c.origin) for c in rows
    ]):  # fmt: skip
        typer.echo(line)


# How a steward reads each status of a candidate pair (identity.mpi.review_queue).
STATUS_WORDS = {
    "open": "chờ xem xét / open",
    "merged": "đã gộp / merged",
    "rejected": "không phải một người / not the same person",
}


def queue_lines(counts: dict[str, int], rows: list[tuple]) -> list[str]:
    """The queue in words: how many pairs wait and were decided, then the open pairs
    (id, patient A, patient B, weight, grade, origin). An empty queue says so, rather
    than printing nothing or `{}`."""
    decided = [f"{STATUS_WORDS.get(s, s)}: {n}" for s, n in sorted(counts.items()) if s != "open"]
    if not counts.get("open"):
        lines = ["Hàng đợi xem xét trống: không có cặp hồ sơ nào chờ quyết định / "
                 "The review queue is empty: no pair of records awaits a decision"]  # fmt: skip
        return lines + ([f"Đã quyết định / decided: {', '.join(decided)}"] if decided else [])
    lines = [f"{STATUS_WORDS['open']}: {counts['open']}"
             + (f"; {'; '.join(decided)}" if decided else "")]  # fmt: skip
    if len(rows) < counts["open"]:
        lines.append(f"({len(rows)} cặp đầu / first {len(rows)} pairs; --limit N)")
    lines.append("id\tbệnh nhân A / patient A\tbệnh nhân B / patient B\ttrọng số / weight"
                 "\tmức / grade\tnguồn / origin")  # fmt: skip
    lines += [
        f"{i}\t{a}\t{b}\t{weight:.2f}\t{grade}\t{origin}" for i, a, b, weight, grade, origin in rows
    ]
    return lines
