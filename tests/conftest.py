"""Shared test fixtures and options. Paths come from this file's folder, never the cwd.

Markers (registered in pyproject.toml): ``browser``, ``subprocess`` and ``slow`` are set by the
test modules, and here from the fixtures a test uses: a test that needs Graphviz ``dot`` runs it as
a process (``subprocess``), one that needs Chromium drives a browser (``browser``).
``make check-fast`` runs the tests that carry none of the three.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

# Parsed pathways are cached by content; tests use a cache of their own (subprocesses inherit it).
if "VCFGRAPH_CACHE" not in os.environ:
    os.environ["VCFGRAPH_CACHE"] = tempfile.mkdtemp(prefix="vcfgraph-test-cache-")
    atexit.register(shutil.rmtree, os.environ["VCFGRAPH_CACHE"], True)

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
REFERENCE = ROOT.parent / "shared" / "reference"


#: fixtures whose users carry a marker: the fixture needs what the marker names
MARKING_FIXTURES = {"render_need_dot": "subprocess", "render_need_chromium": "browser", "postgres_server": "subprocess"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in sorted(MARKING_FIXTURES.keys() & set(getattr(item, "fixturenames", ()))):
            item.add_marker(MARKING_FIXTURES[fixture])


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite golden files from the current output instead of comparing")


@pytest.fixture(scope="session")
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session")
def bundled():
    """The bundled VCF pathway, loaded once."""
    from vcfgraph.io.load import load_pathway

    return load_pathway()


@pytest.fixture(scope="session")
def tiny():
    """The tiny fixture pathway."""
    from vcfgraph.io.load import load_pathway

    return load_pathway(DATA / "tiny.yaml")


# ---------------------------------------------------------------- renderers (issue 4)
RENDER_DATA = DATA / "render"


@pytest.fixture(scope="session")
def render_need_dot() -> str:
    """The ``dot`` executable; tests that lay out diagrams skip only when it is truly absent."""
    import shutil

    import os

    found = shutil.which("dot")
    if not found and os.environ.get("CI"):
        pytest.fail("Graphviz 'dot' is missing in CI; `make test` installs it")
    if not found:
        pytest.skip("Graphviz 'dot' is not installed (apt-get install graphviz)")
    return found


@pytest.fixture(scope="session")
def render_need_chromium(render_need_dot: str) -> str:
    """Chromium and playwright, which draw PNG and PDF; skip only when truly absent (fail in CI)."""
    import importlib.util
    import os

    missing = [what for what, there in (("chromium (/usr/bin/chromium)", Path("/usr/bin/chromium").exists()),
                                        ("playwright", importlib.util.find_spec("playwright") is not None)) if not there]
    if missing and os.environ.get("CI"):
        pytest.fail(f"{', '.join(missing)} missing in CI; `make test` installs them")
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (`make test` installs them)")
    return "/usr/bin/chromium"


def _render_build_site(out: Path, *args: str) -> Path:
    from vcfgraph.cli import main

    assert main(["site", "-o", str(out), *args]) == 0, f"vcfgraph site {' '.join(args)} failed"
    return out


@pytest.fixture(scope="session")
def render_tiny_site(tmp_path_factory: pytest.TempPathFactory, render_need_dot: str) -> Path:
    """The site of the tiny pathway with its test cases and the case full of special characters."""
    out = tmp_path_factory.mktemp("tiny-site")
    return _render_build_site(out, "-g", str(DATA / "tiny.yaml"), "--cases",
                              str(RENDER_DATA / "tiny-cases.yaml"), str(RENDER_DATA / "tricky-case.yaml"))


@pytest.fixture(scope="session")
def render_ottawa_site(tmp_path_factory: pytest.TempPathFactory, render_need_dot: str) -> Path:
    """The site of the second bundled pathway (the Ottawa ankle rules) and its case library."""
    out = tmp_path_factory.mktemp("ottawa-site")
    examples = ROOT / "graphs" / "examples"
    return _render_build_site(out, "-g", str(examples / "ottawa-ankle.yaml"), "--cases", str(examples / "ottawa-cases"))


@pytest.fixture(scope="session")
def render_curb65_site(tmp_path_factory: pytest.TempPathFactory, render_need_dot: str) -> Path:
    """The site of the third bundled pathway (the CURB-65 / CRB-65 scores) and its case library."""
    out = tmp_path_factory.mktemp("curb65-site")
    examples = ROOT / "graphs" / "examples"
    return _render_build_site(out, "-g", str(examples / "curb-65.yaml"), "--cases", str(examples / "curb-65-cases"))


@pytest.fixture(scope="session")
def render_bundled_site(tmp_path_factory: pytest.TempPathFactory, render_need_dot: str) -> Path:
    """The site of the bundled pathway and case library, built as ``make demo`` builds renders/."""
    out = tmp_path_factory.mktemp("bundled-site")
    return _render_build_site(out, "--cases", str(ROOT / "cases"))


@pytest.fixture(scope="session")
def batch_generator():
    """benchmarks/generate_cases.py as a module (the batch tests draw their cases with it)."""
    import importlib.util

    path = ROOT / "benchmarks" / "generate_cases.py"
    spec = importlib.util.spec_from_file_location("vcfgraph_generate_cases", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- PostgreSQL (issue 26: the feedback store)


def _postgres_bin() -> Path | None:
    """Debian keeps the server's binaries under /usr/lib/postgresql/<version>/bin (newest wins)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@pytest.fixture(scope="session")
def postgres_server() -> Any:
    """One throw-away PostgreSQL server for the whole session, on a free loopback port, its cluster
    in a temporary folder (``VCFGRAPH_TEST_POSTGRES=postgresql://...`` reuses a running one instead).
    Yields the server's URL (user ``postgres``, database ``postgres``). The server refuses to run as
    root, so as root it runs as the ``postgres`` user that Debian's package creates."""
    import socket
    import subprocess

    given = os.environ.get("VCFGRAPH_TEST_POSTGRES")
    if given:
        yield given
        return
    bindir = _postgres_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is missing in CI; `.ci/install-system-deps --test` installs it")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql, or .ci/install-system-deps --test)")
    user: str | None = None
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root, the test server needs the 'postgres' user (Debian's postgresql package makes it)")
        user = "postgres"
    folder = Path(tempfile.mkdtemp(prefix="vcfgraph-pg-"))
    data = folder / "data"
    if user:
        shutil.chown(folder, user)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    def run(*cmd: str) -> None:
        done = subprocess.run(cmd, user=user, capture_output=True, text=True, timeout=120, cwd=folder)
        if done.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed: {done.stdout}{done.stderr}")

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w", "start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], user=user,
                       capture_output=True, timeout=60, cwd=folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_db(postgres_server: str) -> Any:
    """A fresh database on the session's PostgreSQL server, dropped after the test; yields its URL."""
    import uuid

    psycopg = pytest.importorskip("psycopg")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
