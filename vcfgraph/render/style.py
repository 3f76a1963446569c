"""Style tables: how a node, edge or rating looks, keyed by role, never decided by ``if`` chains.

Three tables drive every diagram:

- :data:`NODE_LOOKS` keyed by (node kind, route state) and :data:`EDGE_LOOKS` keyed by
  (edge kind, route state). Route states are ``base`` (the pathway alone), ``on`` (on the
  route), ``end`` (the node the route ended at), ``stop`` (the question a ``need_info`` route
  could not answer) and ``off`` (not on the route: dimmed).
- :data:`CATEGORIES` keyed by rating category and :data:`CONFIDENCES` keyed by confidence:
  a colour AND an icon and words, so that a category reads in black-and-white print and for
  colour-blind readers; a rating that is not confirmed has a mark and a dashed border.

:data:`PART_LOOKS` holds the looks of the parts that are not a node or an edge kind (a rating
row's text, a variant table the route does not reach, an action set apart, the action bands, the
legend's marks, the missing-facts note), keyed by role, so no renderer writes a colour itself.

The same :class:`Look` values become DOT attributes (:func:`dot_attrs`) for diagrams styled by
Graphviz and CSS rules (:func:`overlay_css`) for the SVG overlay, so both agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from vcfgraph.scale import ACR_SCALE, RatingScale

__all__ = [
    "FONT",
    "FONT_SIZE",
    "Look",
    "CategoryStyle",
    "ConfidenceStyle",
    "NODE_SHAPES",
    "NODE_LOOKS",
    "EDGE_LOOKS",
    "PART_LOOKS",
    "CATEGORIES",
    "ROLE_MARKS",
    "category_styles",
    "scale_words",
    "CONFIDENCES",
    "STAGE_FILLS",
    "HIGHLIGHT",
    "ROUTE_STATES",
    "node_look",
    "edge_look",
    "dot_attrs",
    "overlay_css",
    "HEAT_BINS",
    "CAUTION_BADGE",
    "SET_APART_BADGE",
    "RULE_MARK",
    "RULE_STATES",
    "ModalityStyle",
    "MODALITIES",
    "DISPOSITIONS",
    "modality_words",
]

FONT = "DejaVu Sans"
FONT_SIZE = {"graph": 20, "node": 14, "edge": 12, "small": 12}
#: words and icon that mark an action for this patient (never colour alone)
CAUTION_BADGE = "\u26a0 caution"
SET_APART_BADGE = "\u2298 set apart"
#: the mark of a variant's rule (a rule adds its ratings when it holds; all that hold apply)
RULE_MARK = "\u2691"
#: a rule's state for a case (route.RuleResult.state) -> its diagram state and the words that say
#: so, never by colour alone (``on``: it holds, its ratings apply; ``off``: it does not hold;
#: ``stop``: undecided, the route waits on a fact)
RULE_STATES = {"holds": ("on", "\u2714 holds"), "does_not_hold": ("off", "\u2718 does not hold"),
               "undecided": ("stop", "? undecided")}
#: the route colour: Okabe-Ito vermillion, readable by colour-blind viewers, plus thickness
HIGHLIGHT = "#c24e00"
ROUTE_STATES = ("base", "on", "end", "stop", "off")


@dataclass(frozen=True)
class Look:
    """How one element is drawn. Empty strings and zeros mean "as the base drawing"."""

    stroke: str = ""
    width: float = 0.0
    fill: str = ""
    text: str = ""
    dash: bool = False
    opacity: float = 1.0


@dataclass(frozen=True)
class CategoryStyle:
    """How a rating category is shown: colour, icon and words."""

    code: str
    name: str
    icon: str
    fill: str
    stroke: str
    #: what a badge prints: the code where it is the scale's own abbreviation (ACR's UA, MBA, UNA),
    #: else the category's name (a pathway's own scale has ids, not abbreviations a reader knows)
    badge: str = ""

    @property
    def shown(self) -> str:
        return self.badge or self.code


@dataclass(frozen=True)
class ConfidenceStyle:
    """How a rating's confidence is shown: a mark and, when not confirmed, a dashed border."""

    name: str
    mark: str
    dashed: bool
    words: str


