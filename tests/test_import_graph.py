"""The package map of docs/architecture.md ("Packages"), enforced: a walk of
every import in `src/hoso` (module level and inside functions) fails on an arrow the
map does not draw. The rules are written once, here; docs/architecture.md points at them.

- Each package imports only the packages its row names (`MAY_IMPORT`).
- Nothing below the composition roots (`api`, `cli`, `assembly`) imports a web framework.
- Only `store` speaks SQL; the roots may reach the store only through its public entry
  points (`STORE_ENTRY_POINTS`), never its internals (schema, write path, compilers).
- No module imports a private module of a dependency (`psycopg._copy_base`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "hoso"
FOUNDATION = {"core", "fhir"}
DOMAIN = {"exchange", "publichealth", "programmes", "warehouse", "booking", "healthbook"}

# package → the hoso packages it may import (ARCHITECTURE.md's table, plus the packages
# this code base adds: `bulk` ($export over the access layer), `synth` (synthetic city),
# `assembly` (what both composition roots build the same way), `healthbook` (the
# resident's health book computed from the record, issue 17)). `healthbook` may call
# `programmes` (its public functions, as ARCHITECTURE.md lets one domain use another):
# the book shows the immunisation schedule's next due doses (issue 17).
MAY_IMPORT: dict[str, set[str]] = {
    "core": set(),
    "fhir": {"core"},
    "store": {"core", "fhir"},
    "access": {"core", "fhir"},
    "identity": {"core", "fhir"},
    "synth": {"core", "identity"},
    "ingest": {"core", "fhir", "identity", "synth"},
    "bulk": {"core", "fhir", "access"},
    "exchange": FOUNDATION,
    "publichealth": FOUNDATION | {"identity"},
    "programmes": FOUNDATION | {"identity"},  # a resident's ward, as publichealth
    "warehouse": FOUNDATION | {"identity"},  # a resident's ward, as programmes
    "booking": FOUNDATION | {"identity"},  # a resident's ward and BHYT card, as programmes
    "healthbook": FOUNDATION | {"programmes", "booking"},  # upcoming visits (issue 21)
    "assembly": FOUNDATION | {"store", "access", "identity", "ingest"} | DOMAIN,
    "api": FOUNDATION | {"store", "access", "identity", "ingest", "bulk", "assembly"} | DOMAIN,
    "cli": FOUNDATION
    | {"store", "access", "identity", "ingest", "bulk", "synth", "assembly", "api"}
    | DOMAIN,
}
ROOTS = {"api", "cli", "assembly"}
WEB = {"fastapi", "starlette", "uvicorn", "jinja2", "h11", "httptools"}
SQL = {"sqlalchemy", "psycopg", "psycopg2", "alembic", "sqlite3"}
# What a composition root may take from `store`: the store itself, its side tables with a
# contract of their own (jobs, credentials), and maintenance entry points.
STORE_ENTRY_POINTS = {"sql_store", "jobs", "auth_store", "web_sessions", "gateway_accounts",
                      "share_links", "engine", "secrets", "publichealth_cases",
                      "publichealth_series", "publichealth_tracing", "programme_rows",
                      "warehouse_supply",
                      "programme_immunisation",
                      "programme_cohorts", "programme_eyes",
                      "reindex",
                      "audit_spool", "migrate"}  # fmt: skip
# The roots may name SQLAlchemy for a URL or a connection error, nothing more.
ROOT_SQL = {"sqlalchemy"}


def imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, dotted module) of every absolute import in the tree."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def violations(src: Path) -> list[str]:
    found = []
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src)
        package = rel.parts[0].removesuffix(".py")
        if package == "__init__":
            continue
        allowed = MAY_IMPORT.get(package)
        if allowed is None:
            found.append(f"{rel}: package '{package}' is not on the map (MAY_IMPORT)")
            continue
        for line, module in imports(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{rel}:{line} imports {module}"
            parts = module.split(".")
            if parts[0] == "hoso":
                if len(parts) < 2 or parts[1] == package:
                    continue
                target = parts[1]
                if target not in allowed:
                    found.append(f"{where}: {package} may not import {target}")
                elif target == "store" and (len(parts) < 3 or parts[2] not in STORE_ENTRY_POINTS):
                    found.append(f"{where}: only the store's entry points, not its internals")
                continue
            if any(p.startswith("_") and not p.startswith("__") for p in parts[1:]):
                found.append(f"{where}: a private module of {parts[0]}")
            if parts[0] in WEB and package not in ROOTS:
                found.append(f"{where}: below the API, no web framework")
            if (
                parts[0] in SQL
                and package != "store"
                and not (package in ROOTS and parts[0] in ROOT_SQL)
            ):
                found.append(f"{where}: only the store speaks SQL")
    return found


def test_the_code_follows_the_package_map() -> None:
    assert violations(SRC) == []


def test_the_walk_catches_each_kind_of_wrong_arrow(tmp_path: Path) -> None:
    """The check itself can fail: a tree with one wrong import of each kind."""
    wrong = {
        "store/write.py": "from hoso.identity.cccd import current_cccds\n",
        "ingest/bulk.py": "def f():\n    from hoso.store.schema import resource\n",
        "access/guard.py": "from fastapi import Request\n",
        "identity/rows.py": "import sqlalchemy as sa\n",
        "fhir/copy.py": "from psycopg._copy_base import Formatter\n",
        "api/app.py": "from hoso.store.write import prepare\n",
        "magic/x.py": "import os\n",
        "cli/serve.py": "from hoso.store.sql_store import SqlStore\nimport sqlalchemy\n",
    }
    for name, text in wrong.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    flagged = {f.split(":")[0] for f in violations(tmp_path)}
    assert flagged == set(wrong) - {"cli/serve.py"}  # a root may name both
