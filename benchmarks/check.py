"""How long ``vcfgraph check`` takes: the bundled pathway, and generated ones of 1,000 and 10,000
nodes with 30 facts; then the whole command on generated files of 10,000 and 50,000 nodes, cold
(no cache) and warm (the report printed from the cache). Printed, not asserted.

    .venv/bin/python benchmarks/check.py

For each pathway it prints the size, the number of paths the symbolic walk follows, the size
of the case space (the product of every fact's classes with "not known"; never enumerated),
the best of three timings of the whole check, and the time per path: that last column should
stay roughly flat as pathways grow, since the work follows the paths, not the case space.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_pathway import generate  # noqa: E402

from vcfgraph.analysis.regions import domains_of  # noqa: E402
from vcfgraph.analysis.checker import verify  # noqa: E402
from vcfgraph.io.load import load_pathway  # noqa: E402
from vcfgraph.model import Pathway  # noqa: E402


def best_of(runs: int, fn) -> float:  # noqa: ANN001 - any callable
    """The shortest of ``runs`` timings of ``fn()``, in seconds."""
    best = math.inf
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def row(name: str, pathway: Pathway, runs: int = 3) -> str:
    report = verify(pathway)
    paths = len(report.paths)
    space = math.prod(len(v) for v in domains_of(pathway.facts).values())
    seconds = best_of(runs, lambda: verify(pathway))
    return (f"{name:<22}{len(pathway.nodes):>7}{len(pathway.facts):>6}{paths:>8}{report.stats['infeasible']:>11}"
            f"{space:>12.2e}{seconds:>10.3f}{seconds / paths * 1e6:>12.1f}")


def _whole_command() -> None:
    import contextlib
    import io

    from vcfgraph.cli import main as cli_main

    with contextlib.redirect_stdout(io.StringIO()):
        cli_main(["check"])


def main() -> int:
    header = (f"{'pathway':<22}{'nodes':>7}{'facts':>6}{'paths':>8}{'infeasible':>11}"
              f"{'cases':>12}{'check s':>10}{'us / path':>12}")
    print(header)
    print("-" * len(header))
    start = time.perf_counter()
    bundled = load_pathway()
    load_s = time.perf_counter() - start
    print(row("bundled VCF pathway", bundled), flush=True)
    for nodes in (1_000, 10_000):
        print(row(f"generated {nodes:,}", generate(nodes)), flush=True)
    command = best_of(3, _whole_command)
    print(f"\nThe whole command 'vcfgraph check' on the bundled pathway (read, check, print): {command:.3f} s "
          f"(reading the file alone: {load_s:.3f} s).")
    print("'cases' is the size of the case space each check covers without enumerating it.")
    for nodes, runs in ((10_000, 3), (50_000, 1)):
        _cold_and_warm(nodes, runs)
    return 0


def _command_times(path: Path, cache: str) -> tuple[float, float]:
    """(CPU seconds (user + system), wall seconds) of one 'vcfgraph check FILE' process with
    VCFGRAPH_CACHE=cache. On a shared machine the wall time grows with the load; quote both."""
    import os
    import subprocess

    before, start = os.times(), time.perf_counter()
    subprocess.run([sys.executable, "-m", "vcfgraph", "check", "--graph", str(path)], stdout=subprocess.DEVNULL,
                   env={**os.environ, "VCFGRAPH_CACHE": cache}, cwd=Path(__file__).resolve().parent.parent, check=False)
    wall, after = time.perf_counter() - start, os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system), wall


def _cold_and_warm(nodes: int, runs: int) -> None:
    """The whole command on a generated file, cold (no cache) and warm (the cache filled by one
    run: the report is printed from it), in CPU seconds of the process (best of ``runs``; cold
    also in wall seconds, of that same run), beside
    the issue's goals; the warm output is compared with the cold one byte for byte."""
    import os
    import subprocess
    import tempfile

    from gen_pathway import raw_pathway
    from ruamel.yaml import YAML

    with tempfile.TemporaryDirectory(prefix="vcfgraph-check-bench-") as folder:
        path = Path(folder) / f"generated-{nodes}.yaml"
        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = None
        with path.open("w", encoding="utf-8") as out:
            yaml.dump(raw_pathway(nodes), out)
        cache = Path(folder) / "cache"
        cache.mkdir(mode=0o700)
        cold, cold_wall = min(_command_times(path, "off") for _ in range(runs))
        _command_times(path, str(cache))
        warm = min(_command_times(path, str(cache))[0] for _ in range(max(runs, 3)))
        outputs = [subprocess.run([sys.executable, "-m", "vcfgraph", "check", str(path)], capture_output=True,
                                  env={**os.environ, "VCFGRAPH_CACHE": setting}, check=False).stdout
                   for setting in ("off", str(cache))] if nodes <= 10_000 else []
    same = "" if not outputs else " same output" if outputs[0] == outputs[1] else " OUTPUT DIFFERS"
    print(f"\n'vcfgraph check' on a generated {nodes:,}-node file, CPU s of the process (best of {runs} cold; "
          f"load average {os.getloadavg()[0]:.2f}): cold {cold:.2f}, {cold_wall:.2f} s wall (goal under "
          f"{3 if nodes <= 10_000 else 15} s wall), warm cache {warm:.2f} ({cold / warm:.1f}x faster; goal 2x){same}",
          flush=True)

if __name__ == "__main__":
    raise SystemExit(main())
