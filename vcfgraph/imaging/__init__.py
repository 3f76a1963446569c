"""The imaging companion of a pathway, in the kernel: pure data and functions, no files.

- :mod:`vcfgraph.imaging.model`: the protocol notes and dose data of each imaging study
  (:class:`Imaging`, :class:`Study`, :class:`Point`, ...), re-exported here;
- :mod:`vcfgraph.imaging.dose`: the cumulative-dose rule (a range, never one falsely precise number);
- :mod:`vcfgraph.imaging.report`: what a route's imaging adds, as text and as data.

Reading the companion file is :mod:`vcfgraph.io.imaging`'s job; drawing it, :mod:`vcfgraph.render`'s.
"""

from vcfgraph.imaging.model import ID_STATUSES, NOTE_PARTS, Band, Imaging, Point, RegionBand, Study, StudyDose

__all__ = ["Point", "Band", "RegionBand", "StudyDose", "Study", "Imaging", "NOTE_PARTS", "ID_STATUSES"]
