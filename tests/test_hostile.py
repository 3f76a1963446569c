"""Hostile inputs, one fixture file each (tests/data/hostile/*.yaml; the format is in its README).

Every fixture runs ``python -m vcfgraph ...`` as a real process in a fresh folder holding the
fixture's files, and must give the expected exit code and message, never a Python traceback,
finish within its time limit (a hang guard, not a speed test) and stay under 500 MB of memory.
"""

from __future__ import annotations

import base64
import glob
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HOSTILE = HERE / "data" / "hostile"
MEMORY_LIMIT_MB = 500
DEFAULT_TIMEOUT = 60
KEYS = {"about", "argv", "files", "stdin", "stdout_to", "env", "exit", "stdout", "stderr", "created", "absent",
        "requires", "timeout"}
CHECKS = {"contains", "not_contains", "regex", "not_regex", "equals"}
TOOLS = {"dot": lambda: shutil.which("dot"), "chromium": lambda: Path("/usr/bin/chromium").exists()}


def fixtures() -> list[Path]:
    return sorted(HOSTILE.glob("*.yaml"))


def load(path: Path) -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: a fixture is a mapping"
    unknown = set(data) - KEYS
    assert not unknown, f"{path.name}: unknown keys {sorted(unknown)} (allowed: {sorted(KEYS)})"
    for key in ("about", "argv", "exit"):
        assert key in data, f"{path.name}: '{key}' is required"
    for stream in ("stdout", "stderr"):
        extra = set(data.get(stream) or {}) - CHECKS
        assert not extra, f"{path.name}: unknown checks {sorted(extra)} under {stream} (allowed: {sorted(CHECKS)})"
    return data


def _subst(text: str, where: dict[str, str]) -> str:
    for key, value in where.items():
        text = text.replace("{" + key + "}", value)
    return text


def materialise(spec: dict[str, Any], fixture: Path, work: Path) -> None:
    """Write the fixture's files into ``work``: text, base64 bytes, a copy, a symlink or a folder."""
    for name, content in (spec.get("files") or {}).items():
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_bytes(content.encode("utf-8", "surrogateescape"))
        elif "base64" in content:
            target.write_bytes(base64.b64decode(content["base64"]))
        elif "copy" in content:
            source = (fixture.parent / content["copy"]).resolve()
            (shutil.copytree if source.is_dir() else shutil.copyfile)(source, target)
        elif "symlink" in content:
            target.symlink_to(content["symlink"])
        elif "folder" in content:
            target.mkdir(parents=True, exist_ok=True)
        else:
            raise AssertionError(f"{fixture.name}: file {name}: give text, base64, copy, symlink or folder")


def stdin_bytes(spec: dict[str, Any]) -> bytes:
    raw = spec.get("stdin")
    if raw is None:
        return b""
    if isinstance(raw, dict):
        return base64.b64decode(raw["base64"])
    return raw.encode("utf-8")


#: runs the command and reports its peak memory. A child forked from the test process would count
#: the test process's own memory (Linux keeps the high-water mark across fork and exec), so the
#: command is started from this small, freshly exec'd process instead.
MEASURE = """import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def run_child(argv: list[str], work: Path, env: dict[str, str], stdin: bytes, stdout_to: str | None,
              timeout: float) -> tuple[int, str, str, int]:
    """Run the command; returns exit code, stdout, stderr and the command's peak memory in KiB."""
    out_path, err_path = work.parent / "stdout", work.parent / "stderr"
    in_path, rss_path = work.parent / "stdin", work.parent / "peak-kib"
    in_path.write_bytes(stdin)
    rss_path.unlink(missing_ok=True)
    argv = [sys.executable, "-c", MEASURE, str(rss_path), *argv]
    with open(in_path, "rb") as fin, open(stdout_to or out_path, "wb") as fout, open(err_path, "wb") as ferr:
        proc = subprocess.Popen(argv, cwd=work, env=env, stdin=fin, stdout=fout, stderr=ferr, start_new_session=True)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            proc.wait()
        finally:
            timer.cancel()
    assert not timed_out.is_set(), f"did not finish within {timeout} s: {argv[4:]}"
    stdout = "" if stdout_to else out_path.read_bytes().decode("utf-8", "backslashreplace")
    return proc.returncode, stdout, err_path.read_bytes().decode("utf-8", "backslashreplace"), int(rss_path.read_text())


