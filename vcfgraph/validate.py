"""Facts checked against a pathway's declared domains, wherever they come from.

Case files are checked as they are read (:mod:`vcfgraph.io.load`, every problem located); facts
given in code, JSON or a batch row are checked here, by :func:`check_facts`, which is also what
:func:`vcfgraph.engine.trace` runs before it walks a case (unless told not to). Reading files is
left to the loader; this module sees only values.
"""

from __future__ import annotations

import warnings
from typing import Any, Mapping

from vcfgraph.conditions import Value, format_value
from vcfgraph.errors import CaseError, did_you_mean
from vcfgraph.io.located import short
from vcfgraph.model import Fact, Pathway

__all__ = ["check_facts", "fact_value_problem"]


def fact_value_problem(fact: Fact, value: Any) -> str | None:
    """Why ``value`` cannot be a value of ``fact``, or None when it can (None always can)."""
    if value is None or fact.accepts(value):
        return None
    hint = did_you_mean(str(value), fact.values) if fact.type == "enum" else ""
    shown = f"'{short(value)}'" if isinstance(value, str) else short(format_value(value))
    return f"fact '{fact.name}' cannot be {shown}; allowed: {fact.allowed()}{hint}"


def check_facts(pathway: Pathway, facts: Mapping[str, Any], case: str | None = None) -> dict[str, Value]:
    """Check a plain mapping of facts against the pathway's facts and their domains.

    Args:
        pathway: the pathway whose facts the mapping names.
        facts: fact name -> value; a fact left out, or None, is not known.
        case: the case id, for the message.

    Returns:
        Every fact of the pathway -> its value (None where not given).

    Raises:
        CaseError: naming the first bad fact (in name order) and its allowed values, or an
            unknown fact with the closest known name.

    Examples:
        >>> from vcfgraph import load_pathway
        >>> check_facts(load_pathway(), {"age": 400})
        Traceback (most recent call last):
        ...
        vcfgraph.errors.CaseError: fact 'age' cannot be 400; allowed: a whole number from 0 to 120 years or null (not known)
    """
    if isinstance(facts, Pathway) and not isinstance(pathway, Pathway):  # the order before 0.1.1
        # reached only by callers that break the annotations (so mypy calls it unreachable)
        warnings.warn("check_facts(facts, pathway) is deprecated: pass the pathway first",  # type: ignore[unreachable]
                      DeprecationWarning, stacklevel=2)
        pathway, facts = facts, pathway
    out: dict[str, Value] = {f.name: None for f in pathway.facts}
    for name in sorted(facts, key=str):
        value = facts[name]
        if not isinstance(name, str) or not pathway.has_fact(name):
            names = [f.name for f in pathway.facts]
            raise CaseError(f"unknown fact '{name}'{did_you_mean(str(name), names)}", case=case, fact=str(name),
                            value=value)
        fact = pathway.fact(name)
        message = fact_value_problem(fact, value)
        if message:
            raise CaseError(message, case=case, fact=name, value=value, allowed=fact.allowed())
        out[name] = value
    return out
