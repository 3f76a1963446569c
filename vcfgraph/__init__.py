"""vcfgraph: a clinical guideline as an executable, checkable, drawable decision graph.

The library first, the command line on top. In a notebook::

    import vcfgraph
    pathway = vcfgraph.load_pathway()             # the bundled ACR VCF pathway
    route = pathway.trace({"symptomatic": False, "osteoporosis_known": True})
    route.outcome, route.terminal                 # the cell below shows the route on the diagram
    route

From case files (the bundled case library is :func:`vcfgraph.io.bundled.cases_folder`)::

    for case in vcfgraph.load_cases(pathway, vcfgraph.io.bundled.case_file("seed-incidental-t12.yaml")):
        route = vcfgraph.trace(pathway, case)
        print(route.outcome, route.terminal, vcfgraph.check_expected(route, case))

Every function takes the pathway first. Errors a user can cause are
:class:`VcfgraphError`: a bad fact value is a :class:`CaseError` naming the fact and its allowed
values, a pathway that cannot decide a case a :class:`RouteError`.
"""

from vcfgraph.io import bundled
from vcfgraph.engine import check_expected, trace
from vcfgraph.errors import CaseError, PathwayError, RouteError, UsageError, VcfgraphError
from vcfgraph.export.networkx import to_networkx
from vcfgraph.io.load import DEFAULT_GRAPH, load_cases, load_pathway
from vcfgraph.model import Case, Pathway
from vcfgraph.route import Route
from vcfgraph.validate import check_facts

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
    "to_networkx",
    "trace",
]
__version__ = "0.1.0"
