"""Reading a file's bytes once, with a size limit, and decoding them as UTF-8 with a located
error; then the located tree, from the cache when it holds these very bytes.

Reading the bytes once and parsing exactly those bytes is what makes ``/dev/stdin``,
``<(git show ...)`` and a file saved while it is being read all safe: the cache key and the
parsed text always come from the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vcfgraph.errors import Location, PathwayError, Problem, UsageError
from vcfgraph.io import cache as cache_mod
from vcfgraph.io.yaml12 import parse_yaml

__all__ = ["MAX_BYTES", "read_bytes", "decode", "read_tree", "tree_of"]

#: largest file vcfgraph reads
MAX_BYTES = 64 * 1024 * 1024


def read_bytes(path: str | Path, limit: int = MAX_BYTES) -> bytes:
    """The whole content of a file (a pipe or ``/dev/stdin`` too), at most ``limit`` bytes
    (:data:`MAX_BYTES` unless a reader of smaller files says less).

    Raises:
        UsageError: the file cannot be read.
        PathwayError: it is larger than the limit.
    """
    name = str(path)
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{name}: is a folder, not a file") from None
    except OSError as exc:
        raise UsageError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    if len(data) > limit:
        what = "the most vcfgraph reads" if limit == MAX_BYTES else "the most vcfgraph reads for this kind of file"
        raise PathwayError([Problem(Location(name), f"the file is larger than {limit // (1024 * 1024)} MiB, {what}")])
    return data


def decode(data: bytes, name: str) -> str:
    """UTF-8 text of ``data`` (a leading byte-order mark dropped).

    Raises:
        PathwayError: at the line and column of the first byte that is not UTF-8.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        col = len(data[start:exc.start].decode("utf-8", errors="replace")) + 1
        raise PathwayError([Problem(Location(name, line, col),
                                    f"byte 0x{data[exc.start]:02x} is not UTF-8 text; save the file as UTF-8")]) from None
    return text[1:] if text.startswith("\ufeff") else text


def read_tree(path: str | Path, *, cache: bool = False, limit: int = MAX_BYTES) -> Any:
    """Read a YAML 1.2 or JSON file into a located tree.

    Args:
        path: the file.
        cache: look the tree up in (and store it into) the tree cache, keyed by the bytes read.
        limit: the largest file read, in bytes.

    Raises:
        UsageError: the file cannot be read.
        PathwayError: the file is too large, not UTF-8 or not valid YAML (one located problem).
    """
    return tree_of(read_bytes(path, limit), str(path), cache=cache)


def tree_of(data: bytes, name: str, *, cache: bool = False) -> Any:
    """The located tree of a file's bytes already read (so a caller that keys something by
    those bytes reads them once), from the tree cache when ``cache`` and it holds them.

    Raises:
        PathwayError: the bytes are not UTF-8 text or not valid YAML (one located problem).
    """
    store = cache_mod.TreeCache.open() if cache else None
    if store is not None:
        tree = store.get(data)
        if tree is not cache_mod.MISS:
            return tree
    tree = parse_yaml(decode(data, name), name)
    if store is not None:
        store.put(data, tree)
    return tree
