"""The imaging companion of a pathway: protocol notes per study and the data of the dose aid.

Frozen data, no I/O. A pathway may come with an :class:`Imaging` companion (read by
:mod:`vcfgraph.io.imaging` from the file beside the pathway): for each imaging study, a teaching
note on what the study answers, its coverage, technique, contrast and preparation, and its dose
data (adult relative radiation level, typical adult dose). Every statement is a :class:`Point`
that keeps its confidence and source keys, so that no inferred or uncertain fact is ever shown
as confirmed. The cumulative-dose rule is :mod:`vcfgraph.imaging.dose`.

Doses are held as whole microsieverts (``int``): sums and roundings are exact, and the
browser's copy of the rule computes the very same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from vcfgraph.errors import Location
from vcfgraph.model import Source

__all__ = ["Point", "Band", "RegionBand", "StudyDose", "Study", "Imaging", "NOTE_PARTS", "ID_STATUSES"]

#: the parts of a protocol note, in the order they are shown, with their headings
NOTE_PARTS = (
    ("answers", "What it answers"),
    ("coverage", "Coverage"),
    ("technique", "Technique"),
    ("contrast", "Contrast"),
    ("preparation", "Preparation and safety screening"),
)
#: ``pathway``: the id is an action of the pathway; ``proposed``: an id the fact base proposes
#: for a study the guideline does not rate (its id is itself inferred)
ID_STATUSES = ("pathway", "proposed")


@dataclass(frozen=True)
class Point:
    """One statement with its confidence (confirmed, inferred, uncertain) and source keys."""

    text: str
    confidence: str
    sources: tuple[str, ...] = ()
    loc: Location | None = field(default=None, compare=False)

    @property
    def confirmed(self) -> bool:
        return self.confidence == "confirmed"


@dataclass(frozen=True)
class Band:
    """An adult relative radiation level and its effective-dose band, in microsieverts."""

    level: str
    low: int
    high: int


@dataclass(frozen=True)
class RegionBand:
    """A higher (or lower) band when a named region is scanned (``complete_spine``)."""

    region: str
    label: str
    band: str
    point: Point


@dataclass(frozen=True)
class StudyDose:
    """The dose data of one study.

    ``band`` is the adult relative radiation level, or ``""`` when none is known (the study is
    then "estimate, not banded" and ``low``/``high`` give the literature estimate). ``low`` and
    ``high`` are the typical adult dose in microsieverts, or None when no value was found.
    """

    band: str = ""
    band_note: Point | None = None
    regions: tuple[RegionBand, ...] = ()
    low: int | None = None
    high: int | None = None
    typical: Point | None = None

    def region(self, name: str) -> RegionBand | None:
        return next((r for r in self.regions if r.region == name), None)


@dataclass(frozen=True)
class Study:
    """An imaging study: its protocol note and its dose data."""

    id: str
    label: str
    id_status: str = "pathway"
    words: tuple[str, ...] = ()
    #: the one-line summary shown beside a recommended study (``trace``, the case pages)
    brief: Point | None = None
    answers: tuple[Point, ...] = ()
    coverage: tuple[Point, ...] = ()
    technique: tuple[Point, ...] = ()
    contrast: tuple[Point, ...] = ()
    preparation: tuple[Point, ...] = ()
    dose: StudyDose = StudyDose()
    loc: Location | None = field(default=None, compare=False)

    def parts(self) -> tuple[tuple[str, str, tuple[Point, ...]], ...]:
        """(key, heading, points) of every part of the note that has points, in order."""
        return tuple((key, title, getattr(self, key)) for key, title in NOTE_PARTS if getattr(self, key))

    def points(self) -> tuple[Point, ...]:
        """Every statement of the note and of its dose data."""
        dose = [p for p in (self.dose.band_note, self.dose.typical) if p] + [r.point for r in self.dose.regions]
        brief = (self.brief,) if self.brief else ()
        return brief + tuple(p for _k, _t, ps in self.parts() for p in ps) + tuple(dose)

    def sources(self) -> tuple[str, ...]:
        """The source keys of the note, each once, in order of first use."""
        return tuple(dict.fromkeys(s for p in self.points() for s in p.sources))


@dataclass(frozen=True)
class Imaging:
    """A pathway's imaging companion: studies, bands, background, the rule and its limits."""

    pathway: str
    studies: tuple[Study, ...]
    bands: tuple[Band, ...]
    bands_point: Point
    background_per_year: int
    background: Point
    rule: Point
    limits: tuple[Point, ...]
    sources: tuple[Source, ...] = ()
    summary: str = ""
    path: str = ""
    #: a case fact that records earlier imaging (``imaging_done``), its values' studies, and how
    #: sure that mapping is
    case_fact: str = ""
    case_studies: tuple[tuple[str, str], ...] = ()
    case_point: Point | None = None

    def studies_of_case(self, facts: Mapping[str, object]) -> tuple[str, ...]:
        """The studies a case's facts record as done (through :attr:`case_fact`), or ()."""
        value = facts.get(self.case_fact) if self.case_fact else None
        return tuple(sid for v, sid in self.case_studies if v == value)

    def has(self, study: str) -> bool:
        return any(s.id == study for s in self.studies)

    def study(self, study: str) -> Study:
        """The study with this id; KeyError when there is none."""
        for s in self.studies:
            if s.id == study:
                return s
        raise KeyError(study)

    def band(self, level: str) -> Band:
        """The band of a relative radiation level; KeyError when it is not declared."""
        for b in self.bands:
            if b.level == level:
                return b
        raise KeyError(level)

    def source(self, key: str) -> Source | None:
        return next((s for s in self.sources if s.key == key), None)
