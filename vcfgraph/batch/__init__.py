"""Batch tracing and practice audit at scale: many cases in, one result row per case out.

The pathway is compiled once into vectorised three-valued masks (:mod:`.masks`, :mod:`.compile`)
and rows are routed through the graph in bulk, chunk by chunk, so memory stays bounded
whatever the size of the input (:mod:`.io`, :mod:`.run`). Results agree with
:func:`vcfgraph.engine.trace` row for row. :mod:`.audit` classifies the action actually taken
in each row against that row's recommendations; :mod:`.dask_engine` runs the same job per
partition on a Dask cluster; :mod:`.summary` words the counts.

    from vcfgraph import load_pathway
    from vcfgraph.batch import run_batch
    tally = run_batch(load_pathway(), "cases.csv", "results.parquet", audit="action_taken")

The command line is ``vcfgraph batch`` (:mod:`vcfgraph.cli.batch`).
"""

from vcfgraph.batch.compile import CompiledPathway, Evaluator, compile_pathway
from vcfgraph.batch.results import RowResult
from vcfgraph.batch.run import BatchJob, Tally, check_columns, output_schema, run_batch

__all__ = [
    "BatchJob",
    "CompiledPathway",
    "Evaluator",
    "RowResult",
    "Tally",
    "check_columns",
    "compile_pathway",
    "output_schema",
    "run_batch",
]
