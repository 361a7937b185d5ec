"""ViewDefinitions compiled to DuckDB SQL: the official SQL on FHIR v2 suite, the shapes of
the warehouse's own views, and hostile views.

Every test of the suite goes through the compiler: either it raises `Uncompilable` (the
caller then uses the Python runner) or DuckDB returns exactly the expected rows. The
number that compile and pass is asserted as a floor, so that a regression fails.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from hoso.warehouse.viewdef import ViewError
from hoso.warehouse.viewdef.duckdb_sql import MAX_REPEAT_DEPTH, Uncompilable, compile_sql

ROOT = Path(__file__).resolve().parents[2]
# The suite as the repository keeps it; before that copy lands, the shared checkout.
SUITE_DIRS = (
    ROOT / "tests" / "conformance" / "sql-on-fhir-v2" / "tests",
    ROOT.parent / "shared" / "conformance" / "sql-on-fhir-v2" / "tests",
)
# Tests of the suite that compile and return the expected rows (of 134); the other 2 raise
# Uncompilable: lowBoundary()/highBoundary() of a decimal (DuckDB's JSON reader keeps a
# number's value, not the precision it was written with).
MIN_COMPILED_AND_PASSING = 132


def suite_dir() -> Path:
    for folder in SUITE_DIRS:
        if folder.is_dir():
            return folder
    raise FileNotFoundError(f"SQL on FHIR v2 suite not found in {SUITE_DIRS}")


def suite_cases() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    cases = []
    for path in sorted(suite_dir().glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for test in document["tests"]:
            cases.append((f"{path.stem}: {test['title']}", document, test))
    return cases


CASES = suite_cases()


def connect(resources: list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    connection.execute("CREATE TABLE resources (resource_type VARCHAR, id VARCHAR, content JSON)")
    connection.executemany(
        "INSERT INTO resources VALUES (?, ?, ?)",
        [(r["resourceType"], r.get("id"), json.dumps(r)) for r in resources],
    )
    return connection


def run(
    connection: duckdb.DuckDBPyConnection, view: dict[str, Any]
) -> tuple[list[str], list[dict[str, Any]]]:
    cursor = connection.execute(compile_sql(view))
    names = [d[0] for d in cursor.description]
    types = [str(d[1]) for d in cursor.description]
    rows = [
        {name: _decoded(value, kind) for name, value, kind in zip(names, row, types, strict=True)}
        for row in cursor.fetchall()
    ]
    return names, rows


def _decoded(value: Any, kind: str) -> Any:
    """Columns without a `type` come back as JSON (or lists of JSON): their values."""
    if value is None:
        return None
    if kind == "JSON":
        return json.loads(value)
    if kind == "JSON[]":
        return [json.loads(item) for item in value]
    return value


def canonical(rows: list[dict[str, Any]]) -> list[str]:
    """Rows as sorted JSON texts (the suite ignores row order); 5.0 and 5 are one number."""

    def number(value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, list):
            return [number(v) for v in value]
        return value

    return sorted(
        json.dumps({k: number(v) for k, v in row.items()}, sort_keys=True) for row in rows
    )


def outcome(document: dict[str, Any], test: dict[str, Any]) -> str:
    """ "uncompilable", or "passed" after checking the rows (or the error the test expects)."""
    try:
        compile_sql(test["view"])
    except Uncompilable:
        return "uncompilable"
    except ViewError:
        assert test.get("expectError"), "a valid view was rejected"
        return "passed"
    connection = connect(document["resources"])
    if test.get("expectError"):
        with pytest.raises(duckdb.Error):
            run(connection, test["view"])
        return "passed"
    names, rows = run(connection, test["view"])
    if "expectColumns" in test:
        assert names == test["expectColumns"]
    assert canonical(rows) == canonical(test["expect"])
    return "passed"


@pytest.mark.parametrize(("title", "document", "test"), CASES, ids=[c[0] for c in CASES])
def test_suite_case_compiles_to_the_expected_rows_or_is_uncompilable(
    title: str, document: dict[str, Any], test: dict[str, Any]
) -> None:
    assert outcome(document, test) in ("passed", "uncompilable")


@pytest.mark.parametrize(("title", "document", "test"), CASES, ids=[c[0] for c in CASES])
def test_suite_case_gives_the_same_rows_without_the_fhir_model(
    title: str, document: dict[str, Any], test: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same case over a resource type the FHIR models do not know: every member step
    then tests JSON types at run time (the path unknown elements take) — same rows. (The
    view checks refuse a type R4 does not have, so these made-up names are let in.)"""
    if test.get("expectError"):
        return
    from hoso.warehouse.viewdef import model

    untyped = {"Untyped" + t for t in model.RESOURCE_TYPES}
    monkeypatch.setattr(model, "RESOURCE_TYPES", frozenset(model.RESOURCE_TYPES) | untyped)
    renamed = {**document, "resources": [
        {**r, "resourceType": "Untyped" + r["resourceType"]} for r in document["resources"]
    ]}  # fmt: skip
    view = {**test["view"], "resource": "Untyped" + test["view"]["resource"]}
    if outcome(renamed, {**test, "view": view}) == "uncompilable":
        return
    assert "AS texts" not in compile_sql(view)  # no typed path was taken


