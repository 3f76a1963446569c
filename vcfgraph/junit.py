"""Traced cases as a JUnit XML report, which CI systems show as a test run.

One ``<testcase>`` per case, named by the case id, its ``classname`` and ``file`` the case file it
came from: it fails (``<failure>``) when the route misses the case file's expectations, errs
(``<error>``) when the engine rejects the case or the case file is invalid, and passes otherwise.
No timestamps and no durations, so the same run writes the same bytes. Tracing is left to the
caller; this module only formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from xml.etree import ElementTree as ET

__all__ = ["CaseResult", "junit_xml"]


@dataclass(frozen=True)
class CaseResult:
    """How one case came out: ``status`` is passed, failed (missed its expectations) or error."""

    file: str
    case: str
    status: str
    message: str = ""
    details: tuple[str, ...] = ()
    outcome: str = ""


def junit_xml(results: list[CaseResult], suite: str = "vcfgraph trace") -> str:
    """The results as one JUnit ``<testsuites>`` document with one ``<testsuite>``.

    Args:
        results: one per case, in the order they were traced.
        suite: the test suite's name.

    Returns:
        The XML text, UTF-8 declared, ending with a newline.
    """
    failures = sum(r.status == "failed" for r in results)
    errors = sum(r.status == "error" for r in results)
    counts = {"tests": str(len(results)), "failures": str(failures), "errors": str(errors), "skipped": "0"}
    root = ET.Element("testsuites", {"name": suite, **counts})
    ts = ET.SubElement(root, "testsuite", {"name": suite, **counts})
    for r in results:
        stem = PurePath(r.file).stem if r.file != "--fact" else "command-line"
        case = ET.SubElement(ts, "testcase", {"classname": f"cases.{stem}", "name": r.case, "file": r.file})
        if r.status in ("failed", "error"):
            tag = "failure" if r.status == "failed" else "error"
            kind = "expectation" if r.status == "failed" else "input"
            element = ET.SubElement(case, tag, {"message": r.message, "type": kind})
            element.text = "\n".join(r.details or (r.message,))
        elif r.outcome:
            ET.SubElement(case, "system-out").text = r.outcome
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
