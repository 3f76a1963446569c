"""The command line, in-process and as a real process: output, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vcfgraph.cli import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = Path(__file__).resolve().parent / "golden" / "trace"
SEED = ROOT / "cases" / "seed-incidental-t12.yaml"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; refresh with pytest --update-goldens"


def test_trace_seed_text_matches_golden(capsys, update_goldens):
    code, out, err = run(capsys, "trace", str(SEED))
    assert (code, err) == (0, "")
    golden("seed.txt", out, update_goldens)


def test_trace_need_info_text_matches_golden(capsys, update_goldens):
    code, out, _ = run(capsys, "trace", str(ROOT / "cases" / "vcf-038.yaml"))
    assert code == 0
    golden("vcf-038.txt", out, update_goldens)


def test_trace_json_has_the_documented_keys(capsys):
    code, out, _ = run(capsys, "trace", "--json", str(SEED), str(ROOT / "cases" / "vcf-033.yaml"))
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["case"] == "seed-incidental-t12" and first["outcome"] == "variant"
    assert first["terminal"] == "V5_tx_asymptomatic_osteoporotic_vcf" and first["missing"] == []
    assert first["recommendations"] == {
        "usually_appropriate": ["medical_management_only"],
        "may_be_appropriate": [],
        "usually_not_appropriate": ["percutaneous_vertebral_augmentation", "surgical_consultation",
                                    "radiation_oncology_consultation", "percutaneous_ablation_spine"],
    }
    step = first["route"][0]
    assert (step["node"], step["answer"], step["edge"], step["target"]) == (
        "q_high_energy_trauma", "No, or not recorded in a fragility context", "q_high_energy_trauma->q_red_flags",
        "q_red_flags")
    assert step["facts"]["high_energy_trauma"] is False and step["facts"]["age"] == 78  # the fragility context is read
    assert step["explanation"] == ("High-energy injury? Answered 'No, or not recorded in a fragility context' "
                                   "because high_energy_trauma is false.")
    assert (step["note"], step["confidence"], step["sources"]) == (None, None, [])
    assert [(b["edge"], b["result"]) for b in step["not_taken"]] == [
        ("q_high_energy_trauma->H_spine_trauma", False), ("a_trauma_unknown_red_flag", False),
        ("a_trauma_unknown_infection", False)]
    assert [f["fact"] for f in first["assumed"]] == ["epidural_disease", "suspected_instability", "suspected_infection"]
    assert [d["id"] for d in first["downstream"]][:2] == ["v5_osteoporosis_therapy", "v5_dxa"]
    assert first["expected"] == {"ok": True, "problems": []}
    assert "percutaneous_vertebral_augmentation" not in second["recommendations"]["usually_appropriate"]
    assert second["contraindicated"] == [{
        "action": "percutaneous_vertebral_augmentation",
        "label": "Percutaneous vertebral augmentation (vertebroplasty or kyphoplasty)",
        "category": "UA",
        "reason": "Augmentation is contraindicated for this patient "
                  "(contraindication_to_augmentation is active_infection)",
        "check": "no_contraindication_augmentation",
        "facts": ["contraindication_to_augmentation"],
    }]
    assert [(c["action"], c["check"], c["state"]) for c in second["cautions"]] == [
        ("surgical_consultation", "fitness_for_surgery", "failed"),
        ("surgical_consultation", "tumour_excluded_before_invasive", "not_established"),
        ("percutaneous_ablation_spine", "no_contraindication_ablation", "failed"),
    ]
    assert {"check": "no_contraindication_augmentation", "action": "percutaneous_vertebral_augmentation",
            "state": "failed", "facts": ["contraindication_to_augmentation"]} in second["checks"]


def test_trace_the_shared_vignettes_file(capsys):
    vignettes = ROOT.parent / "shared" / "reference" / "vignettes.yaml"
    if not vignettes.exists():
        pytest.skip("the shared reference folder is not beside this checkout")
    code, out, _ = run(capsys, "trace", "--json", str(vignettes))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 20 and all(r["expected"]["ok"] for r in rows)


def test_fact_option_overrides_and_stands_alone(capsys):
    code, out, _ = run(capsys, "trace", "--json", str(SEED), "--fact", "symptomatic=unknown")
    assert code == 0 and json.loads(out)["missing"] == ["symptomatic"]
    code, out, _ = run(capsys, "trace", "--json", "--fact", "decision_stage=next_imaging", "-f", "neurologic_deficit=no")
    row = json.loads(out)
    assert (row["outcome"], row["missing"]) == ("need_info", ["symptomatic"])


def test_mismatching_expectation_exits_1(capsys, tmp_path):
    case = tmp_path / "wrong.yaml"
    case.write_text(SEED.read_text().replace("terminal: V5_tx_asymptomatic_osteoporotic_vcf",
                                             "terminal: V6_tx_symptomatic_osteoporotic_vcf_acute"))
    code, out, _ = run(capsys, "trace", str(case))
    assert code == 1
    assert "DOES NOT MATCH" in out
    assert "expected to reach V6_tx_symptomatic_osteoporotic_vcf_acute, reached V5_tx_asymptomatic_osteoporotic_vcf" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["trace", "nope.yaml"], "vcfgraph: error: nope.yaml: no such file\n"),
        (["trace"], "vcfgraph: error: give at least one case file, or facts with --fact name=value\n"),
        (["trace", "--fact", "symptom=true"], "vcfgraph: error: --fact: unknown fact 'symptom'; did you mean 'symptomatic'?\n"),
        (["trace", "--fact", "age=old"], "vcfgraph: error: fact 'age' cannot be 'old'; allowed: a whole number from 0 to 120 years or null (not known)\n"),
        (["trace", "--fact", "symptomatic"], "vcfgraph: error: --fact needs name=value, got 'symptomatic'\n"),
    ],
)
def test_usage_errors_exit_2_with_one_message(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert (code, out, err) == (2, "", message)


def test_broken_pathway_exits_2_with_located_messages(capsys):
    path = DATA / "invalid" / "many-problems.yaml"
    code, _, err = run(capsys, "trace", "--graph", str(path), "--fact", "pain=true")
    assert code == 2
    expected = (DATA / "invalid" / "many-problems.expected").read_text().replace("many-problems.yaml", str(path))
    assert err == "vcfgraph: error: " + expected


def test_broken_case_exits_2_and_other_files_still_run(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("facts: {symptomatic: yes}\n")
    code, out, err = run(capsys, "trace", "--json", str(bad), str(SEED))
    assert code == 2
    assert err == (f"vcfgraph: error: {bad}:1:22: fact 'symptomatic' cannot be 'yes'; "
                   "allowed: true, false or null (not known) (in case 'bad')\n")
    error, route = (json.loads(line) for line in out.splitlines())
    assert error["error"]["kind"] == "CaseError" and error["error"]["exit_code"] == 2
    assert error["error"]["message"] == err.removeprefix("vcfgraph: error: ").rstrip("\n")
    assert route["case"] == "seed-incidental-t12"


def scripted(monkeypatch, answers: list[str]) -> list[str]:
    """Answer ``ask``'s prompts in order; returns the facts that were asked for."""
    asked: list[str] = []
    queue = iter(answers)

    def fake_input(prompt: str) -> str:
        asked.append(prompt.removesuffix("> "))
        return next(queue)

    monkeypatch.setattr("builtins.input", fake_input)
    return asked


