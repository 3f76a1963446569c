"""Rate draft imaging orders the way appropriate-use decision support does (CDS Hooks for PAMA).

For each draft ServiceRequest: find its action (:mod:`vcfgraph.serve.bindings`), trace the
patient's facts, and answer with

- a rating extension on the order (an ``update`` in the top-level ``systemActions`` of CDS Hooks
  2.0, and in ``extension.systemActions`` too unless configured off): ``appropriate``,
  ``not-appropriate`` or ``no-criteria-apply``, with translation codings for the guideline's own
  category, score and confidence, and the pathway applied;
- a suggestion card with the usually-appropriate alternatives when the order is not usually
  appropriate;
- warning cards for the patient-level cautions and critical cards for the checks that set the
  order apart for this patient: such an order is coded ``not-appropriate`` whatever the
  guideline category (which stays in the translation coding), because an EHR that reads only
  the code must not go ahead with an order the pathway sets apart for this patient;
- when the case leaves for an urgent hand-off: a leading critical card naming the escalation
  and every red flag recorded as present;
- for an order the reached node does not rate: the node's own advice about it (pathway data,
  ``advice:``), when it has some;
- at a variant whose rules fire together: the order is rated by the rating of the rule that
  holds for this patient, and the rating's text names the rule ("... as Radiographs indicated
  (Ankle rule positive)"); an action only rules that do not hold rate is not rated, saying so;
- when facts are missing: no rating at all, an information card naming the missing facts (the
  best next question first; at a variant whose rules wait on facts, the rules that wait) and a
  link card to the explorer filled in with the known facts.

The PAMA code follows the category's role (its ACR slot), so a pathway with its own scale
(Ottawa's "Radiographs indicated") is rated too; categories are named in the pathway's own words.

Pure functions over plain data: no HTTP here (:mod:`vcfgraph.serve.app` serves them).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence
from urllib.parse import quote

from vcfgraph import lightwalk
from vcfgraph.engine import finish, trace
from vcfgraph.model import Case, Node, Pathway, Rating
from vcfgraph.route import Route
from vcfgraph.scale import ACR_SCALE
from vcfgraph.serve.bindings import Bindings, Match
from vcfgraph.whatif import questions_ranked

__all__ = ["RatingConfig", "rate_orders", "card_route", "PAMA_RATING", "PAMA_SYSTEM", "CATEGORY_SYSTEM", "criteria_uri"]

PAMA_RATING = "http://fhir.org/argonaut/Extension/pama-rating"
PAMA_SYSTEM = "http://fhir.org/argonaut/CodeSystem/pama-rating"
PAMA_CONSULT_ID = "http://fhir.org/argonaut/Extension/pama-rating-consult-id"
PAMA_QCDSM = "http://fhir.org/argonaut/Extension/pama-rating-qcdsm-consulted"
PAMA_AUC_APPLIED = "http://fhir.org/argonaut/Extension/pama-rating-auc-applied"
CATEGORY_SYSTEM = "urn:vcfgraph:rating-category"
SCORE_SYSTEM = "urn:vcfgraph:rating-score"
CONFIDENCE_SYSTEM = "urn:vcfgraph:rating-confidence"
#: names the consultation ids and card ids: the same request always gets the same ids
_NAMESPACE = uuid.UUID("3f1c6a52-6c1e-5a7e-9a51-2f1b8f0c1d11")
_CATEGORY_NAMES = ACR_SCALE.names()


@dataclass(frozen=True)
class RatingConfig:
    """How guideline categories become PAMA codes, and what the responses point to.

    ``mapping`` gives the PAMA code of each category. UA -> appropriate and UNA -> not-appropriate
    follow the Argonaut guide's definitions; no source settles "May be appropriate", so it is
    configurable (default ``appropriate``: an MBA rating does not contra-indicate the order).
    """

    mapping: Mapping[str, str] = field(default_factory=lambda: {"UA": "appropriate", "MBA": "appropriate",
                                                                "UNA": "not-appropriate"})
    #: the code of an order a patient-level check sets apart for this patient, whatever its
    #: category: an EHR that reads only the code must treat it as not to be done
    set_apart: str = "not-appropriate"
    base_url: str = "http://127.0.0.1:8000"
    qcdsm_id: str = ""
    #: also send the ratings in ``extension.systemActions`` (the Argonaut PAMA guide's place,
    #: written before CDS Hooks 2.0 had a top-level ``systemActions``); ``--system-actions top`` turns it off
    argonaut: bool = True


def criteria_uri(pathway: Pathway) -> str:
    """A URI naming the pathway and version applied (the ``pama-rating-auc-applied`` value)."""
    version = pathway.meta.version or pathway.meta.revision or "unversioned"
    return f"urn:vcfgraph:pathway:{quote(pathway.meta.id, safe='')}:{quote(version, safe='')}"


def rate_orders(pathway: Pathway, bindings: Bindings, orders: Sequence[Mapping[str, Any]], facts: Mapping[str, Any],
                hook_instance: str, config: RatingConfig, notes: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The CDS Hooks response for these draft orders and facts (facts already checked).

    ``notes`` maps an action to the absolute URL of its protocol note: every card about an order of
    that action links to how the study is done."""
    route = card_route(pathway, facts)
    cards: list[dict[str, Any]] = []
    system_actions: list[dict[str, Any]] = []
    if route.outcome == "need_info":
        cards += _missing_cards(pathway, route, facts, hook_instance, config, len(orders))
        return {"cards": cards}
    cards += _escalation_cards(pathway, route, hook_instance)
    for order in orders:
        match = bindings.match(order)
        rated = _rate_one(pathway, route, match, config)
        consult = _uuid(hook_instance, "consult", str(order.get("id", "")))
        system_actions.append(_system_action(pathway, order, rated, consult, config))
        mine = _order_cards(pathway, bindings, route, order, match, rated, hook_instance, config)
        if notes and match.action is not None and match.action in notes:
            link = {"label": f"How {pathway.node(match.action).label} is done (protocol note)",
                    "url": notes[match.action], "type": "absolute"}
            for card in mine:
                card["links"] = [*card.get("links", []), dict(link)]
        cards += mine
    out: dict[str, Any] = {"cards": cards}
    if system_actions:
        out["systemActions"] = system_actions            # CDS Hooks 2.0: where a 2.0 client looks
        if config.argonaut:                               # the 2019 Argonaut PAMA pattern, for older clients
            out["extension"] = {"systemActions": system_actions}
    return out


