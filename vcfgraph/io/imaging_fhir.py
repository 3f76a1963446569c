"""Earlier imaging from a FHIR Bundle: the codes of its ImagingStudy and Procedure resources.

``vcfgraph dose --fhir bundle.json`` counts the studies a patient record lists. This module reads
the Bundle (R4 or R5 shapes) and returns, for each ImagingStudy or Procedure, where it stands in
the file and the CodeableConcepts that say what was done: ``procedureCode`` (R4) or
``procedure[].concept`` (R5) of an ImagingStudy, with its ``description`` as text when nothing else
names it; ``code`` of a Procedure. Which study a code is, is the bindings file's job
(:class:`vcfgraph.serve.bindings.Bindings`), done by the caller. Other resources are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vcfgraph.errors import Location, PathwayError, UsageError
from vcfgraph.io.located import Reader, short
from vcfgraph.io.source import read_tree

__all__ = ["Performed", "performed_in_bundle", "MAX_RESOURCES"]

#: most entries a Bundle may hold for the dose aid
MAX_RESOURCES = 200
_KINDS = ("ImagingStudy", "Procedure")


@dataclass(frozen=True)
class Performed:
    """One imaging study or procedure of the record: where it is, its kind and id, its codes."""

    loc: Location
    kind: str
    id: str
    codes: tuple[Mapping[str, Any], ...]

    def name(self) -> str:
        return f"{self.kind}/{self.id}" if self.id else self.kind


def performed_in_bundle(path: str | Path) -> list[Performed]:
    """The ImagingStudy and Procedure resources of a FHIR Bundle file, in file order.

    Raises:
        UsageError: the file cannot be read, is not a Bundle, or holds too many entries
            (every problem located).
    """
    name = str(path)
    try:
        data = read_tree(path)
    except PathwayError as exc:
        raise UsageError(str(exc)) from None
    r = Reader(name)
    out: list[Performed] = []
    if not isinstance(data, Mapping) or data.get("resourceType") != "Bundle":
        raise UsageError(f"{Location(name, 1, 1)}: not a FHIR Bundle (its resourceType must be 'Bundle')")
    entries = r.sequence(data.get("entry"), r.at(data, "entry"), "'entry' of the Bundle")
    if len(entries) > MAX_RESOURCES:
        raise UsageError(f"{r.at(data, 'entry')}: the Bundle holds {len(entries)} entries; the dose aid reads at most {MAX_RESOURCES}")
    for i, entry in enumerate(entries):
        res = entry.get("resource") if isinstance(entry, Mapping) else None
        loc = r.at(entry, "resource") if isinstance(entry, Mapping) and "resource" in entry else r.at(entries, i)
        if not isinstance(res, Mapping):
            r.report(r.at(entries, i), f"entry {i + 1} of the Bundle holds no resource")
            continue
        kind = res.get("resourceType")
        if kind not in _KINDS:
            continue
        rid: str = res["id"] if isinstance(res.get("id"), str) else ""
        codes = _codes(res, kind)
        if not codes:
            r.report(loc, f"{kind} {short(rid) or f'in entry {i + 1}'} says nothing of what was done "
                          "(no procedureCode, procedure, description or code)")
            continue
        out.append(Performed(loc, kind, short(rid), codes))
    if r.problems:
        raise UsageError("\n".join(str(p) for p in sorted(set(r.problems))))
    return out


def _concepts(value: Any) -> list[Mapping[str, Any]]:
    items = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
    return [c for c in items if isinstance(c, Mapping)]


def _codes(res: Mapping[str, Any], kind: str) -> tuple[Mapping[str, Any], ...]:
    if kind == "Procedure":
        return tuple(_concepts(res.get("code")))
    found = _concepts(res.get("procedureCode"))
    found += [c["concept"] for c in _concepts(res.get("procedure")) if isinstance(c.get("concept"), Mapping)]
    if not found and isinstance(res.get("description"), str) and res["description"].strip():
        found = [{"text": res["description"]}]
    return tuple(found)
