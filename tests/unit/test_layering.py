"""Dependencies point inward (DESIGN.md): each layer may import only what it is allowed to.

Reads the import statements of every ``.py`` file under each layer, found afresh on every
run, so new files are checked too. Imports inside functions count as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN: dict[str, set[str]] = {
    "domain": {
        "nicegui",
        "sqlmodel",
        "sqlalchemy",
        "fastapi",
        "starlette",
        "alembic",
        "pydantic",
        "storage",
        "ui",
        "api",
        "main",
    },
    "ui": {"sqlmodel", "sqlalchemy", "storage"},
    "storage": {"nicegui", "ui", "api"},
    "api": {"sqlmodel", "sqlalchemy", "storage"},
}


def layer_files(layer: str) -> list[Path]:
    return sorted(p for p in (ROOT / layer).rglob("*.py") if "__pycache__" not in p.parts)


def imported_modules(source: str, path: Path) -> list[tuple[int, str]]:
    """(line, dotted module name) for every import in ``source``, relative ones resolved."""
    package = list(path.relative_to(ROOT).parent.parts)
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: max(0, len(package) - (node.level - 1))]
                found.append((node.lineno, ".".join([*base, *filter(None, [node.module])])))
            elif node.module:
                found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Name) and node.func.id == "__import__")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def violations(path: Path, forbidden: set[str], source: str | None = None) -> list[str]:
    if source is None:
        source = path.read_text(encoding="utf-8")
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for line, name in imported_modules(source, path)
        if name.split(".")[0] in forbidden
    ]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    files = layer_files(layer)
    assert files, f"no Python files found under {layer}/"

    found = [v for path in files for v in violations(path, FORBIDDEN[layer])]

    assert found == [], "\n".join(found)


def test_the_scan_sees_the_whole_domain() -> None:
    names = {p.name for p in layer_files("domain")}
    assert {"__init__.py", "auth.py", "events.py", "scheduler.py", "settings.py"} <= names


CHECKER_CASES = [
    ("import sqlmodel", "sqlmodel"),
    ("import nicegui.ui as ui", "nicegui.ui"),
    ("from sqlalchemy.orm import Session", "sqlalchemy.orm"),
    ("def f():\n    from fastapi import APIRouter\n", "fastapi"),
    ("import os, pydantic", "pydantic"),
    ("from ..storage import repositories", "storage"),
    ("from ..storage.db import Database", "storage.db"),
    ("from . import sibling", "domain"),
    ("import importlib\nimportlib.import_module('alembic')", "alembic"),
    ("__import__('starlette')", "starlette"),
]


@pytest.mark.parametrize(("source", "expected"), CHECKER_CASES)
def test_the_import_reader_finds(source: str, expected: str) -> None:
    names = [name for _, name in imported_modules(source, ROOT / "domain" / "example.py")]
    assert expected in names


def test_a_violation_is_reported_with_file_and_line() -> None:
    path = ROOT / "domain" / "example.py"
    source = '"""doc"""\n\nimport os\nfrom domain import clock\nfrom sqlmodel import Session\n'

    assert violations(path, FORBIDDEN["domain"], source) == ["domain/example.py:5 imports sqlmodel"]
