"""The imaging companion on the site: ``imaging.html`` (the protocol library and the dose aid),
``handout.html`` (the printable page for the patient conversation), ``assets/dose.js`` (the
browser's copy of the dose rule and its data) and the imaging section of each case page.

Reads the plain model (:class:`~vcfgraph.imaging.Imaging`, the :class:`~vcfgraph.route.Route`);
the numbers and words come from :mod:`vcfgraph.imaging.dose` and :mod:`vcfgraph.imaging.report`, so the
pages say what ``vcfgraph dose`` says. Nothing here reads or writes files.
"""

from __future__ import annotations

import json
from typing import Any

from vcfgraph.imaging.dose import range_text
from vcfgraph.imaging import Imaging, Point, Study
from vcfgraph.imaging.report import band_words, dose_sentence, recommended, route_estimate
from vcfgraph.model import Pathway
from vcfgraph.render import html
from vcfgraph.route import Route

__all__ = ["imaging_page", "handout_page", "dose_script", "case_imaging", "study_briefs", "study_anchor", "source_anchor", "FILES"]

#: the files this module adds to a site whose pathway has an imaging companion
FILES = ("imaging.html", "handout.html", "assets/dose.js")


def study_anchor(study: str) -> str:
    return f"study-{study}"


def source_anchor(key: str) -> str:
    return f"isrc-{key}"


def _point(p: Point, root: str | None) -> dict[str, Any]:
    """A statement for the templates; its sources link to the imaging page's list (``root``
    None: links within that page)."""
    page = "" if root is None else f"{root}imaging.html"
    return {"text": p.text, "confidence": p.confidence, "confirmed": p.confirmed,
            "sources": [{"key": k, "href": f"{page}#{source_anchor(k)}"} for k in p.sources]}


def _study(imaging: Imaging, s: Study, root: str | None) -> dict[str, Any]:
    d = s.dose
    typical = None
    if d.typical is not None:
        amount = range_text(d.low, d.high) if d.low is not None and d.high is not None else ""
        typical = {"amount": amount, **_point(d.typical, root)}
    return {
        "id": s.id, "label": s.label, "anchor": study_anchor(s.id), "proposed": s.id_status == "proposed",
        "brief": _point(s.brief, root) if s.brief else None,
        "parts": [{"title": title, "points": [_point(p, root) for p in points]} for _k, title, points in s.parts()],
        "band": band_words(imaging, d.band), "band_note": _point(d.band_note, root) if d.band_note else None,
        "regions": [{"label": r.label, "band": band_words(imaging, r.band), **_point(r.point, root)} for r in d.regions],
        "typical": typical,
    }


def _cited(pathway: Pathway, imaging: Imaging) -> list[dict[str, str]]:
    """Every source a note, a band or a limit cites, companion keys and pathway keys alike."""
    keys = dict.fromkeys(k for s in imaging.studies for k in s.sources())
    for p in (imaging.bands_point, imaging.background, imaging.rule, *imaging.limits):
        keys.update(dict.fromkeys(p.sources))
    out = []
    for key in sorted(keys, key=lambda k: (len(k.rstrip("abcdefghijklmnopqrstuvwxyz")), k)):
        src = imaging.source(key) or pathway.source(key)
        out.append({"key": key, "anchor": source_anchor(key), "title": src.title if src else key, "url": src.url if src else ""})
    return out


def _common(imaging: Imaging, root: str | None) -> dict[str, Any]:
    return {
        "limits": [_point(p, root) for p in imaging.limits],
        "rule": _point(imaging.rule, root),
        "background": {"per_year": range_text(imaging.background_per_year, imaging.background_per_year), **_point(imaging.background, root)},
    }


def imaging_page(pathway: Pathway, imaging: Imaging, site_title: str) -> str:
    """``imaging.html``: every study's note and dose data, the bands, the rule and its limits."""
    bands = [{"level": b.level, "range": band_words(imaging, b.level).split(" (", 1)[1].rstrip(")")} for b in imaging.bands]
    return html.render("imaging.html.j2", root="", site_title=site_title, pathway_title=pathway.meta.title,
                       summary=imaging.summary, studies=[_study(imaging, s, None) for s in imaging.studies],
                       bands=bands, bands_point=_point(imaging.bands_point, None), sources=_cited(pathway, imaging),
                       **_common(imaging, None))


def handout_page(pathway: Pathway, imaging: Imaging, site_title: str) -> str:
    """``handout.html``: one printable page for the patient conversation, filled from its address."""
    return html.render("handout.html.j2", root="", site_title=site_title, pathway_title=pathway.meta.title,
                       **_common(imaging, ""))


def dose_script(imaging: Imaging) -> str:
    """``assets/dose.js``: the rule's data, then the browser's copy of the rule and its forms."""
    data = {
        "studies": {s.id: {"label": s.label, "band": s.dose.band, "low": s.dose.low, "high": s.dose.high}
                    for s in imaging.studies},
        "bands": {b.level: [b.low, b.high] for b in imaging.bands},
        "perYear": imaging.background_per_year,
        "order": [s.id for s in imaging.studies],
    }
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"window.VCFDOSE = {text};\n" + html.static_text("dose.js")


def study_briefs(imaging: Imaging, root: str = "") -> list[dict[str, Any]]:
    """Every study with its brief line and the address of its full note (the pathway page)."""
    return [{"id": s.id, "label": s.label, "href": f"{root}imaging.html#{study_anchor(s.id)}",
             "brief": _point(s.brief, root) if s.brief else None} for s in imaging.studies]


def case_imaging(imaging: Imaging | None, route: Route, case_id: str, root: str = "../") -> dict[str, Any] | None:
    """The imaging section of a case page: a brief line per usually-appropriate study with a
    link to its full note, what that imaging adds, and the form's starting studies; None
    without a companion or without such a study."""
    if imaging is None:
        return None
    studies = recommended(imaging, route)
    est = route_estimate(imaging, route)
    if not studies or est is None:
        return None
    ids = ",".join(s.id for s in studies)
    return {
        "studies": [{"id": s.id, "label": s.label, "href": f"{root}imaging.html#{study_anchor(s.id)}",
                     "brief": _point(s.brief, root) if s.brief else None} for s in studies],
        "dose": dose_sentence(est),
        "ids": ids,
        "case": case_id,
        "handout": f"{root}handout.html#studies={ids}&case={case_id}",
    }
