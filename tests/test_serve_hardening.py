"""The service against hostile bodies (issue 25, item 7), as a real uvicorn process on loopback: a
lone surrogate or a malformed order field is a 4xx problem or is ignored, never a 500, and the log
never holds a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
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
                                  b'{"id":"x","facts":{"age":"\\ud83d"}}', b'{"id":"x","facts":{"a\\uDBFFb":1}}'])
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


def test_the_served_site_carries_a_content_security_policy(served) -> None:
    _, client = served
    r = client.get("/site/explore.html")
    assert r.status_code == 200
    policy = r.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy and "unsafe-eval" not in policy
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in client.get("/healthz").headers


@pytest.mark.browser
def test_the_served_explorer_runs_under_its_policy(served) -> None:
    """The explorer works in Chromium under the policy: no console error, no policy violation,
    and an answer given in the menus moves the route."""
    from tests.test_browser import CHROMIUM, LAUNCH_ARGS, absent

    if not CHROMIUM.exists():
        absent("chromium (/usr/bin/chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    server, _ = served
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(f"{server.url}/site/explore.html#facts=%7B%22high_energy_trauma%22%3Atrue%7D", wait_until="load")
        page.wait_for_function("document.querySelectorAll('svg').length > 0")
        violations = page.evaluate("""() => new Promise(done => {
            const seen = [];
            document.addEventListener('securitypolicyviolation', e => seen.push(e.violatedDirective));
            setTimeout(() => done(seen), 500);
        })""")
        text = page.inner_text("body")
        browser.close()
    assert errors == [] and violations == []
    assert "high_energy_trauma" in text or "trauma" in text.lower()


# ------------------------------------------------------------------ no client can stall the service (item 8)


def _idle(url: str, n: int, head: bytes = b"GET /healthz HTTP/1.1\r\nHost: x\r\n") -> list[socket.socket]:
    """n connections that send part of a request head and then nothing more."""
    host, port = url.removeprefix("http://").split(":")
    socks = []
    for _ in range(n):
        s = socket.create_connection((host, int(port)), timeout=30)
        s.sendall(head)
        socks.append(s)
    return socks


def _closed_by_server(s: socket.socket) -> bool:
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, socket.timeout):
        return isinstance(sys.exc_info()[1], ConnectionResetError)


PARSERS = ["httptools", "h11"]


@pytest.mark.parametrize("parser", PARSERS)
def test_a_trickled_request_head_is_cut_off(parser: str) -> None:
    server = Server("--head-timeout", "0.5", "--http", parser)
    try:
        (s,) = _idle(server.url, 1)
        s.settimeout(30)
        assert _closed_by_server(s)
        assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200
    finally:
        log = server.stop()
    assert "Traceback" not in log


@pytest.mark.parametrize("parser", PARSERS)
def test_a_head_trickled_after_a_kept_alive_answer_is_cut_off(parser: str) -> None:
    server = Server("--head-timeout", "0.5", "--http", parser)
    try:
        (s,) = _idle(server.url, 1, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\n")
        s.settimeout(30)
        first = s.recv(4096)
        while not first.endswith(b"}"):   # the whole first answer (a JSON object), however it is cut
            more = s.recv(4096)
            assert more, first
            first += more
        assert first.startswith(b"HTTP/1.1 200"), first
        assert _closed_by_server(s)  # the second head never ends: cut off, not kept alive for ever
    finally:
        log = server.stop()
    assert "Traceback" not in log


@pytest.mark.parametrize("parser", PARSERS)
def test_a_request_head_longer_than_the_bound_is_refused(parser: str) -> None:
    server = Server("--http", parser)
    try:
        host, port = server.url.removeprefix("http://").split(":")
        s = socket.create_connection((host, int(port)), timeout=30)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-long: ")
        sent, refused = 0, False
        try:
            while sent < 4 * 1024 * 1024:   # far past the bound: the server stops it long before
                s.sendall(b"a" * 4096)
                sent += 4096
        except (BrokenPipeError, ConnectionResetError):
            refused = True
        answer = b""
        try:
            while chunk := s.recv(4096):
                answer += chunk
        except ConnectionResetError:
            pass
        assert refused or answer.startswith((b"HTTP/1.1 431", b"HTTP/1.1 400")), answer[:200]
        assert sent < 4 * 1024 * 1024
        assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200
    finally:
        log = server.stop()
    assert "Traceback" not in log


@pytest.mark.parametrize("parser", PARSERS)
def test_a_head_just_under_the_bound_is_served(parser: str) -> None:
    server = Server("--http", parser)
    try:
        r = httpx.get(f"{server.url}/healthz", headers={"x-long": "a" * 12000}, timeout=10)
        assert r.status_code == 200
    finally:
        server.stop()


def test_an_order_text_too_long_to_match_is_said_not_matched(served) -> None:
    _, client = served
    words = ("magnetic resonance imaging lumbar spine " * 30000)[:1_000_000]
    r = client.post(SELECT, json=_request([_order("o1", text=words)], _facts("seed-incidental-t12.yaml")))
    assert r.status_code == 200, r.text
    assert "too long to match" in r.text


def test_the_serve_bounds_are_checked() -> None:
    done = subprocess.run([sys.executable, "-m", "vcfgraph", "serve", "--head-timeout", "0"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--head-timeout must be between" in done.stderr and "Traceback" not in done.stderr