def test_suite_count_that_compile_and_pass_does_not_fall() -> None:
    assert len(CASES) >= 134
    results = [outcome(document, test) for _, document, test in CASES]
    assert results.count("passed") >= MIN_COMPILED_AND_PASSING


# --- the shapes of the warehouse's own views ---------------------------------------------
ICD10 = "http://hl7.org/fhir/sid/icd-10-vn"


def encounter(n: int, reasons: list[str], facility: str | None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": f"enc-{n}",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": f"Patient/pt-{n % 3}"},
        "period": {"start": f"2026-0{1 + n % 9}-1{n % 10}T08:30:00+07:00"},
        "reasonCode": [
            {
                "coding": [
                    {"system": "http://snomed.info/sct", "code": "386661006"},
                    {"system": ICD10, "code": code},
                ]
            }
            for code in reasons
        ],
    }
    if facility:
        resource["serviceProvider"] = {"reference": f"Organization/{facility}"}
    return resource


ENCOUNTER_VIEW = {
    "resourceType": "ViewDefinition",
    "resource": "Encounter",
    "status": "active",
    "select": [
        {
            "column": [
                {"name": "encounter_id", "path": "getResourceKey()", "type": "id"},
                {"name": "patient_id", "path": "subject.getReferenceKey(Patient)", "type": "id"},
                {"name": "class_code", "path": "class.code", "type": "code"},
                {"name": "start", "path": "period.start", "type": "dateTime"},
                {
                    "name": "facility_id",
                    "path": "serviceProvider.getReferenceKey(Organization)",
                    "type": "id",
                },
            ]
        },
        {
            "forEachOrNull": "reasonCode.coding.where(system = %icd10)",
            "column": [{"name": "icd10", "path": "code", "type": "code"}],
        },
    ],
    "constant": [{"name": "icd10", "valueUri": ICD10}],
}


def test_encounter_view_rows_equal_those_read_by_hand() -> None:
    resources = [
        encounter(1, ["J06.9"], "bv-nhi-dong-1"),
        encounter(2, ["E11.9", "I10"], "tyt-phuong-ben-nghe"),
        encounter(3, [], None),
        {"resourceType": "Patient", "id": "pt-1"},
    ]
    names, rows = run(connect(resources), ENCOUNTER_VIEW)
    expected = []
    for r in resources[:3]:
        base = {
            "encounter_id": r["id"],
            "patient_id": r["subject"]["reference"].split("/")[1],
            "class_code": r["class"]["code"],
            "start": r["period"]["start"],
            "facility_id": r.get("serviceProvider", {}).get("reference", "/").split("/")[1] or None,
        }
        codes = [c["code"] for rc in r["reasonCode"] for c in rc["coding"] if c["system"] == ICD10]
        expected += [{**base, "icd10": code} for code in codes or [None]]
    assert names == ["encounter_id", "patient_id", "class_code", "start", "facility_id", "icd10"]
    assert canonical(rows) == canonical(expected)
    assert len(rows) == 4  # two reasons make two rows; none makes one row of NULL


