"""The drawing API for library users: a pathway, or a route on it, as one SVG picture.

:func:`pathway_svg` is what a notebook cell shows (``Pathway._repr_svg_``, ``Route._repr_svg_``):
the base layout of the pathway, laid out by Graphviz ``dot``, with a route's questions, answers,
outcome and ratings highlighted on that same layout (the site's case pages draw routes the same
way). This is the one renderer that runs a program: the command line lays out through
:mod:`vcfgraph.cli.graphviz_run`, a library user through the ``graphviz`` package here. Nothing is
written to a file.
"""

from __future__ import annotations

from vcfgraph.errors import UsageError
from vcfgraph.model import Pathway
from vcfgraph.render import svg
from vcfgraph.render.dot import pathway_dot
from vcfgraph.render.states import route_states
from vcfgraph.route import Route

__all__ = ["pathway_svg", "DOT_MISSING"]

#: the message when Graphviz is not installed
DOT_MISSING = "Graphviz 'dot' is not installed, so the diagram cannot be drawn; install it with: apt-get install graphviz"


def layout(dot_text: str) -> bytes:
    """Lay out DOT text with ``dot -Tsvg``.

    Raises:
        UsageError: ``dot`` is not installed (:data:`DOT_MISSING`) or fails.
    """
    import graphviz

    try:
        return graphviz.pipe("dot", "svg", dot_text.encode("utf-8"), quiet=True)
    except graphviz.ExecutableNotFound:
        raise UsageError(DOT_MISSING) from None
    except graphviz.CalledProcessError as exc:
        message = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise UsageError("dot failed: " + ("; ".join(message[-3:]) or f"exit code {exc.returncode}")) from None


def pathway_svg(pathway: Pathway, route: Route | None = None) -> str:
    """The pathway as a standalone SVG file, a route highlighted on it when one is given.

    Args:
        pathway: the pathway to draw.
        route: a route traced on ``pathway``; its steps, outcome and ratings are highlighted
            and everything else is dimmed, on the same layout as the pathway alone.

    Returns:
        SVG text (UTF-8, with an XML declaration); the same inputs give the same bytes.

    Raises:
        UsageError: Graphviz ``dot`` is not installed, or fails.
    """
    states = route_states(pathway, route) if route is not None else None
    title = pathway.meta.title if route is None else f"{pathway.meta.title}: the route of case {route.case}"
    root = svg.restyle(layout(pathway_dot(pathway)), pathway, states)
    return svg.standalone(root, title=title)
