"""Static SVG charts of the audit report: a rate per row with its 95% interval, drawn at build time.

Each chart is a Vega-Lite specification (a bar per row, a rule for its Wilson interval, the numbers
as text beside it) rendered to SVG by vl-convert when the report is built, so the page shows its
charts with no script, from ``file://``, and in print. The same bars give the same bytes. The
specification carries the data as values; Vega escapes every text it draws, so a group value from
the input (a site name with markup) is drawn as text. A table with the same numbers sits next to
every chart, so nothing is told by colour or length alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from vcfgraph.render.style import FONT

__all__ = ["Bar", "rate_chart", "chart_spec", "percent"]

_STEPS = (0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0)
_BAR_W, _ROW_H, _LABEL_CHARS = 360, 24, 44


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
    group runs off the end, clamped there, rather than squashing every bar)."""
    top = max([2 * b.rate for b in bars if b.rate is not None] + [0.05])
    return next((s for s in _STEPS if top <= s), 1.0)


#: what no chart text may hold: characters XML cannot carry (vl-convert aborts the process on them),
#: the other control characters (a terminal escape from the input) and the bidi overrides
_UNSAFE = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u202a-\u202e\u2066-\u2069]")


def _safe(text: str) -> str:
    """Input text as a chart may draw it: each unsafe character becomes U+FFFD."""
    return _UNSAFE.sub("\ufffd", text)


def _short(text: str, limit: int = _LABEL_CHARS) -> str:
    text = _safe(text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _value(bar: Bar) -> str:
    if bar.rate is None:
        return "no rows" if not bar.rows else "nothing rated"
    return f"{percent(bar.rate)} ({bar.count}/{bar.rated}) [{percent(bar.low)}\u2013{percent(bar.high)}]"


def chart_spec(bars: Sequence[Bar], *, title: str, description: str) -> dict[str, Any]:
    """The Vega-Lite specification of :func:`rate_chart` (rows in the order given)."""
    top = _scale_top(bars)
    # each row keeps its place by its index; the axis shows its label (two rows may share a label)
    rows = [{"row": i, "label": _short(b.label), "rate": b.rate, "low": b.low, "high": b.high, "text": _value(b)}
            for i, b in enumerate(bars)]
    y = {"field": "row", "type": "ordinal", "title": None,
         "axis": {"labelExpr": "datum.value in labels ? labels[datum.value] : ''", "labelLimit": 320,
                  "ticks": False, "domain": False, "labelFontSize": 12, "labelPadding": 8}}
    x = {"field": "rate", "type": "quantitative", "title": "Share of rated rows (95% Wilson interval)",
         "scale": {"domain": [0, top], "clamp": True, "nice": False},
         "axis": {"format": ".0%", "tickCount": 4, "grid": True, "gridColor": "#d0d7de", "titleFontWeight": "normal"}}
    rated = {"filter": "datum.rate != null"}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": _safe(title), "anchor": "start", "fontSize": 14},
        "description": _safe(description),
        "width": _BAR_W,
        "height": {"step": _ROW_H},
        "params": [{"name": "labels", "value": {str(r["row"]): r["label"] for r in rows}}],
        "data": {"values": rows},
        "config": {"font": FONT, "view": {"stroke": None}, "axis": {"labelColor": "#1f2328", "titleColor": "#444"}},
        "encoding": {"y": y},
        "layer": [
            {"transform": [rated], "mark": {"type": "bar", "color": "#2b6cb0", "height": {"band": 0.6}},
             "encoding": {"x": x}},
            {"transform": [rated, {"filter": "datum.low != null && datum.high != null"}],
             "mark": {"type": "rule", "color": "#1a202c", "strokeWidth": 1.5},
             "encoding": {"x": {**x, "field": "low"}, "x2": {"field": "high"}}},
            {"mark": {"type": "text", "align": "left", "dx": 8, "fontSize": 12, "color": "#1f2328"},
             "encoding": {"x": {"datum": top, "type": "quantitative", "scale": x["scale"]}, "text": {"field": "text"}}},
        ],
    }


_SIZE = re.compile(r'^<svg ([^>]*?)class="marks" width="([\d.]+)" height="([\d.]+)"')


def rate_chart(bars: Sequence[Bar], *, title: str, description: str) -> str:
    """An SVG bar chart: one bar per row (rate), a rule (95% interval), the numbers as text.

    Returns:
        SVG text to inline in a page (no XML declaration), scaling to its container's width;
        the same bars give the same bytes.
    """
    import vl_convert  # loaded only when a report draws a chart: it starts a JavaScript engine

    svg = vl_convert.vegalite_to_svg(chart_spec(bars, title=title, description=description))
    # a chart scales down with the page (phone, print) and keeps its shape; it reads as one image
    svg, found = _SIZE.subn(lambda m: f'<svg {m.group(1)}class="marks vg-chart" role="img" aria-label="{_attr(_safe(title))}" '
                              f'width="{m.group(2)}" height="{m.group(3)}" style="max-width: 100%; height: auto"', svg, count=1)
    if not found:
        raise ValueError("vl-convert wrote an SVG root of an unexpected shape")
    return svg


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
