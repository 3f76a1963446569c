"""vcfgraph: a clinical guideline as an executable, checkable, drawable decision graph.

The library first, the command line on top::

    from vcfgraph import load_pathway, load_cases, trace
    pathway = load_pathway()                      # the bundled ACR VCF pathway
    for case in load_cases("cases/seed-incidental-t12.yaml", pathway):
        route = trace(pathway, case)
        print(route.outcome, route.terminal)
"""

from vcfgraph.engine import check_expected, trace
from vcfgraph.errors import CaseError, PathwayError, RouteError, UsageError, VcfgraphError
from vcfgraph.load import DEFAULT_GRAPH, check_facts, load_cases, load_pathway
from vcfgraph.model import Case, Pathway
from vcfgraph.route import Route

__all__ = [
    "DEFAULT_GRAPH",
    "Case",
    "CaseError",
    "Pathway",
    "PathwayError",
    "Route",
    "RouteError",
    "UsageError",
    "VcfgraphError",
    "check_expected",
    "check_facts",
    "load_cases",
    "load_pathway",
    "trace",
]
__version__ = "0.1.0"