#: Graphviz shape and style of each node kind (urgent hand-offs get their own entry)
NODE_SHAPES: dict[str, dict[str, str]] = {
    "question": {"shape": "diamond", "style": "filled", "margin": "0.02"},
    "variant": {"shape": "box", "style": "filled", "margin": "0"},
    "handoff": {"shape": "cds", "style": "filled", "margin": "0.18,0.08"},
    "handoff-urgent": {"shape": "octagon", "style": "filled,bold", "margin": "0.06"},
    "action": {"shape": "box", "style": "rounded,filled", "margin": "0.12,0.06"},
    "legend": {"shape": "box", "style": "filled", "margin": "0"},
}

_BASE = {
    "question": Look(stroke="#1f4e79", width=1.5, fill="#e8f0fa", text="#102a43"),
    "variant": Look(stroke="#1f3b5c", width=1.5, fill="#ffffff", text="#102a43"),
    "handoff": Look(stroke="#8a4b08", width=1.5, fill="#fdf1e3", text="#3d2204"),
    "handoff-urgent": Look(stroke="#a50f15", width=2.5, fill="#fde3e1", text="#5c0a0d"),
    "action": Look(stroke="#595959", width=1.2, fill="#f4f4f4", text="#1a1a1a"),
    "legend": Look(stroke="#7f7f7f", width=1.0, fill="#ffffff", text="#1a1a1a"),
}
_ON = Look(stroke=HIGHLIGHT, width=4.0)
_END = Look(stroke=HIGHLIGHT, width=6.0)
_STOP = Look(stroke=HIGHLIGHT, width=4.0, dash=True)
_OFF = Look(stroke="#c9c9c9", width=1.0, fill="#f7f7f7", text="#8c8c8c", opacity=0.35)

#: (node kind, route state) -> look; kinds include ``handoff-urgent`` and ``legend``
NODE_LOOKS: dict[tuple[str, str], Look] = {}
for _kind, _look in _BASE.items():
    NODE_LOOKS[(_kind, "base")] = _look
    NODE_LOOKS[(_kind, "on")] = Look(_ON.stroke, _ON.width, _look.fill, _look.text)
    NODE_LOOKS[(_kind, "end")] = Look(_END.stroke, _END.width, _look.fill, _look.text)
    NODE_LOOKS[(_kind, "stop")] = Look(_STOP.stroke, _STOP.width, _look.fill, _look.text, dash=True)
    NODE_LOOKS[(_kind, "off")] = _OFF

#: (edge kind, route state) -> look; kinds: ``answer`` (decision) and ``reenter`` (dashed)
EDGE_LOOKS: dict[tuple[str, str], Look] = {
    ("answer", "base"): Look(stroke="#33475b", width=1.6, text="#1a1a1a"),
    ("answer", "on"): Look(stroke=HIGHLIGHT, width=5.0, text="#7a2f00"),
    ("answer", "off"): Look(stroke="#cfcfcf", width=1.2, text="#9a9a9a", opacity=0.35),
    ("reenter", "base"): Look(stroke="#b7acd3", width=1.0, text="#4b3f6b", dash=True),
    ("reenter", "on"): Look(stroke="#5b4a8b", width=3.0, text="#3a2f57", dash=True),
    ("reenter", "off"): Look(stroke="#d9d4e6", width=1.0, text="#b0a8c8", dash=True, opacity=0.25),
}

