"""Batch output files: written chunk by chunk to a private temporary file, moved into place at the end.

- The rows go to a temporary file of a unique name (``mkstemp``) in the output's folder, and
  :meth:`Output.commit` renames it over the output in one step (``os.replace``), so a reader
  sees the old file or the whole new one, never half a file, and a failed or stopped run leaves
  no file behind (:meth:`Output.discard`).
- Two runs writing one output at once would each produce a complete file and the last rename
  would silently win. So the output is locked for the run (``flock`` on a hidden ``.NAME.lock``
  next to it, removed at the end): the second run fails at once with a clear message and writes
  nothing. The lock file is opened with ``O_NOFOLLOW``: a symbolic link (or anything but a
  regular file) planted under its name is refused, never followed.
- A write that fails (a full disk, a file size limit, an I/O error) is a :class:`UsageError`
  naming the output, never a traceback.

The formats: CSV through pyarrow's CSV writer (list columns joined by ``;``; text made safe for
terminals and spreadsheets by :func:`csv_safe`), Parquet through pyarrow's Parquet writer, JSON
Lines through :func:`vcfgraph.batch.jsonl.encode_lines` (which escapes control characters as
JSON does).
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vcfgraph.batch.arrays import strings
from vcfgraph.batch.readers import file_format
from vcfgraph.errors import UsageError

__all__ = ["FORMULA_PREFIXES", "PARQUET_OPTIONS", "Output", "csv_safe", "open_output"]

#: Parquet writer options, chosen by measurement (docs/batch.md, "Parquet output")
PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "use_dictionary": True}


def _reason(exc: BaseException) -> str:
    """Why a write failed, in the system's words ("No space left on device")."""
    found = re.search(r"\[errno (\d+)\]", str(exc))  # Arrow's wording: "... Detail: [errno 28] ..."
    if found:
        return os.strerror(int(found.group(1)))
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


class _Lock:
    """An exclusive lock on one output path for the length of a run."""

    def __init__(self, path: Path) -> None:
        self.file = path.with_name(f".{path.name}.lock")
        self.fd: int | None = None
        try:
            import fcntl
        except ImportError:  # no flock (Windows): concurrent runs are not detected
            return
        for _attempt in range(20):
            try:  # never through a planted symbolic link, never blocking on a planted FIFO
                fd = os.open(self.file, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise UsageError(f"{path}: the lock file {self.file} is a symbolic link; a batch never follows "
                                     "one (remove it, or write to another folder)") from None
                raise UsageError(f"{path}: cannot write in the folder {path.parent} ({_reason(exc)})") from None
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise UsageError(f"{path}: the lock file {self.file} is not a regular file; remove it")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise UsageError(f"{path}: another batch is writing this output right now; wait for it to "
                                 "finish or write to another file") from None
            try:  # the run that held it may have removed the file just before we locked it
                current = os.stat(self.file).st_ino
            except FileNotFoundError:
                current = -1
            if current == os.fstat(fd).st_ino:
                self.fd = fd
                return
            os.close(fd)
        raise UsageError(f"{path}: cannot lock the output ({self.file} keeps changing)")

    def release(self) -> None:
        """Remove the lock file and unlock (never raises)."""
        if self.fd is None:
            return
        try:
            os.unlink(self.file)
        except OSError:
            pass
        os.close(self.fd)
        self.fd = None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class Output:
    """A batch output file written chunk by chunk; the file appears only on :meth:`commit`.

    Raises:
        UsageError: the output cannot be written (its folder is missing or read-only, another
            run is writing it, the disk is full).
    """

    def __init__(self, path: str | Path, schema: pa.Schema) -> None:
        self.path = Path(path)
        self.format = file_format(path)
        if self.format == "parquet" and self.path.suffix.lower() not in (".parquet", ".pq"):
            raise UsageError(f"{path}: the output must be one file ending in .csv, .jsonl, .ndjson or .parquet")
        if not self.path.parent.is_dir():
            raise UsageError(f"{path}: the folder {self.path.parent} does not exist")
        if self.path.is_dir():
            raise UsageError(f"{path}: is a folder; the output must be a file")
        if self.path.exists() and not self.path.is_file():  # /dev/stdout, a FIFO: renaming over it would replace it
            raise UsageError(f"{path}: is not a regular file; the output must be a file that can be replaced "
                             "(write to a file, then copy it where it should go)")
        self.schema = schema
        self._writer: Any = None
        self._fh: Any = None
        self._lock = _Lock(self.path)
        # the name is chosen before the file exists, so a signal that lands at any point after the
        # file is made finds it named and removes it (mkstemp names it only once it returns)
        self.temp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(6)}.partial")
        made = False
        try:
            fd = self._create()
            made = True
            os.fchmod(fd, 0o666 & ~_umask())  # the permissions of a file written the ordinary way
            os.close(fd)
            self._open()
        except BaseException as exc:
            self.discard()
            if isinstance(exc, (OSError, pa.ArrowException)):
                where = "write the output" if made else f"write in the folder {self.path.parent}"
                raise UsageError(f"{path}: cannot {where} ({_reason(exc)})") from None
            raise

    def _create(self) -> int:
        """Make the temporary file, private and new (never an existing file or a link)."""
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        for _attempt in range(100):
            try:
                return os.open(self.temp, flags, 0o600)
            except FileExistsError:
                self.temp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(6)}.partial")
        raise FileExistsError(errno.EEXIST, "no free name for a temporary file")

    def _open(self) -> None:
        if self.format == "jsonl":
            self._fh = open(self.temp, "wb")
            return
        self._fh = pa.OSFile(str(self.temp), "wb")  # Arrow's own file: writes release the GIL
        if self.format == "csv":
            import pyarrow.csv as pcsv

            fields = [pa.field(f.name, pa.string()) if pa.types.is_list(f.type) else f for f in self.schema]
            self._writer = pcsv.CSVWriter(self._fh, pa.schema(fields),
                                          write_options=pcsv.WriteOptions(quoting_style="needed"))
        elif self.format == "parquet":
            import pyarrow.parquet as pq

            self._writer = pq.ParquetWriter(self._fh, self.schema, **PARQUET_OPTIONS)

    def write(self, table: pa.Table) -> None:
        """Append rows (a table with this output's schema).

        Raises:
            UsageError: the rows cannot be written (a full disk).
        """
        try:
            if self.format == "csv":
                sep = strings([";"])[0]  # an Arrow scalar: a Python ";" would go through pa.scalar, which imports pandas
                columns = [csv_safe(pc.binary_join(col, sep) if pa.types.is_list(col.type) else col)
                           for col in table.columns]
                self._writer.write_table(pa.table(columns, names=table.column_names))
            elif self.format == "parquet":
                self._writer.write_table(table)
            else:
                from vcfgraph.batch.jsonl import encode_lines

                self._fh.write(encode_lines(table))
        except (OSError, pa.ArrowException) as exc:
            raise UsageError(f"{self.path}: cannot write the output ({_reason(exc)})") from None

    def _close(self) -> None:
        writer, fh = self._writer, self._fh
        self._writer = self._fh = None
        if writer is not None:
            writer.close()
        if fh is not None:
            fh.close()

    def commit(self) -> None:
        """Finish the file and move it to its name.

        Raises:
            UsageError: the end of the file cannot be written, or it cannot be renamed.
        """
        try:
            self._close()
            os.replace(self.temp, self.path)
        except (OSError, pa.ArrowException) as exc:
            self.discard()
            raise UsageError(f"{self.path}: cannot write the output ({_reason(exc)})") from None
        self._lock.release()

    def discard(self) -> None:
        """Drop the partial file (after an error or a signal); never raises."""
        try:
            self._close()
        except (OSError, pa.ArrowException):
            pass
        try:
            self.temp.unlink(missing_ok=True)
        except OSError:
            pass
        self._lock.release()


