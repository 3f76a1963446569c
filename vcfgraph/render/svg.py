"""Restyle a laid-out SVG without laying it out again.

``dot`` lays the pathway out once (:func:`vcfgraph.render.dot.pathway_dot`); this module parses
that SVG with :mod:`xml.etree.ElementTree` and adds classes on the stable element ids, so that
a route is drawn on exactly the same coordinates for every case:

- structure classes on every diagram: ``vg-shape`` (a node's outline), ``vg-line`` and
  ``vg-head`` (an edge's path and arrowhead), ``vg-row`` and ``vg-cell`` (a rating row and its
  border), ``vg-reenter`` (a dashed re-entry edge), ``vg-kind-<kind>`` on nodes;
- route classes from :class:`~vcfgraph.render.states.RouteStates`: ``vg-on``, ``vg-end``,
  ``vg-stop``, ``vg-off``, ``vg-cat-UA`` / ``vg-cat-MBA`` / ``vg-cat-UNA``, ``vg-contra``,
  ``vg-caution``, ``vg-row-on``, ``vg-row-off`` (a rule's row that does not apply),
  ``vg-row-contra``, ``vg-rule-on`` / ``vg-rule-off`` / ``vg-rule-stop`` on a variant's rule rows
  (``vg-rule``) with the state in words (``vg-rule-state``); an action set apart for the patient, or
  carrying a caution, also gets a badge in words (``vg-badge``) just above its outline, so the
  mark never rests on colour alone.

The CSS that gives these classes their look comes from :func:`vcfgraph.render.style.overlay_css`.
:func:`hoist_styles` shrinks a diagram that is shipped as it is: ``dot`` writes the same
presentation attributes (font, fill, stroke) on hundreds of elements; each distinct set becomes
one class (``vg-p0``, ``vg-p1``, ... in document order) with one rule in the SVG's stylesheet.
Comments and the XML prologue that ``dot`` writes are dropped, so output does not carry the
Graphviz version.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Iterator

from vcfgraph.model import Pathway
from vcfgraph.render import ids
from vcfgraph.render.states import RouteStates
from vcfgraph.render.style import CAUTION_BADGE, SET_APART_BADGE, overlay_css

__all__ = ["SVG_NS", "XLINK_NS", "parse", "restyle", "hoist_styles", "standalone", "inline", "node_boxes",
           "element_groups"]

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

_G = f"{{{SVG_NS}}}g"
_SHAPES = {f"{{{SVG_NS}}}{t}" for t in ("polygon", "ellipse", "path", "polyline")}
_POLY = f"{{{SVG_NS}}}polygon"
_PATH = f"{{{SVG_NS}}}path"
_STYLE = f"{{{SVG_NS}}}style"
_TITLE = f"{{{SVG_NS}}}title"


def parse(svg: str | bytes) -> ET.Element:
    """Parse SVG text from ``dot`` (external entities are never fetched).

    Raises:
        ValueError: the text is not well-formed XML.
    """
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"not a well-formed SVG: {exc}") from None


def _classes(el: ET.Element) -> list[str]:
    return (el.get("class") or "").split()


def _add_class(el: ET.Element, *names: str) -> None:
    have = _classes(el)
    el.set("class", " ".join(have + [n for n in names if n not in have]))


def element_groups(root: ET.Element, kind: str) -> Iterator[ET.Element]:
    """The ``<g>`` of every node (``kind="node"``) or edge (``kind="edge"``), in document order."""
    for g in root.iter(_G):
        if kind in _classes(g):
            yield g


def _first_shape(group: ET.Element) -> ET.Element | None:
    """A node's outline: the first shape drawn in its group."""
    return next((el for el in group.iter() if el.tag in _SHAPES), None)


def _annotate(root: ET.Element, pathway: Pathway | None) -> None:
    for g in element_groups(root, "node"):
        shape = _first_shape(g)
        if shape is not None:
            _add_class(shape, "vg-shape")
        node_id = ids.node_of(g.get("id", ""))
        if pathway is not None and node_id is not None and pathway.has_node(node_id):
            _add_class(g, f"vg-kind-{pathway.node(node_id).kind}")
        for row in g.iter(_G):
            row_id = row.get("id", "")
            if row_id.startswith("a_") and (ids.row_of(row_id) is not None or ids.rule_of(row_id) is not None):
                _add_class(row, "vg-row" if ids.row_of(row_id) is not None else "vg-rule")
                polys = [p for p in row.iter(_POLY)]
                if polys:
                    _add_class(polys[-1] if len(polys) > 1 else polys[0], "vg-cell")
    for g in element_groups(root, "edge"):
        if ids.is_reenter(g.get("id", "")):
            _add_class(g, "vg-reenter")
        for el in g.iter():
            if el.tag == _PATH:
                _add_class(el, "vg-line")
            elif el.tag == _POLY:
                _add_class(el, "vg-head")


