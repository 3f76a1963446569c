"""``--watch``: run a command again every time one of its input files is saved.

Uses the maintained `watchfiles <https://pypi.org/project/watchfiles/>`_ library (Rust notify
underneath). The folders of the inputs are watched, so an editor that saves by replacing the
file is seen too; only changes to the inputs themselves (or to YAML files inside an input
folder) start a run. A run that fails on an invalid file prints its message and keeps watching.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from vcfgraph.cli import output
from vcfgraph.errors import UsageError, VcfgraphError

__all__ = ["run_watching"]


def run_watching(command: str, inputs: Iterable[Path], once: Callable[[], int]) -> int:
    """Run ``once`` now and after every change to ``inputs``; returns when interrupted.

    Args:
        command: the command's name, for the status lines.
        inputs: the files and folders the command reads.
        once: one run of the command; its exit code is shown, a VcfgraphError is reported.
    """
    try:  # here, not at the top: watchfiles is the optional extra 'watch'
        from watchfiles import watch
    except ImportError:
        raise UsageError("--watch needs the watchfiles package: pip install 'vcfgraph[watch]'") from None
    files = {p.resolve() for p in inputs if not p.is_dir()}
    folders = {p.resolve() for p in inputs if p.is_dir()}
    roots = sorted({str(f.parent) for f in files} | {str(d) for d in folders})

    def relevant(_change: object, name: str) -> bool:
        path = Path(name).resolve()
        return path in files or (path.suffix in (".yaml", ".yml") and any(d in path.parents for d in folders))

    _run(command, once)
    armed = False
    # yield_on_timeout: the first (empty) yield comes once the watcher is armed, so "watching" is
    # printed only when a save can no longer slip by unseen
    for changes in watch(*roots, watch_filter=relevant, debounce=200, step=50, rust_timeout=200,
                         yield_on_timeout=True):
        if not armed:
            armed = True
            output.echo(f"vcfgraph {command}: watching {', '.join(roots)}; press Ctrl-C to stop")
            output.flush()
        if not changes:
            continue
        names = sorted({Path(name).name for _change, name in changes})
        output.echo(f"\nvcfgraph {command}: {', '.join(names)} changed; running again")
        _run(command, once)
        output.flush()
    return 0


def _run(command: str, once: Callable[[], int]) -> None:
    try:
        code = once()
    except VcfgraphError as exc:
        output.error(f"vcfgraph: error: {exc}")
        code = exc.exit_code
    output.echo(f"vcfgraph {command}: exit code {code}")
    output.flush()
