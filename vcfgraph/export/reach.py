"""When the walk reaches a node, as a condition over the QuestionnaireResponse (FHIRPath text).

An answer edge with a condition is taken when its condition is true; the ``otherwise`` answer
when every other answer is false (:func:`vcfgraph.export.fhirpath.otherwise`). A node is reached
when some question leading to it is reached and the answer to it is taken. The result is true,
false or ``{}`` (not yet known) exactly where :func:`vcfgraph.engine.trace` passes the node,
passes it by, or stops before knowing. Cycles are a checker error; an edge that would close one
is left out here.
"""

from __future__ import annotations

from vcfgraph.conditions import Condition
from vcfgraph.export import fhirpath
from vcfgraph.model import Edge, Pathway

__all__ = ["edge_expression", "reach_expressions", "variable_names"]


def variable_names(pathway: Pathway) -> dict[str, str]:
    """node id -> the name of the FHIRPath variable (``%name``) that holds whether the walk
    reaches it: ``reach`` and the id's letters and digits (a FHIR ``Expression.name`` is an
    ``id`` and FHIRPath wants an identifier), with the node's place in the file when two
    would meet."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for number, node in enumerate(pathway.nodes, 1):
        name = "reach" + "".join(part[:1].upper() + part[1:] for part in node.id.split("_"))
        if name in taken:
            name += f"N{number}"
        taken.add(name)
        names[node.id] = name
    return names


def edge_expression(pathway: Pathway, edge: Edge, base: str) -> str:
    """FHIRPath that is true exactly when the walk, standing at ``edge.source``, takes ``edge``."""
    if edge.condition is not None:
        return fhirpath.condition(edge.condition, base, pathway)
    others: list[Condition] = [e.condition for e in pathway.out_edges(edge.source) if e.condition is not None]
    return fhirpath.otherwise(others, base, pathway)


def reach_expressions(pathway: Pathway, base: str, *, variables: bool = False) -> dict[str, str]:
    """node id -> FHIRPath true when the walk reaches the node ("true" for the entry); a node
    no walk reaches is left out.

    With ``variables`` an expression names the nodes before it by their variables
    (:func:`variable_names`) instead of repeating their expressions, and the result is in an
    order where every node comes after the nodes its expression names.
    """
    out: dict[str, str] = {}
    names = variable_names(pathway)
    incoming: dict[str, list[Edge]] = {}
    for edge in pathway.edges:
        incoming.setdefault(edge.target, []).append(edge)
    visiting: set[str] = set()

    def reach(node: str) -> str | None:
        if node in out:
            return out[node]
        if node == pathway.entry:
            out[node] = "true"
            return "true"
        if node in visiting:
            return None
        visiting.add(node)
        parts = []
        for edge in incoming.get(node, ()):
            before = reach(edge.source)
            if before is None:
                continue
            step = edge_expression(pathway, edge, base)
            if variables:
                before = "true" if edge.source == pathway.entry else f"%{names[edge.source]}"
            parts.append(step if before == "true" else f"({before} and {step})")
        visiting.discard(node)
        if not parts:
            return None
        out[node] = parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"
        return out[node]

    for node in pathway.nodes:
        reach(node.id)
    if variables:
        return dict(out)  # filled in dependency order: a node after every node before it
    return {n.id: out[n.id] for n in pathway.nodes if n.id in out}
