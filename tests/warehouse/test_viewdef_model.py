"""A ViewDefinition is checked before it runs: each mistake is a `ViewError` whose
message starts with the JSON path of what is wrong, Vietnamese first, then English."""

from __future__ import annotations

import time

import pytest

from hoso.warehouse.viewdef import ViewError
from hoso.warehouse.viewdef.model import MAX_DEPTH, parse_view, validate


def view(*select: dict, **extra: object) -> dict:
    return {"resourceType": "ViewDefinition", "resource": "Patient", "status": "active",
            "select": list(select), **extra}  # fmt: skip


def column(name: object = "id", path: object = "id", **extra: object) -> dict:
    return {"name": name, "path": path, **extra}


def error_of(definition: object) -> str:
    with pytest.raises(ViewError) as caught:
        validate(definition)
    message = str(caught.value)
    vietnamese, _, english = message.partition(" / ")
    assert vietnamese and english, f"Vietnamese / English: {message}"
    return message


def test_a_valid_view_passes_and_keeps_its_column_order():
    parsed = parse_view(view(
        {"column": [column("id"), column("birth", "birthDate")]},
        {"forEach": "name", "column": [column("family", "family")],
         "select": [{"forEachOrNull": "given", "column": [column("given", "$this")]}]},
        {"unionAll": [{"column": [column("v", "gender")]}, {"column": [column("v", "'x'")]}]},
        constant=[{"name": "use", "valueCode": "official"}],
        where=[{"path": "name.where(use = %use).exists()"}],
    ))  # fmt: skip
    assert parsed.names == ("id", "birth", "family", "given", "v")
    assert parsed.resource == "Patient"
    assert parsed.constants[0].kind == "code"


@pytest.mark.parametrize("name", ["1d", "a-b", "", "tên", " id", "id ", None, 7])
def test_bad_column_name(name):
    assert error_of(view({"column": [column(), column(name)]})).startswith(
        "select[0].column[1].name: "
    )


@pytest.mark.parametrize(
    ("select", "duplicate"),
    [
        ([{"column": [column("id"), column("id", "gender")]}], "id"),
        ([{"column": [column("id")]}, {"column": [column("id", "gender")]}], "id"),
        ([{"column": [column("a")]},
          {"forEach": "name", "select": [{"column": [column("a", "family")]}]}], "a"),
        ([{"column": [column("a")], "unionAll": [{"column": [column("a", "gender")]},
                                                  {"column": [column("a", "gender")]}]}], "a"),
    ],
)  # fmt: skip
def test_duplicate_column_names_anywhere_in_the_view(select, duplicate):
    assert f"duplicate column name: {duplicate}" in error_of(view(*select))


def test_union_branches_need_the_same_columns_in_the_same_order():
    message = error_of(
        view(
            {
                "unionAll": [
                    {"column": [column("a"), column("b")]},
                    {"column": [column("b"), column("a")]},
                ]
            }
        )
    )
    assert message.startswith("select[0].unionAll[1]: ")  # fmt: skip


@pytest.mark.parametrize(
    ("definition", "where"),
    [
        (view({"column": [column()]}, selekt=[]), "selekt: "),
        (view({"column": [column()], "forEech": "name"}), "select[0].forEech: "),
        (view({"column": [column(), column("b", "id", colour="red")]}),
         "select[0].column[1].colour: "),
        (view({"column": [column()]}, where=[{"path": "true", "when": "now"}]), "where[0].when: "),
    ],
)  # fmt: skip
def test_unknown_key(definition, where):
    message = error_of(definition)
    assert message.startswith(where) and "unknown key" in message


@pytest.mark.parametrize("path", [7, None, ["id"], {"a": 1}, "", "   ", True])
def test_path_that_is_not_a_string(path):
    message = error_of(view({"column": [column(), column("b", path)]}))
    assert message.startswith("select[0].column[1].path: ")


@pytest.mark.parametrize(
    "path", ["name.(", "@@", "name.family )", "1 +", "name..family", "where(", "'open", "a b"]
)
def test_bad_fhirpath(path):
    message = error_of(view({"column": [column(), column("b", path)]}))
    assert message.startswith("select[0].column[1].path: ") and "invalid FHIRPath" in message


