"""Renderers: the pathway and case routes as Graphviz DOT, SVG overlays and static HTML pages.

Layers, each importing only the ones before it:

- :mod:`~vcfgraph.render.ids` stable element ids derived from the graph (DOT, SVG and HTML share them);
- :mod:`~vcfgraph.render.style` style tables keyed by node kind x route state and by rating
  category x confidence, and the CSS generated from them;
- :mod:`~vcfgraph.render.states` which elements a route passes (the route state of every element);
- :mod:`~vcfgraph.render.dot` the model as DOT text (through ``graphviz.Digraph`` for quoting);
- :mod:`~vcfgraph.render.route_view` the compact route-only view for slides;
- :mod:`~vcfgraph.render.svg` the laid-out SVG annotated and restyled for a route, without a new layout;
- :mod:`~vcfgraph.render.html` the one Jinja2 environment and the site's pages;
- :mod:`~vcfgraph.render.heatmap` a pathway diagram shaded by a value per node and edge;
- :mod:`~vcfgraph.render.api` :func:`pathway_svg`, the pathway (and a route on it) as one SVG
  picture for library and notebook users: the one renderer that runs ``dot`` (through the
  ``graphviz`` package).

Renderers read the plain model (:class:`~vcfgraph.model.Pathway`, :class:`~vcfgraph.model.Route`)
and never evaluate a condition. They return text; running ``dot`` and writing files is the
command line's job (:mod:`vcfgraph.cli.graphviz_run`), except for :func:`pathway_svg`.
"""

from vcfgraph.render.dot import pathway_dot, route_dot
from vcfgraph.render.route_view import route_only_dot
from vcfgraph.render.api import pathway_svg

__all__ = ["pathway_dot", "pathway_svg", "route_dot", "route_only_dot"]