def test_typed_columns_come_back_with_sql_types() -> None:
    view = {
        "resource": "Observation",
        "select": [
            {
                "column": [
                    {"name": "id", "path": "id", "type": "id"},
                    {"name": "value", "path": "value.ofType(Quantity).value", "type": "decimal"},
                    {"name": "final", "path": "status = 'final'", "type": "boolean"},
                    {
                        "name": "codes",
                        "path": "code.coding.code",
                        "type": "code",
                        "collection": True,
                    },
                    {"name": "n", "path": "component.count()", "type": "integer"},
                ]
            }
        ],
    }
    obs = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"coding": [{"code": "8480-6"}, {"code": "x"}]},
        "valueQuantity": {"value": 120.5},
        "component": [{}, {}],
    }
    cursor = connect([obs]).execute(compile_sql(view))
    assert [str(d[1]) for d in cursor.description] == [
        "VARCHAR",
        "DOUBLE",
        "BOOLEAN",
        "VARCHAR[]",
        "BIGINT",
    ]
    assert cursor.fetchall() == [("o1", 120.5, True, ["8480-6", "x"], 2)]


def condition(n: int, codings: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"cond-{n}",
        "subject": {"reference": f"Patient/pt-{n}"},
        "code": {"coding": [{"system": s, "code": c} for s, c in codings]},
        "recordedDate": "2026-03-0{n}",
    }


def test_condition_view_picks_the_icd10_coding() -> None:
    view = {
        "resource": "Condition",
        "select": [
            {
                "column": [
                    {"name": "id", "path": "id", "type": "id"},
                    {
                        "name": "patient_id",
                        "path": "subject.getReferenceKey(Patient)",
                        "type": "id",
                    },
                    {
                        "name": "icd10",
                        "path": f"code.coding.where(system = '{ICD10}').code.first()",
                        "type": "code",
                    },
                    {"name": "recorded", "path": "recordedDate", "type": "date"},
                ]
            }
        ],
    }
    resources = [
        condition(1, [("http://snomed.info/sct", "44054006"), (ICD10, "E11.9")]),
        condition(2, [("http://snomed.info/sct", "38341003")]),
        condition(3, [(ICD10, "I10"), (ICD10, "I11.9")]),
    ]
    _, rows = run(connect(resources), view)
    expected = [
        {
            "id": r["id"],
            "patient_id": r["subject"]["reference"][8:],
            "icd10": next((c["code"] for c in r["code"]["coding"] if c["system"] == ICD10), None),
            "recorded": r["recordedDate"],
        }
        for r in resources
    ]
    assert canonical(rows) == canonical(expected)


def test_observation_view_reads_quantity_and_first_coding() -> None:
    view = {
        "resource": "Observation",
        "select": [
            {
                "column": [
                    {"name": "id", "path": "id", "type": "id"},
                    {"name": "loinc", "path": "code.coding.first().code", "type": "code"},
                    {"name": "value", "path": "value.ofType(Quantity).value", "type": "decimal"},
                    {"name": "unit", "path": "value.ofType(Quantity).unit", "type": "string"},
                    {"name": "effective", "path": "effective.ofType(dateTime)", "type": "dateTime"},
                ]
            }
        ],
        "where": [{"path": "status = 'final'"}],
    }
    resources = [
        {
            "resourceType": "Observation",
            "id": f"obs-{n}",
            "status": status,
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]} if code else {},
            "valueQuantity": {"value": n * 1.5, "unit": "mmol/L"},
            "effectiveDateTime": f"2026-02-{10 + n}",
        }
        for n, status, code in [
            (1, "final", "4548-4"),
            (2, "final", None),
            (3, "amended", "2345-7"),
            (4, "final", "2345-7"),
        ]
    ]
    _, rows = run(connect(resources), view)
    expected = [
        {
            "id": r["id"],
            "loinc": (r["code"].get("coding") or [{}])[0].get("code"),
            "value": r["valueQuantity"]["value"],
            "unit": r["valueQuantity"]["unit"],
            "effective": r["effectiveDateTime"],
        }
        for r in resources
        if r["status"] == "final"
    ]
    assert canonical(rows) == canonical(expected)
    assert {row["id"] for row in rows} == {"obs-1", "obs-2", "obs-4"}


