"""The author tools: exhaustive verification, safety properties, case-suite coverage, diff.

Everything here works symbolically over the finite fact domains (each fact's value classes plus
"not known"), so a pathway is checked against every possible case without enumerating them:

- :func:`verify` (``vcfgraph check``): structural findings, gaps, overlaps, infeasible paths,
  need_info stops, safety properties, and a witness case for every path;
- :func:`coverage` (``vcfgraph coverage``): node, edge and rating coverage of a case suite,
  from the routes the engine returns;
- :func:`diff` (``vcfgraph diff``): the regions of the case space whose result changes between
  two versions of a pathway, and the structural changes.

The engine (:mod:`vcfgraph.engine`) is the reference semantics; every witness this package
produces, traced by the engine, shows what it is said to show.
"""

from typing import TYPE_CHECKING, Any

from vcfgraph.analysis.findings import CODES, Finding

if TYPE_CHECKING:
    from vcfgraph.analysis.checker import CheckReport, verify

# ``verify`` and ``CheckReport`` are also reachable here, loaded on first use (see __getattr__); their
# home, and their API reference, is :mod:`vcfgraph.analysis.checker`
__all__ = ["CODES", "Finding"]


def __getattr__(name: str) -> Any:
    """``verify`` and ``CheckReport`` load the checker on first use, so a command
    that only needs :mod:`vcfgraph.analysis.junit` (``trace``) does not pay for them."""
    if name in ("verify", "CheckReport"):
        from vcfgraph.analysis import checker

        return getattr(checker, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