def check_stream(name: str, text: str, checks: dict[str, Any] | None) -> None:
    checks = checks or {}
    if "equals" in checks:
        assert text == checks["equals"], f"{name} is not the expected text"
    for wanted in _list(checks.get("contains")):
        assert wanted in text, f"{name} does not contain {wanted!r}:\n{text[:2000]}"
    for unwanted in _list(checks.get("not_contains")):
        assert unwanted not in text, f"{name} contains {unwanted!r}:\n{text[:2000]}"
    for pattern in _list(checks.get("regex")):
        assert re.search(pattern, text, re.M), f"{name} does not match {pattern!r}:\n{text[:2000]}"
    for pattern in _list(checks.get("not_regex")):
        assert not re.search(pattern, text, re.M), f"{name} matches {pattern!r}:\n{text[:2000]}"


def _list(value: Any) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _require(spec: dict[str, Any]) -> None:
    for tool in _list(spec.get("requires")):
        if not TOOLS[tool]():
            if os.environ.get("CI"):
                pytest.fail(f"{tool} is missing in CI; `make test` installs it")
            pytest.skip(f"{tool} is not installed (`make test` installs it)")


@pytest.mark.subprocess
@pytest.mark.parametrize("fixture", fixtures(), ids=lambda p: p.stem)
def test_hostile_input(fixture: Path, tmp_path: Path) -> None:
    spec = load(fixture)
    _require(spec)
    work = tmp_path / "work"
    work.mkdir()
    materialise(spec, fixture, work)
    where = {"work": str(work), "data": str(HERE / "data"), "root": str(ROOT), "python": sys.executable}
    env = {**os.environ, **{k: _subst(str(v), where) for k, v in (spec.get("env") or {}).items()}}
    argv = [sys.executable, "-m", "vcfgraph", *(_subst(str(a), where) for a in spec["argv"])]
    code, out, err, peak_kib = run_child(argv, work, env, stdin_bytes(spec), spec.get("stdout_to"),
                                         float(spec.get("timeout", DEFAULT_TIMEOUT)))
    assert "Traceback" not in out and "Traceback" not in err, f"a traceback:\n{err[-3000:]}"
    assert code == spec["exit"], f"exit code {code}, expected {spec['exit']}; stderr:\n{err[-3000:]}"
    check_stream("stdout", out, spec.get("stdout"))
    check_stream("stderr", err, spec.get("stderr"))
    if spec["exit"] == 2:
        assert err.strip(), "an exit-2 failure must say why on stderr"
    for pattern in _list(spec.get("created")):
        assert glob.glob(str(work / pattern)), f"nothing matches {pattern} in the work folder"
    for pattern in _list(spec.get("absent")):
        assert not glob.glob(str(work / pattern)), f"{pattern} should not exist"
    assert peak_kib < MEMORY_LIMIT_MB * 1024, f"peak memory {peak_kib // 1024} MB (limit {MEMORY_LIMIT_MB} MB)"


def test_there_are_hostile_fixtures_and_a_readme() -> None:
    assert len(fixtures()) >= 20
    assert (HOSTILE / "README.md").exists()


@pytest.mark.subprocess
def test_the_runner_catches_a_traceback_and_a_wrong_exit_code(tmp_path: Path) -> None:
    """The checks above can fail: a child that raises is seen as a traceback with exit code 1."""
    work = tmp_path / "work"
    work.mkdir()
    code, _out, err, peak = run_child([sys.executable, "-c", "raise ValueError('boom')"], work, dict(os.environ), b"",
                                      None, 30)
    assert code == 1 and "Traceback" in err and 0 < peak < MEMORY_LIMIT_MB * 1024
    with pytest.raises(AssertionError, match="did not finish within 1.0 s"):
        run_child([sys.executable, "-c", "import time; time.sleep(30)"], work, dict(os.environ), b"", None, 1.0)


@pytest.mark.subprocess
def test_peak_memory_is_measured_per_child(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    *_, big = run_child([sys.executable, "-c", "x = bytearray(300 * 2**20); x[::4096] = b'1' * len(x[::4096])"],
                        work, dict(os.environ), b"", None, 60)
    ballast = bytearray(400 * 2**20)  # the test process grows: a child's measure must not count it
    ballast[::4096] = b"1" * len(ballast[::4096])
    *_, small = run_child([sys.executable, "-c", "pass"], work, dict(os.environ), b"", None, 60)
    del ballast
    assert big > 300 * 1024 and small < 100 * 1024
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 0
