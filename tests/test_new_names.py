"""``vcfgraph new`` in a folder whose name YAML would read as a number or a boolean still writes a
scaffold that passes its own check, and a hostile --schema-path is refused (issue 25, item 10)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parent.parent


def _vcfgraph(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vcfgraph", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.mark.parametrize("name", ["2024", "true", "0x1f", "1e3", "null", "no", "Ünïcode"])
def test_a_scaffold_in_any_folder_name_passes_its_own_check(tmp_path: Path, name: str) -> None:
    made = _vcfgraph("new", name, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    checked = _vcfgraph("check", f"{name}/pathway.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    traced = _vcfgraph("trace", f"{name}/cases/sign-present.yaml", "--graph", f"{name}/pathway.yaml", cwd=tmp_path)
    assert traced.returncode == 0, traced.stdout + traced.stderr


def test_a_schema_path_with_a_newline_is_refused(tmp_path: Path) -> None:
    done = _vcfgraph("new", "p", "--schema-path", "x\npathway: {injected: true}\n#", cwd=tmp_path)
    assert done.returncode == 2 and "--schema-path must be" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "p").exists()
