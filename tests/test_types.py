"""The package type-checks: mypy, with the settings of pyproject.toml's ``[tool.mypy]``, finds
no error in ``vcfgraph/``. Among other things this keeps every ``match`` over the condition
kinds exhaustive: a kind that one of them misses reaches its ``assert_never`` and is an error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.subprocess


def test_mypy_finds_no_error_in_the_package(pytestconfig: pytest.Config, tmp_path: Path) -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")
    # mypy's incremental cache lives beside pytest's own (kept between runs, never in the tree)
    cache_plugin = getattr(pytestconfig, "cache", None)  # absent under -p no:cacheprovider
    cache = cache_plugin.mkdir("mypy") if cache_plugin is not None else tmp_path / "mypy"
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(cache)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, f"mypy reports errors:\n{done.stdout}{done.stderr}"
