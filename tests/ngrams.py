"""Word n-grams for the originality test: the project writes every text in its own words.

`tests/data/reference/source-ngrams.txt` holds hashes (never the words) of every 8-word run of
the reference texts (seed article, fact base, vignettes); a text of ours that shares a run with
them was pasted, not written. Refresh the hashes with ``python -m tests.ngrams PATH...``.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path
from typing import Iterable, Iterator

N = 8


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def runs(text: str, n: int = N) -> Iterator[tuple[str, str]]:
    """(hash, words) for every n-word run of ``text``."""
    w = words(text)
    for i in range(len(w) - n + 1):
        run = " ".join(w[i : i + n])
        yield hashlib.sha1(run.encode()).hexdigest()[:16], run


def hashes(texts: Iterable[str]) -> set[str]:
    return {h for t in texts for h, _ in runs(t)}


if __name__ == "__main__":
    found = hashes(Path(p).read_text(encoding="utf-8") for p in sys.argv[1:])
    sys.stdout.write("".join(f"{h}\n" for h in sorted(found)))
