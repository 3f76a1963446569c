"""The feedback report as one offline HTML page (``vcfgraph batch --html DIR --feedback-db``):
per service, card kind and card summary, how often the CDS service's card was shown, accepted and
overridden, and why. The rows are plain data (:func:`vcfgraph.io.feedback.report_rows` makes them;
a renderer reads no store)."""

from __future__ import annotations

from html import escape
from typing import Any, Mapping, Sequence

__all__ = ["feedback_page"]


def feedback_page(rows: Sequence[Mapping[str, Any]], *, title: str = "Decision support feedback",
                  period: str = "") -> str:
    """A complete HTML page with one table row per report row."""
    body = []
    for r in rows:
        reasons = "; ".join(f"{escape(str(k))}: {int(v)}" for k, v in sorted(r["override_reasons"].items()))
        shown = int(r["shown"]) or 1
        body.append(
            f'<tr><td>{escape(str(r["service"]))}</td><td>{escape(str(r["kind"]))}</td><td>{escape(str(r["indicator"]))}</td>'
            f'<td>{escape(str(r["summary"]))}</td><td class="value">{int(r["shown"])}</td>'
            f'<td class="value">{int(r["accepted"])}</td><td class="value">{int(r["overridden"])}</td>'
            f'<td class="value">{round(100 * int(r["overridden"]) / shown)}</td><td>{reasons or "none"}</td></tr>')
    empty = '<tr><td colspan="9">No card was issued in this period.</td></tr>'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #888; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }}
td.value {{ text-align: right; font-variant-numeric: tabular-nums; }}
</style>
</head>
<body>
<h1>{escape(title)}</h1>
<p>What clinicians did with the cards of the CDS service (CDS Hooks feedback){escape(period)}: each row is one
service, card kind and card summary (the summary names the ordered action). An override is counted with the
reason the clinician chose.</p>
<table>
<caption>Cards shown, accepted and overridden</caption>
<thead><tr><th scope="col">service</th><th scope="col">kind</th><th scope="col">indicator</th><th scope="col">summary</th>
<th scope="col">shown</th><th scope="col">accepted</th><th scope="col">overridden</th><th scope="col">% overridden</th>
<th scope="col">override reasons</th></tr></thead>
<tbody>
{chr(10).join(body) or empty}
</tbody>
</table>
</body>
</html>
"""
