"""``vcfgraph batch``: trace a whole file of cases, and audit the care actually given."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import threading
from pathlib import Path
from typing import Any, Callable

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from vcfgraph.batch.dask_engine import run_dask
from vcfgraph.batch.heat import inappropriate_values, traffic_values
from vcfgraph.batch.run import run_batch
from vcfgraph.batch.groups import Breakdown
from vcfgraph.batch.readers import input_sha256
from vcfgraph.batch.stats import audit_report, report_text
from vcfgraph.batch.summary import summary_data, summary_text
from vcfgraph.cli import output
from vcfgraph.cli.common import add_command, add_graph_option, load_graph
from vcfgraph.cli.files import write_files
from vcfgraph.cli.graphviz_run import run_dot
from vcfgraph.engine import trace
from vcfgraph.errors import UsageError, VcfgraphError
from vcfgraph.model import Case
from vcfgraph.report import route_text
from vcfgraph.validate import parse_fact_value
from vcfgraph.render.dot import pathway_dot
from vcfgraph.render.audit_page import REPORT_PAGE, audit_files
from vcfgraph.render.heatmap import heatmap_page

DESCRIPTION = """\
Trace every row of INPUT through the pathway and write one result row per input row, in input
order, to OUTPUT. Formats follow the extension: .csv, .jsonl / .ndjson, .parquet (the input may
also be a folder or glob of Parquet files).

Input columns: 'case_id', fact names of the pathway, and the --audit column; any other column is
an error (so a misspelt fact never silently becomes unknown), unless --keep-columns passes every
extra column through to the output, or --by / --period-column name it. A fact column that is absent means the fact is not known in every row. In CSV write
booleans as true/false, numbers as digits, enum values as text, and leave a cell empty (or
write null / unknown) when the fact is not known. Parquet and JSON values must have the fact's
type (a boolean, a whole number, a text value).

Output columns: case_id, outcome (variant, handoff, need_info, invalid, route_error), terminal,
missing, usually_appropriate, may_be_appropriate, usually_not_appropriate, contraindicated
(lists; joined by ';' in CSV), then rules (the rules that fired) for a pathway whose variants
have rules, and favoured, disfavoured (rated actions whose modifier of that direction holds) for a
pathway with rating modifiers, error (why a row is invalid or could not be routed; a bad row is
reported here, never dropped), with --audit the action column and its class, then the kept
input columns as text, in input order.

A summary (counts per outcome, variant and hand-off, invalid rows, and the audit per variant)
is printed at the end; a progress bar shows on a terminal.
"""

EXIT_NOTE = "Exit code 0 when the batch completed (invalid rows are reported in the output), " \
            "1 when some rows hit a route error (the pathway could not decide them), 2 on a usage error."


def register(sub: Any) -> None:
    """Add the ``batch`` command to the sub-command parsers."""
    p = add_command(sub, "batch", DESCRIPTION + "\n" + EXIT_NOTE)
    p.add_argument("input", metavar="INPUT", help="cases: .csv, .jsonl, .parquet, or a folder / glob of Parquet files")
    p.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="results file: .csv, .jsonl or .parquet")
    add_graph_option(p)
    p.add_argument("--audit", metavar="COLUMN", default=None,
                   help="column naming the action taken (an action id or alias); classify it against the row's "
                        "recommendations and report the rate of inappropriate care per variant")
    p.add_argument("--html", metavar="DIR", default=None,
                   help="write the pathway heat-mapped by traffic (and, with --audit, by inappropriate-care rate) here")
    p.add_argument("--feedback-db", metavar="FILE_OR_URL", default=None,
                   help="with --html, also write feedback.html: what clinicians did with the CDS service's cards, "
                        "from the store of `vcfgraph serve --feedback-db` (a SQLite file or postgresql://...)")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local: stream the file in this process (default); dask: one task per Parquet partition")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="with --engine dask: a running Dask scheduler, e.g. tcp://host:8786 (default: a local cluster)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="with --engine dask and no --scheduler: workers of the local cluster (default: CPU count)")
    p.add_argument("--chunk-rows", type=int, default=131072, metavar="N",
                   help="rows held in memory at once (default: 131072)")
    p.add_argument("--keep-columns", action="store_true",
                   help="pass every extra input column (site, clinician, dates...) through to the output, as text")
    p.add_argument("--by", metavar="COLUMN", action="append", default=[],
                   help="with --audit: also count the audit per value of this kept column, or 'month' of "
                        "--period-column; repeat for several groups (--by site --by clinician --by month)")
    p.add_argument("--period-column", metavar="COLUMN", default=None,
                   help="the date column (YYYY-MM-DD...) that --by month is taken from")
    p.add_argument("--drill-cases", type=int, default=20, metavar="N",
                   help="with --by or --html: inappropriate case ids listed per variant and per group value "
                        "in the report (default: 20; the output file holds them all)")
    p.add_argument("--report-date", metavar="TEXT", default=None,
                   help="the date printed on the HTML report (none by default, so the same run gives the same bytes)")
    p.add_argument("--summary-json", metavar="FILE", default=None, help="also write the summary as JSON here")
    p.add_argument("--quiet", "-q", action="store_true", help="print no summary and no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run a batch; returns the exit code (0 done, 1 some rows hit a route error).

    Raises:
        VcfgraphError: a usage or input error (the CLI prints it and exits 2).
    """
    if args.feedback_db and not args.html:
        raise UsageError("--feedback-db adds feedback.html to the --html report: give --html DIR too")
    if args.chunk_rows < 1:
        raise UsageError("--chunk-rows must be at least 1")
    if args.engine == "local" and (args.scheduler or args.workers):
        raise UsageError("--scheduler and --workers apply to --engine dask only")
    if args.engine == "dask" and (args.keep_columns or args.by or args.period_column):
        raise UsageError("--keep-columns, --by and --period-column work with --engine local only, for now")
    pathway = load_graph(args)
    try:
        with _signals_stop(), _progress(not args.quiet and os.isatty(2), args.engine) as progress:
            tally = _run_engine(pathway, args, progress)
    except Stopped as stop:
        output.error(f"vcfgraph: stopped by {stop.name}; {args.output} was not written")
        return 128 + stop.signum
    report = audit_report(tally, pathway, _breakdown(args)) if args.audit else None
    extended = bool(args.by or args.keep_columns)  # the new numbers; a run without these options prints as before
    if args.summary_json:
        data = summary_data(tally, pathway, args.audit)
        if report is not None and extended:
            data["audit"]["report"] = report
        _write_summary(Path(args.summary_json), json.dumps(data, indent=1) + "\n")
    if args.html:
        pages = _write_heatmaps(pathway, tally, args.audit, Path(args.html))
        if report is not None:
            _write_report(pathway, tally, report, args, pages)
        if args.feedback_db:
            _write_feedback(args.feedback_db, Path(args.html))
    if not args.quiet:
        text = summary_text(tally, pathway, args.audit)
        if report is not None and extended:
            text += "\n" + report_text(report)
        output.write(text)
    return 1 if tally.outcomes.get("route_error", 0) else 0


