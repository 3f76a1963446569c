"""Acknowledging findings in the pathway file: a warning or info named by code and subject is
marked with the author's reason in every report (text, JSON, SARIF, GitHub), never hidden; an
entry for an unknown code, an error or no finding is a VCF009 warning at its own line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vcfgraph.analysis.check_report import report_github, report_sarif, report_text, report_to_dict
from vcfgraph.analysis.checker import verify
from vcfgraph.cli import main
from vcfgraph.errors import PathwayError
from vcfgraph.io.load import load_pathway

TINY = Path(__file__).resolve().parent / "data" / "tiny.yaml"
REASON = "The walk is meant to stop and ask about pain here."


def _pathway(tmp_path: Path, entries: str):
    path = tmp_path / "p.yaml"
    path.write_text(TINY.read_text(encoding="utf-8") + "\nacknowledged:\n" + entries, encoding="utf-8")
    return load_pathway(path, cache=False), path


def _lines(tmp_path: Path, entries: str) -> list[str]:
    pathway, path = _pathway(tmp_path, entries)
    report = verify(pathway, "p.yaml")
    return [line for line in report_text(report).splitlines() if "VCF" in line or line.startswith("Summary")]


def test_an_acknowledged_finding_is_shown_marked_with_its_reason(tmp_path):
    lines = _lines(tmp_path, f"  - {{code: VCF301, node: q_pain, reason: {REASON}}}\n")
    assert lines == [
        "p.yaml:17:10: info VCF005 unused-fact [stage]: fact 'stage' is declared but no answer or patient-level check reads it",
        f"p.yaml:22:5: info VCF301 need-info-stop [q_pain] (acknowledged: {REASON}): the walk stops at 'q_pain' with "
        "need_info when pain is not known (1 path(s))",
        "p.yaml:28:5: info VCF301 need-info-stop [q_levels]: the walk stops at 'q_levels' with need_info when levels "
        "is not known (1 path(s))",
        "Summary: 0 error(s), 0 warning(s), 3 info (1 acknowledged in the pathway file)",
    ]


def test_json_sarif_and_github_carry_the_mark(tmp_path):
    pathway, _ = _pathway(tmp_path, f"  - {{code: VCF301, node: q_pain, reason: {REASON}}}\n")
    report = verify(pathway, "p.yaml")
    data = report_to_dict(report)
    assert data["summary"] == {"errors": 0, "warnings": 0, "infos": 3, "acknowledged": 1}
    assert [f.get("acknowledged") for f in data["findings"]] == [None, REASON, None]
    results = report_sarif(report, "0")["runs"][0]["results"]
    assert [r.get("suppressions") for r in results] == [
        None, [{"kind": "inSource", "status": "accepted", "justification": REASON}], None]
    github = report_github(report).splitlines()
    assert github[1] == (f"::notice file=p.yaml,line=22,col=5,title=VCF301 need-info-stop::[q_pain] (acknowledged: "
                         f"{REASON}) the walk stops at 'q_pain' with need_info when pain is not known (1 path(s))")


def test_without_entries_the_reports_are_unchanged(tmp_path):
    report = verify(load_pathway(TINY), "p.yaml")
    assert "acknowledged" not in json.dumps(report_to_dict(report)) and "acknowledged" not in report_text(report)


@pytest.mark.parametrize("entry, message", [
    ("{code: VCF301, node: q_pian, reason: typo}",
     "p.yaml:75:5: warning VCF009 acknowledgement-unused [q_pian]: 'acknowledged' entry VCF301 at 'q_pian' matches "
     "no finding (VCF301 need-info-stop is not reported there): remove the entry if the finding is gone; did you "
     "mean 'q_pain'?"),
    ("{code: VCF101, node: q_pain, reason: meant}",
     "p.yaml:75:5: warning VCF009 acknowledgement-unused [q_pain]: 'acknowledged' entry VCF101 at 'q_pain' names an "
     "error (gap), which cannot be acknowledged: fix what it reports"),
    ("{code: VCF31, node: q_pain, reason: meant}",
     "p.yaml:75:5: warning VCF009 acknowledgement-unused [q_pain]: 'acknowledged' entry VCF31 at 'q_pain' names no "
     "finding code (docs/checks.md lists them); did you mean 'VCF301'?"),
])
def test_an_entry_that_acknowledges_nothing_is_a_warning_at_its_line(tmp_path, entry, message):
    lines = _lines(tmp_path, f"  - {entry}\n")
    assert message in lines
    assert lines[-1] == "Summary: 0 error(s), 1 warning(s), 3 info"


def test_an_entry_needs_a_code_a_subject_and_a_reason(tmp_path):
    with pytest.raises(PathwayError) as caught:
        _pathway(tmp_path, "  - {code: VCF301, node: q_pain}\n  - {code: VCF301, node: q_levels, reason: ' '}\n")
    assert str(caught.value).replace(str(tmp_path) + "/", "") == (
        "p.yaml:75:5: acknowledgement 1 is missing the required key 'reason'\n"
        "p.yaml:76:44: 'reason' of acknowledgement 2 is empty; say why the finding is intended")


def test_check_exits_0_with_acknowledged_findings_and_the_cli_shows_them(tmp_path, capsys):
    _, path = _pathway(tmp_path, f"  - {{code: VCF301, node: q_levels, reason: {REASON}}}\n")
    assert main(["check", str(path)]) == 0
    assert f"[q_levels] (acknowledged: {REASON}): " in capsys.readouterr().out