#: a CSV cell that starts with one of these is a formula to a spreadsheet
FORMULA_PREFIXES = "=+-@"
_UNSAFE = "^[=+\\-@]|[\\x{00}-\\x{1f}\\x{7f}-\\x{9f}]"
#: how a control character is written in a CSV cell: as JSON writes it (``\n``, ``\u001b``)
_CONTROL_TEXT = {chr(c): json.dumps(chr(c))[1:-1] for c in range(0x20)} | {
    chr(c): f"\\u{c:04x}" for c in range(0x7F, 0xA0)}


#: the first bytes of a formula cell, and of C1 control characters in UTF-8 (U+0080-U+009F: C2 80-9F)
_FORMULA_BYTES = np.frombuffer(FORMULA_PREFIXES.encode(), dtype=np.uint8)
_C1_LEAD = 0xC2


def _plainly_safe(column: pa.Array) -> bool:
    """True when a plain string array has no control character and no cell starting with a formula
    character, judged from its buffers by numpy (a third of the regular expression's time). It may
    answer False for safe text (any C2 byte, a null slot holding bytes): :func:`csv_safe` then asks
    the exact regular expression."""
    if not pa.types.is_string(column.type):
        return False
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32, count=column.offset + len(column) + 1)
    offsets = offsets[column.offset:]
    data = column.buffers()[2]
    if data is None or offsets[-1] == offsets[0]:
        return True
    text = np.frombuffer(data, dtype=np.uint8, count=int(offsets[-1]))[int(offsets[0]):]
    if ((text < 0x20) | (text == 0x7F) | (text == _C1_LEAD)).any():
        return False
    starts = (offsets[:-1] - offsets[0])[offsets[1:] > offsets[:-1]]
    return not np.isin(text[starts], _FORMULA_BYTES).any()


def csv_safe(column: Any) -> Any:
    """A text column as a CSV output writes it: control characters (C0, DEL, C1) as the visible
    escapes JSON uses (``\n``, ``\u001b``, ``\u009b``), and a cell that starts with ``=``, ``+``,
    ``-`` or ``@`` (a formula to a spreadsheet) with a ``'`` before it. Other columns, and text
    without such cells (the usual case, checked at C speed), are returned as they are.
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        values = csv_safe(column.dictionary)
        return column if values is column.dictionary else pa.DictionaryArray.from_arrays(column.indices, values)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)) or len(column) == 0:
        return column
    if _plainly_safe(column) or not pc.any(pc.match_substring_regex(column, _UNSAFE)).as_py():
        return column
    text = column
    if pc.any(pc.match_substring_regex(text, "[\\x{00}-\\x{1f}\\x{7f}-\\x{9f}]")).as_py():
        for char, shown in _CONTROL_TEXT.items():
            text = pc.replace_substring(text, char, shown)
    return pc.replace_substring_regex(text, "^([=+\\-@])", "'\\1")


def open_output(path: str | Path, schema: pa.Schema) -> Output:
    """Open an output file for writing rows of ``schema``."""
    return Output(path, schema)