def _run_engine(pathway: Any, args: argparse.Namespace, progress: Callable[[int, int], None] | None) -> Any:
    if args.engine == "dask":  # run_dask imports Dask, an optional extra, only when it runs
        return run_dask(pathway, args.input, args.output, audit=args.audit, rows=args.chunk_rows,
                        scheduler=args.scheduler, workers=args.workers, progress=progress)
    return run_batch(pathway, args.input, args.output, audit=args.audit, rows=args.chunk_rows, progress=progress,
                     keep_columns=args.keep_columns, by=args.by, period_column=args.period_column,
                     cap=args.drill_cases if args.html or args.by else 0)


def _write_summary(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the --summary-json file {path}: {exc.strerror or exc}") from None


class Stopped(BaseException):
    """The run was stopped by SIGTERM or SIGHUP (``timeout``, systemd, Slurm, a closed terminal).

    A BaseException, like KeyboardInterrupt for SIGINT, so that it passes every ``except
    Exception`` and reaches the clean-up of the output.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


class _signals_stop:
    """While the batch runs, SIGTERM and SIGHUP raise :class:`Stopped` in the main thread, as
    SIGINT raises KeyboardInterrupt, so the partial output is removed and the exit code is
    128 + the signal number. The previous handlers come back afterwards."""

    SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))

    def __enter__(self) -> None:
        self._old: dict[int, Any] = {}
        if threading.current_thread() is not threading.main_thread():
            return  # handlers can only be set in the main thread (a test's runner thread)
        for signum in self.SIGNALS:
            self._old[signum] = signal.signal(signum, self._stop)

    @staticmethod
    def _stop(signum: int, _frame: Any) -> None:
        raise Stopped(signum)

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._old.items():
            signal.signal(signum, handler)


class _progress:
    """A rich progress bar on stderr while the batch runs, or nothing."""

    def __init__(self, show: bool, engine: str) -> None:
        self.show = show
        self.unit = "partitions" if engine == "dask" else "input"
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not self.show:
            return None
        self._bar = Progress(TextColumn("batch"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                             console=Console(stderr=True), transient=True)
        self._bar.start()
        self._task = self._bar.add_task(self.unit, total=None)
        return self.update

    def update(self, done: int, total: int) -> None:
        self._bar.update(self._task, completed=done, total=total or None)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _write_feedback(db: str, folder: Path) -> None:
    """``feedback.html``: the feedback report of the service's store (``vcfgraph feedback report``)."""
    from vcfgraph.render.feedback_page import feedback_page

    try:
        from vcfgraph.io.feedback import open_store, report_rows

        store = open_store(db)
    except ImportError as exc:
        raise UsageError(f"--feedback-db needs {exc.name}: pip install 'vcfgraph[serve]'") from None
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy's errors: the database cannot be opened
        raise UsageError(f"--feedback-db: cannot open the feedback store ({type(exc).__name__})") from None
    try:
        rows = report_rows(store)
    finally:
        store.close()
    write_files(folder, {"feedback.html": feedback_page(rows)})
    output.echo(f"wrote {folder / 'feedback.html'}", err=True)


_FOOTER = ("Made by vcfgraph batch from the batch's rows and the pathway file. Counts of a batch against the "
           "pathway: they do not replace the published guideline, clinical judgement, or a review of the records.")


def _breakdown(args: argparse.Namespace) -> Breakdown:
    return Breakdown(by=tuple(args.by), period=args.period_column, cap=args.drill_cases if args.html or args.by else 0)


def run_details(pathway: Any, tally: Any, args: argparse.Namespace) -> dict[str, Any]:
    """What the report says about its run: the input by name and SHA-256, the pathway, the counts."""
    meta = pathway.meta
    return {
        "input": Path(args.input).name or str(args.input), "sha256": input_sha256(args.input),
        "output": Path(args.output).name, "pathway_id": meta.id, "pathway_title": meta.title,
        "pathway_version": meta.version, "pathway_revision": meta.revision, "pathway_reviewed": meta.reviewed,
        "publisher": meta.publisher, "rows_read": tally.rows, "invalid_rows": tally.outcomes.get("invalid", 0),
        "route_errors": tally.outcomes.get("route_error", 0), "audit_column": args.audit, "by": list(args.by),
        "period_column": args.period_column, "report_date": args.report_date,
    }


def explanations(pathway: Any, tally: Any) -> dict[str, dict[str, str]]:
    """Case id -> the trace of that case (as ``vcfgraph trace`` prints it) and the command that
    prints it, for the cases listed under their variant in the drill-down. Made of the facts the
    input held for the row, nothing more."""
    out: dict[str, dict[str, str]] = {}
    for (name, _value), cases in sorted(tally.cases.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if name:
            continue
        for case_id, _variant, _cls, _values, facts, _action in cases:
            if case_id is None or case_id in out:
                continue
            try:
                case = Case(str(case_id), {n: parse_fact_value(pathway.fact(n), t) for n, t in facts})
                text = route_text(trace(pathway, case, validate=False), pathway, case)
            except VcfgraphError:
                continue
            command = " ".join(["vcfgraph", "trace", *(shlex.quote(f"--fact={n}={t}") for n, t in facts)])
            out[case_id] = {"text": text, "command": command}
    return out


def _write_report(pathway: Any, tally: Any, report: dict[str, Any], args: argparse.Namespace,
                  pages: list[tuple[str, str]]) -> None:
    """Write the audit report (its page, CSVs and workbook) beside the heat maps."""
    folder = Path(args.html)
    run = run_details(pathway, tally, args) | {"pages": pages}
    files = audit_files(report, run, title=pathway.meta.title, explanations=explanations(pathway, tally))
    write_files(folder, files)
    output.echo(f"wrote {folder / REPORT_PAGE} (and {len(files) - 1} downloads)", err=True)


def _write_heatmaps(pathway: Any, tally: Any, audit: str | None, folder: Path) -> list[tuple[str, str]]:
    """Draw the pathway heat-mapped by traffic (and by inappropriate-care rate) into ``folder``."""
    svg = run_dot(pathway_dot(pathway), "svg")
    nodes, edges = traffic_values(tally, pathway)
    taken = " and, on each rating, the rows whose recorded action it was" if audit else ""
    pages = {"traffic.html": heatmap_page(
        pathway, svg, title="Batch traffic",
        caption=f"Rows of the batch ({tally.rows} in all) that reached each node and took each answer{taken}.",
        node_values=nodes, edge_values=edges, value_label="cases", footer=_FOOTER)}
    if audit:
        nodes, edges = inappropriate_values(tally, pathway)
        pages["inappropriate-care.html"] = heatmap_page(
            pathway, svg, title="Inappropriate care",
            caption=f"Per variant, the percentage of rows whose action taken ('{audit}') was usually not appropriate "
                    "or contraindicated, among rows with a recorded action of the pathway; on each rating, the "
                    "percentage of the variant's rows that took that action inappropriately.",
            node_values=nodes, edge_values=edges, value_label="% inappropriate", footer=_FOOTER)
    write_files(folder, pages)
    for name in sorted(pages):
        output.echo(f"wrote {folder / name}", err=True)
    titles = {"traffic.html": "The pathway heat-mapped by traffic", "inappropriate-care.html":
              "The pathway heat-mapped by inappropriate-care rate"}
    return [(titles[name], name) for name in sorted(pages)]