def card_route(pathway: Pathway, facts: Mapping[str, Any]) -> Route:
    """The route the cards read: its outcome, terminal, ratings and patient-level checks. The
    cards never show the steps' explanations, so the fast walk (:mod:`vcfgraph.lightwalk`) finds
    the terminal and the engine only finishes there; where the walk stops short (``need_info``:
    the missing facts are ranked from the steps) or finds no route (the engine then raises the
    error), the engine traces the whole case."""
    case = Case("cds-hooks-request", dict(facts))
    clean = all(v is None or (pathway.has_fact(n) and pathway.fact(n).accepts(v)) for n, v in facts.items())
    end = lightwalk.walk(lightwalk.index(pathway, memo=clean), case.facts)
    if end is None or end.outcome == "need_info" or end.terminal is None:
        return trace(pathway, case, validate=False)
    return finish(pathway, case, end.terminal)


@dataclass(frozen=True)
class _Rated:
    code: str                       # the PAMA code
    category: str = ""              # the pathway's category id, when the variant rates the action
    score: int | None = None
    confidence: str = ""
    why: str = ""
    slot: str = ""                  # UA / MBA / UNA: the category's role


def _name(pathway: Pathway, category: str) -> str:
    """A category's name in the pathway's own scale (ACR's words on the ACR scale)."""
    found = pathway.scale.category(category)
    return found.name if found is not None else _CATEGORY_NAMES.get(category, category)


def _variant_rating(variant: Node, action: str, rule: str) -> Rating | None:
    """The variant's rating of ``action``: its own, or the one its rule ``rule`` adds."""
    found = variant.rule(rule) if rule else None
    return next((r for r in (found.ratings if found else variant.ratings) if r.action == action), None)


