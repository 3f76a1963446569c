"""PNG and PDF decks of the case library: two ``dot`` renders per case (before) against
``vcfgraph render`` as it is (now: for PNG one layout per case set rasterised by Chromium; PDF
stays with ``dot``, which this measures to be faster than Chromium's print).

For the bundled pathway and every case in ``cases/``, in interleaved rounds (so a busy machine
slows both alike), this times:

- **before**: what ``render --case cases/ --format png`` did until the Chromium rasteriser, one
  ``dot -Tpng`` of each case's coloured full diagram and one of its route-only view (2 per case);
- **now**: ``vcfgraph render --case cases/ --format FMT`` as it is (PNG: one layout for every case,
  one small layout per route view, all pictures drawn by one Chromium);

and prints the median wall time of each, the ratio, the ``dot`` runs, and whether two runs of
"now" gave byte-identical files. Nothing is asserted: the numbers are for people.
Run: ``.venv/bin/python benchmarks/raster.py [--rounds 3] [--format png|pdf]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vcfgraph.cli import main  # noqa: E402
from vcfgraph.cli.graphviz_run import dot_runs, run_dot  # noqa: E402
from vcfgraph.cli.render import collect_cases  # noqa: E402
from vcfgraph.io.load import load_pathway  # noqa: E402
from vcfgraph.render import dot, route_view  # noqa: E402
from vcfgraph.render.site import case_title  # noqa: E402


def before(fmt: str, out: Path) -> tuple[float, int]:
    """The old deck: two ``dot`` renders per case. Returns seconds and dot runs."""
    start, runs = time.perf_counter(), dot_runs()
    pathway = load_pathway()
    with contextlib.redirect_stderr(io.StringIO()):
        entries, _ = collect_cases(pathway, [str(ROOT / "cases")])
    out.mkdir(parents=True)
    for e in entries:
        (out / f"{e.slug}.{fmt}").write_bytes(run_dot(dot.route_dot(pathway, e.route), fmt))
        compact = route_view.route_only_dot(pathway, e.route, case_title(e.case))
        (out / f"{e.slug}-route.{fmt}").write_bytes(run_dot(compact, fmt))
    return time.perf_counter() - start, dot_runs() - runs


def now(fmt: str, out: Path) -> tuple[float, int]:
    """``vcfgraph render --case cases/ --format FMT`` as it is. Returns seconds and dot runs."""
    start, runs = time.perf_counter(), dot_runs()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["render", "--case", str(ROOT / "cases"), "--format", fmt, "-o", str(out)])
    if code != 0:
        raise SystemExit(f"vcfgraph render failed with exit code {code}")
    return time.perf_counter() - start, dot_runs() - runs


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def main_benchmark() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are printed (default 3)")
    parser.add_argument("--format", choices=("png", "pdf"), default="png", help="deck format (default png)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vcfgraph-bench-raster-") as tmp:
        times: dict[str, list[float]] = {"before": [], "now": []}
        runs: dict[str, int] = {}
        for r in range(args.rounds):
            for name, fn in (("before", before), ("now", now)) if r % 2 == 0 else (("now", now), ("before", before)):
                seconds, runs[name] = fn(args.format, Path(tmp) / f"{name}-{r}")
                times[name].append(seconds)
                print(f"round {r + 1}: {name:<6} {seconds:6.2f} s", flush=True)
        cases = len(list((Path(tmp) / "now-0").glob(f"*-route.{args.format}")))
        same = files_of(Path(tmp) / "now-0") == files_of(Path(tmp) / f"now-{args.rounds - 1}") if args.rounds > 1 else None
        b, n = statistics.median(times["before"]), statistics.median(times["now"])
        print(f"{args.format} deck of {cases} cases, medians of {args.rounds} interleaved rounds:")
        print(f"  before (2 dot renders per case): {b:6.2f} s  ({runs['before']} dot runs)")
        print(f"  now (vcfgraph render):           {n:6.2f} s  ({runs['now']} dot runs)")
        print(f"  now / before: {n / b:.2f} ({b / n:.1f}x as fast; the goal for PNG was 5x)")
        print(f"  two runs of 'now' byte-identical: {same}")


if __name__ == "__main__":
    main_benchmark()