#: parts that are not a node or an edge kind, by role; empty fields are not used by that part
PART_LOOKS: dict[str, Look] = {
    # the text of a rating row (its fill and border are its category's)
    "rating-row": Look(text="#1a1a1a"),
    # a variant table the route does not reach: its header and rating rows, dimmed
    "variant-off": Look(stroke="#cccccc", fill="#f4f4f4", text="#8c8c8c"),
    # a rated action set apart for the patient (grey and dashed; a badge says so in words)
    "set-apart": Look(stroke="#4d4d4d", fill="#e6e6e6", dash=True),
    # the dashed band around the imaging studies and around the treatments
    "action-band": Look(stroke="#8c8c8c", dash=True),
    # the border of a confidence mark in the legend
    "legend-mark": Look(stroke="#7f7f7f"),
    # the note listing the facts a need_info route is missing (route-only view)
    "need-info": Look(fill="#fff7d6"),
    # the row that heads one of a variant's rules (its condition in words), and the heading of them all
    "rule-head": Look(stroke="#595959", fill="#f2f2f2", text="#1a1a1a"),
    # a rule that holds for the case (its rows are the route's), and one whose fact is not known
    "rule-on": Look(stroke=HIGHLIGHT, width=2.5, fill="#fff1e6", text="#1a1a1a"),
    "rule-stop": Look(stroke=HIGHLIGHT, width=2.5, fill="#fff7d6", text="#1a1a1a", dash=True),
}

#: rating role -> icon, fill and stroke: favoured green with a tick, neutral amber, disfavoured red
#: with a cross (a category adds its own code and name, see :func:`category_styles`)
ROLE_MARKS: dict[str, tuple[str, str, str]] = {
    "favoured": ("\u2714", "#c7e9c0", "#1b7837"),
    "neutral": ("\u00b1", "#fee6a8", "#8c5a00"),
    "disfavoured": ("\u2718", "#f7cfcf", "#b2182b"),
}


def category_styles(scale: RatingScale = ACR_SCALE) -> dict[str, CategoryStyle]:
    """How each category of a pathway's scale is shown, keyed by its role's slot (UA, MBA, UNA).

    Colour and icon come from the role (:data:`ROLE_MARKS`); the code and the name are the
    scale's own, so a pathway with its own scale never shows ACR's words. Slots the scale does
    not use are left out.
    """
    return {c.slot: CategoryStyle(c.id, c.name, *ROLE_MARKS[c.role], badge=c.id if scale.is_acr else c.name)
            for c in scale.categories}


#: rating category -> colour, icon and words, for the ACR scale (usually / may be / usually not appropriate)
CATEGORIES: dict[str, CategoryStyle] = category_styles(ACR_SCALE)


def scale_words(scale: RatingScale = ACR_SCALE) -> dict[str, str]:
    """Words the legends use for a scale: ``variant`` (what a box with a table is) and ``score``
    (what the number in a rating row is), in the scale's terms."""
    if scale.is_acr:
        return {"variant": "an ACR variant", "short_variant": "ACR variant", "score": "the ACR score (1-9)",
                "score_html": "the ACR score 1\u20139", "category": "ACR category", "a_category": "an ACR category",
                "favoured": "usually appropriate", "favoured_imaging": "usually appropriate imaging"}
    band = f" ({scale.score_min}-{scale.score_max})" if scale.score_min is not None else ""
    top = scale.of_slot("UA")
    favoured = f"rated \u2018{top.name}\u2019" if top is not None else "favoured"
    return {"variant": "a clinical scenario", "short_variant": "clinical scenario", "score": f"the score{band}",
            "score_html": f"the score{band.replace('-', chr(0x2013))}", "category": "rating category",
            "a_category": "a rating category", "favoured": favoured, "favoured_imaging": f"imaging {favoured}"}


#: rating confidence -> mark and border; marks follow the fact base's [C] / [I] / [U]
CONFIDENCES: dict[str, ConfidenceStyle] = {
    "confirmed": ConfidenceStyle("confirmed", "\u25cf", False, "confirmed from the source text"),
    "inferred": ConfidenceStyle("inferred", "\u25d0", True, "inferred, not confirmed"),
    "uncertain": ConfidenceStyle("uncertain", "\u25cb", True, "uncertain"),
}

@dataclass(frozen=True)
class ModalityStyle:
    """How an action's modality (what kind of action it is) is shown: an icon and words."""

    icon: str
    words: str

    @property
    def shown(self) -> str:
        return f"{self.icon} {self.words}"


