"""The programme data shipped in the package (`hoso/programmes/data/`): configuration
documents and visit forms (Questionnaires, `data/forms/<name>.json`), read once."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["FORM_BASE", "packaged_document", "packaged_form"]

FORM_BASE = "https://hoso.vn/fhir/Questionnaire/"


@cache
def packaged_document(name: str) -> dict[str, Any]:
    """`data/<name>` parsed (e.g. "elderly.json"); a missing file is a packaging bug."""
    return json.loads(resources.files("hoso.programmes").joinpath("data", name).read_text("utf-8"))


@cache
def packaged_form(name: str) -> dict[str, Any]:
    """The Questionnaire `data/forms/<name>.json`, its url `FORM_BASE + name`."""
    form = packaged_document(f"forms/{name}.json")
    if form.get("url") != FORM_BASE + name:
        raise ValueError(f"forms/{name}.json: url must be {FORM_BASE + name}")
    return form
