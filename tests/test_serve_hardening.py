"""The service against hostile bodies (issue 25, item 7), as a real uvicorn process on loopback: a
lone surrogate or a malformed order field is a 4xx problem or is ignored, never a 500, and the log
never holds a traceback."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from tests.test_serve import SELECT, Server, _facts, _order, _request, httpx

pytestmark = pytest.mark.subprocess


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Server, Any]]:
    server = Server()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield server, client
    log = server.stop()
    assert "Traceback" not in log, log[-2000:]


@pytest.mark.parametrize("body", [b'{"id":"\\ud800","facts":{}}', b'{"id":"x","facts":{"\\udfff":1}}',
                                  b'{"id":"x","facts":{"age":"\\ud83d"}}'])
def test_a_lone_surrogate_is_a_400_problem(served, body: bytes) -> None:
    _, client = served
    r = client.post("/trace", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["title"] == "Invalid JSON" and "lone surrogate" in problem["detail"]


def test_an_order_whose_extension_is_not_a_list_is_still_rated(served) -> None:
    _, client = served
    order = {**_order("o1", "22511"), "extension": 5}
    r = client.post(SELECT, json=_request([order], _facts("seed-incidental-t12.yaml")))
    assert r.status_code == 200, r.text
    assert "o1" in r.text


def test_a_crash_is_logged_by_its_type_only(served) -> None:
    """Whatever fails inside a handler answers 500 problem+json, and the module fixture checks
    that the log never shows a traceback."""
    _, client = served
    r = client.post("/trace", content=b'{"id":"x","facts":{"age":1e400}}', headers={"content-type": "application/json"})
    assert r.status_code in (400, 422) and r.headers["content-type"] == "application/problem+json"