def _rate_one(pathway: Pathway, route: Route, match: Match, config: RatingConfig) -> _Rated:
    if match.action is None:
        return _Rated("no-criteria-apply", why=f"This order was not rated: {match.reason}.")
    label = pathway.node(match.action).label
    if route.outcome != "variant" or not route.terminal:
        terminal = pathway.node(route.terminal).label if route.terminal else "a hand-off"
        return _Rated("no-criteria-apply", why=f"The case leaves this pathway ({terminal}); no rating here covers {label}.")
    variant = pathway.node(route.terminal)
    apart = next((c for c in route.contraindicated if c.action == match.action), None)
    shown = next((r for r in route.ratings if r.action == match.action), None)
    rule_id = apart.rule if apart is not None else shown.rule if shown is not None else ""
    rating = _variant_rating(variant, match.action, rule_id)
    if rating is None:
        rules = [rule.label for rule in variant.rules if any(r.action == match.action for r in rule.ratings)]
        if rules:  # only rules that do not hold for this patient rate it
            which = (f"its rule {rules[0]}, which does not hold" if len(rules) == 1
                     else f"its rules {', '.join(rules)}, none of which holds")
            return _Rated("no-criteria-apply", why=f"{variant.label} rates {label} only by {which} for this patient.")
        return _Rated("no-criteria-apply", why=f"{variant.label} does not rate {label}.")
    name = _name(pathway, rating.category)
    rule = variant.rule(rule_id) if rule_id else None
    by = f" ({rule.label})" if rule is not None else ""
    if apart is not None:
        return _Rated(config.set_apart, rating.category, rating.score, rating.confidence,
                      f"{variant.label} rates {label} as {name}{by}, but it is set apart for this patient: {apart.reason}.",
                      rating.slot)
    said = "".join(f" {m.explanation} {m.reason}" for m in (shown.modifiers if shown else ()) if m.state != "does_not_hold")
    return _Rated(config.mapping.get(rating.slot, "no-criteria-apply"), rating.category, rating.score, rating.confidence,
                  f"{variant.label} rates {label} as {name}{by}.{said}", rating.slot)


def _escalation_cards(pathway: Pathway, route: Route, hook: str) -> list[dict[str, Any]]:
    """A leading critical card for an urgent hand-off: the escalation and every red flag present."""
    if route.outcome != "handoff" or not route.terminal:
        return []
    node = pathway.node(route.terminal)
    if node.urgency not in ("urgent", "emergency", "immediate"):
        return []
    flags = [pathway.fact(n).label or n for n in route.red_flags()]
    summary = f"{node.label}: {', '.join(flags)}" if flags else node.label
    detail = _md(node.text)
    if node.topic:
        detail += f"\n\nContinue with: {_md(node.topic)}."
    return [_card(hook, "escalation", "", summary, detail, "critical", _source(pathway, node.sources))]


def _system_action(pathway: Pathway, order: Mapping[str, Any], rated: _Rated, consult: str,
                   config: RatingConfig) -> dict[str, Any]:
    code = rated.code
    codings: list[dict[str, Any]] = [{"system": PAMA_SYSTEM, "code": code}]
    if rated.category:
        codings.append({"system": CATEGORY_SYSTEM, "code": rated.category,
                        "display": _name(pathway, rated.category),
                        "version": criteria_uri(pathway)})
        if rated.score is not None:
            codings.append({"system": SCORE_SYSTEM, "code": str(rated.score)})
        if rated.confidence:
            codings.append({"system": CONFIDENCE_SYSTEM, "code": rated.confidence})
    extension: list[dict[str, Any]] = [
        {"url": PAMA_RATING, "valueCodeableConcept": {"coding": codings, "text": rated.why}},
        {"url": PAMA_CONSULT_ID, "valueUri": f"urn:uuid:{consult}"},
        {"url": PAMA_AUC_APPLIED, "valueUri": criteria_uri(pathway)},
    ]
    if config.qcdsm_id:
        extension.append({"url": PAMA_QCDSM, "valueString": config.qcdsm_id})
    resource = dict(order)
    given = order.get("extension")
    resource["extension"] = [e for e in (given if isinstance(given, list) else ()) if isinstance(e, Mapping)
                             and e.get("url") not in {PAMA_RATING, PAMA_CONSULT_ID, PAMA_AUC_APPLIED, PAMA_QCDSM}] + extension
    return {"type": "update", "description": f"Appropriateness rating: {code}", "resource": resource}


