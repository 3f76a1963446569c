"""Imports flow one way: errors <- conditions <- model <- {load, engine} <- ... <- cli."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "vcfgraph"

#: module -> vcfgraph modules it may import (a package name stands for its modules)
ALLOWED = {
    "errors": set(),
    "conditions": {"errors"},
    "model": {"errors", "conditions", "route", "scale"},
    "scale": set(),
    "scale_schema": {"errors", "conditions", "located", "scale", "schema_spec"},
    "schema_spec": {"model", "scale"},
    "route": {"conditions", "model"},
    "located": {"errors", "conditions"},
    "schema": {"errors", "conditions", "model", "located", "schema_nodes", "definitions", "scale_schema", "schema_spec"},
    "definitions": {"errors", "conditions", "model", "located"},
    "schema_nodes": {"errors", "conditions", "model", "located", "scale", "schema_spec"},
    "load": {"errors", "conditions", "model", "located", "schema", "yaml_hints"},
    "yaml_hints": set(),
    "engine": {"errors", "conditions", "model", "route"},
    "report": {"errors", "conditions", "model", "route"},
    "lookup": {"errors", "conditions", "model"},
}


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("vcfgraph"):
            parts = node.module.split(".")
            found.add(parts[1] if len(parts) > 1 else node.names[0].name)
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("vcfgraph.")}
    return found


def test_core_modules_import_only_lower_layers():
    for name, allowed in ALLOWED.items():
        got = imports_of(PACKAGE / f"{name}.py")
        assert got <= allowed, f"{name} imports {sorted(got - allowed)}"


def test_renderers_read_only_the_plain_model():
    allowed = {"errors", "conditions", "model", "route", "render"}
    for path in (PACKAGE / "render").rglob("*.py"):
        got = imports_of(path)
        assert got <= allowed, f"{path.name} imports {sorted(got - allowed)}"


def test_engine_and_analysis_never_draw():
    for folder in ("analysis", "batch"):
        for path in (PACKAGE / folder).rglob("*.py"):
            assert "render" not in imports_of(path), f"{path} imports a renderer"


def test_nothing_below_the_cli_imports_the_cli():
    for path in PACKAGE.rglob("*.py"):
        if "cli" in path.relative_to(PACKAGE).parts or path.name == "__main__.py":
            continue
        assert "cli" not in imports_of(path), f"{path} imports the command line"


def test_only_the_loader_reads_yaml():
    """Other modules may write YAML text (witness case files), never load it; the formatter
    (fmt.py) round-trips text to text and never builds a model from it."""
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if ".load(" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n.startswith(("ruamel", "yaml")) for n in names):
                assert path.name in ("load.py", "fmt.py"), f"{path} reads YAML"
