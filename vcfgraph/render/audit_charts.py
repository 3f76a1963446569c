"""Static SVG charts of the audit report: a rate per row with its 95% interval, drawn at build time.

Why our own small drawing rather than Vega-Lite: rendering Vega-Lite to static SVG needs a
JavaScript engine at build time (vl-convert, a large native wheel) or a script in the page; a
horizontal bar chart with interval whiskers is a few dozen lines, works from ``file://`` with no
script, prints, and is escaped by ElementTree like every other SVG we write. Each chart has a
``<title>``/``<desc>``, a text value beside every bar, and a table with the same numbers next to it,
so nothing is told by colour or length alone.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Sequence

from vcfgraph.render.style import FONT

__all__ = ["Bar", "rate_chart", "percent"]

_NS = "http://www.w3.org/2000/svg"
_LABEL_W, _BAR_W, _VALUE_W, _ROW_H, _TOP = 300, 360, 190, 24, 28
_STEPS = (0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0)


@dataclass(frozen=True)
class Bar:
    """One row of a chart: its label, count k of n, the rate and its interval (None: nothing rated)."""

    label: str
    count: int
    rated: int
    rate: float | None
    low: float | None
    high: float | None
    rows: int = 0


def percent(x: float | None) -> str:
    """A fraction as a percentage with one decimal ("-" for none)."""
    return "-" if x is None else f"{100 * x:.1f}%"


def _scale_top(bars: Sequence[Bar]) -> float:
    """The axis end: a round number at least twice the highest rate (a wide interval of a small
    group runs off the end, marked with an arrow, rather than squashing every bar)."""
    top = max([2 * b.rate for b in bars if b.rate is not None] + [0.05])
    return next((s for s in _STEPS if top <= s), 1.0)


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{_NS}}}{tag}", {k.replace("_", "-"): v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def _short(text: str, limit: int = 44) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def rate_chart(bars: Sequence[Bar], *, title: str, description: str) -> str:
    """An SVG bar chart: one bar per row (rate), a whisker (95% interval), the numbers as text.

    Returns:
        SVG text to inline in a page (no XML declaration); the same bars give the same bytes.
    """
    ET.register_namespace("", _NS)
    top = _scale_top(bars)
    width, height = _LABEL_W + _BAR_W + _VALUE_W, _TOP + _ROW_H * max(1, len(bars)) + 8
    root = ET.Element(f"{{{_NS}}}svg", {"viewBox": f"0 0 {width} {height}", "role": "img", "class": "vg-chart",
                                         "font-family": FONT, "font-size": "12", "width": str(width),
                                         "height": str(height)})
    _el(root, "title", title)
    _el(root, "desc", description)

    def x(v: float) -> float:
        return _LABEL_W + _BAR_W * min(v, top) / top

    for k in range(5):
        tick = top * k / 4
        _el(root, "line", x1=f"{x(tick):.1f}", x2=f"{x(tick):.1f}", y1=str(_TOP - 6), y2=str(height - 8),
            stroke="#d0d7de", stroke_width="1")
        _el(root, "text", percent(tick).replace(".0%", "%"), x=f"{x(tick):.1f}", y=str(_TOP - 10),
            text_anchor="middle", fill="#444")
    for i, bar in enumerate(bars):
        y = _TOP + i * _ROW_H
        row = _el(root, "g", **{"class": "vg-bar"})
        _el(row, "title", f"{bar.label}: {bar.count} of {bar.rated} rated rows, {percent(bar.rate)} "
                          f"(95% CI {percent(bar.low)} to {percent(bar.high)})" if bar.rate is not None
            else f"{bar.label}: {bar.rows} rows, none rated")
        _el(row, "text", _short(bar.label), x=str(_LABEL_W - 8), y=str(y + 16), text_anchor="end", fill="#1f2328")
        if bar.rate is None:
            _el(row, "text", "no rows" if not bar.rows else "nothing rated", x=str(_LABEL_W + 4), y=str(y + 16), fill="#57606a", font_style="italic")
            continue
        _el(row, "rect", x=str(_LABEL_W), y=str(y + 5), width=f"{max(0.0, x(bar.rate) - _LABEL_W):.1f}",
            height=str(_ROW_H - 10), fill="#2b6cb0")
        if bar.low is not None and bar.high is not None:
            mid = y + _ROW_H / 2
            _el(row, "line", x1=f"{x(bar.low):.1f}", x2=f"{x(bar.high):.1f}", y1=f"{mid:.1f}", y2=f"{mid:.1f}",
                stroke="#1a202c", stroke_width="1.5")
            if bar.high > top:
                _el(row, "path", d=f"M{x(top) - 6:.1f},{y + 7} L{x(top):.1f},{mid:.1f} L{x(top) - 6:.1f},{y + _ROW_H - 7}",
                    fill="none", stroke="#1a202c", stroke_width="1.5")
            for end in (bar.low, bar.high):
                if end > top:
                    continue
                _el(row, "line", x1=f"{x(end):.1f}", x2=f"{x(end):.1f}", y1=str(y + 6), y2=str(y + _ROW_H - 6),
                    stroke="#1a202c", stroke_width="1.5")
        _el(row, "text", f"{percent(bar.rate)} ({bar.count}/{bar.rated}) [{percent(bar.low)}\u2013{percent(bar.high)}]",
            x=str(_LABEL_W + _BAR_W + 8), y=str(y + 16), fill="#1f2328")
    return ET.tostring(root, encoding="unicode")
