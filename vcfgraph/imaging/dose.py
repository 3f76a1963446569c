"""The dose aid's rule: a cumulative adult effective-dose range for a list of imaging studies.

The rule (fact base §D4, itself inferred): each study, counted every time it is done, adds the
effective-dose band of its adult relative radiation level (the band of the region scanned
when one is named: a complete-spine CT is a band higher); lower and upper limits are summed
apart and given as a rounded range, never as one number. A study without a band is listed apart
with its literature estimate ("estimate, not banded"). The range is also given as time of
natural background. Amounts are whole microsieverts, so the sums are exact; the browser's copy
(``render/static/dose.js``) does the same integer arithmetic and is tested equal.

Pure functions over :class:`~vcfgraph.imaging.Imaging`; the command line prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from vcfgraph.errors import UsageError, did_you_mean
from vcfgraph.imaging import Imaging, Point, RegionBand, Study

__all__ = ["Item", "Line", "Estimate", "MAX_TIMES", "MAX_ITEMS", "parse_item", "match_study", "estimate",
           "msv_text", "range_text", "background_text", "study_terms"]

#: most times one study may be counted, and most studies in one estimate
MAX_TIMES = 100
MAX_ITEMS = 200
_TIMES = re.compile(r"(?:^|\s)[x×*]\s*([0-9]{1,12})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Item:
    """A study asked for: its id, how many times it was done, and the region scanned (or '')."""

    study: str
    times: int = 1
    region: str = ""


@dataclass(frozen=True)
class Line:
    """One study of an estimate: the band counted (or '' when not banded) and its amounts."""

    study: Study
    times: int
    band: str
    low: int | None
    high: int | None
    band_point: Point | None
    region: RegionBand | None = None

    @property
    def banded(self) -> bool:
        return bool(self.band)


@dataclass(frozen=True)
class Estimate:
    """The cumulative range of a list of studies, in microsieverts.

    ``low``/``high`` sum the banded studies; ``unbanded`` lists the others, and ``with_estimates``
    adds their literature estimates (None when there is no unbanded study or one has no estimate).
    """

    lines: tuple[Line, ...]
    low: int
    high: int
    per_year: int
    with_estimates: tuple[int, int] | None = None

    @property
    def unbanded(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if not line.banded)

    def text(self) -> str:
        """``about 2 to 20 mSv, roughly 8 months to 7 years of natural background``."""
        return f"{range_text(self.low, self.high)}, {background_text(self.low, self.high, self.per_year)}"


def _norm(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", text.lower()))


def study_terms(imaging: Imaging, aliases: Mapping[str, Sequence[str]] | None = None) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Each study's label, words (and the pathway's aliases of it) as word tuples, longest first."""
    out = {}
    for s in imaging.studies:
        terms = {_norm(t) for t in (s.id.replace("_", " "), s.label, *s.words, *(aliases or {}).get(s.id, ())) if _norm(t)}
        out[s.id] = tuple(sorted(terms, key=lambda t: (-len(t), t)))
    return out


def _contains(words: tuple[str, ...], term: tuple[str, ...]) -> bool:
    n = len(term)
    return any(words[i:i + n] == term for i in range(len(words) - n + 1))


def match_study(imaging: Imaging, text: str, aliases: Mapping[str, Sequence[str]] | None = None) -> str:
    """The study an id or words name, matched as the service matches an order's text: the study
    whose longest term contained in the text is longest; a tie is ambiguous.

    Raises:
        UsageError: no study matches, or more than one does (naming them).
    """
    word = text.strip()
    if imaging.has(word):
        return word
    words = _norm(word)
    best: dict[str, int] = {}
    for sid, terms in study_terms(imaging, aliases).items():
        score = max((len(t) for t in terms if _contains(words, t)), default=0)
        if score:
            best[sid] = score
    if not best:
        ids = [s.id for s in imaging.studies]
        raise UsageError(f"'{_short(word)}' is not a study of the dose aid{did_you_mean(word, ids)}; "
                         f"studies: {', '.join(ids)}")
    top = max(best.values())
    hits = sorted(s for s, n in best.items() if n == top)
    if len(hits) > 1:
        raise UsageError(f"'{_short(word)}' matches more than one study ({', '.join(hits)}); give the id or more words")
    return hits[0]


def _short(text: str, limit: int = 60) -> str:
    cut = "".join(c if c.isprintable() else "?" for c in text[:limit])
    return cut + ("..." if len(text) > limit else "")


