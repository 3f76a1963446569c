"""Reading a pathway's imaging companion file (protocol notes and dose data), every error located.

The companion of ``graphs/vcf-management.yaml`` is ``graphs/vcf-management.imaging.yaml``: the
same folder and stem, ``.imaging.yaml``. A pathway without one has no protocol notes and no
dose aid (:func:`load_imaging` returns None). The file is checked like the pathway: unknown
keys with a close-match suggestion, study ids against the pathway's actions, every source key
against the companion's and the pathway's sources, bands and doses in bounds; every problem is
reported at once with file:line:col (:class:`~vcfgraph.errors.PathwayError`, exit code 2).
docs/pathway-format.md describes the format.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from vcfgraph.errors import Location, PathwayError, did_you_mean
from vcfgraph.imaging import ID_STATUSES, NOTE_PARTS, Band, Imaging, Point, RegionBand, Study, StudyDose
from vcfgraph.io.located import IDENTIFIER, Reader, short, url_problem
from vcfgraph.io.source import read_tree
from vcfgraph.model import CONFIDENCES, Pathway, Source

__all__ = ["imaging_file", "load_imaging", "build_imaging", "MAX_STUDIES", "MAX_POINTS", "MAX_TEXT", "MAX_MSV"]

SUFFIX = ".imaging.yaml"
#: most studies, statements per part, and characters per statement a companion file may hold
MAX_STUDIES = 200
MAX_POINTS = 40
MAX_TEXT = 2000
#: largest dose (mSv) a band or an estimate may give
MAX_MSV = 1000

_ROOT = ("pathway", "summary", "sources", "bands", "background", "rule", "limits", "from_case", "studies")
_POINT = ("text", "confidence", "sources")
_STUDY = ("id", "label", "id_status", "words", "brief", "dose") + tuple(k for k, _ in NOTE_PARTS)
_DOSE = ("band", "band_note", "regions", "typical")


def imaging_file(pathway_path: str | Path) -> Path:
    """The companion file a pathway file would have: ``<folder>/<stem>.imaging.yaml``."""
    path = Path(pathway_path)
    return path.with_name(path.stem + SUFFIX)


def load_imaging(pathway: Pathway, path: str | Path | None = None) -> Imaging | None:
    """Read and check the imaging companion of ``pathway``.

    Args:
        pathway: the pathway the companion belongs to (its actions and sources).
        path: the companion file; default: the one beside ``pathway.path``, when it exists.

    Returns:
        The companion, or None when no file is named and none lies beside the pathway.

    Raises:
        PathwayError: every problem of the file, located.
        UsageError: a named file cannot be read.
    """
    if path is None:
        if not pathway.path:
            return None
        path = imaging_file(pathway.path)
        if not path.is_file():
            return None
    return build_imaging(read_tree(path), str(path), pathway)


def build_imaging(data: Any, file: str, pathway: Pathway) -> Imaging:
    """Check a located tree read from a companion file and build the :class:`Imaging`.

    Raises:
        PathwayError: with every problem found, sorted by position.
    """
    r = Reader(file)
    top = r.mapping(data, Location(file, 1, 1), "the imaging file", required=("imaging",))
    if top is None or "imaging" not in top:
        raise PathwayError(r.problems)
    root = r.mapping(top["imaging"], r.at(top, "imaging"), "'imaging'", required=("pathway", "bands", "background", "studies"),
                     optional=_ROOT)
    if root is None:
        raise PathwayError(r.problems)
    imaging = _Builder(r, root, pathway).build(file)
    if r.problems or imaging is None:
        raise PathwayError(r.problems)
    return imaging


class _Builder:
    def __init__(self, r: Reader, root: Mapping[str, Any], pathway: Pathway) -> None:
        self.r, self.root, self.pathway = r, root, pathway
        self.keys = {s.key for s in pathway.sources}
        self.levels: dict[str, Band] = {}

    def build(self, file: str) -> Imaging | None:
        r, root = self.r, self.root
        want = r.text(root, "pathway", "'imaging'")
        if want and want != self.pathway.meta.id:
            r.report(r.at(root, "pathway"), f"this imaging file is for pathway '{short(want)}', not '{self.pathway.meta.id}'")
        sources = self._sources(root.get("sources"))
        bands, bands_point = self._bands(root.get("bands"))
        background = self._background(root.get("background"))
        rule = self._point(root.get("rule"), r.at(root, "rule"), "'rule'") if "rule" in root else Point("", "inferred")
        raw_limits = r.sequence(root.get("limits"), r.at(root, "limits"), "'limits'")
        limits = tuple(p for i, item in enumerate(raw_limits[:MAX_POINTS])
                       if (p := self._point(item, r.at(raw_limits, i), f"limit {i + 1}")))
        if len(raw_limits) > MAX_POINTS:
            r.report(r.at(root, "limits"), f"'limits' holds more than {MAX_POINTS} items, the most vcfgraph reads")
        studies = self._studies(root.get("studies"))
        fact, mapping, point = self._from_case(root.get("from_case"), {s.id for s in studies}) if "from_case" in root else ("", (), None)
        if background is None or rule is None:
            return None
        per_year, bg = background
        return Imaging(self.pathway.meta.id, studies, bands, bands_point or Point("", "uncertain"), per_year, bg, rule, limits,
                       sources, r.text(root, "summary", "'imaging'"), file, fact, mapping, point)

    def _from_case(self, raw: Any, studies: set[str]) -> tuple[str, tuple[tuple[str, str], ...], Point | None]:
        """``from_case``: the case fact that records earlier imaging, each value's study."""
        r = self.r
        what = "'from_case'"
        m = r.mapping(raw, r.at(self.root, "from_case"), what, required=("fact", "studies", "text", "confidence"),
                      optional=("sources",))
        if m is None:
            return "", (), None
        fact = r.text(m, "fact", what)
        if fact and not self.pathway.has_fact(fact):
            r.report(r.at(m, "fact"), f"'{short(fact)}' is not a fact of the pathway{did_you_mean(fact, [f.name for f in self.pathway.facts])}")
            return "", (), None
        values = self.pathway.fact(fact).values if fact else ()
        g = r.mapping(m.get("studies"), r.at(m, "studies"), f"'studies' of {what}", optional=values)
        pairs = []
        for value, sid in (g or {}).items():
            if value not in values:
                continue  # reported by mapping()
            if not isinstance(sid, str) or sid not in studies:
                r.report(r.at(g, value), f"'{short(str(sid))}' of {what} is not a study of this file{did_you_mean(str(sid), studies)}")
                continue
            pairs.append((str(value), sid))
        point = self._fields(m, r.at(self.root, "from_case"), what)
        return fact, tuple(pairs), point

    # ------------------------------------------------------------------ pieces

    def _sources(self, raw: Any) -> tuple[Source, ...]:
        r = self.r
        if raw is None:
            return ()
        m = r.mapping(raw, r.at(self.root, "sources"), "'sources'", optional=tuple(raw) if isinstance(raw, Mapping) else ())
        out = []
        for key, value in (m or {}).items():
            what = f"source '{short(str(key))}'"
            if not isinstance(key, str) or not IDENTIFIER.match(key):
                r.report(r.at(m, key, of_key=True), f"{what} must be a key such as S36 (a letter, then letters or digits)")
                continue
            s = r.mapping(value, r.at(m, key), what, required=("title",), optional=("url",)) or {}
            url = r.text(s, "url", what)
            problem = url_problem(url)
            if problem:
                r.report(r.at(s, "url"), f"'url' of {what} {problem}")
                url = ""
            if key in self.keys:
                r.report(r.at(m, key, of_key=True), f"{what} is declared by the pathway already; declare it once")
            out.append(Source(key, r.text(s, "title", what), url))
            self.keys.add(key)
        return tuple(out)

    def _point(self, raw: Any, loc: Location, what: str) -> Point | None:
        """A statement written as a mapping of text, confidence and sources."""
        if isinstance(raw, str):
            self.r.report(loc, f"{what} must be a mapping with 'text', 'confidence' and 'sources', got text; "
                               "every statement carries its confidence")
            return None
        m = self.r.mapping(raw, loc, what, required=("text", "confidence"), optional=("sources",))
        return None if m is None else self._fields(m, loc, what)

    def _fields(self, m: Mapping[str, Any], loc: Location, what: str, text: str | None = None) -> Point | None:
        """The confidence and sources of a checked mapping (and its text, unless given)."""
        r = self.r
        if text is None:
            text = r.text(m, "text", what)
            if len(text) > MAX_TEXT:
                r.report(r.at(m, "text"), f"'text' of {what} is longer than {MAX_TEXT} characters")
                text = text[:MAX_TEXT]
        confidence = r.choice(m, "confidence", what, CONFIDENCES)
        keys = r.texts(m, "sources", what)[:MAX_POINTS]
        for key in keys:
            if key not in self.keys:
                r.report(r.at(m, "sources"), f"unknown source key '{short(key)}' in {what}{did_you_mean(key, self.keys)}; "
                                             "declare it under 'sources' (here or in the pathway)")
        if not text or not confidence:
            return None
        return Point(text, confidence, tuple(keys), loc)

    def _points(self, m: Mapping[str, Any], key: str, what: str) -> tuple[Point, ...]:
        r = self.r
        items = r.sequence(m.get(key), r.at(m, key), f"'{key}' of {what}")
        if len(items) > MAX_POINTS:
            r.report(r.at(m, key), f"'{key}' of {what} holds more than {MAX_POINTS} statements, the most vcfgraph reads")
        return tuple(p for i, item in enumerate(items[:MAX_POINTS])
                     if (p := self._point(item, r.at(items, i), f"statement {i + 1} of '{key}' in {what}")))

    def _msv(self, m: Mapping[str, Any], key: str, what: str) -> int | None:
        """A dose in mSv as written (0.002, 1.5, 10) -> whole microsieverts; None when absent or bad."""
        r = self.r
        value = m.get(key)
        if value is None:
            return None
        try:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InvalidOperation
            amount = Decimal(str(value)) * 1000
        except InvalidOperation:
            r.report(r.at(m, key), f"'{key}' of {what} must be a number of mSv, got {short(str(value))}")
            return None
        if not amount.is_finite() or amount < 0 or amount > MAX_MSV * 1000 or amount != amount.to_integral_value():
            r.report(r.at(m, key), f"'{key}' of {what} must be from 0 to {MAX_MSV} mSv with at most 3 decimals, got {short(str(value))}")
            return None
        return int(amount)

    def _range(self, m: Mapping[str, Any], what: str) -> tuple[int | None, int | None]:
        if ("low" in m) != ("high" in m):
            self.r.report(self.r.at(m, "low" if "low" in m else "high"), f"{what} gives 'low' and 'high' together, or neither")
            return None, None
        low, high = self._msv(m, "low", what), self._msv(m, "high", what)
        if low is None or high is None:
            return None, None
        if low > high:
            self.r.report(self.r.at(m, "low"), f"'low' of {what} is above its 'high'")
            return None, None
        return low, high

    def _bands(self, raw: Any) -> tuple[tuple[Band, ...], Point | None]:
        r = self.r
        loc = r.at(self.root, "bands")
        m = r.mapping(raw, loc, "'bands'", required=("levels", "confidence"), optional=("sources",))
        if m is None:
            return (), None
        point = self._fields(m, loc, "'bands'", "adult relative radiation levels")
        items = r.sequence(m.get("levels"), r.at(m, "levels"), "'levels' of 'bands'")
        out = []
        for i, item in enumerate(items[:MAX_POINTS]):
            what = f"band {i + 1}"
            b = r.mapping(item, r.at(items, i), what, required=("level", "low", "high"))
            if b is None:
                continue
            level = r.text(b, "level", what)
            low, high = self._range(b, f"band '{short(level)}'")
            if not level or low is None or high is None:
                continue
            if level in self.levels:
                r.report(r.at(b, "level"), f"band '{short(level)}' is declared twice")
                continue
            self.levels[level] = Band(level, low, high)
            out.append(self.levels[level])
        return tuple(out), point

    def _background(self, raw: Any) -> tuple[int, Point] | None:
        r = self.r
        m = r.mapping(raw, r.at(self.root, "background"), "'background'", required=("per_year",) + _POINT[:2], optional=("sources",))
        if m is None:
            return None
        per_year = self._msv(m, "per_year", "'background'")
        point = self._fields(m, r.at(self.root, "background"), "'background'")
        if per_year == 0:
            r.report(r.at(m, "per_year"), "'per_year' of 'background' must be more than 0")
            return None
        return (per_year, point) if per_year is not None and point is not None else None

    def _band_word(self, m: Mapping[str, Any], what: str) -> str:
        level = self.r.text(m, "band", what)
        if level and level not in self.levels:
            self.r.report(self.r.at(m, "band"), f"'band' of {what} is '{short(level)}', not a level under 'bands'"
                                                f"{did_you_mean(level, self.levels)}")
            return ""
        return level

    def _dose(self, raw: Any, loc: Location, what: str) -> StudyDose:
        r = self.r
        m = r.mapping(raw, loc, f"'dose' of {what}", optional=_DOSE)
        if m is None:
            return StudyDose()
        sub = f"the dose of {what}"
        band = self._band_word(m, sub)
        note = self._point(m["band_note"], r.at(m, "band_note"), f"'band_note' of {sub}") if "band_note" in m else None
        regions = []
        items = r.sequence(m.get("regions"), r.at(m, "regions"), f"'regions' of {sub}")
        for i, item in enumerate(items[:MAX_POINTS]):
            rw = f"region {i + 1} of {sub}"
            g = r.mapping(item, r.at(items, i), rw, required=("region", "label", "band", "confidence"), optional=("sources",))
            if g is None:
                continue
            name = r.identifier(g, "region", rw)
            level = self._band_word(g, rw)
            point = self._fields(g, r.at(items, i), rw, r.text(g, "label", rw))
            if name and level and point:
                regions.append(RegionBand(name, point.text, level, point))
        low = high = None
        typical = None
        if "typical" in m:
            t = r.mapping(m["typical"], r.at(m, "typical"), f"'typical' of {sub}", required=("text", "confidence"),
                          optional=("low", "high", "sources"))
            if t is not None:
                low, high = self._range(t, f"the typical dose of {what}")
                typical = self._fields(t, r.at(m, "typical"), f"'typical' of {sub}")
        if not band and low is None:
            r.report(loc, f"{sub} has neither a 'band' nor a typical 'low' and 'high': the dose aid could not count it")
        return StudyDose(band, note, tuple(regions), low, high, typical)

    def _studies(self, raw: Any) -> tuple[Study, ...]:
        r = self.r
        items = r.sequence(raw, r.at(self.root, "studies"), "'studies'")
        if len(items) > MAX_STUDIES:
            r.report(r.at(self.root, "studies"), f"'studies' holds more than {MAX_STUDIES} studies, the most vcfgraph reads")
        actions = {n.id: n for n in self.pathway.nodes if n.kind == "action"}
        out: list[Study] = []
        seen: set[str] = set()
        for i, item in enumerate(items[:MAX_STUDIES]):
            loc = r.at(items, i)
            m = r.mapping(item, loc, f"study {i + 1}", required=("id", "dose"), optional=_STUDY)
            if m is None:
                continue
            sid = r.identifier(m, "id", f"study {i + 1}")
            if not sid:
                continue
            what = f"study '{sid}'"
            status = r.choice(m, "id_status", what, ID_STATUSES, "pathway")
            if sid in seen:
                r.report(r.at(m, "id"), f"{what} is described twice")
                continue
            seen.add(sid)
            label = r.text(m, "label", what)
            if status == "pathway" and sid not in actions:
                r.report(r.at(m, "id"), f"{what} is not an action of pathway '{self.pathway.meta.id}'"
                                        f"{did_you_mean(sid, actions)}; a study the guideline does not rate "
                                        "needs 'id_status: proposed' and a 'label'")
                continue
            if status == "proposed" and sid in actions:
                r.report(r.at(m, "id_status"), f"{what} is an action of the pathway, so its id is not 'proposed'")
            if not label:
                if sid not in actions:
                    r.report(loc, f"{what} needs a 'label' (it is not an action of the pathway)")
                    continue
                label = actions[sid].label
            words = r.texts(m, "words", what)[:MAX_POINTS]
            parts = {key: self._points(m, key, what) for key, _ in NOTE_PARTS}
            dose = self._dose(m["dose"], r.at(m, "dose"), what) if "dose" in m else StudyDose()
            brief = self._point(m["brief"], r.at(m, "brief"), f"'brief' of {what}") if "brief" in m else None
            out.append(Study(sid, label, status, tuple(words), brief, dose=dose, loc=loc, **parts))
        return tuple(out)
