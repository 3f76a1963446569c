"""The layer contract: imports flow one way, computed from the code itself.

    kernel          errors scale conditions model route validate engine lightwalk whatif lookup report (+ schemas),
                    imaging/ (the imaging companion: protocol notes, the dose rule)
    io              every file format <-> the model
    views           analysis, batch, render, export (never each other)
    service         serve
    command line    cli (and __main__)

A file may import its own layer and the layers below it; packages of the views layer never import
each other; inside the kernel a module imports only the modules listed before it. The only
exceptions are the one-line notebook conveniences on ``Pathway`` and ``Route``, imported inside the
method (:data:`CONVENIENCES`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "vcfgraph"

#: the kernel, lowest first: a kernel module imports only the modules before it
KERNEL = ("errors", "schemas", "scale", "conditions", "model", "route", "validate", "engine", "lightwalk", "whatif",
          "lookup", "imaging", "report")

#: layer number -> (its name, the top-level names of vcfgraph it holds)
LAYERS = {
    0: ("kernel", set(KERNEL)),
    1: ("io", {"io"}),
    2: ("views", {"analysis", "batch", "render", "export"}),
    3: ("service", {"serve"}),
    4: ("command line", {"cli", "__main__"}),
}

#: (importing module, imported module or package): the notebook conveniences, inside a method only
CONVENIENCES = {
    ("vcfgraph.model", "vcfgraph.engine"),          # Pathway.trace
    ("vcfgraph.model", "vcfgraph.export"),          # Pathway.to_networkx
    ("vcfgraph.model", "vcfgraph.render"),          # Pathway._repr_svg_ / _repr_html_
    ("vcfgraph.route", "vcfgraph.report"),          # Route.to_dict
    ("vcfgraph.route", "vcfgraph.render"),          # Route._repr_svg_ / _repr_html_
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[tuple[str, bool]]:
    """(imported vcfgraph module, imported inside a function) for every import of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("vcfgraph"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                yield (full if full in MODULES else node.module), id(node) not in top
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("vcfgraph"):
                    yield alias.name, id(node) not in top


def _top(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer(name: str) -> int:
    top = _top(name)
    for number, (_, names) in LAYERS.items():
        if top in names:
            return number
    raise AssertionError(f"{name}: on no layer of the contract; add its package to LAYERS")


def _convenience(source: str, target: str) -> bool:
    return any(source == s and (target == t or target.startswith(t + ".")) for s, t in CONVENIENCES)


def _arrows() -> list[tuple[str, str, bool]]:
    return sorted({(name, target, lazy) for name, path in MODULES.items() if name != "vcfgraph"
                   for target, lazy in _imports(name, path) if target != name and target != "vcfgraph"})


def test_every_module_sits_on_a_layer():
    for name in MODULES:
        if name != "vcfgraph":
            _layer(name)


def test_no_import_runs_against_the_layers():
    wrong = []
    for source, target, lazy in _arrows():
        if lazy and _convenience(source, target):
            continue
        ls, lt = _layer(source), _layer(target)
        if lt > ls:
            wrong.append(f"{source} -> {target} (up from {LAYERS[ls][0]} to {LAYERS[lt][0]})")
        elif lt == ls == 2 and _top(source) != _top(target):
            wrong.append(f"{source} -> {target} (two packages of the views layer)")
        elif lt == ls == 0 and KERNEL.index(_top(target)) > KERNEL.index(_top(source)):
            wrong.append(f"{source} -> {target} (up inside the kernel)")
    assert not wrong, "imports against the layer contract:\n" + "\n".join(wrong)


def test_the_conveniences_are_one_line_imports_inside_methods():
    for source, target, lazy in _arrows():
        if _convenience(source, target):
            assert lazy, f"{source} imports {target} at the top: only a method may, as a notebook convenience"


def test_no_file_level_cycle_outside_the_conveniences():
    graph = nx.DiGraph((s, t) for s, t, lazy in _arrows() if not (lazy and _convenience(s, t)) and t in MODULES)
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"


def test_the_located_reading_modules_call_only_down():
    """The modules that turn bytes into located trees never import the readers built on them."""
    reading = {"vcfgraph.io.cache", "vcfgraph.io.collector", "vcfgraph.io.hints", "vcfgraph.io.source", "vcfgraph.io.tree",
               "vcfgraph.io.yaml12"}
    for name in reading:
        got = {t for t, _ in _imports(name, MODULES[name])}
        assert got <= reading | {"vcfgraph.errors", "vcfgraph.io"}, f"{name} imports {sorted(got - reading)}"


def test_renderers_read_only_the_plain_model():
    allowed = {"errors", "conditions", "model", "scale", "route", "render", "imaging"}  # imaging: the companion's plain data
    for name, path in MODULES.items():
        if _top(name) == "render":
            got = {_top(t) for t, _ in _imports(name, path)}
            assert got <= allowed, f"{name} imports {sorted(got - allowed)}"


def test_only_the_reading_layer_reads_yaml():
    """Other modules may write YAML text (witness case files), never load or parse it: only
    vcfgraph/io/ does (the formatter, io/fmt.py, round-trips text to text there)."""
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if not any(word in text for word in (".load(", ".parse(", "CParser", "get_event")):
            continue
        for node in ast.walk(ast.parse(text)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n.startswith(("ruamel", "yaml")) for n in names):
                assert path.parent.name == "io", f"{path} reads YAML"


def test_fmt_command_and_formatter_agree_on_the_default_width():
    from vcfgraph.cli import fmt as cli_fmt
    from vcfgraph.io import fmt

    assert cli_fmt.DEFAULT_WIDTH == fmt.DEFAULT_WIDTH
