"""Stable ids of diagram elements, derived from the graph, shared by DOT, SVG and HTML.

A node keeps its pathway id, an answer edge its :attr:`~vcfgraph.model.Edge.id`
(``source->target``), a rating row the rating-edge id ``variant->action``
(:meth:`~vcfgraph.model.Route.rating_edges`), and a re-entry step ``reenter.<downstream id>``.
An XML name (an id in SVG and HTML) cannot hold ``>``, so in DOT, SVG and HTML the ids are
written through :func:`dom_id`: ``source->target`` becomes ``source--target`` (node ids are
letters, digits and ``_``, so the mapping is one to one). Graphviz puts clickable elements
(nodes and rating rows, which link to their details card) in an extra group whose id is the
element id prefixed with ``a_``; :func:`anchor_id` gives that id.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["dom_id", "rating_id", "reenter_id", "head_id", "card_id", "anchor_id", "case_slug", "GRAPH_ID", "LEGEND_ID"]

#: id of the graph group in every pathway SVG
GRAPH_ID = "pathway-graph"
#: id of the legend node in the pathway diagram
LEGEND_ID = "legend"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NOT_NAME = re.compile(r"[^A-Za-z0-9._-]")


def dom_id(graph_id: str) -> str:
    """The id of a graph element as written in DOT, SVG and HTML (a valid XML name).

    ``a->b`` becomes ``a--b``; any other character outside letters, digits, ``_``, ``.`` and
    ``-`` (such as the ``~`` of a generated downstream id) becomes ``.``. Node ids are unchanged.
    """
    return _NOT_NAME.sub(".", graph_id.replace("->", "--"))


def rating_id(variant: str, action: str) -> str:
    """The graph id of a variant's rating of ``action``: the rating-edge id ``variant->action``."""
    return f"{variant}->{action}"


def reenter_id(downstream_id: str) -> str:
    """The id of the dashed edge that draws a re-entry step."""
    return dom_id(f"reenter.{downstream_id}")


def head_id(variant: str) -> str:
    """The id of a variant's title row (the variant's link to its details card)."""
    return f"{variant}.head"


def card_id(node_id: str) -> str:
    """The HTML id of the details card a click on a diagram node opens."""
    return f"card-{node_id}"


def anchor_id(element_id: str) -> str:
    """The id Graphviz gives the link group of a clickable element."""
    return f"a_{element_id}"


def case_slug(case_id: str) -> str:
    """A file-name-safe, stable name for a case page.

    Ids made of letters, digits, ``.``, ``_`` and ``-`` are kept as they are; any other id is
    reduced to its safe characters and followed by a short hash of the full id, so two ids that
    differ only in unsafe characters still get different names.

    Args:
        case_id: the case id, any text.

    Returns:
        A non-empty name without path separators or spaces.
    """
    safe = _UNSAFE.sub("-", case_id).strip("-.")
    if safe == case_id and safe:
        return safe
    digest = hashlib.sha256(case_id.encode("utf-8")).hexdigest()[:8]
    return f"{safe[:60] or 'case'}-{digest}"
