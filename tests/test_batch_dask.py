"""--engine dask: the same compiled evaluator per Parquet partition gives the local engine's output."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vcfgraph.batch.dask_engine import run_dask
from vcfgraph.batch.run import run_batch
from vcfgraph.cli import main
from vcfgraph.errors import UsageError
from vcfgraph.model import Pathway

pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def batch_cluster() -> Iterator[Any]:
    """A small local cluster: 2 workers, 1 thread each, in this process."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def batch_parts(tmp_path_factory: pytest.TempPathFactory, bundled: Pathway, batch_generator: Any) -> Path:
    """Five Parquet partitions of generated cases with actions, invalid values included."""
    folder = tmp_path_factory.mktemp("parts")
    for i in range(5):
        table, invalid = batch_generator.generate(bundled, 1500 + 100 * i, seed=100 + i, typed_invalid=True)
        table, _truth = batch_generator.add_actions(bundled, table, invalid, "action_taken", 0.05, 100 + i)
        ids = [f"p{i}-{c}" for c in table.column("case_id").to_pylist()]
        table = table.set_column(0, "case_id", pa.array(ids))
        batch_generator.write(table, invalid, folder / f"part-{i:02d}.parquet")
    return folder


def test_dask_output_equals_local(tmp_path: Path, bundled: Pathway, batch_cluster: Any, batch_parts: Path) -> None:
    local = run_batch(bundled, batch_parts, tmp_path / "local.parquet", audit="action_taken", rows=500)
    remote = run_dask(bundled, batch_parts, tmp_path / "dask.parquet", audit="action_taken", rows=500,
                      client=batch_cluster)
    a = pq.read_table(tmp_path / "local.parquet")
    b = pq.read_table(tmp_path / "dask.parquet")
    assert a.num_rows == sum(1500 + 100 * i for i in range(5))
    assert a.equals(b)
    assert (local.rows, local.errors, local.outcomes, local.terminals, local.audit, local.nodes, local.edges) == (
        remote.rows, remote.errors, remote.outcomes, remote.terminals, remote.audit, remote.nodes, remote.edges)


def test_dask_glob_and_csv_output_through_the_scheduler_option(tmp_path: Path, batch_cluster: Any, batch_parts: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    pattern = str(batch_parts / "part-0[13].parquet")
    assert main(["batch", pattern, "-o", str(tmp_path / "local.csv"), "--audit", "action_taken"]) == 0
    local_summary = capsys.readouterr().out
    address = batch_cluster.scheduler.address
    assert main(["batch", pattern, "-o", str(tmp_path / "dask.csv"), "--audit", "action_taken",
                 "--engine", "dask", "--scheduler", address]) == 0
    assert capsys.readouterr().out == local_summary
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


def test_partitions_with_other_columns_are_refused(tmp_path: Path, batch_cluster: Any, batch_parts: Path,
                                                   bundled: Pathway) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.parquet").write_bytes((batch_parts / "part-00.parquet").read_bytes())
    pq.write_table(pa.table({"case_id": ["x"], "age": [70]}), folder / "b.parquet")
    with pytest.raises(UsageError) as info:
        run_dask(bundled, folder, tmp_path / "out.parquet", audit="action_taken", client=batch_cluster)
    assert str(info.value).startswith(f"{folder / 'b.parquet'}: its columns (case_id, age) differ from those of the "
                                      "first partition (case_id, age, sex, ")
    assert not (tmp_path / "out.parquet").exists()


def test_a_bad_partition_leaves_no_traceback_in_the_worker_log(tmp_path: Path, batch_cluster: Any, batch_parts: Path,
                                                               bundled: Pathway, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.parquet").write_bytes((batch_parts / "part-00.parquet").read_bytes())
    pq.write_table(pa.table({"case_id": ["x"], "age": [70]}), folder / "b.parquet")
    with caplog.at_level("INFO", logger="distributed"), pytest.raises(UsageError):
        run_dask(bundled, folder, tmp_path / "out.parquet", audit="action_taken", client=batch_cluster)
    assert [r.getMessage() for r in caplog.records if r.levelname in ("ERROR", "WARNING")] == []
    assert "Traceback" not in caplog.text


def test_an_unreachable_scheduler_is_an_exit_2_message_after_a_short_wait(tmp_path: Path, batch_parts: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from vcfgraph.batch.dask_engine import CONNECT_TIMEOUT, connect

    assert CONNECT_TIMEOUT <= 10
    with pytest.raises(UsageError) as info:
        connect("tcp://127.0.0.1:9", timeout=0.5)
    assert str(info.value).startswith("--scheduler tcp://127.0.0.1:9: cannot connect to a Dask scheduler there (")
    assert main(["batch", str(batch_parts), "-o", str(tmp_path / "o.csv"), "--engine", "dask",
                 "--scheduler", "nosuch://host:1", "--audit", "action_taken"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vcfgraph: error: --scheduler nosuch://host:1: cannot connect to a Dask scheduler there (")
    assert "Traceback" not in err and not (tmp_path / "o.csv").exists()
