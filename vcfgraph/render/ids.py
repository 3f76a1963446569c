"""Every id a diagram or page carries, and every case file name, derived from the graph here only.

Pathway content (node ids, answer ids, source keys, downstream ids, case ids) is free to be
anything the loader accepts, so no id made from it may collide with another, with a fixed id of
the pages (:data:`FIXED`), or with the ``a_<id>`` group Graphviz wraps around a link. Three
rules make that so:

- :func:`encode` writes content injectively with letters, digits, ``_`` and ``.`` only: those
  three kept, any other character as ``.<hex>.`` (``"S 1"`` -> ``S.20.1``). Valid in an XML
  name and an HTML id, and it never holds ``-``.
- Every content id is ``<namespace>-<encoded>``, with a namespace of its own per kind
  (:data:`NAMESPACES`: ``n-`` nodes, ``e-`` answers, ``r-`` rating rows, ``ru-`` a variant's
  rule rows, ...). The first ``-``
  tells the kind, and within a kind the encoding is one to one, so two ids of different content
  never meet. An answer or rating edge ``a->b`` keeps its arrow as ``--`` (``e-q_a--V_b``).
- A fixed id is never of that form (:data:`FIXED`; a test holds it), and neither a fixed id nor a
  namespace starts with ``a_``, the prefix Graphviz adds to links.

DOT names of pathway nodes are :func:`encode` of the node id (a node id that is already a plain
identifier stays itself); the diagram's own nodes (the legend, the ``need_info`` box) have names
holding ``-``, which no encoded id holds, so a node called ``legend`` stays a node of its own.
"""

from __future__ import annotations

import hashlib
import re
from typing import Iterable

__all__ = ["encode", "decode", "NAMESPACES", "FIXED", "GRAPH_ID", "LEGEND_ID", "LEGEND_NAME", "NEED_INFO_NAME",
           "NEED_INFO_EDGE_ID", "dot_name", "node_id", "node_of", "edge_id", "row_id", "row_of", "rule_id", "rule_of", "head_id",
           "reenter_id", "layout_id", "card_id", "variant_id", "variant_heading_id", "source_id", "anchor_id",
           "is_reenter", "is_layout", "case_slug", "clashes", "MAX_SLUG"]

#: id prefix of each kind of content id
NAMESPACES = {
    "node": "n", "edge": "e", "row": "r", "rule": "ru", "head": "h", "reenter": "re", "layout": "l",
    "card": "card", "variant": "variant", "source": "src",
}
#: id of the graph group in every pathway SVG
GRAPH_ID = "pathway-graph"
#: id of the legend node in the pathway diagram
LEGEND_ID = "legend"
#: DOT names of the diagram's own nodes (``-`` never occurs in an encoded node id)
LEGEND_NAME = "vg-legend"
NEED_INFO_NAME = "vg-need-info"
NEED_INFO_EDGE_ID = "need-info-edge"
#: every id the diagrams and pages carry that does not come from pathway content
FIXED = frozenset({
    GRAPH_ID, LEGEND_ID, NEED_INFO_NAME, NEED_INFO_EDGE_ID, "cluster-actions-imaging", "cluster-actions-treatment",
    "cluster-actions-disposition",
    "main", "diagram", "variants", "handoffs", "checks", "properties", "cases", "sources",
    "zoom-pathway", "zoom-case", "zoom-heat",
    "vg-explorer", "vg-explorer-h", "vg-result", "vg-reset", "vg-permalink",
})

_KEEP = re.compile(r"[^A-Za-z0-9_]")
_ESCAPE = re.compile(r"\.([0-9a-f]+)\.")


def encode(text: str) -> str:
    """``text`` as letters, digits, ``_`` and ``.``, one to one (``.`` starts an escape).

    Examples:
        >>> encode("q_pain"), encode("S 1"), encode("V1~2")
        ('q_pain', 'S.20.1', 'V1.7e.2')
    """
    return _KEEP.sub(lambda m: f".{ord(m.group()):x}.", text)


def decode(text: str) -> str:
    """The inverse of :func:`encode`."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _arrow(graph_id: str) -> str:
    """An edge id ``a->b`` encoded part by part, the arrow written ``--``."""
    return "--".join(encode(part) for part in graph_id.split("->"))


def _unarrow(text: str) -> str:
    return "->".join(decode(part) for part in text.split("--"))


def dot_name(node: str) -> str:
    """The DOT name of a pathway node."""
    return encode(node)


def node_id(node: str) -> str:
    """The id of a node's group in SVG and HTML: ``n-<node>``."""
    return f"n-{encode(node)}"


def node_of(dom: str) -> str | None:
    """The node id whose :func:`node_id` is ``dom``, or None (the legend, another element)."""
    return decode(dom[2:]) if dom.startswith("n-") else None


def edge_id(graph_id: str) -> str:
    """The id of an answer edge (:attr:`~vcfgraph.model.Edge.id`, ``source->target`` or the
    answer's own id): ``e-source--target``."""
    return f"e-{_arrow(graph_id)}"


