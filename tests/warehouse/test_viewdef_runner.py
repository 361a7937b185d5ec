"""The runner beyond the official suite: expressions compiled once per view, typed
JSON-ready values, errors only data reveals, and enormous or malformed resources
(100,000-element arrays, deep nesting, wrong shapes) in bounded time without a crash."""

from __future__ import annotations

import time

import orjson
import pytest

from hoso.warehouse.viewdef import ViewError, model
from hoso.warehouse.viewdef.runner import compile_view, evaluate


def patient(pid: str, **fields: object) -> dict:
    return {"resourceType": "Patient", "id": pid, **fields}


def test_each_expression_parsed_once_per_view(monkeypatch):
    calls = []
    real = model.parse_expression
    monkeypatch.setattr(model, "parse_expression", lambda text: calls.append(text) or real(text))
    compiled = compile_view({"resource": "Patient", "where": [{"path": "active"}], "select": [
        {"column": [{"name": "id", "path": "id"}, {"name": "g", "path": "gender"}]},
        {"forEach": "name", "column": [{"name": "f", "path": "family"}]}]})  # fmt: skip
    assert len(calls) == 5
    rows = [r for i in range(300) for r in compiled.rows(
        patient(f"p{i}", active=True, name=[{"family": "Lê"}]))]  # fmt: skip
    assert len(rows) == 300 and len(calls) == 5


def test_rows_are_json_ready_and_typed():
    obs = {"resourceType": "Observation", "id": "o1", "status": "final",
           "valueQuantity": {"value": 36.6, "unit": "Cel"},
           "component": [{"valueInteger": 3}], "effectiveDateTime": "2026-12-07"}  # fmt: skip
    view = {"resource": "Observation", "select": [{"column": [
        {"name": "v", "path": "value.ofType(Quantity).value", "type": "decimal"},
        {"name": "doubled", "path": "value.ofType(Quantity).value * 2", "type": "decimal"},
        {"name": "n", "path": "component.value.ofType(integer) + 1", "type": "integer"},
        {"name": "day", "path": "effective.ofType(dateTime)", "type": "dateTime"},
        {"name": "low", "path": "effective.ofType(dateTime).lowBoundary()", "type": "dateTime"},
        {"name": "q", "path": "value.ofType(Quantity)"},
        {"name": "all", "path": "component.value.ofType(integer)", "collection": True},
    ]}]}  # fmt: skip
    (row,) = evaluate(view, [obs])
    assert row == {"v": 36.6, "doubled": 73.2, "n": 4, "day": "2026-12-07",
                   "low": "2026-12-07T00:00:00.000+14:00",
                   "q": {"value": 36.6, "unit": "Cel"}, "all": [3]}  # fmt: skip
    assert type(row["n"]) is int and type(row["v"]) is float
    assert orjson.loads(orjson.dumps(row)) == row


def test_other_resource_types_and_non_objects_give_no_rows():
    compiled = compile_view({"resource": "Patient", "select": [{"column": [
        {"name": "id", "path": "id"}]}]})  # fmt: skip
    for thing in [None, [], "Patient", 7, {"resourceType": "Observation", "id": "x"}, {}]:
        assert list(compiled.rows(thing)) == []  # type: ignore[arg-type]


def test_data_errors_name_the_path_and_the_resource():
    compiled = compile_view({"resource": "Patient", "select": [{"column": [
        {"name": "f", "path": "name.family"}]}]})  # fmt: skip
    assert list(compiled.rows(patient("one", name=[{"family": "A"}]))) == [{"f": "A"}]
    with pytest.raises(ViewError, match=r"select\[0\]\.column\[0\]\.path \(Patient/two\)"):
        list(compiled.rows(patient("two", name=[{"family": "A"}, {"family": "B"}])))
    not_boolean = compile_view(
        {
            "resource": "Patient",
            "where": [{"path": "name.family"}],
            "select": [{"column": [{"name": "id", "path": "id"}]}],
        }
    )
    with pytest.raises(ViewError, match=r"where\[0\]\.path \(Patient/p\).*not a boolean"):
        list(not_boolean.rows(patient("p", name=[{"family": "A"}])))
    assert list(not_boolean.rows(patient("q"))) == []  # empty: the resource is left out


