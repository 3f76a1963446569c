"""Run a batch on Dask: the same compiled evaluator, one task per Parquet partition.

The input is partitioned Parquet (a folder of ``.parquet`` files, a glob, or one file). The
compiled pathway is sent to every worker once; each task reads one partition with the same
reader as the local engine, runs a :class:`~vcfgraph.batch.run.BatchJob` over it, and returns
its result rows and counts. The client writes the partitions' results in partition order, so the
output is the same as the local engine's, row for row. At most a few partitions are in flight
at once, so neither the workers nor the client hold the whole result.

On a real cluster, start a scheduler and workers that have ``vcfgraph[dask]`` installed and can
read the input at the same path (a shared file system), then pass ``--scheduler
tcp://host:8786``. Without it a local cluster is started on this machine.

Dask is an optional dependency (``pip install 'vcfgraph[dask]'``); it is imported only here.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa

from vcfgraph.batch.compile import CompiledPathway, compile_pathway
from vcfgraph.batch.readers import file_format, open_input, parquet_parts
from vcfgraph.batch.run import BatchJob, Tally, check_columns, output_schema
from vcfgraph.batch.results import result_fields
from vcfgraph.batch.writer import open_output
from vcfgraph.errors import UsageError, VcfgraphError
from vcfgraph.model import Pathway

__all__ = ["run_dask", "process_partition", "local_client", "connect", "CONNECT_TIMEOUT"]


def process_partition(compiled: CompiledPathway, path: str, columns: list[str], audit: str | None,
                      rows: int) -> tuple[pa.Table, Tally] | str:
    """Evaluate one Parquet partition (this runs on a worker).

    Returns:
        The partition's result rows, in order, and its counts; or, when the partition cannot be
        read (its columns differ from the first partition's, it is not Parquet), the message. A
        message is returned rather than raised, so that the worker's log shows no traceback for
        what is an input error.
    """
    try:
        reader = open_input(path, rows)
        if reader.columns != columns:
            return (f"{path}: its columns ({', '.join(reader.columns)}) differ from those of the first "
                    f"partition ({', '.join(columns)}); every part must have the same columns")
        job = BatchJob(compiled, audit)
        tables, total = [], Tally()
        for chunk in reader.chunks():
            table, tally = job.process(chunk)
            tables.append(table)
            total.add(tally)
    except VcfgraphError as exc:
        return str(exc)
    return (pa.concat_tables(tables) if tables else job.schema.empty_table()), total


def local_client(workers: int | None = None, processes: bool = True) -> Any:
    """A client of a new local cluster (one thread per worker, no dashboard)."""
    import os

    from distributed import Client, LocalCluster

    n = workers or max(1, min(os.cpu_count() or 1, 8))
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes, dashboard_address=None)
    return Client(cluster)


#: seconds to wait for a --scheduler to answer
CONNECT_TIMEOUT = 5


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A client of the running scheduler at ``address``.

    Raises:
        UsageError: the address is not valid or nothing answers there within ``timeout`` seconds.
    """
    from distributed import Client

    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"--scheduler {address}: cannot connect to a Dask scheduler there "
                         f"({reason[:200]}); start one with 'dask scheduler', or leave out --scheduler "
                         "to use a local cluster") from None


def _import_dask() -> None:
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        raise UsageError("--engine dask needs Dask: pip install 'vcfgraph[dask]'")


def run_dask(
    pathway: Pathway,
    source: str | Path,
    target: str | Path,
    *,
    audit: str | None = None,
    rows: int = 131072,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Tally:
    """Trace every row of partitioned Parquet on Dask and write the results to ``target``.

    Args:
        pathway: the pathway to trace on.
        source: a Parquet file, a folder of them, or a glob.
        target: the output file (CSV, JSON Lines or Parquet, by extension).
        audit: the column naming the action taken.
        rows: rows per chunk inside a partition.
        client: a ``distributed.Client`` to use; else one is made from ``scheduler``, else a
            local cluster of ``workers`` workers is started (and shut down at the end).
        progress: called with (partitions done, partitions) after each partition.

    Returns:
        The counts of the whole run.

    Raises:
        UsageError: the input is not Parquet, columns are unknown or missing, Dask is absent.
    """
    if file_format(source) != "parquet":
        raise UsageError(f"{source}: --engine dask reads partitioned Parquet (a folder of .parquet files, a glob "
                         "or one file); use the local engine for CSV and JSON Lines")
    parts = [str(p) for p in parquet_parts(source)]
    columns = open_input(parts[0], rows).columns
    check_columns(columns, pathway, audit, str(source))
    _import_dask()
    own = client is None
    if own:
        client = connect(scheduler) if scheduler else local_client(workers)
    try:
        return _run(client, compile_pathway(pathway), parts, columns, target, audit, rows, progress)
    finally:
        if own:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()


def _run(client: Any, compiled: CompiledPathway, parts: list[str], columns: list[str], target: str | Path,
         audit: str | None, rows: int, progress: Callable[[int, int], None] | None) -> Tally:
    shared = client.scatter(compiled, broadcast=True)
    window = max(2, 2 * len(client.scheduler_info().get("workers", {})))
    total = Tally()
    pending: deque[Any] = deque()
    done = 0
    writer = open_output(target, output_schema(audit, lists=result_fields(compiled.pathway)))
    try:
        for part in parts:
            pending.append(client.submit(process_partition, shared, part, columns, audit, rows, pure=False))
            while len(pending) >= window:
                done = _collect(pending.popleft(), writer, total, done, len(parts), progress)
        while pending:
            done = _collect(pending.popleft(), writer, total, done, len(parts), progress)
    except BaseException:
        for future in pending:
            future.cancel()
        writer.discard()
        raise
    writer.commit()
    return total


def _collect(future: Any, writer: Any, total: Tally, done: int, parts: int,
             progress: Callable[[int, int], None] | None) -> int:
    result = future.result()
    future.release()
    if isinstance(result, str):
        raise UsageError(result)
    table, tally = result
    writer.write(table)
    total.add(tally)
    if progress is not None:
        progress(done + 1, parts)
    return done + 1
