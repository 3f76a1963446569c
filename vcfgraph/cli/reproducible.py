"""Dates in generated files, fixed so that two runs give the same bytes in any time zone.

PDF writers (Graphviz through cairo, Chromium through Skia) stamp ``/CreationDate`` and
``/ModDate`` with the local time: ``D:20260102030405Z``, ``D:20260102084905+05'45'`` or
``+05'45`` depending on the writer and the zone. :func:`fix_pdf_dates` replaces every such date
by the build date (:func:`build_time`: ``SOURCE_DATE_EPOCH`` when set, as the reproducible-builds
convention asks, else 2000-01-01 00:00:00 UTC) written in UTC with exactly as many characters as
the date it replaces, so the byte offsets in the PDF's cross-reference table stay right.
"""

from __future__ import annotations

import os
import re
import time

from vcfgraph.errors import UsageError

__all__ = ["DEFAULT_EPOCH", "build_time", "fix_pdf_dates", "child_env"]

#: the date used when SOURCE_DATE_EPOCH is not set: 2000-01-01T00:00:00Z
DEFAULT_EPOCH = 946684800
_MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z, the last date a PDF date can hold
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate)(\s*)\(D:(\d{4,14})([^)]{0,8})\)")


def build_time() -> int:
    """The build date in seconds since 1970: ``SOURCE_DATE_EPOCH``, or :data:`DEFAULT_EPOCH`.

    Raises:
        UsageError: SOURCE_DATE_EPOCH is set but is not a whole number of seconds from 0 to
            253402300799 (the end of year 9999).
    """
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw == "":
        return DEFAULT_EPOCH
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > _MAX_EPOCH:
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        raise UsageError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970 from 0 to {_MAX_EPOCH}, "
                         f"got '{shown}'")
    return int(text)


def _utc_zone(zone: bytes) -> bytes:
    """A PDF time zone suffix of the same length that says UTC (``Z``, ``+00'00'``, ``+00``)."""
    if zone in (b"", b"Z"):
        return zone
    return re.sub(rb"\d", b"0", zone).replace(b"-", b"+")


def fix_pdf_dates(data: bytes, epoch: int | None = None) -> bytes:
    """``data`` (a PDF) with every creation and modification date set to the build date.

    Args:
        data: the PDF.
        epoch: the date to write, in seconds since 1970; default :func:`build_time`.
    """
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(build_time() if epoch is None else epoch)).encode()

    def replace(m: re.Match[bytes]) -> bytes:
        digits = m.group(3)
        return b"/%s%s(D:%s%s)" % (m.group(1), m.group(2), stamp[:len(digits)], _utc_zone(m.group(4)))

    return _PDF_DATE.sub(replace, data)


def child_env() -> dict[str, str]:
    """The environment for a program that writes output files: ours, in UTC, with the build date."""
    return {**os.environ, "TZ": "UTC", "SOURCE_DATE_EPOCH": str(build_time())}
