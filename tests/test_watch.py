"""``check --watch`` and ``site --watch`` run again when an input file is saved (watchfiles)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.yaml"


def _wait_for(proc: subprocess.Popen, lines: list[str], wanted: str, timeout: float = 60) -> None:
    """Read the process's output until a line contains ``wanted`` (a failure names what came).
    A reader thread feeds a queue, so a silent process can never block the test past ``timeout``."""
    import queue
    import threading

    q = getattr(proc, "_lines", None)
    if q is None:
        q = proc._lines = queue.Queue()  # type: ignore[attr-defined]

        def pump() -> None:
            for line in proc.stdout:  # type: ignore[union-attr]
                q.put(line)
            q.put(None)

        threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = q.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        lines.append(line)
        if wanted in line:
            return
    raise AssertionError(f"never saw {wanted!r}; output was:\n{''.join(lines)}")


def _watch(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "VCFGRAPH_CACHE": "off"}
    return subprocess.Popen([sys.executable, "-m", "vcfgraph", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()  # the process this test started, by its own handle
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_check_watch_reruns_after_a_save(tmp_path):
    graph = tmp_path / "p.yaml"
    shutil.copy(TINY, graph)
    proc = _watch(["check", "--watch", str(graph)], tmp_path)
    lines: list[str] = []
    try:
        _wait_for(proc, lines, "watching")
        assert any("vcfgraph check: exit code 0" in l for l in lines)
        # break a target: the next run reports it at its place and keeps watching
        graph.write_text(TINY.read_text(encoding="utf-8").replace("to: V_sore, otherwise", "to: V_sorer, otherwise"),
                         encoding="utf-8")
        _wait_for(proc, lines, "p.yaml changed; running again")
        _wait_for(proc, lines, "vcfgraph check: exit code 2")
        assert any("unknown node 'V_sorer'" in l or "V_sorer" in l for l in lines)
        shutil.copy(TINY, graph)
        _wait_for(proc, lines, "p.yaml changed; running again")
        _wait_for(proc, lines, "vcfgraph check: exit code 0")
    finally:
        _stop(proc)


def test_site_watch_rebuilds_after_a_case_is_saved(tmp_path):
    graph = tmp_path / "p.yaml"
    shutil.copy(TINY, graph)
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "one.yaml").write_text("id: one\nfacts: {pain: false}\n", encoding="utf-8")
    proc = _watch(["site", "--watch", "--graph", str(graph), "--cases", str(cases), "-o", str(tmp_path / "out")], tmp_path)
    lines: list[str] = []
    try:
        _wait_for(proc, lines, "watching")
        assert (tmp_path / "out" / "cases" / "one.html").is_file()
        (cases / "two.yaml").write_text("id: two\nfacts: {pain: true, levels: 3}\n", encoding="utf-8")
        _wait_for(proc, lines, "two.yaml changed; running again")
        _wait_for(proc, lines, "vcfgraph site: exit code")
        assert (tmp_path / "out" / "cases" / "two.html").is_file()
    finally:
        _stop(proc)


def test_check_watch_follows_a_link_that_is_pointed_elsewhere(tmp_path):
    """Re-pointing a watched symbolic link watches (and checks) its new target (issue 25, item 10)."""
    first, second = tmp_path / "a" / "p.yaml", tmp_path / "b" / "p.yaml"
    for f in (first, second):
        f.parent.mkdir()
        shutil.copy(TINY, f)
    link = tmp_path / "current.yaml"
    link.symlink_to(first)
    proc = _watch(["check", "--watch", str(link)], tmp_path)
    lines: list[str] = []
    try:
        _wait_for(proc, lines, "watching")
        tmp = tmp_path / "next.yaml"
        tmp.symlink_to(second)
        os.replace(tmp, link)  # re-point the link in one step, as deploy tools do
        _wait_for(proc, lines, "running again")
        _wait_for(proc, lines, "vcfgraph check: exit code 0")
        _wait_for(proc, lines, "/b; press Ctrl-C")  # now watching the new target's folder
        # a save to the new target is seen, and its breakage reported
        second.write_text(TINY.read_text(encoding="utf-8").replace("to: V_sore, otherwise", "to: V_sorer, otherwise"),
                          encoding="utf-8")
        _wait_for(proc, lines, "vcfgraph check: exit code 2")
    finally:
        _stop(proc)


def test_check_watch_never_blocks_on_a_file_that_became_a_fifo(tmp_path):
    graph = tmp_path / "p.yaml"
    shutil.copy(TINY, graph)
    proc = _watch(["check", "--watch", str(graph)], tmp_path)
    lines: list[str] = []
    try:
        _wait_for(proc, lines, "watching")
        graph.unlink()
        os.mkfifo(graph)
        _wait_for(proc, lines, "is not a regular file")
        graph.unlink()
        shutil.copy(TINY, graph)  # saved again: the watch goes on and checks it
        _wait_for(proc, lines, "vcfgraph check: exit code 0")
    finally:
        _stop(proc)
