"""Writing the files ``render`` and ``site`` make: clear errors, no overwrites, a manifest.

- :func:`refuse_clashes` stops a run before anything is drawn when two cases (or a case and the
  pathway) would write the same file, also on a file system that ignores letter case.
- :func:`write_files` writes text as UTF-8 with ``\\n`` line ends and bytes as they are; a file
  that cannot be written (a full disk, a missing or read-only folder, a name that is a folder)
  is a :class:`~vcfgraph.errors.UsageError` naming that file and the reason.
- :func:`read_manifest` and :func:`write_manifest` keep, in the site's folder, the list of files
  the last build wrote (:data:`MANIFEST`), so that a build removes the pages it no longer makes
  and nothing else: a page a person put into ``cases/`` stays.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Iterable, Mapping

from vcfgraph.errors import UsageError
from vcfgraph.render.ids import clashes

__all__ = ["refuse_clashes", "write_files", "MANIFEST", "read_manifest", "write_manifest", "remove_files"]

#: the file, in a site's folder, that lists the files the last build wrote
MANIFEST = ".vcfgraph-site.json"
_MANIFEST_NOTE = "Files written by 'vcfgraph site'. The next build removes those it no longer writes, and no other file."
_MANIFEST_LIMIT = 4 * 1024 * 1024


def refuse_clashes(names: Iterable[tuple[str, str]]) -> None:
    """Stop when two writers would write one file.

    Args:
        names: (file name, writer) pairs, e.g. ``("cases/x.html", "case 'x'")``.

    Raises:
        UsageError: naming every such file and both of its writers.
    """
    found = clashes(names)
    if found:
        lines = [f"{first} and {second} would both be written to {name}" for name, first, second in found]
        raise UsageError("; ".join(lines) + " (file names ignore letter case on many systems): give one of the "
                         "cases another id")


def _write_one(target: Path, data: str | bytes) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the folder {target.parent}: {exc.strerror or exc}") from None
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if target.is_symlink():  # a link the user made is written through, as before, not replaced
        try:
            with open(target, "wb") as handle:
                handle.write(raw)
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
        return
    temp = None
    try:  # to a temporary file beside it, then renamed over it: a reader sees the old file or the new one
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, target)
        temp = None
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_files(out_dir: Path, files: Mapping[str, str | bytes]) -> None:
    """Write ``files`` (relative name -> text or bytes) under ``out_dir``, in name order.

    Raises:
        UsageError: ``out_dir`` is a file, or a file cannot be written (naming it and why).
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: is a file, not a folder")
    for name, data in sorted(files.items()):
        _write_one(out_dir / name, data)


def _safe(name: object) -> bool:
    """A manifest entry this tool could have written: a relative path inside the folder."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        return False
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and path.parts[0] != MANIFEST


def read_manifest(out_dir: Path) -> tuple[set[str], str | None]:
    """The files the last build wrote into ``out_dir``.

    Returns:
        The names (empty when there is no manifest), and a warning when a manifest is there but
        is not one this tool wrote (then nothing is removed).
    """
    path = out_dir / MANIFEST
    try:
        if not path.is_file():
            return set(), None
        with path.open("rb") as handle:
            raw = handle.read(_MANIFEST_LIMIT + 1)
        data = json.loads(raw.decode("utf-8")) if len(raw) <= _MANIFEST_LIMIT else None
    except (OSError, ValueError):
        data = None
    names = data.get("files") if isinstance(data, dict) else None
    if not isinstance(names, list) or not all(_safe(n) for n in names):
        return set(), f"{path} is not a list of files this tool wrote; no old file is removed"
    return set(names), None


def write_manifest(out_dir: Path, names: Iterable[str]) -> None:
    """Record ``names`` as the files of the build in ``out_dir`` (sorted: same input, same bytes).

    Raises:
        UsageError: the manifest cannot be written.
    """
    text = json.dumps({"note": _MANIFEST_NOTE, "files": sorted(set(names))}, indent=1, ensure_ascii=True) + "\n"
    _write_one(out_dir / MANIFEST, text)


def remove_files(out_dir: Path, names: Iterable[str]) -> list[str]:
    """Remove the regular files ``names`` under ``out_dir`` (entries of a manifest).

    Returns:
        The names removed, sorted.

    Raises:
        UsageError: a file is there but cannot be removed.
    """
    removed = []
    for name in sorted(names):
        target = out_dir / name
        if not _safe(name) or target.is_symlink() or not target.is_file():
            continue
        try:
            target.unlink()
        except OSError as exc:
            raise UsageError(f"cannot remove the old page {target}: {exc.strerror or exc}") from None
        removed.append(name)
    return removed