def row_id(rating_edge: str) -> str:
    """The id of a variant's rating row, from the rating-edge id ``variant->action``."""
    return f"r-{_arrow(rating_edge)}"


def row_of(dom: str) -> str | None:
    """The rating-edge id ``variant->action`` of a row id (a Graphviz ``a_`` link prefix allowed)."""
    dom = dom.removeprefix("a_")
    return _unarrow(dom[2:]) if dom.startswith("r-") else None


def rule_id(variant: str, rule: str) -> str:
    """The id of the row that heads one of a variant's rules: ``ru-<variant>--<rule>`` (its
    rating rows are :func:`row_id` of ``variant/rule->action``)."""
    return f"ru-{encode(variant)}--{encode(rule)}"


def rule_of(dom: str) -> tuple[str, str] | None:
    """(variant, rule) of a rule row's id (a Graphviz ``a_`` link prefix allowed), or None."""
    dom = dom.removeprefix("a_")
    if not dom.startswith("ru-"):
        return None
    variant, rule = dom[3:].split("--", 1)
    return decode(variant), decode(rule)


def head_id(variant: str) -> str:
    """The id of a variant's title row (the variant's link to its details card)."""
    return f"h-{encode(variant)}"


def reenter_id(downstream: str) -> str:
    """The id of the dashed edge that draws a re-entry step."""
    return f"re-{encode(downstream)}"


def is_reenter(dom: str) -> bool:
    return dom.startswith("re-")


def layout_id(*parts: str) -> str:
    """The id of an invisible edge that only shapes the layout (parts: node ids, fixed words)."""
    return "l-" + "-".join(encode(p) for p in parts)


def is_layout(dom: str) -> bool:
    return dom.startswith("l-")


def card_id(node: str) -> str:
    """The HTML id of the details card a click on a diagram node opens."""
    return f"card-{encode(node)}"


def variant_id(variant: str) -> str:
    """The HTML id of a variant's section on the pathway page."""
    return f"variant-{encode(variant)}"


def variant_heading_id(variant: str) -> str:
    """The HTML id of a variant section's heading (``-`` never occurs in an encoded id)."""
    return f"{variant_id(variant)}-h"


def source_id(key: str) -> str:
    """The HTML id of a source in the pathway page's list of sources."""
    return f"src-{encode(key)}"


def anchor_id(element_id: str) -> str:
    """The id Graphviz gives the link group of a clickable element."""
    return f"a_{element_id}"


# ---------------------------------------------------------------- case file names

#: longest file name stem made from a case id (the room left for ``-route.html`` and a hash)
MAX_SLUG = 64
_PLAIN = re.compile(r"[a-z0-9][a-z0-9._-]*")
_UNSAFE = re.compile(r"[^a-z0-9_-]+")  # a '.' too: Windows reserves "aux.txt" as it reserves "aux"
#: names Windows reserves for devices, with or without an extension
_RESERVED = frozenset({"con", "prn", "aux", "nul", "conin$", "conout$"}
                      | {f"{d}{i}" for d in ("com", "lpt") for i in "0123456789\u00b9\u00b2\u00b3"})


def case_slug(case_id: str) -> str:
    """A stable file name stem for a case, safe on every common file system.

    An id that is already a plain lowercase name (letters, digits, ``.``, ``_``, ``-``; at most
    :data:`MAX_SLUG` characters; not a name Windows reserves such as ``con`` or ``nul.txt``; not
    ending in ``.``) is kept. Any other id is reduced to its lowercase letters, digits, ``_`` and
    ``-`` (other characters become ``-``) and followed by a short hash of the full id, so two ids that differ only in unsafe characters
    or in letter case (``Case1``, ``case1``) still get names that differ on a case-insensitive
    file system. :func:`clashes` finds the rare names that still meet.

    Args:
        case_id: the case id, any text.

    Returns:
        A non-empty name of at most ``MAX_SLUG + 9`` characters without path separators or spaces.
    """
    if _PLAIN.fullmatch(case_id) and len(case_id) <= MAX_SLUG and not case_id.endswith(".") \
            and case_id.split(".")[0] not in _RESERVED:
        return case_id
    safe = _UNSAFE.sub("-", case_id.lower()).strip("-")[:MAX_SLUG - 9].strip("-")
    digest = hashlib.sha256(case_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe or 'case'}-{digest}"


def clashes(names: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Files that would overwrite each other, on a file system that ignores letter case too.

    Args:
        names: (file name, who writes it) pairs, such as ``("cases/x.html", "case 'x'")``.

    Returns:
        (file name, first writer, second writer) for every name written twice, in input order.
    """
    seen: dict[str, str] = {}
    out = []
    for name, owner in names:
        key = name.casefold()
        if key in seen:
            out.append((name, seen[key], owner))
        else:
            seen[key] = owner
    return out
