"""What the FHIR exports share: the canonical base, FHIR ids, extension and citation helpers.

Pure data in, plain dicts out (JSON-ready, keys in a fixed order); nothing here reads files.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from vcfgraph.model import Pathway

__all__ = [
    "DEFAULT_BASE",
    "FHIRPATH",
    "fhir_id",
    "canonical",
    "extension_url",
    "computable_name",
    "citations",
    "to_json",
    "STATUS",
]

#: the canonical base of exported resources when none is given (``.invalid`` never resolves:
#: a publisher gives its own with ``--base``)
DEFAULT_BASE = "http://vcfgraph.invalid/fhir"
FHIRPATH = "text/fhirpath"
#: exported resources are drafts: the pathway is teaching material, not a published rule
STATUS = "draft"
_ID_CHARS = re.compile(r"[^A-Za-z0-9.\-]")


def fhir_id(text: str) -> str:
    """A FHIR ``id`` (``[A-Za-z0-9-.]{1,64}``) for a vcfgraph identifier.

    Underscores become hyphens (vcfgraph ids never hold a hyphen, so no two ids meet); an id
    longer than 64 characters keeps its first 55 and a digest of the whole.
    """
    out = _ID_CHARS.sub("-", text.replace("_", "-")) or "x"
    if len(out) > 64:
        out = out[:55] + "-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    return out


def canonical(base: str, resource: str, pathway: Pathway, suffix: str = "") -> str:
    """``BASE/Resource/PATHWAY-ID[-suffix]``: the canonical url of an exported resource."""
    name = fhir_id(pathway.meta.id + (f"-{suffix}" if suffix else ""))
    return f"{base.rstrip('/')}/{resource}/{name}"


def extension_url(base: str, name: str) -> str:
    """The url of a vcfgraph extension (documented in docs/fhir.md)."""
    return f"{base.rstrip('/')}/StructureDefinition/{name}"


def computable_name(text: str) -> str:
    """A FHIR computable ``name``: letters and digits, starting with an upper-case letter."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    name = "".join(w[:1].upper() + w[1:] for w in words)
    return name if name[:1].isalpha() else "Vcfgraph" + name


def citations(pathway: Pathway, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """``relatedArtifact`` citations for source keys, in the order given."""
    out = []
    for key in keys:
        source = pathway.source(key)
        item: dict[str, Any] = {"type": "citation", "label": key,
                                "display": source.title if source and source.title else key}
        if source and source.url:
            item["url"] = source.url
        out.append(item)
    return out


def to_json(resource: dict[str, Any]) -> str:
    """Deterministic JSON text: the dict's own key order, two-space indent, a final newline."""
    return json.dumps(resource, ensure_ascii=False, indent=2) + "\n"