def test_first_of_nothing_is_null_and_many_values_in_a_scalar_column_is_an_error() -> None:
    patient = {"resourceType": "Patient", "id": "p", "name": [{"given": ["An", "Bình"]}]}
    one = {
        "resource": "Patient",
        "select": [
            {"column": [{"name": "family", "path": "name.family.first()", "type": "string"}]}
        ],
    }
    assert run(connect([patient]), one)[1] == [{"family": None}]
    many = {
        "resource": "Patient",
        "select": [{"column": [{"name": "given", "path": "name.given", "type": "string"}]}],
    }
    with pytest.raises(duckdb.Error, match="more than one value"):
        run(connect([patient]), many)


# --- hostile and malformed views -----------------------------------------------------------
@pytest.mark.parametrize(
    "view",
    [
        None,
        [],
        {"resource": "Patient"},
        {"resource": "Patient; DROP TABLE resources", "select": [{"column": []}]},
        {"resource": "Patient", "select": [{"column": [{"name": 'a"b', "path": "id"}]}]},
        {"resource": "Patient", "select": [{"column": [{"name": "a", "path": 7}]}]},
        {
            "resource": "Patient",
            "select": [
                {
                    "forEach": "name",
                    "forEachOrNull": "name",
                    "column": [{"name": "a", "path": "id"}],
                }
            ],
        },
        {
            "resource": "Patient",
            "select": [{"column": [{"name": "a", "path": "id"}, {"name": "a", "path": "id"}]}],
        },
        {"resource": "Patient", "select": [{"column": [{"name": "a", "path": "name.("}]}]},
        {"resource": "Patient", "select": [{"column": [{"name": "a", "path": "name name"}]}]},
        {"resource": "Patient", "select": [{"column": [{"name": "a", "path": "value.ofType()"}]}]},
        {"resource": "Patient", "select": [{"column": [{"name": "a", "path": "name.where()"}]}]},
        {
            "resource": "Patient",
            "select": [{"column": [{"name": "a", "path": "link.other.getReferenceKey(patient)"}]}],
        },
        {"resource": "Patient", "select": [{"column": [{"name": "a", "path": "(" * 5000}]}]},
        {"resource": "Patient", "select": [{"column": [{"name": "a", "path": "a.b.c" * 999}]}]},
        {
            "resource": "Patient",
            "select": [
                {"forEach": "name.where(use = %nope)", "column": [{"name": "a", "path": "id"}]}
            ],
        },
        {
            "resource": "Patient",
            "constant": [{"name": "c", "valueInteger": "1"}],
            "select": [{"column": [{"name": "a", "path": "%c"}]}],
        },
    ],
)
def test_malformed_views_are_view_errors(view: Any) -> None:
    with pytest.raises(ViewError):
        compile_sql(view)


def test_deeply_nested_selects_are_refused() -> None:
    node: dict[str, Any] = {"column": [{"name": "id", "path": "id"}]}
    for _ in range(40):
        node = {"select": [node]}
    with pytest.raises(ViewError):
        compile_sql({"resource": "Patient", "select": [node]})


def test_quotes_in_literals_and_constants_stay_text() -> None:
    evil = "x'); DROP TABLE resources; --"
    patient = {"resourceType": "Patient", "id": "p1", "name": [{"family": evil}]}
    view = {
        "resource": "Patient",
        "constant": [{"name": "evil", "valueString": evil}],
        "select": [
            {
                "column": [
                    {"name": "same", "path": "name.family = %evil", "type": "boolean"},
                    {"name": "literal", "path": "name.family = 'x\\'); DROP'", "type": "boolean"},
                ]
            }
        ],
    }
    connection = connect([patient])
    assert run(connection, view)[1] == [{"same": True, "literal": False}]
    assert connection.execute("SELECT count(*) FROM resources").fetchone() == (1,)


