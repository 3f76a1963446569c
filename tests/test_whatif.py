"""what_if looks only at the facts that can move a route (tests/test_whatif_fast.py holds it to
trying every fact); a fact only a check at the variant reads is one of them."""

from __future__ import annotations

from vcfgraph import lightwalk, whatif
from vcfgraph.io import bundled as bundled_data
from vcfgraph.io.load import load_cases


def test_a_check_fact_can_change_the_ua_list(bundled):
    """A fact no question on the route reads, but a check at its variant does, is offered."""
    index = lightwalk.index(bundled)
    for path in sorted(bundled_data.cases_folder().glob("*.yaml")):
        facts = load_cases(bundled, path)[0].facts
        end = lightwalk.walk(index, facts)
        read = frozenset().union(*(index.reads[q] for q in end.questions)) if end else frozenset()
        extra = whatif._facts_that_matter(index, end) - read if end else frozenset()
        moved = [c for c in whatif.what_if(bundled, facts) if c.fact in extra]
        if moved:
            break
    else:
        raise AssertionError("no bundled case has a what-if on a fact only a check reads")
    assert end.outcome == "variant"
    assert all(c.terminal == end.terminal and c.ua != end.ua for c in moved)
