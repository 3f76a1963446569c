"""Pieces of markup every page would otherwise repeat, as data a script builds.

A case page leaves out the diagram's toolbar and the legend and keeps an empty
``<div data-vg-part="NAME"></div>`` in their place; ``assets/site.js`` replaces it with the part
from ``assets/pathway.js``. A part is rendered by the same template macro a page would use, then
written as a tree (``[tag, {attribute: value}, child, ...]``, text as strings), so the script
builds it with ``createElement`` and ``textContent`` and never parses markup. Both parts matter
only with scripts on: the toolbar drives the diagram the script draws, and the legend explains
the route marks on it; the printed page hides both.

This module writes no files; :mod:`vcfgraph.render.site` puts the parts in the shared script.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from vcfgraph.model import Pathway
from vcfgraph.render import html

__all__ = ["markup_tree", "parts"]

#: elements without an end tag
_VOID = frozenset({"area", "br", "col", "hr", "img", "input", "wbr"})

#: the parts, each a call of a macro of ``_macros.html.j2``
_PARTS = {
    "tools": '{% from "_macros.html.j2" import tools %}{{ tools() }}',
    "legend": '{% from "_macros.html.j2" import legend_box with context %}{{ legend_box(legend, route=true) }}',
}


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: list[Any] = ["", {}]
        self.open: list[list[Any]] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node: list[Any] = [tag, {k: v or "" for k, v in attrs}]
        self.open[-1].append(node)
        if tag not in _VOID:
            self.open.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open[-1].append([tag, {k: v or "" for k, v in attrs}])

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if len(self.open) < 2 or self.open[-1][0] != tag:
            raise ValueError(f"</{tag}> does not close <{self.open[-1][0] or 'nothing'}>")
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.open[-1].append(data)


def markup_tree(markup: str) -> list[Any]:
    """Well-formed HTML as trees ``[tag, {attribute: value}, child, ...]``; text as strings.

    Raises:
        ValueError: an end tag does not close the element open (a template bug).
    """
    tree = _Tree()
    tree.feed(markup)
    tree.close()
    if len(tree.open) != 1:
        raise ValueError(f"<{tree.open[-1][0]}> is never closed")
    return [c for c in tree.root[2:] if not (isinstance(c, str) and not c.strip())]


def parts(pathway: Pathway) -> dict[str, Any]:
    """The diagram's toolbar (``tools``) and the legend of a route (``legend``), as trees."""
    env = html.environment()
    context = {"legend": html.legend(pathway), **html.scale_context(pathway)}
    out = {}
    for name, source in _PARTS.items():
        (tree,) = markup_tree(env.from_string(source).render(**context))
        out[name] = tree
    return out