def parse_item(imaging: Imaging, text: str, aliases: Mapping[str, Sequence[str]] | None = None) -> Item:
    """Read one study as typed: ``ct_spine_wo``, ``ct_spine_wo x2``, ``ct_spine_wo:complete_spine``,
    or words (``"MRI spine without contrast"``).

    Raises:
        UsageError: an unknown or ambiguous study or region, or a count outside 1 to :data:`MAX_TIMES`.
    """
    times = 1
    m = _TIMES.search(text)
    if m:
        times = int(m.group(1))
        if not 1 <= times <= MAX_TIMES:
            raise UsageError(f"'{_short(text)}': a study is counted from 1 to {MAX_TIMES} times, got {_short(m.group(1), 14)}")
        text = text[:m.start()]
    name, _, region = text.strip().partition(":")
    if not name.strip():
        raise UsageError(f"'{_short(text)}' names no study")
    sid = match_study(imaging, name, aliases)
    region = region.strip()
    if region:
        names = [r.region for r in imaging.study(sid).dose.regions]
        if region not in names:
            known = f"; its regions: {', '.join(names)}" if names else "; it has no regions with their own band"
            raise UsageError(f"'{_short(region)}' is not a region of study '{sid}'{did_you_mean(region, names)}{known}")
    return Item(sid, times, region)


def estimate(imaging: Imaging, items: Sequence[Item]) -> Estimate:
    """The cumulative range of ``items`` by the rule of this module.

    Raises:
        UsageError: no item, more than :data:`MAX_ITEMS`, or an unknown study or region.
    """
    if not items:
        raise UsageError("give at least one study")
    if len(items) > MAX_ITEMS:
        raise UsageError(f"at most {MAX_ITEMS} studies in one estimate, got {len(items)}")
    lines: list[Line] = []
    low = high = 0
    extra: list[tuple[int, int] | None] = []
    for item in items:
        if not imaging.has(item.study):
            raise UsageError(f"'{_short(item.study)}' is not a study of the dose aid")
        if not 1 <= item.times <= MAX_TIMES:
            raise UsageError(f"a study is counted from 1 to {MAX_TIMES} times, got {item.times}")
        study = imaging.study(item.study)
        region = study.dose.region(item.region) if item.region else None
        if item.region and region is None:
            raise UsageError(f"'{_short(item.region)}' is not a region of study '{study.id}'")
        band = region.band if region else study.dose.band
        point = region.point if region else study.dose.band_note
        if band:
            b = imaging.band(band)
            lines.append(Line(study, item.times, band, b.low, b.high, point, region))
            low, high = low + b.low * item.times, high + b.high * item.times
        else:
            d = study.dose
            lines.append(Line(study, item.times, "", d.low, d.high, d.typical))
            extra.append((d.low * item.times, d.high * item.times) if d.low is not None and d.high is not None else None)
    with_estimates = None
    if extra and all(e is not None for e in extra):
        with_estimates = (low + sum(e[0] for e in extra if e), high + sum(e[1] for e in extra if e))
    return Estimate(tuple(lines), low, high, imaging.background_per_year, with_estimates)


# ---------------------------------------------------------------------------- wording (twin: dose.js)

def _round2(usv: int) -> int:
    """Round to two significant figures, halves up (integers only)."""
    digits = len(str(usv))
    if digits <= 2:
        return usv
    f = 10 ** (digits - 2)
    return (usv + f // 2) // f * f


def msv_text(usv: int) -> str:
    """An amount in mSv with two significant figures at most: ``20``, ``1.1``, ``0.05``."""
    r = _round2(usv)
    whole, frac = divmod(r, 1000)
    return str(whole) if not frac else f"{whole}.{frac:03d}".rstrip("0")


def range_text(low: int, high: int) -> str:
    """``about 2 to 20 mSv``; ``0 mSv``; ``about 6 mSv`` when the two ends round alike."""
    if high == 0:
        return "0 mSv"
    a, b = msv_text(low), msv_text(high)
    return f"about {b} mSv" if a == b else f"about {a} to {b} mSv"


def _time(usv: int, per_year: int) -> str:
    if usv == 0:
        return "no time"
    months = (usv * 24 + per_year) // (2 * per_year)
    if months < 1:
        days = (usv * 730 + per_year) // (2 * per_year)
        return "less than a day" if days < 1 else ("1 day" if days == 1 else f"{days} days")
    if months < 12:
        return "1 month" if months == 1 else f"{months} months"
    years = (usv * 2 + per_year) // (2 * per_year)
    return "1 year" if years == 1 else f"{years} years"


def background_text(low: int, high: int, per_year: int) -> str:
    """``roughly 8 months to 7 years of natural background``."""
    if high == 0:
        return "no time of natural background"
    a, b = _time(low, per_year), _time(high, per_year)
    (na, _, ua), (nb, _, ub) = a.partition(" "), b.partition(" ")
    if a == b:
        span = b
    elif ua.rstrip("s") == ub.rstrip("s") and na.isdigit() and nb.isdigit():
        span = f"{na} to {b}"  # "7 to 20 years", not "7 years to 20 years"
    else:
        span = f"{a} to {b}"
    return f"roughly {span} of natural background"
