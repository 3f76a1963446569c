"""How the teaching site's build time grows with the number of cases.

Builds the site of the bundled pathway for 1 case and for 100 cases (the case library, repeated
under new ids until there are 100) with ``vcfgraph site``, and prints the wall time of each, the
ratio, and how many ``dot`` runs each build started. Nothing is asserted: the numbers are for
people. Run: ``.venv/bin/python benchmarks/site.py [--cases N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vcfgraph.cli import main  # noqa: E402
from vcfgraph.cli.graphviz_run import dot_runs  # noqa: E402
from vcfgraph.io.load import load_cases, load_pathway  # noqa: E402


def write_cases(folder: Path, count: int) -> None:
    """Write ``count`` case files: the library's cases in order, repeated under new ids."""
    import json

    pathway = load_pathway()
    library = [case for path in sorted((ROOT / "cases").glob("*.yaml")) for case in load_cases(pathway, path)]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        case = library[i % len(library)]
        data = {"id": f"{case.id}-{i + 1:03d}", "description": case.description, "vignette": case.vignette,
                "facts": dict(case.facts)}
        (folder / f"case-{i + 1:03d}.json").write_text(json.dumps(data), encoding="utf-8")


def build(cases: Path, out: Path) -> tuple[float, int]:
    """Build the site once; return the seconds it took and the dot runs it started."""
    before = dot_runs()
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["site", "-o", str(out), "--cases", str(cases)])
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"vcfgraph site failed with exit code {code}")
    return seconds, dot_runs() - before


def main_benchmark() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100, help="the large build's number of cases (default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="builds of each size; the fastest counts (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vcfgraph-bench-") as tmp:
        results = {}
        for count in (1, args.cases):
            folder = Path(tmp) / f"cases-{count}"
            write_cases(folder, count)
            runs = [build(folder, Path(tmp) / f"site-{count}-{r}") for r in range(args.repeat)]
            results[count] = (min(s for s, _ in runs), runs[0][1])
        (t1, d1), (tn, dn) = results[1], results[args.cases]
        print(f"site build, 1 case:    {t1:6.2f} s  ({d1} dot run{'s' if d1 != 1 else ''}: the layout every page shares)")
        print(f"site build, {args.cases} cases: {tn:6.2f} s  ({dn} dot run{'s' if dn != 1 else ''})")
        print(f"ratio {args.cases} cases / 1 case: {tn / t1:.1f}x (per case: {(tn - t1) / (args.cases - 1) * 1000:.0f} ms)")


if __name__ == "__main__":
    main_benchmark()
