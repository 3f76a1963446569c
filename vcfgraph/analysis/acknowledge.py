"""Findings the pathway file marks intended (its ``acknowledged:`` entries).

:func:`acknowledge` marks each warning or info whose code and subject an entry names with the
entry's reason; the finding stays in every report, marked. An entry that names an unknown code,
an error (which cannot be acknowledged: it must be fixed) or no finding at all becomes a
VCF009 warning at the entry's line, so a stale acknowledgement does not linger. Reading the
section is :mod:`vcfgraph.io.acknowledged`'s; showing the mark is the reports'.
"""

from __future__ import annotations

from dataclasses import replace

from vcfgraph.analysis.findings import CODES, Finding, finding, relocate, sort_findings
from vcfgraph.errors import did_you_mean
from vcfgraph.model import Acknowledgement, Pathway

__all__ = ["acknowledge"]


def acknowledge(findings: list[Finding], pathway: Pathway, file: str) -> list[Finding]:
    """The findings with the acknowledged ones marked, plus a VCF009 per entry that applies to none.

    Args:
        findings: every finding of the pathway.
        pathway: the pathway, whose ``acknowledged`` entries are applied.
        file: the file name to show in locations.
    """
    if not pathway.acknowledged:
        return findings
    entries: dict[tuple[str, str], Acknowledgement] = {}
    for entry in pathway.acknowledged:
        entries.setdefault((entry.code, entry.subject), entry)
    used = set()
    out = []
    for f in findings:
        meant = entries.get((f.code, f.subject))
        if meant is not None and f.severity != "error":
            f = replace(f, acknowledged=meant.reason)
            used.add((f.code, f.subject))
        out.append(f)
    for entry in pathway.acknowledged:
        where = f"'acknowledged' entry {entry.code} at '{entry.subject}'"
        if entry.code not in CODES:
            message = f"{where} names no finding code (docs/checks.md lists them){did_you_mean(entry.code, CODES)}"
        elif CODES[entry.code][1] == "error":
            message = (f"{where} names an error ({CODES[entry.code][0]}), which cannot be acknowledged: fix what it "
                       "reports")
        elif (entry.code, entry.subject) not in used:
            subjects = sorted({f.subject for f in findings if f.code == entry.code})
            message = (f"{where} matches no finding ({entry.code} {CODES[entry.code][0]} is not reported there): "
                       f"remove the entry if the finding is gone{did_you_mean(entry.subject, subjects)}")
        else:
            continue
        out.append(finding("VCF009", entry.subject, relocate(entry.loc, file), file, message))
    return sort_findings(out)
