"""what_if looks only at the facts that can move a route; it must find exactly what trying every
fact finds."""

from __future__ import annotations

import pytest

from tests.casespace import region_points
from vcfgraph import whatif


def _every_fact(pathway, facts):
    saved = whatif._facts_that_matter
    whatif._facts_that_matter = lambda pw, route: {f.name for f in pw.facts}
    try:
        return whatif.what_if(pathway, facts)
    finally:
        whatif._facts_that_matter = saved


@pytest.mark.slow
@pytest.mark.parametrize("which", ["bundled", "tiny"])
def test_pruned_what_if_equals_trying_every_fact(which, request):
    pathway = request.getfixturevalue(which)
    points = region_points(pathway, 1)
    sample = points[::70] if len(points) > 3000 else points  # the bundled case space has ~46,000 regions
    assert sample
    for facts in sample:
        assert whatif.what_if(pathway, facts) == _every_fact(pathway, facts), facts


def test_a_check_fact_can_change_the_ua_list(bundled):
    """A fact no question on the route reads, but a check at its variant does, is offered."""
    case = {f.name: None for f in bundled.facts}
    route = None
    for facts in region_points(bundled, 1):
        route = whatif._walk(bundled, facts)
        if route and route.outcome == "variant" and any(bundled.checks_for(route.terminal, r.action)
                                                        for r in bundled.node(route.terminal).ratings):
            case = facts
            break
    read = {n for s in route.steps for n, _ in s.facts}
    extra = whatif._facts_that_matter(bundled, route) - read
    assert extra, "the checks at the variant read facts the questions do not"
    assert case