def test_primitive_extensions_are_not_values():
    """`_birthDate` beside `birthDate` (FHIR JSON's primitive extensions) is no second
    value: neither on the plain path nor through the engine."""
    extension = {"extension": [{"url": "u", "valueCode": "x"}]}
    p = patient("p", birthDate="1970-06", _birthDate=extension,
                name=[{"given": ["An"], "_given": [{"extension": [{"url": "v"}]}]}])  # fmt: skip
    (row,) = evaluate({"resource": "Patient", "select": [{"column": [
        {"name": "b", "path": "birthDate"}, {"name": "b2", "path": "birthDate.first()"},
        {"name": "g", "path": "name.given", "collection": True}]}]}, [p])  # fmt: skip
    assert row == {"b": "1970-06", "b2": "1970-06", "g": ["An"]}


def test_wrong_shapes_do_not_crash():
    view = {"resource": "Patient", "select": [
        {"column": [{"name": "id", "path": "id"}]},
        {"forEachOrNull": "name", "column": [{"name": "f", "path": "family"},
                                             {"name": "g", "path": "given.first()"}]}]}  # fmt: skip
    odd = [patient("a", name="Lê"), patient("b", name=[None, 5, "x"]), patient("c", name={}),
           patient("d", name=[{"family": {"x": 1}, "given": "An"}]), patient(None)]  # fmt: skip
    compiled = compile_view(view)
    for resource in odd:
        try:
            for row in compiled.rows(resource):
                orjson.dumps(row)
        except ViewError:
            pass  # a clear refusal is fine; a crash is not


def test_hundred_thousand_elements_in_bounded_time():
    names = [{"family": f"f{i}", "given": ["An", "Bình"]} for i in range(100_000)]
    compiled = compile_view({"resource": "Patient", "select": [
        {"column": [{"name": "n", "path": "name.given.count()", "type": "integer"}]},
        {"forEach": "name", "column": [{"name": "i", "path": "%rowIndex", "type": "integer"},
                                       {"name": "f", "path": "family"}]}]})  # fmt: skip
    started = time.monotonic()
    rows = list(compiled.rows(patient("big", name=names)))
    assert len(rows) == 100_000 and rows[-1] == {"n": 200_000, "i": 99_999, "f": "f99999"}
    assert time.monotonic() - started < 90  # linear: ~10 s on the shared CI machine


def test_deep_resource_with_repeat_and_descendants():
    top: dict = {"linkId": "0"}
    item = top
    for i in range(1, 3_000):
        item["item"] = [{"linkId": str(i)}]
        item = item["item"][0]
    response = {"resourceType": "QuestionnaireResponse", "id": "q", "item": [top]}
    rows = list(
        evaluate(
            {
                "resource": "QuestionnaireResponse",
                "select": [
                    {
                        "repeat": ["item"],
                        "column": [
                            {"name": "l", "path": "linkId"},
                            {"name": "i", "path": "%rowIndex"},
                        ],
                    }
                ],
            },
            [response],
        )
    )
    assert [r["l"] for r in rows] == [str(i) for i in range(3_000)]  # fmt: skip
    assert rows[-1]["i"] == 2_999
    deep = compile_view({"resource": "QuestionnaireResponse", "select": [{"column": [
        {"name": "n", "path": "repeat(item).linkId.count()"}]}]})  # fmt: skip
    try:
        assert list(deep.rows(response)) == [{"n": 3_000}]
    except ViewError as exc:  # fhirpathpy recurses: refused, named, not a crash
        assert "nested too deeply" in str(exc)
