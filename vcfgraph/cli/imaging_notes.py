"""The protocol notes that ``lookup`` adds to a study's entry (the pathway's imaging companion).

``lookup`` finds actions in the pathway; a study of the companion that is not an action
(spine radiographs, DXA with VFA: ids the fact base proposes) is found here by its id or words.
The companion is read once per run; a pathway without one adds nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from vcfgraph.imaging import Imaging
from vcfgraph.imaging.report import note_lines, study_dict
from vcfgraph.io.imaging import load_imaging
from vcfgraph.lookup import Hit
from vcfgraph.model import Pathway

__all__ = ["companion", "study_hits", "note_text", "note_dict"]


@lru_cache(maxsize=4)
def _load(pathway: Pathway) -> Imaging | None:

    return load_imaging(pathway)


def companion(pathway: Pathway) -> Imaging | None:
    """The pathway's imaging companion, or None."""
    return _load(pathway)


def study_hits(pathway: Pathway, query: str) -> list[Hit]:
    """Studies of the companion that are not actions of the pathway, matching every word."""
    imaging = companion(pathway)
    if imaging is None:
        return []
    words = re.findall(r"[a-z0-9]+", query.lower().replace("_", " "))
    out = []
    for s in imaging.studies:
        if pathway.has_node(s.id) or not words:
            continue
        name = re.findall(r"[a-z0-9]+", " ".join((s.id.replace("_", " "), s.label, *s.words)).lower())
        if query.strip() == s.id:
            out.append(Hit("study", s.id, s.label, 0))
        elif all(any(n.startswith(w) for n in name) for w in words):
            out.append(Hit("study", s.id, s.label, 1))
    return sorted(out, key=lambda h: h.rank)


def note_text(pathway: Pathway, study: str) -> str:
    """The study's protocol note as text lines to append to its entry, or ''."""

    imaging = companion(pathway)
    if imaging is None or not imaging.has(study):
        return ""
    return "\n" + "\n".join("  " + line for line in note_lines(imaging, imaging.study(study)))


def note_dict(pathway: Pathway, study: str) -> dict[str, Any]:
    """``{"protocol": ...}`` for the JSON entry of a study with a note, or {}."""

    imaging = companion(pathway)
    if imaging is None or not imaging.has(study):
        return {}
    return {"protocol": study_dict(imaging, imaging.study(study))}