def test_source_must_be_a_table_name() -> None:
    view = {"resource": "Patient", "select": [{"column": [{"name": "id", "path": "id"}]}]}
    with pytest.raises(ValueError):
        compile_sql(view, source="resources; DROP TABLE resources")
    assert "FROM warehouse.resources" in compile_sql(view, source="warehouse.resources")


def test_other_resource_types_never_leak_into_a_view() -> None:
    resources = [
        {"resourceType": "Patient", "id": "p1"},
        {"resourceType": "Observation", "id": "o1", "status": "final"},
    ]
    view = {
        "resource": "Observation",
        "select": [{"column": [{"name": "id", "path": "id", "type": "id"}]}],
    }
    assert run(connect(resources), view)[1] == [{"id": "o1"}]


@pytest.mark.parametrize(
    ("path", "construct"),
    [
        ("name.lowBoundary()", "lowBoundary"),
        ("name | name", "UnionExpression"),
        ("name is HumanName", "TypeExpression"),
        ("name.descendants()", "descendants"),
    ],
)
def test_untranslated_constructs_raise_uncompilable_naming_them(path: str, construct: str) -> None:
    view = {"resource": "Patient", "select": [{"column": [{"name": "a", "path": path}]}]}
    with pytest.raises(Uncompilable, match=construct):
        compile_sql(view)
    assert issubclass(Uncompilable, NotImplementedError)


@pytest.fixture
def many_patients() -> Iterator[duckdb.DuckDBPyConnection]:
    yield connect(
        [
            {
                "resourceType": "Patient",
                "id": f"p{n}",
                "name": [{"family": f"F{n}", "given": [f"G{n}"] * (n % 3)}],
            }
            for n in range(500)
        ]
    )


def test_foreach_over_many_resources_keeps_every_row(
    many_patients: duckdb.DuckDBPyConnection,
) -> None:
    view = {
        "resource": "Patient",
        "select": [
            {"column": [{"name": "id", "path": "id", "type": "id"}]},
            {
                "forEach": "name.given",
                "column": [
                    {"name": "given", "path": "$this", "type": "string"},
                    {"name": "i", "path": "%rowIndex", "type": "integer"},
                ],
            },
        ],
    }
    _, rows = run(many_patients, view)
    assert len(rows) == sum(n % 3 for n in range(500))
    assert {row["i"] for row in rows} == {0, 1}


def test_a_flat_view_parses_each_resource_once() -> None:
    flat = ENCOUNTER_VIEW | {"select": ENCOUNTER_VIEW["select"][:1]}
    filtered = flat | {"where": [{"path": "status = 'finished' and class.code = 'AMB'"}]}
    for view in (flat, filtered):
        sql = compile_sql(view)
        assert sql.count("(content,") == 1, sql  # one json_extract_string of all the paths
        assert " WHERE " not in sql.split("FROM resources")[0]  # no filter to push down


def test_primitive_arrays_skip_the_nulls_that_only_hold_extensions() -> None:
    patient = {
        "resourceType": "Patient", "id": "p1",
        "name": [{"given": ["An", None, "Bình"],
                  "_given": [None, {"extension": [{"url": "x", "valueString": "y"}]}, None]}],
    }  # fmt: skip
    view = {"resource": "Patient", "select": [{"column": [
        {"name": "given", "path": "name.given", "type": "string", "collection": True},
        {"name": "n", "path": "name.given.count()", "type": "integer"},
        {"name": "joined", "path": "name.given.join(' ')", "type": "string"},
    ]}]}  # fmt: skip
    assert run(connect([patient]), view)[1] == [
        {"given": ["An", "Bình"], "n": 2, "joined": "An Bình"}
    ]


def questionnaire(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"linkId": str(depth)}
    for level in range(depth - 1, 0, -1):
        node = {"linkId": str(level), "answer": [{"valueString": "có", "item": [node]}]}
    return {"resourceType": "QuestionnaireResponse", "id": f"qr{depth}", "item": [node]}


