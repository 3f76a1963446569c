"""The ``acknowledged:`` section of a pathway file: findings of ``vcfgraph check`` the author
marks intended, like a linter's ignore comment with its reason::

    acknowledged:
      - {code: VCF301, node: q_sign, reason: The walk is meant to stop and ask for the sign here.}

Only the shape is checked here (each entry a mapping with a code, a subject and a reason).
Whether the code exists, is not an error and matches a finding is
:mod:`vcfgraph.analysis.checker`'s to say, since the findings are found there.
"""

from __future__ import annotations

from typing import Any, Mapping

from vcfgraph.io.located import Reader
from vcfgraph.io.spec import SECTIONS
from vcfgraph.model import Acknowledgement

__all__ = ["read_acknowledged"]


def read_acknowledged(r: Reader, root: Mapping[str, Any]) -> tuple[Acknowledgement, ...]:
    """The acknowledgements of the file, in file order; problems go to ``r``."""
    items = r.sequence(root.get("acknowledged"), r.at(root, "acknowledged"), "'acknowledged'")
    section = SECTIONS["acknowledgement"]
    out = []
    for i, item in enumerate(items):
        sub = f"acknowledgement {i + 1}"
        m = r.mapping(item, r.at(items, i), sub, required=section.required, optional=section.optional)
        if m is None or any(key not in m for key in section.required):
            continue
        code, subject, reason = (r.text(m, key, sub) for key in ("code", "node", "reason"))
        if not reason.strip():
            r.report(r.at(m, "reason"), f"'reason' of {sub} is empty; say why the finding is intended")
            continue
        out.append(Acknowledgement(code, subject, reason, r.at(m)))
    return tuple(out)