def _order_cards(pathway: Pathway, bindings: Bindings, route: Route, order: Mapping[str, Any], match: Match,
                 rated: _Rated, hook: str, config: RatingConfig) -> list[dict[str, Any]]:
    order_id = str(order.get("id", ""))
    what = _order_name(pathway, order, match)
    cards: list[dict[str, Any]] = []
    source = _source(pathway, ())
    if rated.code == "no-criteria-apply" and not rated.category:
        node = pathway.node(route.terminal) if route.terminal else None
        urgent = node is not None and node.urgency in ("urgent", "emergency", "immediate")
        advice = node.advice_on(match.action) if node is not None and match.action else None
        if advice is not None:
            cards.append(_card(hook, "advice", order_id, f"{what}: {_first_clause(advice.text)}",
                               f"{_md(advice.text)}\n\n{_md(rated.why)}", "warning" if urgent else "info",
                               _source(pathway, advice.sources)))
        elif urgent:
            assert node is not None
            cards.append(_card(hook, "unrated", order_id, f"{what}: not rated; {node.label.lower()} comes first",
                               rated.why, "warning", source))
        else:
            cards.append(_card(hook, "unrated", order_id, f"{what}: no criteria apply", rated.why, "info", source))
        return cards
    action = match.action or ""
    ratings = {r.action: r for r in route.ratings}
    apart = [c for c in route.contraindicated if c.action == action]
    alternatives = _alternatives(pathway, route, action) if apart or rated.slot != "UA" else []
    favoured = _name(pathway, next((c.id for c in pathway.scale.categories if c.slot == "UA"), "UA"))

    def offer(card: dict[str, Any]) -> dict[str, Any]:
        if alternatives:
            card["detail"] += f"\n\n{_md(favoured)} for this patient instead:\n" + "\n".join(
                f"- {_md(ratings[a].label)}: {_md(favoured)}{_score_text(ratings[a].score)}"
                f"{' (inferred)' if ratings[a].confidence == 'inferred' else ''}" for a in alternatives)
            card["selectionBehavior"] = "at-most-one"
            card["suggestions"] = [_suggestion(pathway, bindings, order, a, hook) for a in alternatives]
        return card

    if apart:
        # a set-apart order leads with why it is set apart; its alternatives ride on that card, never on
        # a card that speaks only of the guideline category
        for i, c in enumerate(apart):
            src = _source(pathway, tuple(c.sources) + (tuple(s for a in alternatives for s in ratings[a].sources) if i == 0 else ()))
            card = _card(hook, f"set-apart-{c.check}", order_id, f"{what}: set apart for this patient",
                         f"{_md(c.reason)}\n\nThe guideline category ({_md(_name(pathway, c.category))}) "
                         "is unchanged; this patient fails a check on the order.", "critical", src)
            cards.append(offer(card) if i == 0 else card)
    elif alternatives:
        src = _source(pathway, tuple(s for a in alternatives for s in ratings[a].sources))
        cards.append(offer(_card(hook, "suggest", order_id,
                                 f"{what} is rated '{_name(pathway, rated.category).lower()}' here; consider an alternative",
                                 _md(rated.why), "warning" if rated.slot == "UNA" else "info", src)))
    for caution in route.cautions_of(action):
        facts = (f"\n\nNot known: {', '.join(_md(f) for f in caution.facts)}."
                 if caution.state == "not_established" and caution.facts else "")
        # a failed check speaks in its own words (pregnancy, not the fact that records it)
        text = (next((k.reason for k in pathway.checks if k.id == caution.check), caution.reason)
                if caution.state == "failed" else caution.reason)
        inferred = "\n\nThis check is inferred, not confirmed by the source." if caution.confidence == "inferred" else ""
        cards.append(_card(hook, f"caution-{caution.check}", order_id, f"{what}: caution", f"{_md(text)}{facts}{inferred}",
                           "warning", _source(pathway, caution.sources)))
    return cards


def _first_clause(text: str) -> str:
    """The advice up to its first colon or semicolon: a card summary."""
    return re.split(r"[:;]", text, maxsplit=1)[0].strip()


def _alternatives(pathway: Pathway, route: Route, action: str) -> list[str]:
    """Usually-appropriate actions of the variant (not set apart), same modality first."""
    ua = [r for r in route.ratings if r.slot == "UA" and r.action != action]
    modality = pathway.node(action).modality if action and pathway.has_node(action) else ""
    same = [r.action for r in ua if r.modality == modality]
    return same or [r.action for r in ua]