def test_repeat_reaches_every_level_it_unrolls_and_refuses_deeper() -> None:
    view = {"resource": "QuestionnaireResponse", "select": [
        {"column": [{"name": "id", "path": "id", "type": "id"}]},
        {"repeat": ["item", "answer.item"], "column": [
            {"name": "link", "path": "linkId", "type": "string"},
            {"name": "i", "path": "%rowIndex", "type": "integer"}]},
    ]}  # fmt: skip
    deepest = MAX_REPEAT_DEPTH
    _, rows = run(connect([questionnaire(deepest)]), view)
    assert [(row["link"], row["i"]) for row in rows] == [
        (str(n), n - 1) for n in range(1, deepest + 1)
    ]
    with pytest.raises(duckdb.Error, match="nested deeper than"):
        run(connect([questionnaire(deepest + 1)]), view)


@pytest.mark.parametrize("year", [2023, 2024])
def test_date_boundaries_fill_the_month_and_year(year: int) -> None:
    patients = [{"resourceType": "Patient", "id": f"p{m}", "birthDate": f"{year}-{m:02d}"}
                for m in range(1, 13)] + [{"resourceType": "Patient", "id": "y",
                                           "birthDate": str(year)}]  # fmt: skip
    view = {"resource": "Patient", "select": [{"column": [
        {"name": "id", "path": "id", "type": "id"},
        {"name": "low", "path": "birthDate.lowBoundary()", "type": "date"},
        {"name": "high", "path": "birthDate.highBoundary()", "type": "date"}]}]}  # fmt: skip
    rows = {row["id"]: row for row in run(connect(patients), view)[1]}
    for month in range(1, 13):
        last = calendar.monthrange(year, month)[1]
        assert rows[f"p{month}"]["low"] == f"{year}-{month:02d}-01"
        assert rows[f"p{month}"]["high"] == f"{year}-{month:02d}-{last}"
    assert (rows["y"]["low"], rows["y"]["high"]) == (f"{year}-01-01", f"{year}-12-31")


def test_datetime_boundaries_keep_a_zone_and_span_all_zones_without_one() -> None:
    observations = [
        {"resourceType": "Observation", "id": "zoned",
         "effectiveDateTime": "2026-03-05T08:30+07:00"},
        {"resourceType": "Observation", "id": "day", "effectiveDateTime": "2026-03-05"},
        {"resourceType": "Observation", "id": "none"},
    ]  # fmt: skip
    view = {"resource": "Observation", "select": [{"column": [
        {"name": "id", "path": "id", "type": "id"},
        {"name": "low", "path": "effective.ofType(dateTime).lowBoundary()", "type": "dateTime"},
        {"name": "high", "path": "effective.ofType(dateTime).highBoundary()",
         "type": "dateTime"}]}]}  # fmt: skip
    rows = {row["id"]: (row["low"], row["high"]) for row in run(connect(observations), view)[1]}
    assert rows["zoned"] == ("2026-03-05T08:30:00.000+07:00", "2026-03-05T08:30:59.999+07:00")
    assert rows["day"] == ("2026-03-05T00:00:00.000+14:00", "2026-03-05T23:59:59.999-12:00")
    assert rows["none"] == (None, None)


def test_several_references_give_several_keys() -> None:
    encounter_ = {
        "resourceType": "Encounter", "id": "e1",
        "participant": [{"individual": {"reference": "Practitioner/bs-01"}},
                        {"individual": {"reference": "http://x/fhir/Practitioner/bs-02/_history/3"}},
                        {"individual": {"reference": "PractitionerRole/vt-1"}}],
    }  # fmt: skip
    view = {"resource": "Encounter", "select": [{"column": [
        {"name": "any", "path": "participant.individual.getReferenceKey()", "type": "id",
         "collection": True},
        {"name": "doctors", "path": "participant.individual.getReferenceKey(Practitioner)",
         "collection": True},
        {"name": "first", "path": "participant.first().individual.getReferenceKey()"},
    ]}]}  # fmt: skip
    rows = run(connect([encounter_]), view)[1]
    assert rows == [{"any": ["bs-01", "bs-02", "vt-1"], "doctors": ["bs-01", "bs-02"],
                     "first": "bs-01"}]  # fmt: skip


