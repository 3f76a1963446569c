"""A pathway diagram shaded by a value per node and per edge: coverage counts, traffic, rates.

:func:`heatmap_page` takes the SVG ``dot`` made of :func:`~vcfgraph.render.dot.pathway_dot`
(the same layout as every other diagram) and values keyed by the stable ids (node ids, answer
edge ids ``source->target``, rating-edge ids ``variant->action``, re-entry ids). Each shaded
element gets a colour bin (light to dark blue, colour-blind safe; zero has its own dotted look),
its value written next to it and in its tooltip, and the page lists every value in a table, so
the numbers are readable without colour.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from typing import Mapping

from markupsafe import Markup

from vcfgraph.model import Pathway
from vcfgraph.render import html, ids, svg
from vcfgraph.render.style import FONT, HEAT_BINS

__all__ = ["heatmap_page", "heat_bin", "bin_ranges", "format_number", "heat_css"]

_NS = svg.SVG_NS
_TEXT = f"{{{_NS}}}text"
_TITLE = f"{{{_NS}}}title"
_POLY = f"{{{_NS}}}polygon"
_PATH = f"{{{_NS}}}path"
_ELLIPSE = f"{{{_NS}}}ellipse"
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_LEVELS = len(HEAT_BINS) - 1


def format_number(value: float) -> str:
    """A value as short text: whole numbers without decimals, others with 3 significant digits."""
    if math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return f"{value:.3g}"


def heat_bin(value: float, top: float) -> int:
    """The colour bin of ``value``: 0 for zero (or less), else 1..5 by its share of ``top``."""
    if value <= 0 or top <= 0:
        return 0
    return min(_LEVELS, max(1, math.ceil(value / top * _LEVELS - 1e-9)))


def bin_ranges(top: float) -> list[tuple[int, str]]:
    """Each bin and the values it holds, in words, for the legend."""
    out = [(0, "0")]
    for k in range(1, _LEVELS + 1):
        low, high = top * (k - 1) / _LEVELS, top * k / _LEVELS
        out.append((k, f"more than {format_number(low)} up to {format_number(high)}"))
    return out


def heat_css() -> str:
    """CSS of the bins: node fills, rating-row fills (each from its own value), their text's ink,
    edge strokes; zero is dotted."""
    rules = []
    for k, (fill, ink) in enumerate(HEAT_BINS):
        dash = ";stroke-dasharray:3 3" if k == 0 else ""
        # a node's own shape and a row's own fill: a variant's heat never bleeds into its rows
        rules.append(f".node.vg-heat-{k}>.vg-shape,.vg-row.vg-heat-{k} .vg-fill{{fill:{fill}{dash}}}")
        # text on a dark fill turns light (a variant's title sits on its own band, not on the shape)
        rules.append(f".vg-row.vg-heat-{k} text:not(.vg-value),"
                     f".node.vg-heat-{k}:not(.vg-kind-variant) text:not(.vg-value){{fill:{ink}}}")
        width = 1.5 + k * 1.2
        rules.append(f".edge.vg-heat-{k} .vg-line{{stroke:{fill if k else '#9a9a9a'};stroke-width:{width:g}px{dash}}}")
        rules.append(f".edge.vg-heat-{k} .vg-head{{fill:{fill if k else '#9a9a9a'};stroke:{fill if k else '#9a9a9a'}}}")
    rules.append(".vg-value{font-weight:bold}")
    rules.append(".vg-unvalued{opacity:.45}")
    return "\n".join(rules) + "\n"


def _points(el: ET.Element) -> list[tuple[float, float]]:
    if el.tag == _ELLIPSE:
        cx, cy, rx, ry = (float(el.get(k, "0")) for k in ("cx", "cy", "rx", "ry"))
        return [(cx - rx, cy - ry), (cx + rx, cy + ry)]
    text = el.get("points") or el.get("d") or ""
    nums = [float(n) for n in _NUMBER.findall(text)]
    return list(zip(nums[0::2], nums[1::2]))


def _label(group: ET.Element, anchor: tuple[float, float], text: str, *, end: bool) -> None:
    el = ET.SubElement(group, _TEXT)
    el.set("class", "vg-value")
    el.set("x", f"{anchor[0]:.2f}")
    el.set("y", f"{anchor[1]:.2f}")
    el.set("text-anchor", "end" if end else "middle")
    el.set("font-family", FONT)
    el.set("font-size", "13")
    el.set("fill", "#08306b")
    el.text = text


def _tooltip(group: ET.Element, text: str) -> None:
    title = group.find(_TITLE)
    if title is None:
        title = ET.SubElement(group, _TITLE)
    title.text = f"{title.text or ''} {text}".strip()


def _shade_nodes(root: ET.Element, values: Mapping[str, float], top: float, unit: str) -> None:
    for g in svg.element_groups(root, "node"):
        node_id = ids.node_of(g.get("id", ""))
        if node_id is None or node_id not in values:
            continue
        value = values[node_id]
        g.set("class", f"{g.get('class', '')} vg-heat-{heat_bin(value, top)}")
        shape = next((el for el in g.iter() if "vg-shape" in (el.get("class") or "").split()), None)
        if shape is not None:
            pts = _points(shape)
            if pts:
                x = max(p[0] for p in pts)
                y = min(p[1] for p in pts)
                _label(g, (x - 2, y + 14), format_number(value), end=True)
        _tooltip(g, f"{unit}: {format_number(value)}")


def _shade_rows(root: ET.Element, values: Mapping[str, float], top: float, unit: str) -> None:
    for row in root.iter(f"{{{_NS}}}g"):
        row_id = row.get("id", "").removeprefix("a_")
        if "vg-row" not in (row.get("class") or "").split() or row_id not in values:
            continue
        value = values[row_id]
        row.set("class", f"{row.get('class', '')} vg-heat-{heat_bin(value, top)}")
        polys = list(row.iter(_POLY))
        if polys:
            polys[0].set("class", "vg-fill")
            pts = _points(polys[0])
            x = min(p[0] for p in pts) - 4
            y = (min(p[1] for p in pts) + max(p[1] for p in pts)) / 2 + 4
            _label(row, (x, y), format_number(value), end=True)
        _tooltip(row, f"{unit}: {format_number(value)}")


def _shade_edges(root: ET.Element, values: Mapping[str, float], top: float, unit: str) -> None:
    for g in svg.element_groups(root, "edge"):
        edge_id = g.get("id", "")
        if edge_id not in values:
            continue
        value = values[edge_id]
        g.set("class", f"{g.get('class', '')} vg-heat-{heat_bin(value, top)}")
        path = next(g.iter(_PATH), None)
        if path is not None:
            pts = _points(path)
            if pts:
                mid = pts[len(pts) // 2]
                _label(g, (mid[0] - 6, mid[1]), format_number(value), end=True)
        _tooltip(g, f"{unit}: {format_number(value)}")


def _rows(pathway: Pathway, node_values: Mapping[str, float], edge_values: Mapping[str, float]) -> list[dict[str, str]]:
    out = []
    for key, value in sorted(node_values.items()):
        label = pathway.node(key).label if pathway.has_node(key) else key
        out.append({"kind": "node", "id": key, "label": label, "value": format_number(value)})
    labels = {e.id: e.label for e in pathway.edges}
    for key, value in sorted(edge_values.items()):
        out.append({"kind": "edge", "id": key, "label": labels.get(key, ""), "value": format_number(value)})
    return out


def heatmap_page(
    pathway: Pathway,
    svg_text: str | bytes,
    *,
    title: str,
    caption: str,
    node_values: Mapping[str, float],
    edge_values: Mapping[str, float],
    value_label: str,
    footer: str | None = None,
) -> str:
    """A complete offline HTML page: the pathway diagram shaded by value, with a legend and table.

    The page stands alone (no links to a site around it): coverage and batch reports write it
    into a folder of their own.

    Args:
        pathway: the pathway drawn.
        svg_text: the SVG ``dot`` made of :func:`~vcfgraph.render.dot.pathway_dot` for it.
        title: the page's title and heading.
        caption: one or two sentences saying what the values are.
        node_values: node id -> value (nodes without a value are drawn faded).
        edge_values: answer-edge id, rating-edge id (``variant->action``) or re-entry id -> value.
        value_label: the value's name in the legend and tooltips ("cases", "inappropriate rate").
        footer: the page's own footer text (default: the teaching site's).

    Returns:
        HTML text; identical inputs give identical bytes.

    Raises:
        ValueError: the SVG is not well-formed.
    """
    root = svg.restyle(svg_text, pathway)
    dom_edges = {ids.edge_id(k): v for k, v in edge_values.items()}
    dom_rows = {ids.row_id(k): v for k, v in edge_values.items()}
    dom_edges.update({ids.reenter_id(k.removeprefix("reenter.")): v for k, v in edge_values.items()
                      if k.startswith("reenter.")})
    values = list(node_values.values()) + list(edge_values.values())
    top = max([v for v in values if math.isfinite(v)] + [0.0])
    for g in svg.element_groups(root, "node"):
        node_id = ids.node_of(g.get("id", ""))
        if node_id is not None and pathway.has_node(node_id) and node_id not in node_values:
            g.set("class", f"{g.get('class', '')} vg-unvalued")
    _shade_nodes(root, node_values, top, value_label)
    _shade_rows(root, dom_rows, top, value_label)
    _shade_edges(root, dom_edges, top, value_label)
    diagram = svg.inline(root, label=f"{title}: the pathway shaded by {value_label}")
    bins = [{"bin": k, "words": words, "fill": HEAT_BINS[k][0], "ink": HEAT_BINS[k][1]} for k, words in bin_ranges(top)]
    return html.render(
        "heatmap.html.j2", root="", standalone=True, site_title=pathway.meta.title, title=title, caption=caption,
        value_label=value_label, diagram=Markup(diagram), heat_css=Markup(heat_css()), bins=bins,
        rows=_rows(pathway, node_values, edge_values), top=format_number(top), footer=footer,
    )
