"""``vcfgraph new``: the scaffold is a valid, checked pathway with a matching case and a README
whose command lines work; an existing folder is refused."""

from __future__ import annotations

from pathlib import Path

from vcfgraph.analysis.checker import verify
from vcfgraph.cli import main
from vcfgraph.engine import check_expected, trace
from vcfgraph.io.load import load_cases, load_pathway

ROOT = Path(__file__).resolve().parent.parent


def test_new_scaffolds_a_clean_pathway_with_a_matching_case(tmp_path, capsys):
    folder = tmp_path / "my-rule"
    assert main(["new", str(folder)]) == 0
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "README.md", "case.schema.json", "cases/sign-present.yaml", "pathway.schema.json", "pathway.yaml"]
    pathway = load_pathway(folder / "pathway.yaml")
    assert pathway.meta.id == "my-rule" and [d.name for d in pathway.definitions] == ["sign_without_exclusion"]
    report = verify(pathway)
    assert [f for f in report.findings if f.severity != "info"] == []
    assert {p.status for p in report.properties} == {"proven"}
    (case,) = load_cases(pathway, folder / "cases" / "sign-present.yaml")
    assert check_expected(trace(pathway, case), case) == []
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert f"vcfgraph check {folder}/pathway.yaml" in readme
    assert f"vcfgraph coverage {folder}/cases --graph {folder}/pathway.yaml" in readme
    capsys.readouterr()
    assert main(["check", str(folder / "pathway.yaml")]) == 0
    assert main(["coverage", str(folder / "cases"), "--graph", str(folder / "pathway.yaml")]) == 0


def test_the_editor_line_points_at_the_schemas_written_beside_the_pathway(tmp_path):
    folder = tmp_path / "p"
    assert main(["new", str(folder)]) == 0
    for path, name in ((folder / "pathway.yaml", "pathway"), (folder / "cases" / "sign-present.yaml", "case")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target == folder.resolve() / f"{name}.schema.json" and target.is_file()


def test_schema_path_points_elsewhere_and_writes_no_schema(tmp_path):
    folder = tmp_path / "p"
    assert main(["new", str(folder), "--schema-path", "https://example.org/s/"]) == 0
    assert not (folder / "pathway.schema.json").exists() and not (folder / "case.schema.json").exists()
    assert (folder / "cases" / "sign-present.yaml").read_text(encoding="utf-8").splitlines()[0] == (
        "# yaml-language-server: $schema=https://example.org/s/case.schema.json")


def test_new_is_deterministic_and_refuses_a_folder_in_use(tmp_path, capsys):
    a, b = tmp_path / "a" / "rule", tmp_path / "b" / "rule"
    assert main(["new", str(a), "--schema-path", "s/"]) == 0
    assert main(["new", str(b), "--schema-path", "s/"]) == 0
    for name in ("pathway.yaml", "cases/sign-present.yaml"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    capsys.readouterr()
    assert main(["new", str(a)]) == 2
    err = capsys.readouterr().err
    assert "already exists and is not an empty folder; choose a new DIR" in err and "Traceback" not in err


def test_acr_fields_are_optional_and_nothing_prints_them_empty(tmp_path, capsys):
    """number, stage and acr_wording are ACR's: the scaffold's variants have none, and the trace,
    the PlanDefinition and Mermaid exports print no empty "Variant None" or stage for them."""
    import json

    from vcfgraph.export.mermaid import mermaid
    from vcfgraph.export.plandefinition import plandefinition

    folder = tmp_path / "rule"
    assert main(["new", str(folder)]) == 0
    text = (folder / "pathway.yaml").read_text(encoding="utf-8")
    assert "number:" not in text and "stage:" not in text and "acr_wording" not in text
    pathway = load_pathway(folder / "pathway.yaml")
    variant = pathway.node("V1_sign")
    assert (variant.number, variant.stage, variant.acr_wording) == (None, "", "")
    (action,) = [a for a in plandefinition(pathway, "https://example.org")["action"] if a["id"] == "V1-sign"]
    assert "prefix" not in action and [e["valueCode"] for e in action["extension"]] == ["variant"]
    assert '  n_V1_sign["V1: sign present<br/>Recommended: The test"]' in mermaid(pathway).splitlines()
    capsys.readouterr()
    assert main(["trace", str(folder / "cases" / "sign-present.yaml"), "--graph", str(folder / "pathway.yaml")]) == 0
    out = capsys.readouterr().out
    assert "None" not in out and "Variant" not in out and "stage" not in out
    assert main(["trace", "--json", str(folder / "cases" / "sign-present.yaml"), "--graph", str(folder / "pathway.yaml")]) == 0
    assert "None" not in json.dumps(json.loads(capsys.readouterr().out))


def test_the_scaffold_is_in_canonical_form_and_acknowledges_its_need_info_stop(tmp_path, capsys):
    folder = tmp_path / "rule"
    assert main(["new", str(folder)]) == 0
    capsys.readouterr()
    assert main(["fmt", "--check", str(folder / "pathway.yaml"), str(folder / "cases" / "sign-present.yaml")]) == 0
    capsys.readouterr()
    assert main(["check", str(folder / "pathway.yaml")]) == 0
    out = capsys.readouterr().out
    assert ("info VCF301 need-info-stop [q_sign] (acknowledged: The walk is meant to stop here and ask whether the "
            "sign is present.): ") in out
    assert out.splitlines()[-1] == "Summary: 0 error(s), 0 warning(s), 1 info (1 acknowledged in the pathway file)"