def test_the_empty_row_of_for_each_or_null_reaches_nothing() -> None:
    patient = {"resourceType": "Patient", "id": "p1"}
    view = {"resource": "Patient", "select": [{"forEachOrNull": "name", "column": [
        {"name": "given", "path": "given", "type": "string", "collection": True},
        {"name": "joined", "path": "given.join(' ')", "type": "string"},
        {"name": "n", "path": "given.count()", "type": "integer"},
        {"name": "has", "path": "given.exists()", "type": "boolean"},
    ]}]}  # fmt: skip
    assert run(connect([patient]), view)[1] == [{"given": [], "joined": "", "n": 0, "has": False}]


def test_union_branches_of_different_types_meet_as_json() -> None:
    patient = {"resourceType": "Patient", "id": "p1", "active": True,
               "name": [{"given": ["An", "Bình"]}]}  # fmt: skip
    view = {"resource": "Patient", "select": [{"unionAll": [
        {"column": [{"name": "v", "path": "id"}, {"name": "many", "path": "name.given",
                                                  "collection": True}]},
        {"column": [{"name": "v", "path": "name.given.count()"},
                    {"name": "many", "path": "active", "collection": True}]},
        {"forEach": "name.given", "column": [{"name": "v", "path": "$this = 'An'"},
                                             {"name": "many", "path": "%rowIndex",
                                              "collection": True}]},
    ]}]}  # fmt: skip
    names, rows = run(connect([patient]), view)
    assert names == ["v", "many"]
    assert canonical(rows) == canonical([
        {"v": "p1", "many": ["An", "Bình"]}, {"v": 2, "many": [True]},
        {"v": True, "many": [0]}, {"v": False, "many": [1]},
    ])  # fmt: skip
    mixed = {"resource": "Patient", "select": [{"unionAll": [
        {"column": [{"name": "v", "path": "id"}]},
        {"column": [{"name": "v", "path": "name.given", "collection": True}]},
    ]}]}  # fmt: skip
    with pytest.raises(Uncompilable, match="list in one branch"):
        compile_sql(mixed)


def test_a_choice_element_without_of_type_reads_whichever_variant_is_there() -> None:
    resources = [
        {"resourceType": "Observation", "id": "q",
         "valueQuantity": {"value": 5.5, "unit": "mmol/L"}},
        {"resourceType": "Observation", "id": "s", "valueString": "dương tính"},
        {"resourceType": "Observation", "id": "none",
         "basedOn": [{"reference": "ServiceRequest/1"}]},
        {"resourceType": "Patient", "id": "p", "extension": [
            {"url": "http://hl7.org/fhir/StructureDefinition/patient-nationality",
             "extension": [{"url": "code", "valueCodeableConcept": {"text": "Việt Nam"}}]},
            {"url": "https://hoso.vn/ethnic", "valueCoding": {"code": "01"}}]},
    ]  # fmt: skip
    observations = {"resource": "Observation", "select": [{"column": [
        {"name": "id", "path": "id", "type": "id"},
        {"name": "v", "path": "value", "collection": True},
        {"name": "number", "path": "value.value", "type": "decimal"},
        {"name": "based", "path": "based", "collection": True}]}]}  # fmt: skip
    rows = {row["id"]: row for row in run(connect(resources), observations)[1]}
    assert rows["q"]["v"] == [{"value": 5.5, "unit": "mmol/L"}] and rows["q"]["number"] == 5.5
    assert rows["s"]["v"] == ["dương tính"] and rows["s"]["number"] is None
    assert rows["none"]["v"] == [] and rows["none"]["based"] == []  # basedOn is no choice
    patients = {"resource": "Patient", "select": [{"column": [
        {"name": "codes", "path": "extension.value.code", "type": "code", "collection": True},
        {"name": "texts", "path": "extension.extension.value.text", "type": "string",
         "collection": True}]}]}  # fmt: skip
    assert run(connect(resources), patients)[1] == [{"codes": ["01"], "texts": ["Việt Nam"]}]
