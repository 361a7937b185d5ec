"""The analytics engines over one snapshot: DuckDB (embedded, the default) and Spark
(PySpark; local mode here, a cluster where a city outgrows one machine), both behind
Ibis, so an analysis is written once (`indicators`) and runs on either.

DuckDB runs offline: only its statically linked extensions (parquet, json, icu), with
auto-install and auto-load off (`snapshots.offline_duckdb`). Spark reads the same
Parquet files; the partition columns come from inside the files on both engines.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import duckdb

from hoso.warehouse.snapshots import Snapshot, offline_duckdb, parquet_scan

__all__ = ["DUCKDB", "ENGINES", "SPARK", "duckdb_views", "ibis_tables", "spark_session"]

DUCKDB, SPARK = "duckdb", "spark"
ENGINES = (DUCKDB, SPARK)


def duckdb_views(snapshot: Snapshot, db: duckdb.DuckDBPyConnection | None = None
                 ) -> duckdb.DuckDBPyConnection:  # fmt: skip
    """A DuckDB connection with one view per warehouse table over the snapshot's files;
    the year column (a partition key) is left out of the analysts' view."""
    db = db or offline_duckdb()
    for name in snapshot.table_names():
        scan = parquet_scan(snapshot.files(name))
        db.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * EXCLUDE (year) FROM {scan}')
    return db


@contextmanager
def spark_session(threads: int = 2) -> Iterator[Any]:
    """A local Spark session for one job (no UI, few shuffle partitions: the data of a
    test or one machine), stopped afterwards."""
    from pyspark.sql import SparkSession

    with tempfile.TemporaryDirectory(prefix="hoso-spark-") as scratch:
        spark = (
            SparkSession.builder.master(f"local[{threads}]")
            .appName("hoso-warehouse")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", str(max(2, threads)))
            .config("spark.sql.session.timeZone", "Asia/Ho_Chi_Minh")
            .config("spark.sql.warehouse.dir", f"{scratch}/warehouse")
            .config("spark.local.dir", scratch)
            .config("spark.driver.extraJavaOptions", f"-Djava.io.tmpdir={scratch}")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        try:
            yield spark
        finally:
            spark.stop()


def ibis_tables(snapshot: Snapshot, engine: str = DUCKDB, spark: Any = None
                ) -> tuple[Any, Mapping[str, Any]]:  # fmt: skip
    """(backend, {table name: ibis.Table}) over the snapshot on `engine`."""
    import ibis

    if engine == DUCKDB:
        backend = ibis.duckdb.from_connection(duckdb_views(snapshot))
    elif engine == SPARK:
        if spark is None:
            raise ValueError("Spark needs a session (spark_session())")
        for name in snapshot.table_names():
            # recursiveFileLookup: no partition discovery from folder names (the
            # partition columns are inside the files, as DuckDB reads them).
            frame = (spark.read.option("recursiveFileLookup", "true")
                     .option("pathGlobFilter", "*.parquet")
                     .parquet(str(snapshot.root / name)).drop("year"))  # fmt: skip
            frame.createOrReplaceTempView(name)
        backend = ibis.pyspark.connect(spark)
    else:
        raise ValueError(f"engine: {engine!r} (duckdb | spark)")
    return backend, {name: backend.table(name) for name in snapshot.table_names()}
