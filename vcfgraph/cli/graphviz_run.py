"""Running Graphviz ``dot``: the only place a layout program is started.

:func:`run_dot` lays out and renders one DOT text. One graph per ``dot`` process: Graphviz 2.43
accepts several graphs in one input, but then the order in which it draws clusters changes from
run to run, so outputs would not be reproducible. Output is made byte-reproducible: ``dot`` runs
in UTC with the build date (:mod:`vcfgraph.cli.reproducible`: ``SOURCE_DATE_EPOCH``, or a fixed
date), and the dates PDF output embeds are replaced by that date, whatever the time zone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

from vcfgraph.cli.reproducible import child_env, fix_pdf_dates
from vcfgraph.errors import UsageError

__all__ = ["FORMATS", "run_dot", "run_dots", "dot_runs", "dot_path"]

#: output formats ``dot`` is asked for
FORMATS = ("svg", "pdf", "png", "dot")
_INSTALL_HINT = "Graphviz 'dot' is not installed; install it with: apt-get install graphviz"
_TIMEOUT = 300

_runs = 0
_count = threading.Lock()


def dot_runs() -> int:
    """How many times ``dot`` has been started by this process (benchmarks report it)."""
    return _runs


def dot_path() -> str:
    """The ``dot`` executable.

    Raises:
        UsageError: ``dot`` is not on the PATH, with the command that installs it.
    """
    found = shutil.which("dot")
    if not found:
        raise UsageError(_INSTALL_HINT)
    return found


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown diagram format '{fmt}' (allowed: {', '.join(FORMATS)})")


def _start(args: list[str], stdin: bytes) -> bytes:
    global _runs
    with _count:
        _runs += 1
    env = child_env()
    try:
        done = subprocess.run(args, input=stdin, capture_output=True, timeout=_TIMEOUT, env=env, check=False)
    except FileNotFoundError:
        raise UsageError(_INSTALL_HINT) from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"dot did not finish within {_TIMEOUT} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError("dot failed: " + ("; ".join(message[-3:]) or f"exit code {done.returncode}"))
    return done.stdout


def _reproducible(data: bytes, fmt: str) -> bytes:
    if fmt == "pdf":
        return fix_pdf_dates(data)
    return data


def run_dot(dot_text: str, fmt: str) -> bytes:
    """Lay out ``dot_text`` and render it.

    Args:
        dot_text: one graph in DOT.
        fmt: ``svg``, ``pdf``, ``png`` or ``dot`` (DOT with the layout's positions).

    Returns:
        The rendered bytes (SVG and DOT are UTF-8 text).

    Raises:
        UsageError: ``dot`` is missing (with the install hint), fails, or the format is unknown.
    """
    _check_format(fmt)
    out = _start([dot_path(), f"-T{fmt}"], dot_text.encode("utf-8"))
    return _reproducible(out, fmt)


def run_dots(dot_texts: Sequence[str], fmt: str) -> list[bytes]:
    """:func:`run_dot` for several graphs, each in its own ``dot`` process, as many at once as
    there are cores; the results are in the order of ``dot_texts`` and are the same bytes as one
    run at a time would give.

    Raises:
        UsageError: as :func:`run_dot`, for the first graph (in order) that failed.
    """
    _check_format(fmt)
    workers = min(len(dot_texts), os.cpu_count() or 1)
    if workers <= 1:
        return [run_dot(text, fmt) for text in dot_texts]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vcfgraph-dot") as pool:
        return list(pool.map(lambda text: run_dot(text, fmt), dot_texts))
