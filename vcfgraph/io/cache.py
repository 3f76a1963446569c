"""The cache: located trees of files already read, and reports already printed, kept as signed
JSON, bounded in size.

An entry is the JSON form of a located tree (:mod:`vcfgraph.io.tree`: plain types only, so
reading it can never run code), filed under a content key, the SHA-256 of the file's bytes and
of the reading code. It is trusted only when its HMAC-SHA-256, made with a per-user secret key
(``key`` in the cache folder, created with mode 0600), matches: a planted or damaged file fails
the check and is only a miss. What comes out is still a tree that the pathway reader checks in
full, as if it had just been parsed.

A report entry (:meth:`TreeCache.get_report`) is a command's printed output and exit code as
plain JSON, filed under :func:`report_key`: the bytes of every file the command read, every file
of the package (its code and version) and every option that shapes the output. It too is trusted
only when signed, and then validated field by field; what it means and when it may be used is
left to the command (``vcfgraph check``).

The folder is ``$VCFGRAPH_CACHE``, else ``$XDG_CACHE_HOME/vcfgraph`` or ``~/.cache/vcfgraph``;
``VCFGRAPH_CACHE=off`` turns the cache off. It holds at most :data:`MAX_ENTRIES` entries and
:data:`MAX_TOTAL` bytes; the least recently used go first.

The folder must be the user's own: one that belongs to another user, or that others may write
to, is not used (a warning on the ``vcfgraph.cache`` logger says so once, and files are read
without the cache); so is one whose key cannot be used. Entries are opened without following a
link and without blocking, and only regular files within the size bound are read.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import stat
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from vcfgraph.errors import short
from vcfgraph.io import tree as tree_mod

__all__ = ["TreeCache", "CachedReport", "report_key", "MISS", "MAX_ENTRIES", "MAX_TOTAL", "MAX_ENTRY"]

#: most entries kept
MAX_ENTRIES = 64
#: most bytes kept in all entries
MAX_TOTAL = 256 * 1024 * 1024
#: largest file whose tree is kept
MAX_ENTRY = 32 * 1024 * 1024

MISS = object()
_log = logging.getLogger("vcfgraph.cache")
_said: set[str] = set()
_MAGIC = b"vcfgraph-tree-1\n"
_KEY_BYTES = 32
_REPORT_FORMAT = "vcfgraph-report-1"
_PACKAGE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class CachedReport:
    """What a command printed: the text (as handed to the output module), whether a newline
    followed it, and the exit code."""

    text: str
    newline: bool
    exit_code: int


@lru_cache(maxsize=1)
def _code_key() -> bytes:
    """A digest of the modules that decide what tree a file gives."""
    here = Path(__file__).resolve().parent
    return hashlib.sha256(b"".join((here / n).read_bytes() for n in ("tree.py", "yaml12.py", "source.py"))).digest()


@lru_cache(maxsize=1)
def _package_key() -> bytes:
    """A digest of every file of the installed package (its code, its version, its data) and of
    the Python version: any change to what could shape a report changes every report key.

    Raises:
        OSError: the package is not a folder of files that can be read.
    """
    digest = hashlib.sha256(sys.version.encode() + b"\0")
    if not (_PACKAGE / "__init__.py").is_file():  # run from a zip, say: its files cannot be told apart
        raise OSError(f"{_PACKAGE} is not a folder of files")
    for root, dirs, files in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if not name.endswith((".pyc", ".pyo")):
                path = Path(root) / name
                body = path.read_bytes()
                digest.update(f"{path.relative_to(_PACKAGE).as_posix()}\0{len(body)}\0".encode() + body)
    return digest.digest()


def report_key(command: str, files: Sequence[bytes], options: Mapping[str, str]) -> bytes:
    """The key of a command's output: the package (:func:`_package_key`), the command, the
    SHA-256 of the bytes of every file it read, in order, and every option that shapes the output.

    Raises:
        OSError: a file of the package cannot be read (the caller then goes without the cache).
    """
    described = json.dumps({"format": _REPORT_FORMAT, "command": command,
                            "files": [hashlib.sha256(data).hexdigest() for data in files],
                            "options": sorted(options.items())}, ensure_ascii=True)
    return hashlib.sha256(_package_key() + b"\0" + described.encode("ascii")).digest()


def _report_from(payload: bytes, key: bytes) -> CachedReport | None:
    """A kept report, validated field by field; None for anything else."""
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    if (not isinstance(data, dict) or set(data) != {"format", "key", "text", "newline", "exit"}
            or data["format"] != _REPORT_FORMAT or data["key"] != key.hex() or not isinstance(data["text"], str)
            or not isinstance(data["newline"], bool) or type(data["exit"]) is not int or data["exit"] not in (0, 1)):
        return None
    return CachedReport(data["text"], data["newline"], data["exit"])


def _folder() -> Path | None:
    setting = os.environ.get("VCFGRAPH_CACHE", "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    if setting:
        return Path(setting)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vcfgraph"


def _say_once(message: str) -> None:
    if message not in _said:
        _said.add(message)
        _log.warning("vcfgraph: %s", message)


def _folder_problem(folder: Path) -> str | None:
    """Why the cache folder is not to be trusted, or None when it is the user's own."""
    info = os.stat(folder)
    if not stat.S_ISDIR(info.st_mode):
        return "is not a folder"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return "belongs to another user"
    if info.st_mode & 0o022:
        return "can be written by other users"
    return None


