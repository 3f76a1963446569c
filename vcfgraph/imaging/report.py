"""Protocol notes and dose estimates as readable text and as JSON-ready data.

Formats what :mod:`vcfgraph.imaging` holds and what :func:`vcfgraph.imaging.dose.estimate` computed; it
decides nothing. Every statement is shown with its confidence and sources, and a statement
that is not confirmed says so in capitals (never a mark alone), as the route reports do.
"""

from __future__ import annotations

from typing import Any

from vcfgraph.imaging.dose import Estimate, Item, Line, background_text, estimate, msv_text, range_text
from vcfgraph.imaging import Imaging, Point, Study
from vcfgraph.route import Route
from vcfgraph.schemas import SCHEMA_VERSION

__all__ = ["point_text", "point_dict", "note_lines", "brief_line", "study_dict", "estimate_lines", "estimate_dict",
           "limits_lines", "band_words", "recommended", "route_estimate", "dose_sentence", "route_imaging_lines",
           "route_imaging_dict"]


def point_text(p: Point) -> str:
    """``text (confirmed; S40, S41)`` or ``text (INFERRED, not confirmed; S74)``."""
    keys = f"; {', '.join(p.sources)}" if p.sources else "; no source"
    mark = p.confidence if p.confirmed else f"{p.confidence.upper()}, not confirmed"
    return f"{p.text} ({mark}{keys})"


def point_dict(p: Point) -> dict[str, Any]:
    return {"text": p.text, "confidence": p.confidence, "sources": list(p.sources)}


def brief_line(study: Study) -> str:
    """The one line shown beside a recommended study."""
    if study.brief is None:
        return f"{study.label} [{study.id}]: see its protocol note"
    return f"{study.label} [{study.id}]: {point_text(study.brief)}"


def band_words(imaging: Imaging, level: str) -> str:
    """``☢☢☢ (1 to 10 mSv)``, or ``not banded``."""
    if not level:
        return "not banded"
    b = imaging.band(level)
    return f"{level} ({msv_text(b.low)} mSv)" if b.low == b.high else f"{level} ({msv_text(b.low)} to {msv_text(b.high)} mSv)"


def _typical(study: Study) -> str:
    d = study.dose
    if d.typical is None:
        return "typical adult dose: not found"
    amount = range_text(d.low, d.high) + "; " if d.low is not None and d.high is not None else ""
    return f"typical adult dose: {amount}{point_text(d.typical)}"


def note_lines(imaging: Imaging, study: Study, indent: str = "  ") -> list[str]:
    """The full protocol note of a study, with its dose data, one statement a line."""
    head = f"How it is done: {study.label} [{study.id}]"
    if study.id_status == "proposed":
        head += " (an id proposed by the fact base; the guideline does not rate this study)"
    lines = [head]
    for _key, title, points in study.parts():
        lines.append(f"{indent}{title}:")
        lines += [f"{indent}  - {point_text(p)}" for p in points]
    d = study.dose
    lines.append(f"{indent}Radiation (adult):")
    band = f"band {band_words(imaging, d.band)}"
    lines.append(f"{indent}  - {band}" + (f": {point_text(d.band_note)}" if d.band_note else ""))
    for r in d.regions:
        lines.append(f"{indent}  - {r.label}: band {band_words(imaging, r.band)} ({point_text(r.point).rsplit(' (', 1)[1]}")
    lines.append(f"{indent}  - {_typical(study)}")
    lines.append(f"{indent}Sources: {', '.join(study.sources())}")
    return lines


def study_dict(imaging: Imaging, study: Study) -> dict[str, Any]:
    """A study's protocol note and dose data as plain data (``lookup --json``, ``trace --json``)."""
    d = study.dose
    return {
        "id": study.id, "label": study.label, "id_status": study.id_status,
        "brief": point_dict(study.brief) if study.brief else None,
        "note": {key: [point_dict(p) for p in points] for key, _t, points in study.parts()},
        "dose": {
            "band": d.band or None,
            "band_msv": _band_msv(imaging, d.band),
            "band_note": point_dict(d.band_note) if d.band_note else None,
            "regions": [{"region": r.region, "label": r.label, "band": r.band, "confidence": r.point.confidence,
                         "sources": list(r.point.sources)} for r in d.regions],
            "typical_msv": [_num(d.low), _num(d.high)] if d.low is not None and d.high is not None else None,
            "typical": point_dict(d.typical) if d.typical else None,
        },
        "sources": list(study.sources()),
    }


def _num(usv: int | None) -> float | int | None:
    """Microsieverts as a JSON number of mSv, exact to the microsievert."""
    if usv is None:
        return None
    return usv // 1000 if usv % 1000 == 0 else usv / 1000


def _band_msv(imaging: Imaging, level: str) -> list[float | int | None] | None:
    if not level:
        return None
    b = imaging.band(level)
    return [_num(b.low), _num(b.high)]


def limits_lines(imaging: Imaging, indent: str = "  ") -> list[str]:
    return [f"{indent}- {point_text(p)}" for p in imaging.limits]


