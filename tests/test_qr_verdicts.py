"""One QuestionnaireResponse reader, four callers, the same verdicts (issue 25, items 3 and 4).

The same hostile set of responses (tests/data/responses/hostile.jsonl, one response per line,
each with the verdict it must get in tests/data/responses/verdicts.json) goes to:

- ``trace`` as a process, one file per response: rc 0/1 and the route, or rc 2 and the reason;
- ``batch`` as a process, all of them as JSON Lines: one row each, the route or ``invalid`` and
  the reason (never a dropped row, never the whole batch refused);
- ``site``'s case reader (:func:`vcfgraph.cli.render.collect_cases`), one file per response;
- the service (``POST /trace`` through starlette's TestClient): 200 and the route, 422 and the
  reason; and a hook whose prefetched response answers another Questionnaire skips it.

A verdict is ``accepted OUTCOME TERMINAL``, ``refused`` or ``not-ours`` (a response to another
Questionnaire: refused by the callers that were handed it as the case).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vcfgraph import load_pathway
from vcfgraph.model import Pathway

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "responses"
NOT_OURS = "answers the Questionnaire"


def _responses() -> list[tuple[str, str]]:
    """(name, the response's JSON text), from lines of ``NAME JSON``."""
    out = []
    for line in (DATA / "hostile.jsonl").read_text(encoding="utf-8").splitlines():
        name, _, text = line.partition(" ")
        out.append((name, text))
    return out


RESPONSES = _responses()
EXPECTED: dict[str, str] = json.loads((DATA / "verdicts.json").read_text(encoding="utf-8"))


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vcfgraph", *args], cwd=cwd, env=_env(), capture_output=True,
                          text=True, timeout=120, check=False)


def _accepted(outcome: str, terminal: str | None) -> str:
    return f"accepted {outcome} {terminal or '-'}"


def _refusal(message: str) -> str:
    return "not-ours" if NOT_OURS in message else "refused"


@pytest.fixture(scope="module")
def bundled() -> Pathway:
    return load_pathway()


def test_the_set_and_its_verdicts_match() -> None:
    assert [n for n, _ in RESPONSES] == sorted(EXPECTED, key=[n for n, _ in RESPONSES].index)
    assert sorted(n for n, _ in RESPONSES) == sorted(EXPECTED)
    assert {"accepted", "refused", "not-ours"} == {v.split()[0] for v in EXPECTED.values()}


def _trace_verdicts(tmp_path: Path) -> dict[str, str]:
    out = {}
    for name, text in RESPONSES:
        (tmp_path / f"{name}.json").write_text(text, encoding="utf-8")
        done = _run(["trace", "--json", f"{name}.json"], tmp_path)
        assert "Traceback" not in done.stderr + done.stdout, name
        if done.returncode == 2:
            assert done.stderr.startswith("vcfgraph: error: "), name
            out[name] = _refusal(done.stderr)
        else:
            route = json.loads(done.stdout)
            out[name] = _accepted(route["outcome"], route.get("terminal"))
    return out


@pytest.mark.subprocess
def test_trace_as_a_process(tmp_path: Path) -> None:
    assert _trace_verdicts(tmp_path) == EXPECTED


@pytest.mark.subprocess
def test_batch_as_a_process_keeps_every_row(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text("".join(text + "\n" for _n, text in RESPONSES), encoding="utf-8")
    done = _run(["batch", "in.jsonl", "-o", "out.jsonl"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(RESPONSES)
    got = {}
    for number, ((name, _text), row) in enumerate(zip(RESPONSES, rows), 1):
        if row["outcome"] == "invalid":
            assert row["error"].startswith(f"in.jsonl:{number}: "), (name, row["error"])
            got[name] = _refusal(row["error"])
        else:
            got[name] = _accepted(row["outcome"], row["terminal"])
        data = json.loads(_text) if not name.startswith("dup") else {}
        wanted_id = data.get("id") if isinstance(data.get("id"), str) and data.get("id") else None
        assert row["case_id"] == wanted_id, name  # an item 'case_id' never becomes the row id
    assert got == EXPECTED


def test_site_reads_them_as_trace_does(tmp_path: Path, bundled: Pathway, capsys: pytest.CaptureFixture[str]) -> None:
    from vcfgraph.cli.render import collect_cases

    got = {}
    for name, text in RESPONSES:
        path = tmp_path / f"{name}.json"
        path.write_text(text, encoding="utf-8")
        entries, status = collect_cases(bundled, [str(path)])
        err = capsys.readouterr().err
        if status == 2:
            got[name] = _refusal(err)
        else:
            assert len(entries) == 1, name
            got[name] = _accepted(entries[0].route.outcome, entries[0].route.terminal)
    assert got == EXPECTED


def _service(bundled: Pathway) -> Any:
    from starlette.testclient import TestClient

    from vcfgraph.serve.app import create_app

    return TestClient(create_app(bundled), client=("127.0.0.1", 50000))


def test_the_service_reads_them_as_trace_does(bundled: Pathway) -> None:
    got = {}
    with _service(bundled) as client:
        for name, text in RESPONSES:
            answer = client.post("/trace", content=text.encode("utf-8"), headers={"content-type": "application/fhir+json"})
            assert answer.status_code in (200, 400, 422), (name, answer.text)
            body = answer.json()
            if answer.status_code == 200:
                got[name] = _accepted(body["outcome"], body.get("terminal"))
            else:
                got[name] = "not-ours" if body["title"] == "Not this pathway's questionnaire" else "refused"
    assert got == EXPECTED


def test_a_hook_skips_a_prefetched_response_to_another_questionnaire(bundled: Pathway) -> None:
    """Not ours: the hook answers as if nothing was prefetched (every fact unknown), where a bad
    response of ours is a 422."""
    others = [json.loads(t) for n, t in RESPONSES if EXPECTED[n] == "not-ours"]
    refused = [json.loads(t) for n, t in RESPONSES if EXPECTED[n] == "refused" and not n.startswith("dup")]
    assert others and refused

    def call(client: Any, qr: Any) -> Any:
        body = {"hook": "order-sign", "hookInstance": "d1df1cf5-3e9d-4a4b-8b0e-2f7f3d1e0a11",
                "context": {"userId": "Practitioner/1", "patientId": "p1", "draftOrders": {
                    "resourceType": "Bundle", "type": "collection", "entry": []}},
                "prefetch": {"questionnaireResponse": qr}}
        return client.post("/cds-services/vcfgraph-order-sign", json=body)

    with _service(bundled) as client:
        empty = call(client, None)
        assert empty.status_code == 200, empty.text
        for qr in others:
            answer = call(client, qr)
            assert answer.status_code == 200 and answer.json() == empty.json()
        for qr in refused:
            assert call(client, qr).status_code == 422