def _suggestion(pathway: Pathway, bindings: Bindings, order: Mapping[str, Any], action: str, hook: str) -> dict[str, Any]:
    node = pathway.node(action)
    binding = bindings.code_for(action)
    code: dict[str, Any] = {"text": node.label}
    if binding is not None:
        code["coding"] = [{"system": binding.system, "code": binding.code, "display": binding.display or node.label}]
    new = {"resourceType": "ServiceRequest", "status": "draft", "intent": order.get("intent", "proposal"), "code": code}
    if isinstance(order.get("subject"), Mapping):
        new["subject"] = order["subject"]
    actions = [{"type": "create", "description": f"Order {node.label}", "resource": new}]
    if order.get("id"):
        actions.insert(0, {"type": "delete", "description": "Remove the draft order",
                           "resourceId": f"ServiceRequest/{order['id']}"})
    return {"label": f"Order {node.label} instead", "uuid": _uuid(hook, "suggestion", str(order.get("id", "")), action),
            "isRecommended": True, "actions": actions}


def _missing_cards(pathway: Pathway, route: Route, facts: Mapping[str, Any], hook: str, config: RatingConfig,
                   n_orders: int) -> list[dict[str, Any]]:
    ranked = _ranked_missing(pathway, route, facts)
    lines = [f"{i + 1}. {_md(pathway.fact(name).question)} (`{name}`)" for i, name in enumerate(ranked)]
    plural = "orders are" if n_orders != 1 else "order is"
    detail = (f"The {plural} not rated yet: the guideline needs these facts first, the most useful question "
              "first.\n\n" + "\n".join(lines))
    waiting = [r.label for r in route.rules if r.state == "undecided"]
    if waiting and route.possible:  # a variant whose rules fire together waits on them
        detail += (f"\n\n{_md(pathway.node(route.possible[0]).label)} rates the orders by its rules; these wait "
                   f"on the facts above: {', '.join(_md(w) for w in waiting)}.")
    known = {k: v for k, v in facts.items() if v is not None}
    link = f"{config.base_url.rstrip('/')}/explore#facts={quote(json.dumps(known, sort_keys=True, separators=(',', ':')), safe='')}"
    info = _card(hook, "missing", "", f"Not rated: {len(ranked)} fact{'s' if len(ranked) != 1 else ''} missing",
                 detail, "info", _source(pathway, ()))
    app = _card(hook, "explore", "", "Answer the missing questions in the explorer",
                "Opens the pathway explorer with the facts known so far filled in.", "info", _source(pathway, ()))
    app["links"] = [{"label": "Open the explorer", "url": link, "type": "absolute"}]
    return [info, app]


def _ranked_missing(pathway: Pathway, route: Route, facts: Mapping[str, Any]) -> list[str]:
    """The missing facts, the best next question first: the ranking of ``trace --json``'s
    ``questions_ranked`` (expected outcomes ruled out), then any other fact the walk needs."""
    ranked = [q.fact for q in questions_ranked(pathway, facts)]
    return ranked + [f for f in route.missing_facts if f not in ranked]


def _order_name(pathway: Pathway, order: Mapping[str, Any], match: Match) -> str:
    text = (order.get("code") or {}).get("text")
    if match.action:
        return _plain(pathway.node(match.action).label)
    return _plain(text) if isinstance(text, str) and text.strip() else "This order"


def _score_text(score: int | None) -> str:
    return f" (score {score})" if score is not None else ""


def _source(pathway: Pathway, keys: tuple[str, ...]) -> dict[str, Any]:
    m = pathway.meta
    parts = [p for p in (m.publisher, m.topic or m.title) if p]
    label = ": ".join(parts) if parts else m.title
    if m.revision:
        label += f", revision {m.revision}"
    label += f" (pathway {m.id} {m.version})".replace(" )", ")")
    keys = tuple(dict.fromkeys(keys))
    if keys:
        label += "; sources " + ", ".join(keys)
    out: dict[str, Any] = {"label": _plain(label)[:300]}
    if m.topic or m.topic_id is not None:
        out["topic"] = {"system": "urn:vcfgraph:topic", "code": str(m.topic_id if m.topic_id is not None else m.id),
                        "display": _plain(m.topic or m.title)}
    return out


def _card(hook: str, kind: str, order_id: str, summary: str, detail: str, indicator: str,
          source: dict[str, Any]) -> dict[str, Any]:
    summary = _plain(summary)
    if len(summary) > 139:
        summary = summary[:138] + "…"
    return {"uuid": _uuid(hook, kind, order_id), "summary": summary, "detail": detail,
            "indicator": indicator, "source": source}


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|<>~])")


def _plain(text: str) -> str:
    """Text from the pathway or the request, with control and bidi characters removed."""
    return _CONTROL.sub(" ", str(text))


def _md(text: str) -> str:
    """Text placed into a card's markdown detail: markdown and HTML characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", _plain(text))
