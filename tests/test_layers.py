"""Imports flow one way: errors <- conditions <- model <- {load, engine} <- ... <- cli."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "vcfgraph"

#: module -> vcfgraph modules it may import (a package name stands for its modules)
ALLOWED = {
    "errors": set(),
    "bundled": set(),
    "graph_nx": {"conditions", "model"},
    "schemas": set(),
    "junit": set(),
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
    "validate": {"errors", "conditions", "model", "located"},
    "load": {"errors", "conditions", "model", "located", "schema", "bundled", "validate", "read"},
    "engine": {"errors", "conditions", "model", "route", "validate"},
    "report": {"errors", "conditions", "model", "route", "schemas"},
    "lookup": {"errors", "conditions", "model"},
    "twin": {"conditions", "model", "route", "errors"},
    "whatif": {"errors", "conditions", "model", "route", "engine"},
}

#: the imaging companion (issue 30): its model, the dose rule, and their reports
ALLOWED["imaging"] = {"errors", "model"}
ALLOWED["dose"] = {"errors", "imaging"}
ALLOWED["imaging_report"] = {"dose", "imaging", "route", "schemas"}

#: a FHIR QuestionnaireResponse read as a case, from the case loader
ALLOWED["fhir_case"] = {"errors", "conditions", "model", "located"}
ALLOWED["load"] = ALLOWED["load"] | {"fhir_case"}


#: module -> higher modules its notebook conveniences (``Pathway.trace``, ``Route.to_dict``,
#: ``_repr_svg_``...) hand over to, imported inside those methods only
FACADES = {
    "model": {"engine", "graph_nx", "render", "errors"},
    "route": {"report", "render", "errors", "whatif"},
}


def imports_of(path: Path, *, top_level: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("vcfgraph"):
            parts = node.module.split(".")
            found.add(parts[1] if len(parts) > 1 else node.names[0].name)
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("vcfgraph.")}
    return found


def test_core_modules_import_only_lower_layers():
    for name, allowed in ALLOWED.items():
        path = PACKAGE / f"{name}.py" if (PACKAGE / f"{name}.py").exists() else PACKAGE / name / "__init__.py"
        got = imports_of(path, top_level=True)
        assert got <= allowed, f"{name} imports {sorted(got - allowed)}"
        lazy = imports_of(path) - got
        assert lazy <= allowed | FACADES.get(name, set()), f"{name} imports {sorted(lazy - allowed)} in a function"


def test_the_reading_layer_calls_only_down():
    """vcfgraph/io/ turns files into located trees; it never imports the readers above it."""
    for path in (PACKAGE / "read").rglob("*.py"):
        got = imports_of(path)
        assert got <= {"errors", "read"}, f"{path.name} imports {sorted(got - {'errors', 'read'})}"


def test_renderers_read_only_the_plain_model():
    allowed = {"errors", "conditions", "model", "scale", "route", "render", "twin"}  # twin: the model as JSON data; scale: the model's rating scales
    allowed |= {"imaging", "dose", "imaging_report"}  # the imaging companion's model, rule and wording (kernel)
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
    """Other modules may write YAML text (witness case files), never load or parse it: only the
    reading layer (vcfgraph/io/) does, and the formatter (fmt.py) round-trips text to text and
    never builds a model from it."""
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if not any(word in text for word in (".load(", ".parse(", "CParser", "get_event")):
            continue
        for node in ast.walk(ast.parse(text)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n.startswith(("ruamel", "yaml")) for n in names):
                assert path.parent.name == "read" or path.name == "fmt.py", f"{path} reads YAML"


def test_fmt_command_and_formatter_agree_on_the_default_width():
    from vcfgraph.io import fmt
    from vcfgraph.cli import fmt as cli_fmt

    assert cli_fmt.DEFAULT_WIDTH == fmt.DEFAULT_WIDTH
