"""Traced cases as a JUnit XML report, which CI systems show as a test run.

One ``<testcase>`` per case, named by the case id, its ``classname`` and ``file`` the case file it
came from: it fails (``<failure>``) when the route misses the case file's expectations, errs
(``<error>``) when the engine rejects the case or the case file is invalid, and passes otherwise.
No timestamps and no durations, so the same run writes the same bytes. Tracing is left to the
caller; this module only formats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

__all__ = ["CaseResult", "junit_xml", "xml_safe"]

#: characters XML 1.0 cannot hold at all (controls other than tab and newlines, surrogates, U+FFFE/F)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML cannot hold shown as a visible escape (``\\x1b``)."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


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
    from xml.etree import ElementTree as ET  # only when a report is written, not for every trace

    root = ET.Element("testsuites", {"name": suite, **counts})
    ts = ET.SubElement(root, "testsuite", {"name": suite, **counts})
    for r in results:
        stem = PurePath(r.file).stem if r.file != "--fact" else "command-line"
        attrs = {"classname": f"cases.{stem}", "name": r.case, "file": r.file}
        case = ET.SubElement(ts, "testcase", {k: xml_safe(v) for k, v in attrs.items()})
        if r.status in ("failed", "error"):
            tag = "failure" if r.status == "failed" else "error"
            kind = "expectation" if r.status == "failed" else "input"
            element = ET.SubElement(case, tag, {"message": xml_safe(r.message), "type": kind})
            element.text = xml_safe("\n".join(r.details or (r.message,)))
        elif r.outcome:
            ET.SubElement(case, "system-out").text = xml_safe(r.outcome)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