def _secret(folder: Path) -> bytes | None:
    """The per-user key: created 0600 when absent; refused unless it is ours and private."""
    path = folder / "key"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except FileExistsError:
            return _secret_again(path, flags)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(_KEY_BYTES))
        return _secret_again(path, flags)
    return _check_secret(fd)


def _secret_again(path: Path, flags: int) -> bytes | None:
    return _check_secret(os.open(path, flags))


def _check_secret(fd: int) -> bytes | None:
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077 or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
            return None
        key = f.read(_KEY_BYTES + 1)
    return key if len(key) == _KEY_BYTES else None


class TreeCache:
    """One cache folder and its key. Every failure of the cache is only a miss."""

    def __init__(self, folder: Path, key: bytes) -> None:
        self.folder = folder
        self.key = key

    @classmethod
    def open(cls) -> "TreeCache | None":
        """The cache, or None when it is off or its folder or key cannot be used."""
        folder = _folder()
        if folder is None:
            return None
        where = short(str(folder), 200)
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            problem = _folder_problem(folder)
            if problem:
                _say_once(f"the cache folder {where} {problem}: reading without the cache (remove it, or set "
                          "VCFGRAPH_CACHE to a folder of your own, or to off)")
                return None
            key = _secret(folder)
        except OSError as exc:
            _say_once(f"the cache folder {where} cannot be used ({exc.strerror}): reading without the cache")
            return None
        if key is None:
            _say_once(f"the cache key {where}/key is not a private file of yours with {_KEY_BYTES} bytes: "
                      "reading without the cache (remove the key to make a new one)")
            return None
        return cls(folder, key)

    def _entry(self, data: bytes) -> tuple[Path, bytes]:
        digest = hashlib.sha256(_code_key() + b"\0" + data).digest()
        return self.folder / f"tree-{digest.hex()[:40]}.json", digest

    def _sign(self, digest: bytes, payload: bytes) -> bytes:
        return hmac.new(self.key, digest + payload, hashlib.sha256).hexdigest().encode()

    def _read(self, path: Path, digest: bytes) -> bytes | None:
        """The signed payload of an entry, or None: absent, not a bounded regular file, or its
        signature does not match (planted or damaged)."""
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_TOTAL:
                return None  # a FIFO, a device or a (sparse) giant is never read
            try:
                blob = f.read(MAX_TOTAL + 1)
            except OSError:
                return None
        head, sep, rest = blob[len(_MAGIC):].partition(b"\n")
        if not blob.startswith(_MAGIC) or not sep or not hmac.compare_digest(head, self._sign(digest, rest)):
            return None
        try:
            os.utime(path)  # recently used
        except OSError:
            pass
        return rest

    def _write(self, path: Path, digest: bytes, payload: bytes) -> None:
        """Keep a signed entry (atomically, under a unique temporary name); a failure is only a miss later."""
        try:
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".entry-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(_MAGIC + self._sign(digest, payload) + b"\n" + payload)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
            self._evict()
        except OSError:
            pass  # no cache is only slower

    def get(self, data: bytes) -> Any:
        """The tree of a file with these bytes, or :data:`MISS`."""
        path, digest = self._entry(data)
        rest = self._read(path, digest)
        if rest is None:
            return MISS
        try:
            return tree_mod.loads(rest)
        except (ValueError, TypeError, KeyError, IndexError, RecursionError):
            return MISS

    def put(self, data: bytes, tree: Any) -> None:
        """Keep the tree of a file with these bytes."""
        if len(data) > MAX_ENTRY:
            return
        path, digest = self._entry(data)
        self._write(path, digest, tree_mod.dumps(tree))

    def get_report(self, key: bytes) -> CachedReport | None:
        """The output kept under a :func:`report_key`, or None when there is none to trust."""
        rest = self._read(self._report_path(key), key)
        return None if rest is None else _report_from(rest, key)

    def put_report(self, key: bytes, report: CachedReport) -> None:
        """Keep a command's output under a :func:`report_key` (plain JSON, signed)."""
        payload = json.dumps({"format": _REPORT_FORMAT, "key": key.hex(), "text": report.text,
                              "newline": report.newline, "exit": report.exit_code},
                             ensure_ascii=True, separators=(",", ":")).encode("ascii")
        if len(payload) <= MAX_ENTRY:
            self._write(self._report_path(key), key, payload)

    def _report_path(self, key: bytes) -> Path:
        return self.folder / f"report-{key.hex()[:40]}.json"

    def _evict(self) -> None:
        """Drop the least recently used entries beyond the bounds, and entries of the old
        (pickle) format, which are never read."""
        for old in self.folder.glob("pathway-*.pickle"):
            old.unlink(missing_ok=True)
        entries = []
        for p in [*self.folder.glob("tree-*.json"), *self.folder.glob("report-*.json")]:
            try:
                info = p.stat()
            except OSError:
                continue
            entries.append((info.st_mtime_ns, p.name, info.st_size, p))
        entries.sort(reverse=True)
        total = 0
        for i, (_, _, size, p) in enumerate(entries):
            total += size
            if i >= MAX_ENTRIES or total > MAX_TOTAL:
                p.unlink(missing_ok=True)
