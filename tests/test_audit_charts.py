"""The audit report's charts: Vega-Lite rendered to static SVG (render/audit_charts.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from vcfgraph.render.audit_charts import Bar, chart_spec, rate_chart

BARS = [Bar("V1: new painful VCF, no cancer history - next imaging", 3, 40, 0.075, 0.026, 0.199, 50),
        Bar("Site <b>&amp;</b> \x1b[31m=HYPERLINK(\"x\")\u202e", 1, 4, 0.25, 0.046, 0.699, 4),
        Bar("V6: no rows", 0, 0, None, None, None, 0)]


def test_a_chart_is_one_svg_with_a_bar_an_interval_and_the_numbers_per_row():
    svg = rate_chart(BARS, title="Inappropriate-care rate by site", description="Share of rated rows, per site.")
    root = ET.fromstring(svg)  # well-formed XML, one root
    assert root.tag.endswith("svg") and "vg-chart" in root.get("class", "").split()
    assert root.get("role") == "img" and root.get("aria-label") == "Inappropriate-care rate by site"
    text = " ".join(t for t in root.itertext())
    assert "7.5% (3/40) [2.6%\u201319.9%]" in text and "25.0% (1/4) [4.6%\u201369.9%]" in text and "no rows" in text
    assert "\x1b" not in svg and "\u202e" not in svg and "<b>" not in svg  # input text is drawn as text
    assert svg == rate_chart(BARS, title="Inappropriate-care rate by site", description="Share of rated rows, per site.")


def test_the_specification_keeps_the_rows_in_order_and_clamps_a_wide_interval():
    spec = chart_spec(BARS, title="t", description="d")
    assert [r["row"] for r in spec["data"]["values"]] == [0, 1, 2]
    assert spec["data"]["values"][1]["label"].startswith("Site <b>&amp;</b> \ufffd[31m")  # escaped by Vega when drawn
    assert spec["layer"][0]["encoding"]["x"]["scale"] == {"domain": [0, 0.5], "clamp": True, "nice": False}  # twice the top rate, rounded
