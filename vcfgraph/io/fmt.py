"""Canonical form of a pathway or case file: ``vcfgraph fmt``.

The file is read and written with ruamel.yaml's round-trip mode, so comments, quoting and flow
or block style stay as the author wrote them. What changes:

- the keys of each known mapping come in the order of :data:`vcfgraph.io.spec.SECTIONS`
  (top-level sections, ``pathway``, every fact, node, answer, rating, check and property);
  keys the format does not know keep their place after the known ones;
- indentation is two spaces for mappings and ``- `` items indented under their key; a value
  that is not known is written ``null``;
- long lines are wrapped at ``width`` where ruamel.yaml can break them (a long word or URL, a
  run of spaces inside quotes, or a long flow mapping may keep a line over the width), and
  trailing spaces are dropped; wrapping never makes a line longer than the source had.

Formatting is idempotent: formatting the output again changes nothing. This module works on
text; :mod:`vcfgraph.cli.fmt` reads and writes the files.
"""

from __future__ import annotations

import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from vcfgraph.errors import Location, PathwayError, Problem
from vcfgraph.io.spec import NODE_BY_KIND, NODE_COMMON, SECTIONS

__all__ = ["DEFAULT_WIDTH", "format_text"]

DEFAULT_WIDTH = 100
_LIST_OF = {"nodes": "node", "checks": "check", "contraindications": "contraindication", "properties": "property",
            "answers": "answer", "ratings": "rating", "downstream": "downstream", "faqs": "faq",
            "implications": "implication", "categories": "category"}
_SECTION_OF = {"pathway": "pathway", "guideline": "guideline", "rating_scale": "rating_scale", "score": "score_range",
               "expect": "expect"}


def _yaml(width: int) -> YAML:
    y = YAML(typ="rt")
    y.version = None
    y.preserve_quotes = True
    y.width = width
    y.indent(mapping=2, sequence=4, offset=2)
    # "not known" stays written as null (ruamel would leave the value empty)
    y.representer.add_representer(type(None), lambda rep, _v: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return y


def format_text(text: str, file: str = "<text>", width: int = DEFAULT_WIDTH) -> str:
    """The canonical form of a pathway or case file's text.

    Raises:
        PathwayError: the text is not YAML (the parser's place and message).
    """
    y = _yaml(width)
    try:
        data = y.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = Location(file, mark.line + 1, mark.column + 1) if mark is not None else Location(file, 1, 1)
        raise PathwayError([Problem(loc, f"not valid YAML: {getattr(exc, 'problem', None) or exc}")]) from None
    if isinstance(data, CommentedMap) and "nodes" in data:
        _order(data, "root")
    out = io.StringIO()
    y.dump(data, out)
    return re.sub(r"[ \t]+$", "", out.getvalue(), flags=re.M) if data is not None else text


def _keys_of(section: str, m: CommentedMap) -> list[str]:
    if section == "node":
        return list(NODE_COMMON) + [k for keys in NODE_BY_KIND.values() for k in keys]
    return list(SECTIONS[section].keys)


def _order(m: CommentedMap, section: str) -> None:
    """Put the known keys of ``m`` in the table's order, then walk into its known children."""
    known = _keys_of(section, m)
    want = [k for k in known if k in m] + [k for k in m if k not in known]
    if list(m) != want:
        items = [(k, m[k]) for k in want]
        comments = {k: m.ca.items.get(k) for k in want}
        for k in list(m):
            del m[k]
        for k, v in items:
            m[k] = v
            if comments[k] is not None:
                m.ca.items[k] = comments[k]
    for key, value in m.items():
        child = _LIST_OF.get(key)
        if child and isinstance(value, CommentedSeq):
            for item in value:
                if isinstance(item, CommentedMap):
                    _order(item, child)
        elif key in _SECTION_OF and isinstance(value, CommentedMap):
            _order(value, _SECTION_OF[key])
        elif section == "root" and key in ("facts", "sources") and isinstance(value, CommentedMap):
            for item in value.values():
                if isinstance(item, CommentedMap):
                    _order(item, "fact" if key == "facts" else "source")