def _apply(root: ET.Element, pathway: Pathway | None, states: RouteStates) -> None:
    for g in element_groups(root, "node"):
        node_id = ids.node_of(g.get("id", ""))
        if pathway is None or node_id is None or not pathway.has_node(node_id):
            continue
        _add_class(g, f"vg-{states.node(node_id)}")
        if node_id in states.categories and states.node(node_id) != "off":
            _add_class(g, f"vg-cat-{states.categories[node_id]}")
        if node_id in states.contraindicated:
            _add_class(g, "vg-contra")
            _badge(g, SET_APART_BADGE)
        elif node_id in states.cautions:
            _add_class(g, "vg-caution")
            _badge(g, CAUTION_BADGE)
        for row in g.iter(_G):
            row_id = row.get("id", "").removeprefix("a_")
            rating_edge = ids.row_of(row_id)
            if rating_edge is not None and row_id in states.rows:
                _add_class(row, f"vg-row-{states.rows[row_id]}")
                if states.rows[row_id] == "on" and rating_edge.split("->", 1)[-1] in states.contraindicated:
                    _add_class(row, "vg-row-contra")
            elif row_id in states.rules:
                _add_class(row, f"vg-rule-{states.rules[row_id]}")
                _rule_words(row, states.rule_words[row_id])
    for g in element_groups(root, "edge"):
        edge_id = g.get("id", "")
        if ids.is_layout(edge_id):
            continue
        _add_class(g, f"vg-{states.edge(edge_id)}")


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_RECT = f"{{{SVG_NS}}}rect"
_TEXT = f"{{{SVG_NS}}}text"


def _outline_box(shape: ET.Element) -> tuple[float, float, float, float] | None:
    """(left, top, right, bottom) of a node outline drawn by ``dot`` (absolute coordinates)."""
    raw = shape.get("points") or shape.get("d") or ""
    numbers = [float(n) for n in _NUMBER.findall(raw)]
    xs, ys = numbers[0::2], numbers[1::2]
    if not xs or not ys:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _badge(group: ET.Element, words: str) -> None:
    """Put ``words`` on a small plate over the top edge of the node's outline."""
    shape = _first_shape(group)
    box = _outline_box(shape) if shape is not None else None
    if box is None:
        return
    left, top, _right, _bottom = box
    width = 9.0 * len(words) + 8
    plate = ET.SubElement(group, _RECT, {"class": "vg-badge-bg", "x": f"{left + 4:.2f}", "y": f"{top - 21:.2f}",
                                         "width": f"{width:.2f}", "height": "18", "rx": "3"})
    plate.tail = "\n"
    text = ET.SubElement(group, _TEXT, {"class": "vg-badge", "x": f"{left + 8:.2f}", "y": f"{top - 7:.2f}"})
    text.text = words
    text.tail = "\n"


def _rule_words(row: ET.Element, words: str) -> None:
    """Write a rule's state for the case at the right end of its row's first line (the cell the
    base layout keeps empty for it): never colour alone."""
    cell = next((p for p in row.iter(_POLY) if "vg-cell" in _classes(p)), None)
    box = _outline_box(cell) if cell is not None else None
    if box is None:
        return
    _left, top, right, _bottom = box
    text = ET.SubElement(row, _TEXT, {"class": "vg-rule-state", "x": f"{right - 6:.2f}", "y": f"{top + 18:.2f}",
                                      "text-anchor": "end"})
    text.text = words
    text.tail = "\n"


def _prefix_ids(root: ET.Element, prefix: str) -> None:
    for el in root.iter():
        if el.get("id"):
            el.set("id", prefix + el.get("id", ""))


def restyle(
    svg: str | bytes,
    pathway: Pathway | None = None,
    states: RouteStates | None = None,
    *,
    id_prefix: str = "",
) -> ET.Element:
    """Annotate a laid-out diagram and, given route states, mark the route on it.

    Args:
        svg: SVG text from ``dot``.
        pathway: the pathway drawn (to tell its nodes from the legend); None marks nothing.
        states: route states from :func:`vcfgraph.render.states.route_states`; None for the
            pathway alone.
        id_prefix: put before every element id (a second diagram on the same HTML page).

    Returns:
        The SVG element tree; coordinates are untouched.

    Raises:
        ValueError: the SVG is not well-formed.
    """
    root = parse(svg)
    for g in root.iter(_G):  # dot names the graph of a multi-graph run "page0,1_<id>"
        if "graph" in _classes(g):
            g.set("id", ids.GRAPH_ID)
    _annotate(root, pathway)
    if states is not None and states.default != "base":
        _apply(root, pathway, states)
    if id_prefix:
        _prefix_ids(root, id_prefix)
    return root


