"""A FHIR QuestionnaireResponse as a case: trace, batch, site and ask read and write it, and a
malformed one is one located message with exit 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vcfgraph.cli import main
from vcfgraph.errors import CaseError
from vcfgraph.export.common import DEFAULT_BASE, to_json
from vcfgraph.export.response import response
from vcfgraph.io.load import load_cases
from vcfgraph.model import Pathway

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "cases" / "seed-incidental-t12.yaml"
QUESTIONNAIRE = f"{DEFAULT_BASE}/Questionnaire/vcf-management"


def _seed_response(bundled: Pathway, **changes: Any) -> dict[str, Any]:
    case = load_cases(bundled, SEED)[0]
    qr = response(bundled, case.id, case.facts, DEFAULT_BASE, asked_unknown=["chronic_steroid_use"])
    qr.update(changes)
    return qr


def _write(tmp_path: Path, data: Any, name: str = "qr.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else to_json(data), encoding="utf-8")
    return path


def _trace_json(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict[str, Any]]:
    code = main(["trace", "--json", str(path)])
    return code, json.loads(capsys.readouterr().out)


def test_seed_case_as_a_response_traces_to_v5_with_the_same_json(tmp_path: Path, bundled: Pathway,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, got = _trace_json(capsys, _write(tmp_path, _seed_response(bundled)))
    assert code == 0
    yaml_code, want = _trace_json(capsys, SEED)
    assert yaml_code == 0
    assert got["terminal"] == "V5_tx_asymptomatic_osteoporotic_vcf"
    want.pop("expected")  # the YAML case records expectations; a QuestionnaireResponse has none
    assert got == want


def test_not_known_in_every_form_reads_as_null(tmp_path: Path, bundled: Pathway) -> None:
    qr = _seed_response(bundled)
    qr["item"] += [
        {"linkId": "suspected_malignancy"},
        {"linkId": "contraindication_to_augmentation", "answer": [{"valueCoding": {
            "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "asked-unknown"}}]},
        {"linkId": "sex.help"},  # a help item echoed back by a form
    ]
    case = load_cases(bundled, _write(tmp_path, qr))[0]
    assert case.id == "seed-incidental-t12"
    assert case.facts["chronic_steroid_use"] is None
    assert case.facts["suspected_malignancy"] is None
    assert case.facts["contraindication_to_augmentation"] is None
    assert case.facts["imaging_done"] == "ct" and case.facts["age"] == 78 and case.facts["symptomatic"] is False


def test_items_inside_groups_are_read(tmp_path: Path, bundled: Pathway) -> None:
    qr = _seed_response(bundled)
    qr["item"] = [{"linkId": "history", "item": qr["item"][:5]}] + qr["item"][5:]
    case = load_cases(bundled, _write(tmp_path, qr))[0]
    assert case.facts == load_cases(bundled, SEED)[0].facts


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize("change, line_text, message", [
    (lambda qr: qr["item"][0].update(linkId="agee"), '"agee"',
     "unknown item linkId 'agee' in QuestionnaireResponse 'seed-incidental-t12'; did you mean 'age'?"),
    (lambda qr: qr["item"][0]["answer"][0].update(valueInteger=300), "300",
     "item 'age' cannot be 300; allowed: a whole number from 0 to 120 years or null (not known)"),
    (lambda qr: qr["item"][2]["answer"][0]["valueCoding"].update(code="treatment"), '"treatment"',
     "item 'decision_stage' cannot be 'treatment'; allowed: next_imaging, initial_treatment or null (not known)"),
    (lambda qr: qr["item"][3]["answer"][0].update(valueBoolean="false"), '"false"',
     "item 'symptomatic' cannot be 'false'; allowed: true, false or null (not known)"),
    (lambda qr: qr["item"][0]["answer"].__setitem__(0, {"valueString": "78"}), '"valueString"',
     "item 'age' of QuestionnaireResponse 'seed-incidental-t12' must be answered with valueInteger; got valueString"),
    (lambda qr: qr.pop("questionnaire"), '"resourceType"',
     "QuestionnaireResponse 'seed-incidental-t12' has no 'questionnaire' canonical"),
    (lambda qr: qr.update(questionnaire="http://example.org/Questionnaire/other"), '"questionnaire"',
     "the QuestionnaireResponse answers the Questionnaire http://example.org/Questionnaire/other, "
     "not this pathway's (Questionnaire/vcf-management)"),
    (lambda qr: qr["item"][0]["answer"].append({"valueInteger": 70}), "70",
     "item 'age' of QuestionnaireResponse 'seed-incidental-t12' has 2 answers; a fact has one value"),
    (lambda qr: qr["item"].append({"linkId": "age", "answer": [{"valueInteger": 70}]}), '"age"',
     "item 'age' is answered twice"),
    (lambda qr: qr.update(status="done"), '"done"', "'status' of QuestionnaireResponse 'seed-incidental-t12' must be one of"),
])
def test_a_malformed_response_is_one_located_message(tmp_path: Path, bundled: Pathway, capsys: pytest.CaptureFixture[str],
                                                     change: Any, line_text: str, message: str) -> None:
    qr = _seed_response(bundled)
    change(qr)
    path = _write(tmp_path, qr)
    assert main(["trace", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert message in err
    line = 1 if line_text == '"resourceType"' else _line_of(path, line_text)
    if line_text == '"age"':
        line = max(i for i, text in enumerate(path.read_text().splitlines(), 1) if '"age"' in text)
    assert f"{path}:{line}:" in err, err


def test_response_that_is_not_json_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, '{"resourceType": "QuestionnaireResponse", "item": [\n')
    assert main(["trace", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:" in err and "Traceback" not in err


def test_the_library_raises_case_error(tmp_path: Path, bundled: Pathway) -> None:
    qr = _seed_response(bundled)
    qr["item"][0]["linkId"] = "agee"
    with pytest.raises(CaseError, match="unknown item linkId 'agee'"):
        load_cases(bundled, _write(tmp_path, qr))


def test_batch_reads_json_lines_of_responses(tmp_path: Path, bundled: Pathway, capsys: pytest.CaptureFixture[str]) -> None:
    from vcfgraph.engine import trace

    cases = [c for path in sorted((ROOT / "cases").glob("*.yaml")) for c in load_cases(bundled, path)]
    lines = [json.dumps(response(bundled, c.id, c.facts, DEFAULT_BASE)) for c in cases]
    lines.append(json.dumps({"resourceType": "QuestionnaireResponse", "id": "no-canonical", "status": "completed"}))
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["batch", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "out.jsonl")]) == 0
    capsys.readouterr()
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(rows) == len(cases) + 1
    for case, row in zip(cases, rows):
        route = trace(bundled, case)
        assert (row["case_id"], row["outcome"], row["terminal"]) == (case.id.replace("_", "-"), route.outcome, route.terminal)
    assert rows[-1]["outcome"] == "invalid"
    assert rows[-1]["error"].startswith(f"{tmp_path / 'in.jsonl'}:{len(lines)}: QuestionnaireResponse 'no-canonical' "
                                        "has no 'questionnaire' canonical; give the url of the pathway's Questionnaire")


def test_ask_writes_a_response_that_traces_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter(["no", "no", "no", "78", "initial_treatment", "osteoporotic", "no", "unknown"])
    monkeypatch.setattr("vcfgraph.cli.ask._prompt", lambda text: next(answers, None))
    out = tmp_path / "answers.json"
    assert main(["ask", "--fhir", str(out)]) == 0
    shown = capsys.readouterr().out
    data = json.loads(out.read_text())
    assert data["resourceType"] == "QuestionnaireResponse" and data["questionnaire"] == QUESTIONNAIRE
    assert data["status"] == "in-progress"  # the walk ended with need_info
    absent = [i["linkId"] for i in data["item"] if "extension" in i["answer"][0]]
    assert absent and all(i["linkId"] for i in data["item"])
    assert main(["trace", str(out)]) in (0, 1)
    traced = capsys.readouterr().out
    last = [line for line in shown.splitlines() if line.strip()][-3:]
    assert all(line in traced for line in last if "answers written" not in line)


def test_site_accepts_a_response_as_a_case(tmp_path: Path, bundled: Pathway, render_need_dot: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    _write(cases, _seed_response(bundled), "seed.json")
    assert main(["site", "-o", str(tmp_path / "site"), "--cases", str(cases)]) == 0
    page = (tmp_path / "site" / "cases" / "seed-incidental-t12.html").read_text(encoding="utf-8")
    assert "V5" in page


def test_answers_nested_under_an_answer_are_read(tmp_path: Path, bundled: Pathway, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 25, item 3: a child's age nested under another answer (``item.answer.item``) was
    dropped without a word, and the child was routed as an adult."""
    qr = {"resourceType": "QuestionnaireResponse", "questionnaire": "Questionnaire/vcf-management",
          "item": [{"linkId": "high_energy_trauma", "answer": [{"valueBoolean": False, "item": [
              {"linkId": "age", "answer": [{"valueInteger": 12}]}]}]},
              {"linkId": "neurologic_deficit", "answer": [{"valueBoolean": False}]}]}
    case = load_cases(bundled, _write(tmp_path, qr))[0]
    assert case.facts["age"] == 12 and case.facts["high_energy_trauma"] is False
    code, got = _trace_json(capsys, _write(tmp_path, qr))
    assert code == 0 and got["terminal"] == "H_paediatric"
    qr["item"][0]["answer"][0]["item"][0]["linkId"] = "agee"  # a nested answer is checked like any other
    assert main(["trace", str(_write(tmp_path, qr))]) == 2
    assert "unknown item linkId 'agee'" in capsys.readouterr().err
