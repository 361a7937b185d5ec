"""`hoso warehouse import-workforce|import-devices|import-stock|adjust-stock|stock` as
the operator runs them, on SQLite and PostgreSQL, with the packaged sample files
(src/hoso/warehouse/data/): counts printed, the same file again adds nothing, a bad
file exits 2 naming its line, the stock as a table and as CSV."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from hoso.cli import app
from hoso.store.sql_store import SqlStore
from tests.warehouse.supply_world import FAC, facilities

DATA = Path(__file__).resolve().parents[2] / "src" / "hoso" / "warehouse" / "data"


def test_the_sample_files_and_the_stock(store: SqlStore, database_url: str,
                                        tmp_path: Path) -> None:  # fmt: skip
    facilities(store)
    runner, env = CliRunner(), {"HOSO_DATABASE_URL": database_url}

    def run(*args: str) -> str:
        done = runner.invoke(app, ["warehouse", *args], env=env)
        assert done.exit_code == 0, done.output
        return done.output

    out = run("import-workforce", str(DATA / "mau-nhan-luc.csv"), "--facility", FAC)
    assert "rows 4, created 8" in out
    assert "created 0" in run("import-workforce", str(DATA / "mau-nhan-luc.csv"),
                              "--facility", FAC)  # fmt: skip
    assert "rows 3, created 3" in run("import-devices", str(DATA / "mau-thiet-bi.csv"),
                                      "--facility", FAC)  # fmt: skip
    assert "rows 3, added 3" in run("import-stock", str(DATA / "mau-nhap-kho.csv"),
                                    "--facility", FAC)  # fmt: skip
    assert "added 0" in run("import-stock", str(DATA / "mau-nhap-kho.csv"), "--facility", FAC)
    assert "adjusted: 1" in run("adjust-stock", "--facility", FAC, "--drug", "VD-12345-19",
                                "--quantity", "-5", "--reason", "vỡ khi kiểm kê")  # fmt: skip
    table = run("stock", "--facility", FAC)
    assert table.splitlines()[0].split()[:3] == ["facility", "drug", "drug_name"]
    csv_text = run("stock", "--csv", "--sync", "--facility", FAC)
    assert "79001,VD-12345-19,Amlodipin 5mg,145,150,0,-5," in csv_text
    assert "893110012323" in csv_text  # the 12-digit number of TT 08/2022


def test_a_bad_file_exits_2_naming_its_line(store: SqlStore, database_url: str,
                                           tmp_path: Path) -> None:  # fmt: skip
    facilities(store)
    bad = tmp_path / "bad.csv"
    bad.write_text((DATA / "mau-nhap-kho.csv").read_text(encoding="utf-8")
                   + "VD-1-1,,X,L,31/12/2027,5,,01/02/2026,79001\n", encoding="utf-8")  # fmt: skip
    done = CliRunner().invoke(app, ["warehouse", "import-stock", str(bad), "--facility", FAC],
                              env={"HOSO_DATABASE_URL": database_url})  # fmt: skip
    assert done.exit_code == 2 and "Dòng 5" in done.output
    done = CliRunner().invoke(app, ["warehouse", "stock", "--view", "all"],
                              env={"HOSO_DATABASE_URL": database_url})  # fmt: skip
    assert done.exit_code == 2