#: action modality -> icon and words (glyphs DejaVu Sans has, none of them a rating or confidence
#: mark); keys are the pathway format's modalities (``ENUMS["modality"]`` of :mod:`vcfgraph.io.spec`)
MODALITIES: dict[str, ModalityStyle] = {
    "imaging": ModalityStyle("\u25a6", "imaging"),
    "procedure": ModalityStyle("\u2702", "procedure"),
    "treatment": ModalityStyle("\u211e", "treatment"),
    "consultation": ModalityStyle("\u2695", "consultation"),
    "referral": ModalityStyle("\u279c", "referral"),
    "observation": ModalityStyle("\u25f7", "observation"),
    "follow_up": ModalityStyle("\u21bb", "follow-up"),
    "discharge": ModalityStyle("\u2302", "discharge"),
}
#: the modalities that say where the patient goes next rather than what is done (their own band)
DISPOSITIONS = ("referral", "observation", "follow_up", "discharge")


def modality_words(modality: str) -> str:
    """An action's modality as icon and words (``\u2302 discharge``); "action" when it has none."""
    style = MODALITIES.get(modality)
    return style.shown if style else (modality or "action")


#: header colour of a variant by decision stage
STAGE_FILLS = {"imaging": "#dbe9f6", "treatment": "#e7def3", "": "#eeeeee"}

#: sequential colours of a heat map, light to dark (colour-blind safe blues), and text colours
HEAT_BINS: tuple[tuple[str, str], ...] = (
    ("#eff3ff", "#102a43"),
    ("#c6dbef", "#102a43"),
    ("#9ecae1", "#102a43"),
    ("#6baed6", "#0b1e33"),
    ("#3182bd", "#ffffff"),
    ("#08519c", "#ffffff"),
)


def node_look(kind: str, state: str) -> Look:
    """The look of a node of ``kind`` in route ``state``.

    Raises:
        KeyError: an unknown kind or state.
    """
    return NODE_LOOKS[(kind, state)]


def edge_look(kind: str, state: str) -> Look:
    """The look of an edge of ``kind`` (answer / reenter) in route ``state``; ``end`` and
    ``stop`` do not apply to edges and read as ``on``."""
    return EDGE_LOOKS[(kind, "on" if state in ("end", "stop") else state)]


def _fmt(width: float) -> str:
    return f"{width:g}"


def dot_attrs(look: Look, *, edge: bool = False, base_style: str = "") -> dict[str, str]:
    """A look as Graphviz attributes (colours only change, never sizes, so layouts agree).

    Args:
        look: the look to apply.
        edge: True for an edge (``fontcolor`` of its label, no fill).
        base_style: the ``style`` attribute of the element's kind, to which ``dashed`` is added.

    Returns:
        Attribute name -> value, sorted by name.
    """
    attrs: dict[str, str] = {}
    if look.stroke:
        attrs["color"] = look.stroke
    if look.width:
        attrs["penwidth"] = _fmt(look.width)
    if look.fill and not edge:
        attrs["fillcolor"] = look.fill
    if look.text:
        attrs["fontcolor"] = look.text
    styles = [s for s in base_style.split(",") if s]
    if look.dash and "dashed" not in styles:
        styles.append("dashed")
    if styles:
        attrs["style"] = ",".join(styles)
    return dict(sorted(attrs.items()))


def _css_rule(selector: str, look: Look, *, shape: bool) -> str:
    decl = []
    if look.stroke:
        decl.append(f"stroke:{look.stroke}")
    if look.width:
        decl.append(f"stroke-width:{_fmt(look.width)}px")
    if look.fill and shape:
        decl.append(f"fill:{look.fill}")
    if look.dash:
        decl.append("stroke-dasharray:8 4")
    return f"{selector}{{{';'.join(decl)}}}" if decl else ""