@pytest.mark.parametrize(
    ("select", "where"),
    [
        ({"forEach": 1, "column": [column()]}, "select[0].forEach"),
        ({"forEach": "name", "forEachOrNull": "name", "column": [column()]}, "select[0]"),
        ({"repeat": "item", "column": [column()]}, "select[0].repeat"),
        ({"repeat": [], "column": [column()]}, "select[0].repeat"),
        ({"repeat": ["item", 3], "column": [column()]}, "select[0].repeat[1]"),
        ({}, "select[0]"),
        ({"column": "id"}, "select[0].column"),
        ({"column": [column(collection="yes")]}, "select[0].column[0].collection"),
        ({"column": [column(type=["string"])]}, "select[0].column[0].type"),
        ({"select": [{"select": [{"column": [column(path="name.where(use = %nope)")]}]}]},
         "select[0].select[0].select[0].column[0].path"),
    ],
)  # fmt: skip
def test_select_mistakes_named_by_path(select, where):
    assert error_of(view(select)).startswith(f"{where}: ")


@pytest.mark.parametrize(
    ("constant", "where"),
    [
        ({"name": "c"}, "constant[0]"),
        ({"name": "c", "valueString": "a", "valueCode": "b"}, "constant[0]"),
        ({"name": "c", "valueInteger": "1"}, "constant[0].valueInteger"),
        ({"name": "c", "valueInteger": True}, "constant[0].valueInteger"),
        ({"name": "c", "valueBoolean": 1}, "constant[0].valueBoolean"),
        ({"name": "c", "valueDecimal": "1.5"}, "constant[0].valueDecimal"),
        ({"name": "c", "valueQuantity": {"value": 1}}, "constant[0].valueQuantity"),
        ({"name": "c", "valueString": "a", "extra": 1}, "constant[0].extra"),
        ({"name": "%c", "valueString": "a"}, "constant[0].name"),
    ],
)
def test_constants_are_typed(constant, where):
    definition = view({"column": [column()]}, constant=[constant])
    assert error_of(definition).startswith(f"{where}: ")


def test_undefined_and_duplicate_constants():
    message = error_of(view({"forEach": "name.where(use = %wrong)", "column": [column()]},
                            constant=[{"name": "right", "valueString": "x"}]))  # fmt: skip
    assert message.startswith("select[0].forEach: ") and "%wrong" in message
    two = [{"name": "c", "valueString": "x"}, {"name": "c", "valueString": "y"}]
    assert error_of(view({"column": [column()]}, constant=two)).startswith("constant: ")


@pytest.mark.parametrize(
    "definition",
    [None, [], "view", {}, {"resource": "Patient"}, {"resource": "Patient", "select": []},
     {"resource": 7, "select": [{"column": [column()]}]},
     {"resource": "Patinet", "select": [{"column": [column()]}]},
     {"resource": "ViewDefinition", "select": [{"column": [column()]}]},
     {"resource": "Patient", "select": {"column": [column()]}},
     {"resource": "Patient", "select": [{"column": [column()]}], "where": {"path": "true"}}],
)  # fmt: skip
def test_malformed_views(definition):
    error_of(definition)


def test_deep_nesting_refused_quickly():
    inner: dict = {"column": [column()]}
    for _ in range(5_000):
        inner = {"select": [inner]}
    started = time.monotonic()
    message = error_of(view(inner))
    assert f"nested deeper than {MAX_DEPTH}" in message
    assert time.monotonic() - started < 2


def test_enormous_expressions_refused_without_a_crash():
    assert "longer than" in error_of(view({"column": [column(path="id or " * 2_000 + "id")]}))
    parens = "(" * 900 + "id" + ")" * 900  # under the length limit, deep for the parser
    message = error_of(view({"column": [column(path=parens)]}))
    assert message.startswith("select[0].column[0].path: ") and "nested too deeply" in message
    assert parse_view(view({"column": [column(path="(" * 50 + "id" + ")" * 50)]}))


def test_many_columns_in_bounded_time():
    columns = [column(f"c{i}", "id") for i in range(2_000)]
    started = time.monotonic()
    assert len(parse_view(view({"column": columns})).names) == 2_000
    assert time.monotonic() - started < 20
