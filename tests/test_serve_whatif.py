"""`POST /trace` computes `what_if` and `questions_ranked` only when `?what_if=true` asks for
them, through a real server process: without it the answer is `trace --json` less those two
keys, with it exactly `trace --json`, and a bad value is a 400 problem."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, Iterator

import pytest

httpx = pytest.importorskip("httpx")

from tests.test_serve import ROOT, Server, _case_json  # noqa: E402

pytestmark = pytest.mark.subprocess

#: a case in need_info (it has questions_ranked) and one at a variant (it has what_if changes)
NAMES = ["own-unknown-stage.yaml", "seed-incidental-t12.yaml"]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[Any]:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


def _cli(name: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "vcfgraph", "trace", "--json", str(ROOT / "cases" / name)],
                          capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.splitlines()[0])


@pytest.mark.parametrize("name", NAMES)
def test_trace_leaves_what_if_out_unless_asked(client: Any, name: str) -> None:
    cli = _cli(name)
    assert cli["what_if"] or cli["questions_ranked"], "the case must have something to leave out"
    plain = client.post("/trace", json=_case_json(name))
    off = client.post("/trace?what_if=false", json=_case_json(name))
    on = client.post("/trace?what_if=true", json=_case_json(name))
    assert plain.status_code == off.status_code == on.status_code == 200, (plain.text, on.text)
    less = {k: v for k, v in cli.items() if k not in ("what_if", "questions_ranked")}
    assert plain.json() == less
    assert off.content == plain.content
    assert on.json() == cli
    assert list(on.json()) == list(cli), "the keys keep the order trace --json prints"


@pytest.mark.parametrize("query", ["what_if=yes", "what_if=", "what_if=TRUE", "what_if=true&what_if=false"])
def test_a_bad_what_if_value_is_a_400_problem(client: Any, query: str) -> None:
    r = client.post(f"/trace?{query}", json=_case_json(NAMES[0]))
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == "what_if must be given once, as true or false"
