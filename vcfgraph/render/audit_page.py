"""The audit report's first page: run details, headline rates with intervals, charts, tables, drill-down.

Takes plain data: the report of :func:`vcfgraph.batch.stats.audit_report` and the run details
(a dictionary of text and numbers the CLI gathers). Returns the page and its download files as
text or bytes; the CLI writes them. Autoescaping shows every value from the input (a site named
``<script>``) as text; charts come from :mod:`vcfgraph.render.audit_charts`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup

from vcfgraph.render import html
from vcfgraph.render.audit_charts import Bar, percent, rate_chart
from vcfgraph.render.audit_tables import APART_WORDS, CATEGORY_WORDS, audit_tables, csv_text, xlsx_bytes

__all__ = ["audit_files", "REPORT_PAGE", "WORKBOOK"]

REPORT_PAGE = "index.html"
WORKBOOK = "audit.xlsx"
_APART_SHORT = ["Not rated", "Need info", "Invalid", "No action"]
_SHORT = {"usually_appropriate": "UA", "may_be_appropriate": "MBA", "usually_not_appropriate": "UNA",
          "contraindicated": "Contra"}


def _bar(label: str, numbers: dict[str, Any]) -> Bar:
    r = numbers["rates"]["inappropriate"]
    return Bar(label, r["count"], numbers["rated"], r["rate"], r["low"], r["high"], numbers["rows"])


def _interval(r: dict[str, Any]) -> str:
    return "-" if r["rate"] is None else f"{percent(r['low'])[:-1]}\u2013{percent(r['high'])}"


def _row(key: str, label: str, kind: str, numbers: dict[str, Any], drill: str | None) -> dict[str, Any]:
    bad = numbers["rates"]["inappropriate"]
    return {
        "key": key, "label": label, "kind": kind, "rows": numbers["rows"], "rated": numbers["rated"],
        "cells": [{"count": numbers["rates"][c]["count"], "rate": percent(numbers["rates"][c]["rate"]),
                   "sort": numbers["rates"][c]["rate"] if numbers["rates"][c]["rate"] is not None else -1}
                  for c in _SHORT],
        "bad": bad["count"], "bad_rate": percent(bad["rate"]), "bad_sort": -1 if bad["rate"] is None else bad["rate"],
        "ci": _interval(bad), "apart": [numbers["apart"][k] for k in APART_WORDS], "drill": drill,
    }


def label(value: str | None) -> str:
    """A group value as shown: "(no value)" for none."""
    return "(no value)" if value is None else value


def _drill(report: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[tuple[str, Any], str]]:
    lists, anchors = [], {}
    for i, d in enumerate(report["drill"]["lists"], start=1):
        anchor = f"cases-{i}"
        anchors[(d["group"], d["value"])] = anchor
        lists.append({**d, "anchor": anchor})
    return lists, anchors


def audit_files(report: dict[str, Any], run: dict[str, Any], *, title: str,
                created: datetime = datetime(2000, 1, 1),
                explanations: dict[str, dict[str, str]] | None = None) -> dict[str, str | bytes]:
    """The report page, a CSV per table and one workbook, by file name.

    Args:
        report: from :func:`vcfgraph.batch.stats.audit_report`.
        run: run details: input, sha256, pathway id/title/version/reviewed/publisher, rows_read,
            invalid_rows, route_errors, audit_column, by, period_column, report_date (or None),
            output, and the heat-map pages written beside the report (``pages``).
        title: the pathway's title.
        explanations: case id -> ``text`` (its trace) and ``command`` (the ``vcfgraph trace`` that prints it).
        created: the date written into the workbook's properties.
    """
    tables = audit_tables(report)
    files: dict[str, str | bytes] = {f"{t.name}.csv": csv_text(t) for t in tables}
    files[WORKBOOK] = xlsx_bytes(tables, f"Audit: {title}", created)
    drills, anchors = _drill(report)
    groups = [_row(g["id"], g["label"], g["kind"], g, anchors.get(("variant", g["id"]))) for g in report["groups"]]
    variants = [g for g in report["groups"] if g["kind"] == "variant"]
    charts = [Markup(rate_chart([_bar(g["label"], g) for g in variants], title="Inappropriate-care rate by variant",
                                description="Share of rated rows whose care was usually not appropriate or "
                                            "contraindicated, per variant, with its 95% Wilson interval."))]
    breakdowns = []
    for name, values in report["by"].items():
        chart = rate_chart([_bar(label(v["value"]), v) for v in values], title=f"Inappropriate-care rate by {name}",
                           description=f"Share of rated rows with inappropriate care, per {name}, with its 95% "
                                       "Wilson interval.")
        rows = [_row(label(v["value"]), label(v["value"]), name, v, anchors.get((name, v["value"]))) for v in values]
        csv_name = next(t.name for t in tables if t.title == f"By {name}")
        breakdowns.append({"name": name, "chart": Markup(chart), "rows": rows, "csv": f"{csv_name}.csv",
                           "trend": name == "month"})
    files[REPORT_PAGE] = html.render(
        "audit.html.j2", root="", standalone=True, site_title=title, title=f"Audit of care: {title}", run=run,
        overall=_row("all", "All rows", "all", report["overall"], None), overall_ci=report["overall"],
        groups=groups, charts=charts, breakdowns=breakdowns, drills=drills, cap=report["drill"]["cap"],
        short=_SHORT, apart_words=list(APART_WORDS.values()), apart_short=_APART_SHORT, category_words=CATEGORY_WORDS,
        downloads=[(t.title, f"{t.name}.csv") for t in tables], workbook=WORKBOOK,
        script=Markup(html.static_text("audit.js")), explanations=explanations or {},
    )
    return files
