"""What a share link shows: the chosen sections of the book, checked against its keys."""

from __future__ import annotations

from typing import Any

import pytest

from hoso.core.errors import InvalidRequest
from hoso.healthbook.sharing import SECTIONS, check_sections, shared_book


def _book() -> dict[str, Any]:
    history = [{"key": k, "items": [{"title": k}]} for k in SECTIONS
               if k not in ("administrative", "episodes", "papers")]  # fmt: skip
    return {"patient": "Patient/p1", "lang": "vi", "administrative": {"name": "An"},
            "history": history, "episodes": {"key": "episodes"}, "papers": {"key": "papers"},
            "measurements": {"8480-6": [131]}}


def test_the_whole_book_unless_sections_are_chosen() -> None:
    assert check_sections(None) == SECTIONS
    assert check_sections(["results", "administrative", "results"]) == (
        "administrative", "results")  # the book's order, each once


@pytest.mark.parametrize("chosen", [[], "results", ["unknown"], [["results"]], [None], 7])
def test_anything_else_is_refused(chosen: object) -> None:
    with pytest.raises(InvalidRequest):
        check_sections(chosen)


def test_only_the_chosen_sections_are_kept() -> None:
    shown = shared_book(_book(), ("vaccinations", "papers"))
    assert [s["key"] for s in shown["history"]] == ["vaccinations"]
    assert "papers" in shown and "episodes" not in shown and "administrative" not in shown
    assert shown["lang"] == "vi" and "measurements" not in shown  # not a chosen section
