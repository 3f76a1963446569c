"""Dose cards of the service: an imaging order's cumulative range when prior imaging is prefetched.

When the EHR prefetches the patient's ImagingStudy resources (prefetch key :data:`PREFETCH_KEY`,
a search Bundle), each draft order that is a study of the pathway's imaging companion gets one
``info`` card: how the study is done (its brief note, with a link to the full note on the
teaching site when the service serves one), and the cumulative typical adult range of the
earlier studies on record plus this order, by the dose aid's rule, with its limits. Earlier
studies are recognised through the same bindings as orders; those not recognised are counted
as left out, never guessed. The card informs and never blocks: anything in the prefetch this
module cannot read gives no card, and the order is rated as without it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vcfgraph.imaging.dose import MAX_ITEMS, Item, estimate, range_text
from vcfgraph.errors import VcfgraphError
from vcfgraph.imaging import Imaging
from vcfgraph.imaging.report import dose_sentence, point_text
from vcfgraph.model import Pathway
from vcfgraph.serve.bindings import Bindings
from vcfgraph.serve.rating import _card, _md, _source  # the service's own card format

__all__ = ["PREFETCH_KEY", "PREFETCH_QUERY", "imaging_cards"]

PREFETCH_KEY = "priorImaging"
PREFETCH_QUERY = "ImagingStudy?patient={{context.patientId}}&_count=100"


def _prior_codes(prefetch: Mapping[str, Any] | None) -> list[Sequence[Mapping[str, Any]]] | None:
    """Each prefetched ImagingStudy's CodeableConcepts; None when nothing usable was prefetched."""
    bundle = (prefetch or {}).get(PREFETCH_KEY)
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        return None
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return []
    out: list[Sequence[Mapping[str, Any]]] = []
    for entry in entries[:MAX_ITEMS]:
        res = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(res, Mapping) or res.get("resourceType") != "ImagingStudy":
            continue
        listed = res.get("procedureCode")
        codes: list[Mapping[str, Any]] = [c for c in listed if isinstance(c, Mapping)] if isinstance(listed, list) else []
        procedures = res.get("procedure")
        if isinstance(procedures, list):
            codes += [p["concept"] for p in procedures if isinstance(p, Mapping) and isinstance(p.get("concept"), Mapping)]
        if not codes and isinstance(res.get("description"), str):
            codes = [{"text": res["description"]}]
        out.append(codes)
    return out


def _studies(imaging: Imaging, bindings: Bindings, prior: list[Sequence[Mapping[str, Any]]]) -> tuple[list[str], int]:
    found, unknown = [], 0
    for codes in prior:
        actions = {m.action for m in (bindings.match({"code": c}) for c in codes) if m.action}
        if len(actions) == 1 and imaging.has(next(iter(actions))):
            found.append(actions.pop())
        else:
            unknown += 1
    return found, unknown


def imaging_cards(pathway: Pathway, imaging: Imaging | None, bindings: Bindings, orders: Sequence[Mapping[str, Any]],
                  prefetch: Mapping[str, Any] | None, hook: str, note_url: str = "") -> list[dict[str, Any]]:
    """One dose card per draft imaging order, when prior imaging was prefetched.

    Args:
        pathway: the pathway (the cards' source label).
        imaging: the pathway's imaging companion (None: no cards).
        bindings: the order-code bindings (orders and prior studies alike).
        orders: the draft orders (checked ServiceRequests).
        prefetch: the request's prefetch.
        hook: the hook instance (the cards' uuids derive from it).
        note_url: the teaching site's imaging page (``.../site/imaging.html``), or '' when none is served.
    """
    if imaging is None:
        return []
    try:
        prior = _prior_codes(prefetch)
        if prior is None:
            return []
        earlier, unknown = _studies(imaging, bindings, prior)
        cards = []
        for order in orders:
            match = bindings.match(order)
            if not match.action or not imaging.has(match.action):
                continue
            study = imaging.study(match.action)
            est = estimate(imaging, [Item(s) for s in earlier] + [Item(study.id)])
            lines = []
            if study.brief:
                lines.append(f"How it is done: {_md(point_text(study.brief))}")
            if note_url:
                lines.append(f"Full protocol note: <{note_url}#study-{study.id}>")
            counted = f"{len(earlier)} earlier {'study' if len(earlier) == 1 else 'studies'} on record"
            left = f"; {unknown} not recognised and left out" if unknown else ""
            lines.append(f"With {counted}{left}, plus this order: {_md(dose_sentence(est))}.")
            lines += [f"- {_md(point_text(p))}" for p in imaging.limits]
            keys = tuple(dict.fromkeys(k for p in (study.brief, *imaging.limits) if p for k in p.sources))
            cards.append(_card(hook, f"dose-{study.id}", str(order.get("id", "")),
                               f"{study.label}: cumulative typical adult dose {range_text(est.low, est.high)}",
                               "\n\n".join(lines), "info", _source(pathway, keys)))
        return cards
    except (VcfgraphError, TypeError, ValueError, KeyError, AttributeError):
        return []  # a dose card informs; an unreadable prefetch never blocks the order