def _line_text(imaging: Imaging, line: Line) -> str:
    times = f" x{line.times}" if line.times > 1 else ""
    region = f", {line.region.label}" if line.region else ""
    head = f"{line.study.label} [{line.study.id}{region}]{times}"
    if line.banded:
        band = imaging.band(line.band)
        each = " each" if line.times > 1 else ""
        why = f" ({point_text(line.band_point).rsplit(' (', 1)[1]}" if line.band_point else ""
        return f"{head}: band {line.band}, {range_text(band.low, band.high)}{each}{why}"
    est = range_text(line.low, line.high) if line.low is not None and line.high is not None else "no estimate found"
    why = f" ({point_text(line.band_point).rsplit(' (', 1)[1]}" if line.band_point else ""
    return f"{head}: estimate, not banded: {est}{' each' if line.times > 1 else ''}{why}"


def estimate_lines(imaging: Imaging, est: Estimate) -> list[str]:
    """The dose aid's answer as text: each study, the range, the comparison, the limits."""
    lines = ["Studies (adult relative radiation level and its effective-dose band):"]
    lines += [f"  {_line_text(imaging, line)}" for line in est.lines]
    banded = [line for line in est.lines if line.banded]
    lines.append("")
    if banded:
        lines.append(f"Cumulative typical adult dose: {range_text(est.low, est.high)}")
        lines.append(f"  that is {background_text(est.low, est.high, est.per_year)} "
                     f"(at about {msv_text(est.per_year)} mSv a year; {', '.join(imaging.background.sources)})")
        if all(line.band == "O" for line in banded):
            lines.append("  (no ionising radiation from the banded studies)")
    if est.unbanded:
        if est.with_estimates:
            low, high = est.with_estimates
            lines.append(f"With the literature estimates of the studies not banded: {range_text(low, high)}, "
                         f"{background_text(low, high, est.per_year)}")
        else:
            lines.append("A study not banded has no estimate: the range leaves it out.")
    lines += ["", f"How this is counted: {point_text(imaging.rule)}", "", "What these figures are not:"]
    lines += limits_lines(imaging)
    return lines


def estimate_dict(imaging: Imaging, est: Estimate) -> dict[str, Any]:
    """The dose aid's answer as data (the ``dose`` schema)."""
    studies = []
    for line in est.lines:
        studies.append({
            "study": line.study.id, "label": line.study.label, "times": line.times,
            "region": line.region.region if line.region else None,
            "band": line.band or None, "banded": line.banded,
            "each_msv": [_num(line.low), _num(line.high)] if line.low is not None and line.high is not None else None,
            "confidence": line.band_point.confidence if line.band_point else None,
            "sources": list(line.band_point.sources) if line.band_point else [],
        })
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "pathway": imaging.pathway,
        "studies": studies,
        "cumulative_msv": [_num(est.low), _num(est.high)],
        "cumulative_text": range_text(est.low, est.high),
        "background_text": background_text(est.low, est.high, est.per_year),
        "background_msv_per_year": _num(est.per_year),
        "with_estimates_msv": [_num(x) for x in est.with_estimates] if est.with_estimates else None,
        "rule": point_dict(imaging.rule),
        "limits": [point_dict(p) for p in imaging.limits],
    }
    return out


# ---------------------------------------------------------------------------- a route's imaging

def recommended(imaging: Imaging, route: Route) -> tuple[Study, ...]:
    """The studies with a protocol note among the route's usually-appropriate actions (set-apart
    ones left out), in the route's order."""
    return tuple(imaging.study(a) for a in route.actions("UA") if imaging.has(a))


def route_estimate(imaging: Imaging, route: Route) -> Estimate | None:
    """What the route's usually-appropriate imaging adds, each study done once; None without any."""
    studies = recommended(imaging, route)
    return estimate(imaging, [Item(s.id) for s in studies]) if studies else None


def dose_sentence(est: Estimate) -> str:
    """``about 1 to 10 mSv, roughly 4 months to 3 years of natural background`` (the banded
    studies; a study without a band is named apart)."""
    text = est.text()
    apart = [line.study.label for line in est.unbanded]
    return text + (f"; not banded, so not in the range: {', '.join(apart)}" if apart else "")


def route_imaging_lines(imaging: Imaging, route: Route, *, full: bool = False) -> list[str]:
    """The lines ``trace`` adds under a route: a brief line (or, with ``full``, the whole note)
    per usually-appropriate study, and what that imaging adds to the patient's dose."""
    studies = recommended(imaging, route)
    if not studies:
        return []
    lines = ["", "How the usually appropriate imaging is done (teaching notes, not a facility's protocol)"]
    for s in studies:
        if full:
            lines += ["  " + line for line in note_lines(imaging, s)]
        else:
            lines.append(f"  - {brief_line(s)}")
    if not full:
        lines.append("  (the full notes: trace --protocols, or vcfgraph lookup STUDY)")
    est = route_estimate(imaging, route)
    if est is not None:
        lines.append(f"  Radiation if each of these is done once: {dose_sentence(est)}")
        lines.append("  (a typical adult dose for these studies, not this patient's dose or risk; vcfgraph dose adds earlier studies)")
    return lines


def route_imaging_dict(imaging: Imaging, route: Route) -> dict[str, Any]:
    """The ``imaging`` key of ``trace --json``: the notes of the usually-appropriate studies and
    what they add."""
    est = route_estimate(imaging, route)
    return {
        "protocols": [study_dict(imaging, s) for s in recommended(imaging, route)],
        "dose": None if est is None else {
            "cumulative_msv": [_num(est.low), _num(est.high)],
            "text": dose_sentence(est),
            "not_banded": [line.study.id for line in est.unbanded],
        },
    }
