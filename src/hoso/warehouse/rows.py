"""How a table's rows are made from a resource: the Python SQL-on-FHIR runner (every
construct of the spec; `viewdef.runner`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from hoso.warehouse.catalog import TableSpec

__all__ = ["python_rows"]


def python_rows(spec: TableSpec) -> Callable[[dict[str, Any]], Iterable[dict[str, Any]]]:
    from hoso.warehouse.viewdef.runner import compile_view

    return compile_view(spec.view).rows
