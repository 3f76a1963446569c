"""Where the lines of a block of JSON Lines are, and which of them a JSON parser in C may be given.

:class:`Lines` finds the non-blank lines of a block of whole lines (byte offsets and line
numbers, with numpy) and the lines pyarrow's JSON reader must not see: not an object, nested too
deeply (:func:`arrow_safe`), not UTF-8. :func:`cut_lines` cuts a block into parts of whole lines
to be read at once by several threads; :func:`line_ends` counts line ends.

What it leaves to others: parsing the lines (:mod:`vcfgraph.batch.jsonl` and
:mod:`vcfgraph.batch.duck`), cutting the file into blocks (:mod:`vcfgraph.batch.readers`).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["MAX_BRACKETS", "PART_BYTES", "Lines", "arrow_safe", "cut_lines", "line_ends", "line_index"]


class Lines:
    """Where the non-blank lines of a block are: ``starts`` and ``ends`` (byte offsets), their
    line ``numbers`` in the file, and ``broken``, the rows pyarrow must not see (not an object,
    nested too deeply, not UTF-8)."""

    def __init__(self, block: bytes | memoryview, first_line: int, brackets: bool = True) -> None:
        """``brackets``: count the brackets of every line (for pyarrow; DuckDB reads any depth)."""
        self.block, self.first_line = block, first_line
        data = np.frombuffer(self.block, dtype=np.uint8)
        breaks = np.flatnonzero(data == 10)
        starts = np.concatenate(([0], breaks + 1))
        ends = np.concatenate((breaks, [len(data)]))
        # a line is blank when it is empty or all white space: look at the first byte of every line,
        # and at the whole line only for the few that start with white space
        first = np.where(starts < len(data), data[np.minimum(starts, max(len(data) - 1, 0))], 10) if len(data) \
            else np.full(len(starts), 10, dtype=np.uint8)
        keep = (ends > starts) & ~np.isin(first, _SPACE)
        for k in np.flatnonzero((ends > starts) & np.isin(first, _SPACE)):
            keep[k] = bool(bytes(self.block[int(starts[k]):int(ends[k])]).strip())
        self.numbers = np.flatnonzero(keep) + self.first_line
        self.starts, self.ends = starts[keep], ends[keep]
        self.broken: set[int] = set()
        if len(self.starts):  # only objects, not deeply nested, go to pyarrow: a lone `null` or 100,000 `{` crash it
            opens = data[self.starts] == _OPEN
            odd = ~opens | (data[self.ends - 1] != _CLOSE)
            if brackets and _bracketed(data, int(np.count_nonzero(opens))):
                found = np.flatnonzero((data == _OPEN) | (data == _SQUARE))  # about one per line
                odd |= np.searchsorted(found, self.ends) - np.searchsorted(found, self.starts) > MAX_BRACKETS
            for n in np.flatnonzero(odd).tolist():
                line = bytes(self.block[int(self.starts[n]):int(self.ends[n])]).strip()
                if not (arrow_safe(line) if brackets else line.startswith(b"{") and line.endswith(b"}")):
                    self.broken.add(n)
        if _utf8(self.block):  # checked by Arrow, without making a Python str of the block
            return
        at = 0
        while at < len(self.block):  # UTF-8 is checked on the whole block at C speed; a bad line is read alone
            try:
                bytes(self.block[at:]).decode("utf-8")
                break
            except UnicodeDecodeError as exc:
                row = int(np.searchsorted(self.ends, at + exc.start))
                self.broken.add(row)
                at = int(self.ends[row]) + 1 if row < len(self.ends) else len(self.block)


def _bracketed(data: np.ndarray, opens: int) -> bool:
    """Whether a line of the block may hold more than :data:`MAX_BRACKETS` brackets. Each of the
    ``opens`` lines that start with ``{`` holds one at least, so none holds more than the block's
    brackets less one per other such line; the brackets are counted per line only past that."""
    total = int(np.count_nonzero(data == _OPEN)) + int(np.count_nonzero(data == _SQUARE))
    return total - max(opens - 1, 0) > MAX_BRACKETS


def line_index(block: bytes | memoryview, first_line: int, brackets: bool = True) -> Lines:
    """The non-blank lines of a block of whole lines (see :class:`Lines`)."""
    return Lines(block, first_line, brackets)


def _utf8(data: bytes | memoryview) -> bool:
    """Whether ``data`` is valid UTF-8 (Arrow's check, which releases the GIL)."""
    offsets = np.array([0, len(data)], dtype=np.int64)
    raw = pa.Array.from_buffers(pa.large_binary(), 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    try:
        raw.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def line_ends(data: bytes | memoryview, start: int = 0, stop: int | None = None) -> int:
    """How many ``\\n`` ``data[start:stop]`` holds, counted by numpy (which lets other threads
    run meanwhile; ``bytes.count`` holds the interpreter for the whole block)."""
    view = np.frombuffer(data, dtype=np.uint8)[start:stop]
    return int(np.count_nonzero(view == 10))


#: a block is split into parts of at least this many bytes, read at once by several threads
PART_BYTES = 1 << 20


def cut_lines(block: bytes | memoryview, workers: int) -> list[tuple[int, int]]:
    """The block in up to ``workers`` parts of whole lines, of at least PART_BYTES each: (start, end)."""
    parts = max(1, min(workers, len(block) // PART_BYTES))
    cuts = [0]
    for k in range(1, parts):
        at = _find_line_end(block, max(cuts[-1], len(block) * k // parts))
        if at < 0:
            break
        cuts.append(at + 1)
    cuts.append(len(block))
    return [(a, b) for a, b in pairwise(cuts) if b > a]


def _find_line_end(block: Any, at: int) -> int:
    """Where the first ``\\n`` at or after ``at`` is (-1: none), in bytes or a memoryview."""
    step = 1 << 16
    while at < len(block):
        found = bytes(block[at:at + step]).find(b"\n")
        if found >= 0:
            return at + found
        at += step
    return -1


_SPACE = np.array([9, 10, 13, 32], dtype=np.uint8)
_OPEN, _CLOSE = ord("{"), ord("}")
_SQUARE = ord("[")
#: a line with more ``{`` and ``[`` than this is read by Python (pyarrow recurses without a limit)
MAX_BRACKETS = 64


def arrow_safe(line: bytes) -> bool:
    """Whether pyarrow's JSON reader may be given ``line``: one object (it crashes on a lone
    ``null``), with at most :data:`MAX_BRACKETS` brackets (it overflows the stack on deep nesting)."""
    line = line.strip()
    return line.startswith(b"{") and line.endswith(b"}") and line.count(b"{") + line.count(b"[") <= MAX_BRACKETS
