"""A file with a flood of problems gets a bounded report (issue 25, item 10): the first problems,
then their number, never one line per problem without end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vcfgraph.io.located import MAX_PROBLEMS

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.subprocess
def test_a_case_with_thousands_of_unknown_facts_gets_a_bounded_report(tmp_path: Path) -> None:
    case = tmp_path / "flood.json"
    case.write_text(json.dumps({"id": "flood", "facts": {f"no_such_fact_{i}": True for i in range(5000)}}))
    done = subprocess.run([sys.executable, "-m", "vcfgraph", "trace", str(case)], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) <= MAX_PROBLEMS + 2
    assert f"... and {5000 - MAX_PROBLEMS + 1} more problems (only the first {MAX_PROBLEMS - 1} are listed)" in done.stderr
    assert "unknown fact 'no_such_fact_0'" in done.stderr


@pytest.mark.subprocess
def test_a_huge_questionnaire_response_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    """A case file over MAX_CASE_BYTES (a 9 MB response of unknown items) is refused at once, by
    its size: parsing it would cost time and memory in proportion."""
    from vcfgraph.io.cases import MAX_CASE_BYTES

    items = [{"linkId": f"unknown_{i}", "answer": [{"valueBoolean": True}]} for i in range(150_000)]
    path = tmp_path / "huge.json"
    path.write_text(json.dumps({"resourceType": "QuestionnaireResponse", "status": "completed",
                                "questionnaire": "Questionnaire/vcf-management", "item": items}))
    assert path.stat().st_size > MAX_CASE_BYTES
    done = subprocess.run([sys.executable, "-m", "vcfgraph", "trace", str(path)], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"huge.json: the file is larger than {MAX_CASE_BYTES // (1024 * 1024)} MiB" in done.stderr
    assert len(done.stderr) < 1000
