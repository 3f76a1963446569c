"""The benchmark scripts run (a few hundred rows): a change to the batch API that breaks them
fails here, not on the day someone wants the figures. Times are printed, never asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


def test_batch_stages_prints_every_stage_of_every_format(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "batch_stages.py"), "--n", "300", "--rounds", "1",
                           "--keep", str(tmp_path)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("stages one after the other: imports") == 3
    for kind in ("csv", "parquet", "jsonl"):
        assert f"{kind} -> {kind}, 300 rows" in done.stdout
    assert "a 10-row batch" in done.stdout and "Traceback" not in done.stderr


def test_sql_benchmark_compares_every_row_with_the_batch(tmp_path):
    pytest.importorskip("duckdb")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "sql.py"), "--n", "300", "--format", "csv",
                           "--keep", str(tmp_path)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "rows compared: 300; unmatched: 0; 0 rows differ" in done.stdout
    assert "SQL / batch wall time:" in done.stdout and "CPU time:" in done.stdout and "load average before" in done.stdout
