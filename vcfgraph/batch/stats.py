"""The numbers a quality team reports: counts, rates with their denominators, 95% Wilson intervals.

One computation for the HTML report, the spreadsheet, the JSON summary and the terminal: :func:`audit_report`
turns a :class:`~vcfgraph.batch.run.Tally` into plain data. For every group of rows (a variant, a
hand-off, ``need_info``, ``invalid``; every value of a ``--by`` group; all rows):

- ``rows``: rows in the group; ``rated``: rows whose recorded action the reached variant rates
  (usually appropriate, may be appropriate, usually not appropriate, contraindicated): the
  denominator of every rate;
- per category (and ``inappropriate``: usually not appropriate or contraindicated): its count,
  its rate among the rated rows and the 95% Wilson score interval of that rate (all ``None``
  when nothing was rated: a hand-off is never "0 %");
- set apart, never in a denominator: ``not_rated`` (an action the variant does not rate, or a
  hand-off), ``undetermined`` (need_info), ``invalid`` (bad facts, unknown action), ``not_recorded``.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

from vcfgraph.batch.audit import CLASSES, INAPPROPRIATE
from vcfgraph.batch.groups import PLAIN, Breakdown
from vcfgraph.batch.run import Tally
from vcfgraph.model import Pathway

__all__ = ["Z95", "RATED", "RATES", "APART", "wilson", "numbers", "audit_report", "report_text"]

#: the normal quantile of a two-sided 95% interval
Z95 = 1.959963984540054
#: the classes of rated rows: the denominator of every rate
RATED = CLASSES[:4]
#: the rates reported, in order
RATES = (*RATED, "inappropriate")
#: the classes set apart from every rate
APART = CLASSES[4:]


_RUNS = re.compile(r"(\d+)")


def natural(value: str | None) -> tuple[Any, ...]:
    """A group value's place in reading order: site-2 before site-10, the not-recorded value last."""
    if value is None:
        return (1,)
    return (0, *((0, int(run), run) if run.isdigit() else (1, 0, run) for run in _RUNS.split(value)))


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of ``k`` successes in ``n`` trials (None when ``n`` is 0)."""
    if n <= 0:
        return None
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if k <= 0 else max(0.0, centre - half)  # exact at the ends (rounding would give 0.9999999999999999)
    high = 1.0 if k >= n else min(1.0, centre + half)
    return low, high


def _round(x: float) -> float:
    return round(x, 6)


def numbers(counts: Mapping[str, int]) -> dict[str, Any]:
    """A group's rows, rated rows, rates with intervals, and the rows set apart."""
    rated = sum(counts.get(c, 0) for c in RATED)
    out: dict[str, Any] = {"rows": sum(counts.get(c, 0) for c in CLASSES), "rated": rated, "rates": {}}
    for name in RATES:
        k = sum(counts.get(c, 0) for c in INAPPROPRIATE) if name == "inappropriate" else counts.get(name, 0)
        ci = wilson(k, rated)
        out["rates"][name] = {"count": k, "rate": _round(k / rated) if rated else None,
                              "low": _round(ci[0]) if ci else None, "high": _round(ci[1]) if ci else None}
    out["apart"] = {c: counts.get(c, 0) for c in APART}
    return out


def _label(pathway: Pathway, group: str) -> str:
    words = {"need_info": "Not enough facts (need_info)", "invalid": "Invalid rows", "route_error": "Route errors"}
    return pathway.node(group).label if pathway.has_node(group) else words.get(group, group)


def _kind(pathway: Pathway, group: str) -> str:
    return pathway.node(group).kind if pathway.has_node(group) else "other"


def audit_report(tally: Tally, pathway: Pathway, breakdown: Breakdown = PLAIN) -> dict[str, Any]:
    """The audit as plain data: overall, per audit group, per value of each ``by`` group, the trend
    by month, and the drill-down case lists (the first ``cap`` of each, with how many there are).

    Every variant is listed, also one with no rows; ``route_error`` only when some row had one.
    """
    from vcfgraph.batch.summary import audit_groups

    per_group: dict[str, dict[str, int]] = {g: {c: tally.audit.get((g, c), 0) for c in CLASSES}
                                            for g in audit_groups(pathway)}
    total = {c: sum(counts[c] for counts in per_group.values()) for c in CLASSES}
    groups = [{"id": g, "label": _label(pathway, g), "kind": _kind(pathway, g), **numbers(counts)}
              for g, counts in per_group.items() if g != "route_error" or any(counts.values())]
    report: dict[str, Any] = {"overall": numbers(total), "groups": groups, "by": {}, "drill": {"cap": breakdown.cap}}
    for name in breakdown.by:
        per_value: dict[str | None, dict[str, int]] = {}
        for (group, value, cls), n in tally.groups.items():
            if group == name:
                per_value.setdefault(value, dict.fromkeys(CLASSES, 0))[cls] += n
        ordered = sorted(per_value, key=natural)
        report["by"][name] = [{"value": v, **numbers(per_value[v])} for v in ordered]
    totals = {("", g["id"]): g["rates"]["inappropriate"]["count"] for g in groups}
    totals |= {(name, v["value"]): v["rates"]["inappropriate"]["count"] for name, values in report["by"].items()
               for v in values}
    drill = []
    for (name, value), cases in sorted(tally.cases.items(), key=lambda kv: (kv[0][0], natural(kv[0][1]))):
        rows = [{"case_id": c[0], "variant": c[1], "class": c[2], "action": c[5], **dict(zip(breakdown.by, c[3]))}
                for c in cases]
        drill.append({"group": name or "variant", "value": value, "total": totals.get((name, value), len(rows)),
                      "cases": rows})
    report["drill"]["lists"] = drill
    return report


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _line(name: str, numbers: dict[str, Any]) -> list[str]:
    bad = numbers["rates"]["inappropriate"]
    ci = "-" if bad["rate"] is None else f"{_pct(bad['low'])}-{_pct(bad['high'])}"
    return [name, str(numbers["rows"]), str(numbers["rated"]), f"{bad['count']}/{numbers['rated']}",
            _pct(bad["rate"]) if numbers["rated"] else "not rated", ci,
            *(str(numbers["apart"][c]) for c in APART)]


def report_text(report: dict[str, Any]) -> str:
    """The report's numbers for the terminal: inappropriate care per group with its interval."""
    from vcfgraph.batch.summary import table_lines

    header = ["group", "rows", "rated", "inappropriate", "rate", "95% CI", *APART]
    lines = ["Inappropriate care among rated rows (usually not appropriate or contraindicated), 95% Wilson interval"]
    rows = [_line(g["id"], g) for g in report["groups"]] + [_line("all", report["overall"])]
    lines += table_lines(header, rows)
    for name, values in report["by"].items():
        lines += ["", f"By {name}"]
        lines += table_lines([name, *header[1:]], [_line(_terminal_safe(v["value"]), v) for v in values])
    return "\n".join(lines) + "\n"


def _terminal_safe(value: str | None) -> str:
    """A group value for the terminal: control characters (escape sequences) shown as ``\\xNN``."""
    if value is None:
        return "(no value)"
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}"
                   for ch in value)
