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
    assert done.stdout.count("stages one after the other: imports") == 4
    assert done.stdout.count("read by the line reader of before") == 2
    for kind in ("csv", "parquet", "jsonl", "jsonl-mixed"):
        assert f"{kind} -> {kind}, 300 rows" in done.stdout
    assert "a 10-row batch" in done.stdout and "Traceback" not in done.stderr


def test_sql_benchmark_compares_every_row_with_the_batch(tmp_path):
    pytest.importorskip("duckdb")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "sql.py"), "--n", "300", "--format", "csv",
                           "--keep", str(tmp_path)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "rows compared: 300; unmatched: 0; 0 rows differ" in done.stdout
    assert "SQL / batch wall time:" in done.stdout and "CPU time:" in done.stdout and "load average before" in done.stdout


@pytest.mark.slow
@pytest.mark.subprocess
def test_batch_compare_checks_every_peer_route_against_vcfgraph(tmp_path):
    pytest.importorskip("duckdb")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "batch.py"), "--compare", "--n", "400",
                           "--rounds", "1", "--formats", "csv,jsonl-mixed", "--keep", str(tmp_path)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    checks = done.stdout.split("route checks")[1]
    assert checks.count("DuckDB peer 0 rows differ (of ") == 2, done.stdout
    assert "load average" in done.stdout and "| csv |" in done.stdout and "| jsonl-mixed |" in done.stdout


def test_route_check_counts_the_rows_that_differ(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from batch import route_check

    ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    ours.write_text("case_id,outcome,terminal,error\na,variant,V1,\nb,need_info,,\nc,invalid,,bad\n")
    theirs.write_text("case_id,outcome,terminal,error\na,variant,V2,\nb,need_info,,\nc,invalid,,other\n")
    assert route_check(ours, theirs) == (1, 0, 2)
