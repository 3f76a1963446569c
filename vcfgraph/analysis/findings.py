"""Findings of the author tools: one stable code per kind of problem, with its severity.

Every finding names a code (``VCF101``), a severity, the node / edge / fact / property it is
about, where that is defined (file:line:col) and a message; when a case shows it, an example
case (only the facts that must be known; every other fact is null). docs/checks.md documents
the codes; :data:`CODES` is the single table both the checker and that page follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from vcfgraph.conditions import Value
from vcfgraph.errors import Location

__all__ = ["SEVERITIES", "CODES", "Finding", "finding", "sort_findings", "relocate"]

SEVERITIES = ("error", "warning", "info")

#: code -> (name, severity, one-line meaning)
CODES: dict[str, tuple[str, str, str]] = {
    "VCF001": ("unreachable-node", "error", "no answer path from the entry reaches this question or variant"),
    "VCF002": ("dead-end", "error", "no variant or hand-off can be reached from this question"),
    "VCF003": ("cycle", "error", "questions lead back to themselves; the engine stops such a walk with an error"),
    "VCF004": ("unrated-variant", "error", "the variant rates no action, so a case reaching it gets no recommendation"),
    "VCF005": ("unused-fact", "info", "no answer or patient-level check reads this fact"),
    "VCF006": ("unrated-action", "warning", "no variant rates this action"),
    "VCF007": ("unreached-handoff", "warning", "no answer leads to this hand-off"),
    "VCF008": ("unused-definition", "warning", "no answer, check or property uses this named condition"),
    "VCF009": ("acknowledgement-unused", "warning", "an 'acknowledged' entry matches no finding, names an unknown code, or names an error, which cannot be acknowledged"),
    "VCF101": ("gap", "error", "cases reach the question for which no answer holds and there is no 'otherwise'"),
    "VCF102": ("overlap", "error", "cases reach the question for which two answers hold at once"),
    "VCF103": ("dead-answer", "error", "no case takes this answer"),
    "VCF104": ("infeasible-path", "warning", "along some paths no case can take this answer (contradicts earlier answers)"),
    "VCF105": ("never-reached", "error", "an answer path leads here, but no case gets here"),
    "VCF201": ("property-violated", "error", "a safety property fails; the example case is a minimal counterexample"),
    "VCF202": ("property-vacuous", "warning", "no case meets the property's 'given' condition, so it proves nothing"),
    "VCF401": ("check-never-applies", "warning", "a patient-level check concerns no rating that a case can reach"),
    "VCF402": ("check-never-fails", "info", "a patient-level check cannot fail where it applies (the routes already rule it out)"),
    "VCF403": ("check-never-holds", "warning", "a patient-level check can never be satisfied, so its actions are always set apart or cautioned"),
    "VCF404": ("modifier-never-holds", "warning", "a rating's modifier can never hold for a case reaching its variant"),
    "VCF405": ("modifier-always-holds", "warning", "a rating's modifier holds for every case reaching its variant, so it modifies nothing"),
    "VCF406": ("rules-overlap", "error", "two rules of a variant hold together for some case and rate the same action"),
    "VCF407": ("rule-never-holds", "warning", "a variant's rule can never hold for a case reaching the variant"),
    "VCF408": ("rule-always-holds", "warning", "a variant's rule holds for every case reaching the variant, so it tells no case apart"),
    "VCF301": ("need-info-stop", "info", "the walk can stop here with need_info when these facts are not known"),
}


@dataclass(frozen=True)
class Finding:
    """One problem (or note) found in a pathway.

    Attributes:
        code: a key of :data:`CODES`.
        severity: error, warning or info.
        subject: the node, edge (``source->target``), fact or property id concerned.
        loc: where the subject is defined.
        message: what is wrong and, where it helps, how to fix it.
        example: an example case showing it (fact -> value, known facts only), or None.
        path: the answers an example case takes, when it matters.
        acknowledged: the author's reason when the pathway file marks the finding intended
            (``acknowledged:``); empty otherwise. An acknowledged finding is still reported.
    """

    code: str
    severity: str
    subject: str
    loc: Location
    message: str
    example: Mapping[str, Value] | None = field(default=None, compare=False)
    path: tuple[str, ...] = field(default=(), compare=False)
    acknowledged: str = field(default="", compare=False)

    @property
    def name(self) -> str:
        return CODES[self.code][0]

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain data, keys in a stable order; ``acknowledged`` (the reason) only
        when the pathway file acknowledges it."""
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "subject": self.subject,
            "file": self.loc.file,
            "line": self.loc.line,
            "col": self.loc.col,
            "message": self.message,
            "example": dict(self.example) if self.example is not None else None,
            "path": list(self.path),
            **({"acknowledged": self.acknowledged} if self.acknowledged else {}),
        }

    def __str__(self) -> str:
        mark = f" (acknowledged: {self.acknowledged})" if self.acknowledged else ""
        return f"{self.loc}: {self.severity} {self.code} {self.name} [{self.subject}]{mark}: {self.message}"


def finding(
    code: str,
    subject: str,
    loc: Location | None,
    file: str,
    message: str,
    example: Mapping[str, Value] | None = None,
    path: tuple[str, ...] = (),
) -> Finding:
    """Build a finding with the severity of its code; a missing location becomes the file."""
    return Finding(code, CODES[code][1], subject, loc or Location(file), message, example, path)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Sorted by place in the file, then code and subject; duplicates dropped."""
    unique = {(f.code, f.subject, f.message): f for f in findings}
    return sorted(unique.values(), key=lambda f: (f.loc.file, f.loc.line, f.loc.col, f.code, f.subject, f.message))


def relocate(loc: Location | None, file: str) -> Location | None:
    """The same line and column under another file name (for display)."""
    if loc is None:
        return None
    return Location(file, loc.line, loc.col)
