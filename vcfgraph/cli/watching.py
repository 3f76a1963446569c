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

    A watched file that is a symbolic link is followed afresh after every change, so re-pointing
    the link watches its new target. A run starts only when every watched file is a regular file:
    one that became a FIFO, a device or a folder is named, and the watch goes on without reading
    it (a FIFO would block the run for ever).

    Args:
        command: the command's name, for the status lines.
        inputs: the files and folders the command reads.
        once: one run of the command; its exit code is shown, a VcfgraphError is reported.
    """
    try:  # here, not at the top: watchfiles is the optional extra 'watch'
        from watchfiles import watch
    except ImportError:
        raise UsageError("--watch needs the watchfiles package: pip install 'vcfgraph[watch]'") from None
    given = [p.absolute() for p in inputs]
    folders = {p.resolve() for p in given if p.is_dir()}
    named = [p for p in given if not p.is_dir()]

    def targets() -> set[Path]:
        """The files as named and where their links point now."""
        return {p for p in named} | {p.resolve() for p in named}

    _run_if_regular(command, named, once)
    armed = False
    while True:
        files = targets()
        roots = sorted({str(f.parent) for f in files} | {str(d) for d in folders})

        def relevant(_change: object, name: str, files: set[Path] = files) -> bool:
            path = Path(name)
            return path in files or path.resolve() in files or (
                path.suffix in (".yaml", ".yml") and any(d in path.resolve().parents for d in folders))

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
            _run_if_regular(command, named, once)
            output.flush()
            if targets() != files:  # a link was re-pointed: watch where it points now
                armed = False  # "watching" again once the new folders are watched
                break
        else:
            return 0


def _run_if_regular(command: str, named: list[Path], once: Callable[[], int]) -> None:
    odd = [p for p in named if p.exists() and not p.resolve().is_file()]
    if odd:
        output.error(f"vcfgraph {command}: {', '.join(str(p) for p in odd)} is not a regular file (a FIFO, a device "
                     "or a folder); not read, still watching")
        output.flush()
        return
    _run(command, once)


def _run(command: str, once: Callable[[], int]) -> None:
    try:
        code = once()
    except VcfgraphError as exc:
        output.error(f"vcfgraph: error: {exc}")
        code = exc.exit_code
    output.echo(f"vcfgraph {command}: exit code {code}")
    output.flush()