def overlay_css() -> str:
    """CSS for SVG diagrams annotated by :mod:`vcfgraph.render.svg`, built from the tables.

    The classes: ``vg-on`` / ``vg-end`` / ``vg-stop`` / ``vg-off`` (route state), on node
    groups and edge groups; ``vg-shape`` (a node's outline), ``vg-line`` and ``vg-head`` (an
    edge's path and arrowhead); ``vg-cat-UA`` etc. (an action's category for the reached
    variant), ``vg-contra`` (set apart for this patient), ``vg-caution`` (rated, with a caution),
    ``vg-badge`` and ``vg-badge-bg`` (the words that say so, on the diagram itself);
    ``vg-rule-on`` / ``vg-rule-off`` / ``vg-rule-stop`` on a variant's rule rows (the rule holds,
    does not, is undecided) and ``vg-row-off`` on the rating rows of a rule that does not hold.

    Returns:
        The rules, one a line, in a fixed order.
    """
    rules = []
    for state in ("on", "end", "stop"):
        look = NODE_LOOKS[("question", state)]
        rules.append(_css_rule(f".vg-{state} .vg-shape", Look(look.stroke, look.width, dash=look.dash), shape=False))
    on = EDGE_LOOKS[("answer", "on")]
    rules.append(_css_rule(".edge.vg-on .vg-line", Look(on.stroke, on.width), shape=False))
    rules.append(f".edge.vg-on .vg-head{{fill:{on.stroke};stroke:{on.stroke}}}")
    rules.append(f".edge.vg-on text{{fill:{on.text};font-weight:bold}}")
    reenter = EDGE_LOOKS[("reenter", "on")]
    rules.append(_css_rule(".edge.vg-reenter.vg-on .vg-line", Look(reenter.stroke, reenter.width, dash=True), shape=False))
    off = NODE_LOOKS[("question", "off")]
    rules.append(f".vg-off{{opacity:{off.opacity:g}}}")
    rules.append(f".edge.vg-reenter.vg-off{{opacity:{EDGE_LOOKS[('reenter', 'off')].opacity:g}}}")
    for code, cat in CATEGORIES.items():
        rules.append(f".vg-cat-{code} .vg-shape{{fill:{cat.fill};stroke:{cat.stroke};stroke-width:3px}}")
    apart = PART_LOOKS["set-apart"]
    rules.append(f".vg-contra .vg-shape{{fill:{apart.fill};stroke:{apart.stroke};stroke-width:3px;stroke-dasharray:3 3}}")
    rules.append(".vg-caution .vg-shape{stroke:#8c5a00;stroke-width:4px;stroke-dasharray:10 3 2 3}")
    rules.append(".vg-badge{font-family:'DejaVu Sans',sans-serif;font-size:13px;font-weight:bold;fill:#1a1a1a}")
    rules.append(".vg-badge-bg{fill:#fff6dd;stroke:#8c5a00;stroke-width:1.5px}")
    rules.append(f".vg-contra .vg-badge-bg{{fill:{apart.fill};stroke:{apart.stroke}}}")
    rules.append(f".vg-row-on .vg-cell{{stroke:{HIGHLIGHT};stroke-width:2.5px}}")
    rules.append(".vg-row-contra text{text-decoration:line-through}")
    on, stop, off = PART_LOOKS["rule-on"], PART_LOOKS["rule-stop"], NODE_LOOKS[("question", "off")]
    rules.append(f".vg-rule-on .vg-cell{{fill:{on.fill};stroke:{on.stroke};stroke-width:{_fmt(on.width)}px}}")
    rules.append(f".vg-rule-stop .vg-cell{{fill:{stop.fill};stroke:{stop.stroke};stroke-width:{_fmt(stop.width)}px;"
                 "stroke-dasharray:8 4}")
    rules.append(f".vg-rule-off,.vg-row-off{{opacity:{off.opacity + 0.1:g}}}")
    rules.append(".vg-rule-state{font-family:'DejaVu Sans',sans-serif;font-size:14px;font-weight:bold;fill:#1a1a1a}")
    rules.append("a:focus .vg-shape,a:focus .vg-cell{stroke:#000;stroke-width:3px;stroke-dasharray:2 2}")
    return "\n".join(r for r in rules if r) + "\n"
