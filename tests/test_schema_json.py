"""The JSON Schemas of pathway and case files: generated from the validator's tables, committed
as schemas/*.json, accepted by the real check-jsonschema tool for every bundled and valid fixture
file, and rejecting the structurally broken fixtures."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vcfgraph.cli import main
from vcfgraph.errors import VcfgraphError
from vcfgraph.io.load import load_cases, load_pathway
from vcfgraph.io.jsonschema import pathway_schema
from vcfgraph.io.spec import NODE_BY_KIND, NODE_COMMON, SECTIONS

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
DATA = ROOT / "tests" / "data"
#: the fixtures whose mistake is one of structure (a key, a type, a kind, an operator, YAML itself)
STRUCTURAL = sorted(DATA / "invalid" / f"{name}.yaml" for name in (
    "condition-injection", "duplicate-key", "empty", "many-problems", "not-a-mapping", "operator-injection",
    "unknown-confidence", "unknown-node-key", "unknown-node-kind", "unknown-operator", "unknown-top-level-key",
    "wrong-type", "yaml-syntax"))


def _tool() -> str:
    found = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or shutil.which("check-jsonschema")
    assert found, "check-jsonschema is a test dependency (pyproject [test] extra)"
    return found


def _valid_files() -> tuple[list[Path], list[Path]]:
    """Every pathway file and case file of the repository that the loader accepts."""
    pathways: list[Path] = []
    cases: list[Path] = []
    candidates = sorted(DATA.rglob("*.yaml")) + sorted((ROOT / "graphs").rglob("*.yaml")) + sorted((ROOT / "cases").glob("*.yaml"))
    known = [load_pathway(p) for p in (ROOT / "graphs" / "vcf-management.yaml", DATA / "tiny.yaml",
                                       ROOT / "graphs" / "examples" / "ottawa-ankle.yaml",
                                       ROOT / "graphs" / "examples" / "curb-65.yaml")]
    for path in candidates:
        if "invalid" in path.parts or "hostile" in path.parts:
            continue
        try:
            load_pathway(path)
            pathways.append(path)
            continue
        except VcfgraphError:
            pass
        for pathway in known:
            try:
                load_cases(pathway, path)
                cases.append(path)
                break
            except VcfgraphError:
                pass
    return pathways, cases


def _run(schema: Path, files: list[Path]) -> subprocess.CompletedProcess:
    return subprocess.run([_tool(), "--schemafile", str(schema), *map(str, files)], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("kind", ["pathway", "case"])
def test_committed_schemas_are_the_generated_ones(kind, capsys):
    assert main(["schema", "--file", kind]) == 0
    assert capsys.readouterr().out == (SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8")


@pytest.mark.subprocess
def test_check_jsonschema_accepts_every_bundled_and_valid_file():
    pathways, cases = _valid_files()
    assert ROOT / "graphs" / "examples" / "ottawa-ankle.yaml" in pathways and len(pathways) >= 25
    assert ROOT / "graphs" / "examples" / "curb-65.yaml" in pathways
    assert len(cases) >= 60
    for schema, files in ((SCHEMAS / "pathway.schema.json", pathways), (SCHEMAS / "case.schema.json", cases)):
        done = _run(schema, files)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.subprocess
@pytest.mark.parametrize("path", STRUCTURAL, ids=lambda p: p.stem)
def test_check_jsonschema_rejects_structurally_broken_files(path):
    done = _run(SCHEMAS / "pathway.schema.json", [path])
    assert done.returncode == 1, done.stdout + done.stderr


@pytest.mark.subprocess
def test_a_key_the_validator_does_not_know_is_not_in_the_schema_either(tmp_path):
    """The schema follows the validator's table: add a key to a copy of tiny and both reject it."""
    tiny = (DATA / "tiny.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(tiny.replace("  entry: q_pain\n", "  entry: q_pain\n  colour: red\n"), encoding="utf-8")
    with pytest.raises(VcfgraphError, match="colour"):
        load_pathway(bad)
    assert _run(SCHEMAS / "pathway.schema.json", [bad]).returncode == 1
    schema = pathway_schema()
    assert set(schema["$defs"]["pathway"]["properties"]) == set(SECTIONS["pathway"].keys)
    node = schema["$defs"]["node"]
    assert set(node["properties"]) == set(NODE_COMMON)
    assert [set(b["then"]["properties"]) for b in node["allOf"]] == [set(k) for k in NODE_BY_KIND.values()]


def test_bundled_files_name_their_schema():
    examples = ROOT / "graphs" / "examples"
    files = [ROOT / "graphs" / "vcf-management.yaml", examples / "ottawa-ankle.yaml", examples / "curb-65.yaml",
             *sorted((ROOT / "cases").glob("*.yaml")), *sorted((examples / "ottawa-cases").glob("*.yaml")),
             *sorted((examples / "curb-65-cases").glob("*.yaml"))]
    for f in files:
        first = f.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), f
        target = (f.parent / first.split("=", 1)[1]).resolve()
        assert target.parent == SCHEMAS and target.exists(), f


def test_every_key_of_the_spec_has_hover_text_and_no_word_is_left_over():
    from vcfgraph.conditions import CONNECTIVES, OPERATORS
    from vcfgraph.io.cases import CASE_KEYS, EXPECTED_KEYS
    from vcfgraph.io.spec_help import HELP

    want = {name: set(section.keys) for name, section in SECTIONS.items() if name != "node"}
    want["node"] = set(NODE_COMMON)
    want.update({f"node.{kind}": set(keys) for kind, keys in NODE_BY_KIND.items()})
    want["case"], want["expected"] = set(CASE_KEYS), set(EXPECTED_KEYS)
    want["condition"] = {"fact", *OPERATORS, *CONNECTIVES, "n", "of", "threshold", "when", "add"}
    assert {name: set(words) for name, words in HELP.items()} == want
    assert all(words.strip() for section in HELP.values() for words in section.values())


def test_every_property_of_the_pathway_schema_has_a_description():
    schema = pathway_schema()
    objects = {"root": schema, **{name: d for name, d in schema["$defs"].items() if name != "condition"}}
    objects.update({f"node.{rule['if']['properties']['kind']['const']}": rule["then"]
                    for rule in schema["$defs"]["node"]["allOf"]})
    condition = schema["$defs"]["condition"]["anyOf"]
    objects.update({f"condition.{i}": test for i, test in enumerate(condition)})
    objects["at_least"] = next(t["properties"]["at_least"] for t in condition if "at_least" in t["properties"])
    objects["points.rule"] = condition[-1]["properties"]["points"]["items"]
    bare = [f"{name}.{key}" for name, obj in objects.items() for key, shape in obj["properties"].items()
            if not shape.get("description")]
    assert bare == [] and len(objects) == len(SECTIONS) + len(NODE_BY_KIND) + len(condition) + 2
    assert schema["$defs"]["fact"]["properties"]["red_flag"]["description"] == "true: a red flag, asked before any other fact."