def test_ask_walks_only_the_needed_questions(monkeypatch, capsys):
    asked = scripted(monkeypatch, ["false", "initial_treatment", "false", "maybe", "false"])
    assert main(["ask"]) == 0
    out = capsys.readouterr().out
    # trauma, retropulsion and age may stay unknown; the cancer history (history) is asked before
    # the established cause (imaging); imaging features are not needed for a painless fracture
    assert asked == ["neurologic_deficit", "decision_stage", "known_malignancy", "symptomatic", "symptomatic"]
    assert "Is there a new neurologic deficit (weakness, a sensory level, bowel or bladder dysfunction)?" in out
    assert "fact 'symptomatic' cannot be 'maybe'" in out
    assert "Outcome: V5_tx_asymptomatic_osteoporotic_vcf (variant)" in out


def test_ask_ends_with_need_info_when_the_answer_is_unknown(monkeypatch, capsys):
    asked = scripted(monkeypatch, ["unknown"])
    assert main(["ask"]) == 0
    out = capsys.readouterr().out
    assert asked == ["neurologic_deficit"]
    assert "Outcome: need_info" in out and "Missing fact: neurologic_deficit" in out


def test_ask_stops_cleanly_at_end_of_input(monkeypatch, capsys):
    def eof(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", eof)
    assert main(["ask", "--fact", "neurologic_deficit=false"]) == 0
    assert "Missing fact: decision_stage" in capsys.readouterr().out


def test_every_command_has_help_text():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    assert set(sub.choices) <= set(COMMANDS)
    for name, command in sub.choices.items():
        assert command.description and len(command.description) > 40, name
        assert "exit codes" in command.format_help(), name
        helps = [c.help for c in sub._choices_actions if c.dest == name]
        assert helps and helps[0], name


@pytest.mark.parametrize(
    "argv",
    [
        ["trace", "--graph", "tests/data/invalid/yaml-syntax.yaml", "--fact", "pain=true"],
        ["trace", "/"],
        ["trace", "tests/data/tiny.yaml"],
        ["lookup"],
        ["nonsense"],
    ],
)
def test_bad_input_never_gives_a_traceback(argv):
    result = subprocess.run([sys.executable, "-m", "vcfgraph", *argv], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.strip()


def test_python_dash_m_and_console_script_agree():
    result = subprocess.run([sys.executable, "-m", "vcfgraph", "trace", "--json", str(SEED)], capture_output=True, text=True)
    assert result.returncode == 0 and json.loads(result.stdout)["terminal"] == "V5_tx_asymptomatic_osteoporotic_vcf"


def test_lookup_vertebroplasty_lists_every_variant_rating_augmentation(capsys):
    code, out, _ = run(capsys, "lookup", "--json", "vertebroplasty")
    hits = json.loads(out)["hits"]
    assert code == 0 and hits[0]["id"] == "percutaneous_vertebral_augmentation"
    rated = {(r["variant"][:2], r["category"], r["confidence"]) for r in hits[0]["rated_in"]}
    assert rated == {("V5", "UNA", "confirmed"), ("V6", "UA", "confirmed"), ("V7", "UA", "confirmed"),
                     ("V8", "UA", "confirmed"), ("V9", "UA", "confirmed")}


def test_lookup_malignancy_finds_the_malignancy_variants(capsys):
    code, out, _ = run(capsys, "lookup", "--json", "malignancy")
    ids = [h["id"] for h in json.loads(out)["hits"]]
    assert ids[:3] == ["V1_img_new_symptomatic_vcf_no_malignancy", "V2_img_new_symptomatic_vcf_malignancy",
                       "V4_img_asymptomatic_vcf_malignancy"]
    assert "known_malignancy" in ids


def test_lookup_without_a_match_exits_1(capsys):
    code, out, _ = run(capsys, "lookup", "zebra")
    assert code == 1 and out == "Nothing in vcf-management matches 'zebra'.\n"