#: presentation attributes ``dot`` writes that :func:`hoist_styles` moves into classes, with the
#: CSS unit of a bare number (a user unit is a CSS pixel)
_HOISTED = {"fill": "", "stroke": "", "stroke-width": "px", "stroke-dasharray": "", "font-family": "",
            "font-size": "px", "font-weight": "", "text-anchor": ""}
_KEEP = {_G, _STYLE, _TITLE, f"{{{SVG_NS}}}svg", f"{{{SVG_NS}}}a"}
#: a value that can go into a rule as it is: colours, numbers, lists of numbers, font names
_SAFE_VALUE = re.compile(r"[#\w][\w .,#%-]*")


def _css_value(name: str, value: str) -> str:
    if name == "font-family":
        return ",".join(f"'{part.strip()}'" for part in value.split(","))
    unit = _HOISTED[name]
    return value + unit if unit and _NUMBER.fullmatch(value) else value


def hoist_styles(root: ET.Element) -> str:
    """Move the presentation attributes ``dot`` wrote into one class per distinct set.

    The diagram looks the same: a class rule of specificity (0,1,0) sits below every overlay
    rule, as the attributes did. An element keeps its attributes when any value is not a plain
    colour, number or font name, so nothing from a label can reach the stylesheet. Groups,
    links, titles and elements added by :func:`restyle` (badges) are left alone.

    Args:
        root: a tree from :func:`restyle`; changed in place.

    Returns:
        The rules, one a line, ``.vg-p<n>{...}`` in the order the classes were first used.
    """
    classes: dict[tuple[tuple[str, str], ...], str] = {}
    for el in root.iter():
        if el.tag in _KEEP or any(c.startswith(("vg-badge", "vg-p")) for c in _classes(el)):
            continue
        found = tuple((k, el.get(k, "")) for k in _HOISTED if el.get(k) is not None)
        if not found or not all(_SAFE_VALUE.fullmatch(v) for _k, v in found):
            continue
        name = classes.setdefault(found, f"vg-p{len(classes)}")
        for key, _value in found:
            del el.attrib[key]
        _add_class(el, name)
    rules = (f".{name}{{{';'.join(f'{k}:{_css_value(k, v)}' for k, v in found)}}}" for found, name in classes.items())
    return "".join(rule + "\n" for rule in rules)


def standalone(root: ET.Element, *, title: str = "", css: str = "") -> str:
    """A complete SVG file whose ``<style>`` carries the overlay CSS.

    Args:
        root: a tree from :func:`restyle`; the style (and title) are added to it.
        title: an accessible title for the picture.
        css: rules to put before the overlay CSS (from :func:`hoist_styles`).

    Returns:
        UTF-8 SVG text with an XML declaration, ending in a newline.
    """
    style = ET.Element(_STYLE)
    style.text = "\n" + css + overlay_css()
    root.insert(0, style)
    if title:
        heading = ET.Element(_TITLE)
        heading.text = title
        root.insert(0, heading)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def inline(root: ET.Element, *, label: str, css_class: str = "vg-diagram", css: str = "") -> str:
    """The diagram as an ``<svg>`` element to put inside an HTML page.

    Args:
        root: a tree from :func:`restyle`; its ``<svg>`` element gets role, label and class.
        label: the accessible name of the diagram.
        css_class: the class of the ``<svg>`` element.
        css: rules for a ``<style>`` of the diagram's own (from :func:`hoist_styles`).

    Returns:
        Markup without XML declaration; the page's stylesheet must include the overlay CSS.
    """
    if css:
        style = ET.Element(_STYLE)
        style.text = "\n" + css
        root.insert(0, style)
    root.set("role", "group")
    root.set("aria-label", label)
    root.set("class", css_class)
    return ET.tostring(root, encoding="unicode")


def node_boxes(svg: str | bytes | ET.Element) -> dict[str, str]:
    """Each node's id and the coordinates of its outline, to compare layouts.

    Returns:
        Node id -> the outline's ``points`` (polygon) or ``cx,cy,rx,ry`` (ellipse), sorted by id.
    """
    root = svg if isinstance(svg, ET.Element) else parse(svg)
    out: dict[str, str] = {}
    for g in element_groups(root, "node"):
        shape = _first_shape(g)
        if shape is None:
            continue
        coords = shape.get("points") or ",".join(shape.get(k, "") for k in ("cx", "cy", "rx", "ry"))
        out[g.get("id", "")] = coords
    return dict(sorted(out.items()))
