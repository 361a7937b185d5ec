"""The same group-1 analyses on DuckDB and on Spark (local mode) over the same generated
city give the same rows (issue 20: "the same analyses on DuckDB and Spark equal").

One Spark session for the module, stopped at the end; all the analyses stacked in their
long form (`output.long_form`) and fetched in ONE query per engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pytest

from hoso.warehouse.indicators.definitions import definition
from hoso.warehouse.indicators.group1 import ANALYSES, Parameters, analyse
from hoso.warehouse.indicators.output import long_form, union
from tests.warehouse.generated_city import generate
from tests.warehouse.warehouse_tables import load, offline_duckdb

pytestmark = pytest.mark.slow
PARAMS = Parameters(as_of="2025-06-30", years=(2024, 2025, 2026))


@pytest.fixture(scope="module")
def data() -> dict[str, list[dict[str, Any]]]:
    return generate()


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    pyspark_sql = pytest.importorskip("pyspark.sql")
    where: Path = tmp_path_factory.mktemp("spark")
    session = (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .appName("hoso-engines-equal")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(where / "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={where}")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def results(
    data: dict[str, list[dict[str, Any]]], spark: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """code → {"duckdb": frame, "spark": frame}: both engines read the same Parquet."""
    parquet = tmp_path_factory.mktemp("parquet")
    duck = offline_duckdb()
    spark_con = ibis.pyspark.connect(spark)
    found: dict[str, dict[str, Any]] = {code: {} for code in ANALYSES}
    for name, con in (("duckdb", duck), ("spark", spark_con)):
        tables = load(con, data, parquet)
        stacked = union([long_form(code, analyse(code, tables, PARAMS),
                                   definition(code).categories) for code in ANALYSES])  # fmt: skip
        frame = stacked.to_pandas()
        for code in ANALYSES:
            rows = frame[frame["indicator"] == code].drop(columns="indicator")
            found[code][name] = _normal(rows)
    duck.disconnect()
    return found


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    """Sorted rows, nulls and numbers in one representation, so only values differ."""
    frame = frame.copy()
    for column in frame.columns:
        if column in ("numerator", "denominator"):
            frame[column] = pd.to_numeric(frame[column]).astype("float64").fillna(-1.0)
        else:
            frame[column] = frame[column].astype("object").where(frame[column].notna(), "∅")
            frame[column] = frame[column].astype(str)
    keys = [c for c in frame.columns if c not in ("numerator", "denominator")]
    return frame.sort_values(keys).reset_index(drop=True)


def test_the_generated_city_is_not_trivial(data: dict[str, list[dict[str, Any]]]) -> None:
    assert len(data["patient"]) == 400
    assert 1500 < len(data["encounter"]) < 3000
    assert len(data["immunization"]) > 200


@pytest.mark.parametrize("code", list(ANALYSES))
def test_duckdb_and_spark_give_the_same_rows(code: str, results: dict[str, Any]) -> None:
    duck, spark = results[code]["duckdb"], results[code]["spark"]
    assert len(duck) > 0, f"{code}: nothing to compare"
    assert list(duck.columns) == list(spark.columns)
    pd.testing.assert_frame_equal(duck, spark, check_exact=False, rtol=1e-9)
