"""The package as a new user gets it: a wheel built from the repository, installed into a fresh
virtual environment outside it, run from an empty folder.

Building and installing takes a while (the dependencies come from the package index or pip's
cache), so one module-scoped fixture does it once for every test here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp: Path) -> dict[str, str]:
    """The environment of a user's shell: no PYTHONPATH, no test cache, nothing of the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "VCFGRAPH"))}
    env["VCFGRAPH_CACHE"] = str(tmp / "cache")
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
                   check=True, cwd=out, env=_env(out), capture_output=True)
    (found,) = out.glob("vcfgraph-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """(the venv's bin folder, an empty working folder outside the repository, the environment)."""
    home = tmp_path_factory.mktemp("user")
    assert ROOT not in home.parents
    venv.create(home / "venv", with_pip=True)
    bin_dir = home / "venv" / "bin"
    env = _env(home)
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
                   check=True, cwd=home, env=env, capture_output=True)
    work = home / "work"
    work.mkdir()
    return bin_dir, work, env


def _run(installed: tuple[Path, Path, dict[str, str]], *args: str) -> subprocess.CompletedProcess[str]:
    bin_dir, work, env = installed
    return subprocess.run([str(bin_dir / "vcfgraph"), *args], cwd=work, env=env, capture_output=True, text=True)


def _python(installed: tuple[Path, Path, dict[str, str]], code: str) -> str:
    bin_dir, work, env = installed
    done = subprocess.run([str(bin_dir / "python"), "-c", code], cwd=work, env=env, capture_output=True,
                          text=True, check=True)
    return done.stdout.strip()


@pytest.mark.subprocess
@pytest.mark.slow
def test_wheel_carries_the_bundled_data_templates_and_schemas(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "vcfgraph/bundled_graphs/vcf-management.yaml" in names
    cases = {Path(n).name for n in names if n.startswith("vcfgraph/bundled_cases/")}
    assert cases == {p.name for p in (ROOT / "cases").iterdir() if p.suffix in (".yaml", ".yml", ".json")}
    templates = {n for n in names if n.startswith("vcfgraph/render/templates/")}
    assert {Path(t).name for t in templates} == {p.name for p in (ROOT / "vcfgraph/render/templates").iterdir()}
    assert "vcfgraph/py.typed" in names
    schemas = {Path(n).name for n in names if n.startswith("vcfgraph/schemas/") and n.endswith(".json")}
    assert schemas == {p.name for p in (ROOT / "vcfgraph/schemas").glob("*.json")}


@pytest.mark.subprocess
@pytest.mark.slow
def test_wheel_metadata_has_an_spdx_license(wheel: Path):
    with zipfile.ZipFile(wheel) as z:
        (meta,) = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
        text = z.read(meta).decode()
    assert "License-Expression: MIT" in text.splitlines()


@pytest.mark.subprocess
@pytest.mark.slow
def test_installed_package_is_the_wheel_not_the_checkout(installed):
    where = Path(_python(installed, "import vcfgraph, vcfgraph.io.bundled as b; print(b.pathway_file())"))
    assert installed[0].parent in where.parents
    assert ROOT not in where.parents


@pytest.mark.subprocess
@pytest.mark.slow
def test_version_from_an_empty_folder(installed):
    done = _run(installed, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("vcfgraph 0.1.0\nbundled pathway: vcf-management version 1.0.0, reviewed 2026-11-25 "
                           "(Management of vertebral compression fractures)\n")


@pytest.mark.subprocess
@pytest.mark.slow
def test_trace_the_bundled_seed_case(installed):
    seed = _python(installed, "from vcfgraph import bundled; print(bundled.case_file('seed-incidental-t12.yaml'))")
    done = _run(installed, "trace", seed, "--json")
    assert done.returncode == 0, done.stderr
    route = json.loads(done.stdout)
    assert (route["case"], route["outcome"], route["terminal"]) == (
        "seed-incidental-t12", "variant", "V5_tx_asymptomatic_osteoporotic_vcf")
    assert route["expected"] == {"ok": True, "problems": []}


@pytest.mark.subprocess
@pytest.mark.slow
def test_wheel_carries_the_example_pathways(wheel: Path):
    names = {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("vcfgraph/bundled_graphs/examples/")}
    want = {"vcfgraph/bundled_graphs/" + p.relative_to(ROOT / "graphs").as_posix()
            for p in (ROOT / "graphs" / "examples").rglob("*.yaml")}
    assert names == want and len(want) > 5


@pytest.mark.subprocess
@pytest.mark.slow
@pytest.mark.parametrize("graph, cases", [("ottawa-ankle.yaml", "ottawa-cases"), ("curb-65.yaml", "curb-65-cases")])
def test_the_installed_examples_check_and_build_their_sites(installed, graph, cases):
    examples = Path(_python(installed, "from vcfgraph.io.bundled import examples_folder; print(examples_folder())"))
    assert ROOT not in examples.parents
    done = _run(installed, "check", str(examples / graph))
    assert done.returncode == 0 and "Summary: 0 error(s)" in done.stdout, done.stdout + done.stderr
    out = graph.removesuffix(".yaml")
    done = _run(installed, "site", "-g", str(examples / graph), "--cases", str(examples / cases), "-o", out)
    assert done.returncode == 0, done.stderr
    pages = sorted(p.name for p in (installed[1] / out / "cases").glob("*.html"))
    assert pages == sorted(p.stem + ".html" for p in (examples / cases).glob("*.yaml"))


@pytest.mark.subprocess
@pytest.mark.slow
def test_check_the_bundled_pathway(installed):
    done = _run(installed, "check")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("vcfgraph check: graphs/vcf-management.yaml\n")
    assert "Summary: 0 error(s)" in done.stdout


@pytest.mark.subprocess
@pytest.mark.slow
def test_site_with_the_bundled_case_library(installed):
    done = _run(installed, "site", "-o", "out")
    assert done.returncode == 0, done.stderr
    out = installed[1] / "out"
    built = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(ROOT / "renders").as_posix() for p in (ROOT / "renders").rglob("*") if p.is_file())
    assert built == committed
    for name in built:  # the installed package builds the very site the repository commits
        assert (out / name).read_bytes() == (ROOT / "renders" / name).read_bytes(), name


@pytest.mark.subprocess
@pytest.mark.slow
def test_library_from_an_empty_folder(installed):
    code = ("import vcfgraph; p = vcfgraph.load_pathway(); "
            "r = p.trace({'symptomatic': False}); print(r.outcome, len(p.facts))")
    outcome, facts = _python(installed, code).split()
    assert outcome in ("variant", "need_info", "handoff") and int(facts) > 0


@pytest.mark.subprocess
@pytest.mark.slow
def test_coverage_of_the_bundled_library_names_the_installed_pathway(installed):
    cases = _python(installed, "from vcfgraph import bundled; print(bundled.cases_folder())")
    done = _run(installed, "coverage", cases, "--lcov", "cov/suite.lcov", "--fail-under", "100")
    assert done.returncode == 0, done.stderr
    (sf,) = [line[3:] for line in (installed[1] / "cov" / "suite.lcov").read_text().splitlines() if line.startswith("SF:")]
    assert Path(sf).is_absolute() and Path(sf).is_file() and installed[0].parent in Path(sf).parents


@pytest.mark.subprocess
@pytest.mark.slow
def test_schema_and_sarif_from_the_installed_package(installed):
    done = _run(installed, "schema", "--output", "check")
    assert done.returncode == 0 and json.loads(done.stdout)["title"] == "vcfgraph check --json"
    done = _run(installed, "check", "--format", "sarif")
    assert done.returncode == 0 and json.loads(done.stdout)["version"] == "2.1.0"


@pytest.mark.subprocess
@pytest.mark.slow
def test_new_from_the_installed_package_writes_schemas_its_editor_lines_resolve_to(installed):
    done = _run(installed, "new", "rule")
    assert done.returncode == 0, done.stderr
    folder = installed[1] / "rule"
    for path, name in ((folder / "pathway.yaml", "pathway"), (folder / "cases" / "sign-present.yaml", "case")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target == folder.resolve() / f"{name}.schema.json"
        assert json.loads(target.read_text(encoding="utf-8"))["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.subprocess
@pytest.mark.slow
def test_export_from_the_installed_package_matches_the_checkout(installed):
    for target in ("bundle", "mermaid", "node-link"):
        done = _run(installed, "export", "--to", target, "-o", f"export.{target}")
        assert done.returncode == 0, done.stderr
        here = subprocess.run([sys.executable, "-m", "vcfgraph", "export", "--to", target], cwd=ROOT,
                              capture_output=True, text=True, check=True)
        assert (installed[1] / f"export.{target}").read_text() == here.stdout, target


# ------------------------------------------------------------------ the same promises, in-process


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from vcfgraph.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version_names_the_package_and_the_bundled_pathway(capsys):
    import vcfgraph
    from importlib.metadata import version

    code, out, _ = _main(capsys, "--version")
    meta = vcfgraph.load_pathway().meta
    assert code == 0 and vcfgraph.__version__ == version("vcfgraph")
    assert out == (f"vcfgraph {vcfgraph.__version__}\nbundled pathway: {meta.id} version {meta.version}, "
                   f"reviewed {meta.reviewed} ({meta.title})\n")


def test_every_command_that_reads_a_pathway_takes_graph():
    from vcfgraph.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    without = sorted(name for name, p in sub.choices.items()
                     if not any("--graph" in a.option_strings for a in p._actions))
    # fmt rewrites the files given, new writes a scaffold, feedback reads the service's store: none reads a pathway
    assert without == ["feedback", "fmt", "new"]


def test_check_graph_positional_and_option_agree(capsys):
    tiny = str(ROOT / "tests" / "data" / "tiny.yaml")
    first = _main(capsys, "check", tiny)
    assert first == _main(capsys, "check", "--graph", tiny) == _main(capsys, "check", tiny, "--graph", tiny)
    code, _, err = _main(capsys, "check", tiny, "--graph", "other.yaml")
    assert code == 2 and "give the pathway once" in err


@pytest.mark.slow
def test_diff_new_defaults_to_graph(capsys):
    tiny = str(ROOT / "tests" / "data" / "tiny.yaml")
    removed = str(ROOT / "tests" / "data" / "mutants" / "removed-edge.yaml")
    assert _main(capsys, "diff", tiny, "--graph", removed) == _main(capsys, "diff", tiny, removed)
    assert _main(capsys, "diff", str(ROOT / "graphs" / "vcf-management.yaml"))[0] == 0


@pytest.mark.subprocess
def test_site_with_another_graph_and_no_cases_builds_the_pathway_pages_only(capsys, tmp_path):
    code, out, err = _main(capsys, "site", "--graph", str(ROOT / "tests" / "data" / "tiny.yaml"), "-o", str(tmp_path))
    assert (code, err) == (0, "")
    assert out.startswith(f"vcfgraph site: 11 files for 0 cases in {tmp_path} ")
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert not [f for f in files if f.startswith("cases/")]
    assert files == [".vcfgraph-site.json", "assets/pathway.js", "assets/print.css", "assets/quiz.js", "assets/site.js",
                     "assets/twin.js", "assets/vcfgraph.css", "explore.html", "index.html", "pathway.html",
                     "pathway.svg", "quiz.html"]


def test_pyproject_license_is_an_spdx_string_and_dist_is_ignored():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    assert "dist/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
