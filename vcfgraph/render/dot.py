"""The pathway, and a case's route on it, as Graphviz DOT text.

:func:`pathway_dot` is the base layout: questions (diamonds) top to bottom, variants as boxes
holding their rating table (one row per rated action: category icon + words + colour, score,
a confidence mark, dashed when the rating is not confirmed; a variant's rules that fire together
follow its own rows, each a marked row with its condition in words over the rows it adds), hand-offs (arrow shapes; urgent ones
octagons), the rated actions as neutral rounded boxes in their own band (a category belongs to a
(variant, action) pair, so an action is coloured only in a case, for the variant reached) with the
icon and words of its modality, dispositions (referral, observation, follow-up, discharge) in a band
of their own, dashed
re-entry edges, and a legend. Every element carries a stable id (:mod:`vcfgraph.render.ids`).

:func:`route_dot` is the same graph with a route's colours (for PNG, PDF and DOT output);
colours never change sizes, so the layout is the base one. The compact route-only view for slides
is :mod:`vcfgraph.render.route_view`. All DOT goes through ``graphviz.Digraph``; every label is
an HTML-like label whose text is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import html
import textwrap
import graphviz

from vcfgraph import conditions as cm
from vcfgraph.model import Node, Pathway, Rating, Rule, rating_edge_id
from vcfgraph.route import Route
from vcfgraph.render import ids
from vcfgraph.render.states import BASE_STATES, RouteStates, route_states
from vcfgraph.scale import SLOT_ORDER, RatingScale
from vcfgraph.render.style import (
    CATEGORIES,
    MODALITIES,
    CategoryStyle,
    category_styles,
    scale_words,
    CAUTION_BADGE,
    DISPOSITIONS,
    SET_APART_BADGE,
    CONFIDENCES,
    FONT,
    FONT_SIZE,
    NODE_SHAPES,
    PART_LOOKS,
    RULE_MARK,
    STAGE_FILLS,
    Look,
    dot_attrs,
    edge_look,
    modality_words,
    node_look,
)

__all__ = ["pathway_dot", "route_dot", "esc", "plain", "wrap"]


def esc(text: str) -> str:
    """Text escaped for an HTML-like DOT label or attribute (``<``, ``>``, ``&``, quotes)."""
    return html.escape(text, quote=True)


def wrap(text: str, width: int, *, align: str = "") -> str:
    """Escaped text broken into lines of at most ``width`` characters with ``<BR/>``."""
    lines = textwrap.wrap(text, width=width, break_long_words=True) or [""]
    br = f'<BR ALIGN="{align}"/>' if align else "<BR/>"
    tail = br if align else ""
    return br.join(esc(line) for line in lines) + tail


def plain(text: str) -> str:
    """Text for a plain (non-HTML) DOT string shown literally: backslashes are not escapes and
    ``&`` does not start an entity (Graphviz would otherwise decode ``&amp;``)."""
    return graphviz.escape(text.replace("&", "&amp;"))


def digraph(name: str, title: str) -> graphviz.Digraph:
    g = graphviz.Digraph(name=name)
    g.attr(
        "graph", id=ids.GRAPH_ID, label=f"<<B>{esc(title)}</B>>", labelloc="t", fontname=FONT,
        fontsize=str(FONT_SIZE["graph"]), rankdir="TB", nodesep="0.3", ranksep="0.42", newrank="true",
        outputorder="edgesfirst", bgcolor="white", pad="0.2",
    )
    g.attr("node", fontname=FONT, fontsize=str(FONT_SIZE["node"]))
    g.attr("edge", fontname=FONT, fontsize=str(FONT_SIZE["edge"]), arrowsize="0.8")
    return g


def _node_kind(node: Node) -> str:
    if node.kind == "handoff" and node.urgency == "urgent":
        return "handoff-urgent"
    return node.kind


def _node_attrs(node: Node, state: str) -> dict[str, str]:
    kind = _node_kind(node)
    shape = NODE_SHAPES[kind]
    attrs = {k: v for k, v in shape.items() if k != "style"}
    attrs.update(dot_attrs(node_look(kind, state), base_style=shape["style"]))
    attrs["id"] = ids.node_id(node.id)
    if node.kind != "variant":  # a variant links from its title row: links must not nest
        attrs.update(href="#" + ids.card_id(node.id), tooltip=plain(_tooltip(node)))
    return attrs


def _tooltip(node: Node) -> str:
    return f"{node.label} ({node.kind}, {node.id})"


def _question_label(node: Node, look: Look) -> str:
    return f'<<FONT COLOR="{look.text}">{wrap(node.label, 16)}</FONT>>'


def _handoff_label(node: Node, look: Look) -> str:
    head = "URGENT" if node.urgency == "urgent" else "HAND-OFF"
    lines = [f'<FONT POINT-SIZE="{FONT_SIZE["small"]}"><B>{head}</B></FONT>', wrap(node.label, 24)]
    if node.topic:
        topic = node.topic + (f" (ACR topic {node.topic_id})" if node.topic_id else "")
        lines.append(f'<FONT POINT-SIZE="{FONT_SIZE["small"]}">{wrap("to: " + topic, 30)}</FONT>')
    return f'<<FONT COLOR="{look.text}">{"<BR/>".join(lines)}</FONT>>'


def _action_label(node: Node, look: Look, category: str | None, contraindicated: bool, caution: bool = False) -> str:
    lines = [wrap(node.label, 24)]
    meta = modality_words(node.modality)
    if node.radiation and node.radiation not in ("not applicable", "O"):
        meta += f" \u00b7 radiation {node.radiation}"
    elif node.radiation == "O":
        meta += " \u00b7 no radiation (O)"
    lines.append(f'<FONT POINT-SIZE="{FONT_SIZE["small"]}">{esc(meta)}</FONT>')
    if contraindicated:
        lines.append(f'<FONT POINT-SIZE="{FONT_SIZE["small"]}"><B>{esc(SET_APART_BADGE)}</B></FONT>')
    elif caution:
        lines.append(f'<FONT POINT-SIZE="{FONT_SIZE["small"]}"><B>{esc(CAUTION_BADGE)}</B></FONT>')
    return f'<<FONT COLOR="{look.text}">{"<BR/>".join(lines)}</FONT>>'


def _rating_row(variant: Node, rating: Rating, label: str, dim: bool, cats: dict[str, CategoryStyle],
                rule: Rule | None = None) -> str:
    cat = cats.get(rating.slot, CATEGORIES[rating.slot])
    conf = CONFIDENCES.get(rating.confidence, CONFIDENCES["uncertain"])
    off = PART_LOOKS["variant-off"]
    fill, stroke, text = (off.fill, off.stroke, off.text) if dim else (cat.fill, cat.stroke, PART_LOOKS["rating-row"].text)
    style = ' STYLE="dashed"' if conf.dashed else ""
    score = str(rating.score) if rating.score is not None else "\u2013"
    tip = f"{label}: {cat.name} ({cat.code}), score {score}, {conf.name}" + (f"; when {rule.label}" if rule else "")
    if rating.modifiers:  # the modifiers in words (no case here), only where a rating has them
        tip += "; " + "; ".join(f"{m.words}: {m.reason}" for m in rating.modifiers)
    row_id = ids.row_id(rating_edge_id(variant.id, rating.action, rule.id if rule else None))
    inner = (
        f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1"><TR>'
        f'<TD ALIGN="LEFT" WIDTH="62"><FONT COLOR="{text}"><B>{esc(cat.icon)} {esc(cat.shown)}</B>&#160;</FONT></TD>'
        f'<TD ALIGN="LEFT" BALIGN="LEFT" WIDTH="196"><FONT COLOR="{text}">{wrap(label, 25, align="LEFT")}</FONT></TD>'
        f'<TD ALIGN="RIGHT" WIDTH="22"><FONT COLOR="{text}">{esc(score)}</FONT></TD>'
        f'<TD ALIGN="CENTER" WIDTH="18"><FONT COLOR="{text}">{esc(conf.mark)}</FONT></TD>'
        f"</TR></TABLE>"
    )
    return (
        f'<TR><TD ID="{esc(row_id)}" HREF="#{esc(ids.card_id(rating.action))}" TOOLTIP="{esc(tip)}" '
        f'BGCOLOR="{fill}" COLOR="{stroke}" BORDER="1"{style} ALIGN="LEFT">{inner}</TD></TR>'
    )


def _rule_rows(pathway: Pathway, node: Node, states: RouteStates, dim: bool, cats: dict[str, CategoryStyle]) -> list[str]:
    """A variant's rules, under a heading row: each rule's row (its mark, label and condition in
    words; the state cell holds the case's words in a route, else nothing, so sizes never change)
    and the rows of the ratings it adds."""
    head = PART_LOOKS["variant-off"] if dim else PART_LOOKS["rule-head"]
    small = FONT_SIZE["small"]
    rows = [f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT COLOR="{head.text}" POINT-SIZE="{small}"><I>'
            f'{wrap(f"{RULE_MARK} Rules: each adds its rows when it holds; all that hold apply", 44, align="LEFT")}'
            f"</I></FONT></TD></TR>"]
    for rule in node.rules:
        dom = ids.rule_id(node.id, rule.id)
        state = states.rules.get(dom, "")
        look = PART_LOOKS["variant-off"] if dim or state == "off" else PART_LOOKS[f"rule-{state}"] if state else head
        fill = PART_LOOKS["variant-off"].fill if dim else look.fill
        dashed = ' STYLE="dashed"' if state == "stop" else ""
        tip = f"Rule {rule.id}: {rule.label}, when {cm.describe(rule.when)}" + (f" ({rule.confidence})" if rule.confidence else "")
        inner = (
            f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            f'<TR><TD ALIGN="LEFT" BALIGN="LEFT" WIDTH="188"><FONT COLOR="{look.text}"><B>'
            f'{wrap(f"{RULE_MARK} {rule.label}{_conf_mark(rule.confidence)}", 24, align="LEFT")}</B></FONT></TD>'
            f'<TD ALIGN="RIGHT" WIDTH="110"><FONT COLOR="{look.text}"><B>{esc(states.rule_words.get(dom, " "))}</B></FONT></TD></TR>'
            f'<TR><TD COLSPAN="2" ALIGN="LEFT" BALIGN="LEFT"><FONT COLOR="{look.text}">'
            f'{wrap("when " + cm.describe(rule.when), 38, align="LEFT")}</FONT></TD></TR></TABLE>'
        )
        rows.append(f'<TR><TD ID="{esc(dom)}" HREF="#{esc(ids.card_id(node.id))}" TOOLTIP="{esc(tip)}" BGCOLOR="{fill}" '
                    f'COLOR="{look.stroke}" BORDER="1"{dashed} ALIGN="LEFT">{inner}</TD></TR>')
        for rating in sorted(rule.ratings, key=lambda r: (SLOT_ORDER[r.slot], _label(pathway, r.action))):
            rows.append(_rating_row(node, rating, _label(pathway, rating.action), dim or state == "off", cats, rule))
    return rows


def _conf_mark(confidence: str) -> str:
    """A rule's confidence mark after its label, when it is not confirmed."""
    return f" {CONFIDENCES[confidence].mark}" if confidence in CONFIDENCES and confidence != "confirmed" else ""


def _variant_label(pathway: Pathway, node: Node, look: Look, dim: bool, states: RouteStates = BASE_STATES) -> str:
    head_fill = PART_LOOKS["variant-off"].fill if dim else STAGE_FILLS.get(node.stage, STAGE_FILLS[""])
    title = wrap(node.label, 34, align="LEFT")
    rows = [
        f'<TR><TD ID="{esc(ids.head_id(node.id))}" HREF="#{esc(ids.card_id(node.id))}" TOOLTIP="{esc(_tooltip(node))}" '
        f'ALIGN="LEFT" BALIGN="LEFT" BGCOLOR="{head_fill}" CELLPADDING="6">'
        f'<FONT COLOR="{look.text}"><B>{title}</B></FONT></TD></TR>'
    ]
    cats = category_styles(pathway.scale)
    for rating in sorted(node.ratings, key=lambda r: (SLOT_ORDER[r.slot], _label(pathway, r.action))):
        rows.append(_rating_row(node, rating, _label(pathway, rating.action), dim, cats))
    if node.rules:
        rows += _rule_rows(pathway, node, states, dim, cats)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="3">{"".join(rows)}</TABLE>>'


def _label(pathway: Pathway, node_id: str) -> str:
    return pathway.node(node_id).label if pathway.has_node(node_id) else node_id


def add_node(g: graphviz.Digraph, pathway: Pathway, node: Node, states: RouteStates) -> None:
    state = states.node(node.id)
    kind = _node_kind(node)
    attrs = _node_attrs(node, state)
    look = node_look(kind, state)
    if node.kind == "question":
        label = _question_label(node, look)
    elif node.kind == "variant":
        label = _variant_label(pathway, node, look, dim=state == "off", states=states)
    elif node.kind == "handoff":
        label = _handoff_label(node, look)
    else:
        category = states.categories.get(node.id)
        contra = node.id in states.contraindicated
        if category and state != "off":
            attrs.update(fillcolor=CATEGORIES[category].fill, color=CATEGORIES[category].stroke)
        if contra:
            apart = PART_LOOKS["set-apart"]
            attrs.update(fillcolor=apart.fill, color=apart.stroke, style="rounded,filled,dashed")
        label = _action_label(node, look, category, contra, node.id in states.cautions)
    g.node(ids.dot_name(node.id), label=label, **attrs)


def _add_edges(g: graphviz.Digraph, pathway: Pathway, states: RouteStates) -> None:
    for edge in pathway.edges:
        edge_id = ids.edge_id(edge.id)
        look = edge_look("answer", states.edge(edge_id))
        label = f'<<FONT COLOR="{look.text}">{wrap(edge.label, 18)}</FONT>>'
        g.edge(ids.dot_name(edge.source), ids.dot_name(edge.target), id=edge_id, label=label, **dot_attrs(look, edge=True))
    for node in pathway.nodes:
        for d in node.downstream:
            if d.kind != "reenter" or not d.target or not pathway.has_node(d.target):
                continue
            edge_id = ids.reenter_id(d.id)
            look = edge_look("reenter", states.edge(edge_id))
            g.edge(ids.dot_name(node.id), ids.dot_name(d.target), id=edge_id, constraint="false", arrowhead="empty",
                   **dot_attrs(look, edge=True, base_style=""))


def _add_actions(g: graphviz.Digraph, pathway: Pathway, states: RouteStates) -> None:
    actions = pathway.of_kind("action")
    if not actions:
        return
    groups: dict[str, list[Node]] = {}
    for node in actions:
        band = "imaging" if node.modality == "imaging" else "disposition" if node.modality in DISPOSITIONS else "treatment"
        groups.setdefault(band, []).append(node)
    titles = {"imaging": "Imaging studies", "treatment": "Treatments, procedures and consultations",
              "disposition": "Referral, observation, follow-up and discharge"}
    anchors = [n.id for n in pathway.of_kind("variant")]
    for key, nodes in groups.items():
        with g.subgraph(name=f"cluster_actions_{key}") as sub:
            sub.attr(label=f"<<B>{esc(titles[key])}</B>>", style="rounded,dashed", color=PART_LOOKS["action-band"].stroke,
                     fontsize=str(FONT_SIZE["node"]), id=f"cluster-actions-{key}", margin="12")
            for node in nodes:
                add_node(sub, pathway, node, states)
            per_row = 4
            rows = [nodes[i:i + per_row] for i in range(0, len(nodes), per_row)]
            for upper, lower in zip(rows, rows[1:]):
                sub.edge(ids.dot_name(upper[0].id), ids.dot_name(lower[0].id), style="invis",
                         id=ids.layout_id(upper[0].id))
            for row in rows:
                with sub.subgraph() as same:
                    same.attr(rank="same")
                    for node in row:
                        same.node(ids.dot_name(node.id))
        for anchor in anchors:
            g.edge(ids.dot_name(anchor), ids.dot_name(nodes[0].id), style="invis", id=ids.layout_id(anchor, key))


_DASHED = ' STYLE="dashed"'


def _legend_label(scale: RatingScale, modalities: frozenset[str] = frozenset(), rules: bool = False) -> str:
    small = FONT_SIZE["small"]
    words = scale_words(scale)
    cats = "".join(
        f'<TR><TD BGCOLOR="{c.fill}" COLOR="{c.stroke}" BORDER="1" ALIGN="LEFT"><B>{esc(c.icon)} {esc(c.shown)}</B></TD>'
        f'<TD ALIGN="LEFT">{esc(c.name) if c.shown != c.name else ""}</TD></TR>'
        for c in category_styles(scale).values()
    )
    confs = "".join(
        f'<TR><TD BORDER="1" COLOR="{PART_LOOKS["legend-mark"].stroke}"{_DASHED if c.dashed else ""}>{esc(c.mark)}</TD>'
        f'<TD ALIGN="LEFT">{esc(c.name)}{"" if not c.dashed else " (dashed border)"}</TD></TR>'
        for c in CONFIDENCES.values()
    )
    notes = [
        f"Diamond: question. Box with a table: {words['short_variant']} and its ratings.",
        "Arrow shape: hand-off to another topic. Octagon: urgent escalation.",
        "Rounded box: rated action; in a case it takes the category colour",
        "of the variant reached. Dashed arrow: a later finding re-enters here.",
        f"Number in a rating row: {words['score']}; \u2013 where none is published.",
    ]
    if rules:
        notes += [f"{RULE_MARK} Rule row: a rule of the box and when it holds (in words);",
                  "the rows under it are the ratings it adds. Every rule that holds",
                  "applies, all together; in a case each says \u2714 holds, \u2718 does not or ? undecided."]
    kinds = [style.shown for key, style in MODALITIES.items() if key in modalities]
    for i in range(0, len(kinds), 4):  # four to a line, so the legend keeps its width
        notes.append(("Kind of action: " if i == 0 else "") + ", ".join(kinds[i:i + 4]) + ("." if i + 4 >= len(kinds) else ","))
    note_rows = "".join(f'<TR><TD COLSPAN="2" ALIGN="LEFT">{esc(n)}</TD></TR>' for n in notes)
    return (
        f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3" CELLPADDING="3">'
        f'<TR><TD COLSPAN="2" ALIGN="LEFT"><B>Legend</B></TD></TR>{cats}{confs}'
        f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="{small}"> </FONT></TD></TR>{note_rows}</TABLE>>'
    )


def _add_legend(g: graphviz.Digraph, pathway: Pathway) -> None:
    attrs = {k: v for k, v in NODE_SHAPES["legend"].items() if k != "style"}
    attrs.update(dot_attrs(node_look("legend", "base"), base_style=NODE_SHAPES["legend"]["style"]))
    label = _legend_label(pathway.scale, frozenset(n.modality for n in pathway.of_kind("action")), pathway.collects())
    g.node(ids.LEGEND_NAME, label=label, id=ids.LEGEND_ID, fontsize=str(FONT_SIZE["small"]), **attrs)
    for variant in pathway.of_kind("variant"):
        g.edge(ids.dot_name(variant.id), ids.LEGEND_NAME, style="invis", id=ids.layout_id(variant.id, "legend"))


def _title(pathway: Pathway) -> str:
    m = pathway.meta
    extra = []
    if m.publisher or m.topic_id:
        extra.append(f"{m.publisher or 'guideline'} topic {m.topic_id}" if m.topic_id else m.publisher)
    if m.revision:
        extra.append(f"revision {m.revision}")
    return m.title + (f" ({', '.join(extra)})" if extra else "")


def _full(pathway: Pathway, states: RouteStates, title: str) -> str:
    g = digraph(pathway.meta.id or "pathway", title)
    for node in pathway.nodes:
        if node.kind != "action":
            add_node(g, pathway, node, states)
    _add_actions(g, pathway, states)
    _add_edges(g, pathway, states)
    _add_legend(g, pathway)
    return g.source


def pathway_dot(pathway: Pathway) -> str:
    """The base layout of the whole pathway, with stable ids and a legend.

    Args:
        pathway: the pathway.

    Returns:
        DOT text; ``dot`` lays it out. Every route diagram of this pathway reuses this layout.
    """
    return _full(pathway, BASE_STATES, _title(pathway))


def route_dot(pathway: Pathway, route: Route) -> str:
    """The pathway with a route's colours, on exactly the base layout.

    Only colours and pen widths differ from :func:`pathway_dot` (the graph title too, which is
    the same length-independent top label), so ``dot`` places every node where it places it in
    the base layout.

    Args:
        pathway: the pathway the route was traced on.
        route: the route.

    Returns:
        DOT text.
    """
    return _full(pathway, route_states(pathway, route), _title(pathway))
