"""The one boundary between the command line and the terminal: every command prints through here.

Text from a pathway or case file (labels, questions, vignettes, error messages that quote a
value) can hold terminal controls: ``ESC ] 0;...BEL`` retitles a terminal, ``ESC [8m`` hides the
lines after it, ``\\r`` overwrites a line, a bidi override reorders what the reader sees. So:

- :func:`clean` writes every such character as a visible escape (``\\x1b``, ``\\r``,
  ``\\u202e``): the C0 controls except the layout characters ``\\n`` and ``\\t``, DEL, the C1
  controls (U+0080-U+009F, which some terminals obey when UTF-8 encoded), the bidi controls
  (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and lone surrogates (which could not
  even be encoded). Everything else, accents and symbols included, is shown as it is.
- :func:`to_json` keeps JSON valid and lossless: ``json`` escapes C0 controls itself; the other
  characters above are written as ``\\uXXXX`` escapes, so a JSON reader gets the same text and a
  terminal never sees the raw control.
- A failed write (a full disk, ``> /dev/full``, an I/O error) becomes an :class:`OutputError`
  naming standard output or standard error, which the command line reports with exit code 2;
  a closed pipe (``| head``) ends the command quietly. :func:`finish` flushes both streams at the
  end of every command, so buffered output that cannot be written is reported too.

Writing files is left to the commands; this module only talks to the standard streams.
"""

from __future__ import annotations

import builtins
import errno
import json
import os
import re
import sys
from typing import Any, NoReturn, TextIO

from vcfgraph.errors import UsageError

__all__ = ["OutputError", "clean", "to_json", "echo", "write", "error", "flush", "finish", "prompt",
           "STDOUT", "STDERR"]

STDOUT = "standard output"
STDERR = "standard error"

#: characters never written raw to a terminal (see the module docstring)
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_TEXT = re.compile(f"[{_UNSAFE}]")
#: the same without the C0 controls, which ``json.dumps`` has escaped already
_UNSAFE_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\r": "\\r", "\x0b": "\\v", "\x0c": "\\f", "\x08": "\\b", "\x00": "\\0"}
#: write errors that mean "the output is full", as opposed to a failed read
_WRITE_ERRNOS = {errno.ENOSPC, errno.EPIPE, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}

_failed: set[str] = set()


class OutputError(UsageError):
    """Standard output or standard error could not be written (exit code 2)."""


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    r"""``text`` with every terminal control written as a visible escape; ``\n`` and ``\t`` kept.

    Examples:
        >>> clean("title\x1b]0;owned\x07 \x1b[8mhidden\r")
        'title\\x1b]0;owned\\x07 \\x1b[8mhidden\\r'
    """
    return _UNSAFE_TEXT.sub(_escape, text)


def to_json(data: Any, *, indent: int | None = None) -> str:
    """``data`` as JSON text that is valid, lossless and safe to show in a terminal.

    Non-ASCII text stays readable (``ensure_ascii=False``), except the characters :func:`clean`
    escapes, which become ``\\uXXXX`` escapes; a JSON reader decodes them to the same text.
    """
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _silence(stream: TextIO) -> None:
    """Point a stream that cannot be written at /dev/null, so that the interpreter's own flush at
    exit neither fails again nor prints 'Exception ignored'."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test's capture): nothing will flush it at exit
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except OSError:
        pass


def _fail(stream: TextIO, name: str, exc: OSError) -> NoReturn:
    _silence(stream)
    if isinstance(exc, BrokenPipeError):
        raise exc  # the reader went away (| head): the command line ends quietly
    _failed.add(name)
    raise OutputError(f"cannot write to {name}: {exc.strerror or exc}") from None


def _put(text: str, err: bool) -> None:
    stream, name = (sys.stderr, STDERR) if err else (sys.stdout, STDOUT)
    if name in _failed:
        return
    try:
        stream.write(clean(text))
    except OSError as exc:
        _fail(stream, name, exc)


def write(text: str, *, err: bool = False) -> None:
    """Write ``text`` (cleaned, as it is otherwise) to standard output, or to standard error.

    Raises:
        OutputError: the stream cannot be written (BrokenPipeError when its reader has gone).
    """
    _put(text, err)


def echo(text: str = "", *, err: bool = False) -> None:
    """Write ``text`` and a newline, like :func:`print` (see :func:`write`)."""
    _put(text + "\n", err)


def error(text: str) -> None:
    """Write a message line to standard error; never raises (there is nowhere else to report)."""
    if STDERR in _failed:
        return
    try:
        sys.stderr.write(clean(text + "\n"))
        sys.stderr.flush()
    except OSError as exc:
        _silence(sys.stderr)
        if not isinstance(exc, BrokenPipeError):
            _failed.add(STDERR)


def flush() -> None:
    """Flush standard output.

    Raises:
        OutputError: it cannot be written (BrokenPipeError when its reader has gone).
    """
    try:
        sys.stdout.flush()
    except OSError as exc:
        _fail(sys.stdout, STDOUT, exc)


def prompt(text: str, read: Any = None) -> str | None:
    """Show ``text`` and read one answer line from standard input; None at end of input.

    Args:
        text: the prompt (cleaned before it is shown).
        read: the line reader, :func:`input` by default (it edits lines on a terminal).

    Raises:
        OutputError: standard output cannot be written, or standard input cannot be read.
    """
    flush()
    try:
        return (read or builtins.input)(clean(text))
    except EOFError:
        return None
    except OSError as exc:
        if exc.errno in _WRITE_ERRNOS:
            _fail(sys.stdout, STDOUT, exc)
        raise OutputError(f"cannot read standard input: {exc.strerror or exc}") from None


def finish(code: int) -> int:
    """Flush both streams at the end of a command; the exit code, 2 when output was lost."""
    for stream, name in ((sys.stdout, STDOUT), (sys.stderr, STDERR)):
        if name in _failed:
            continue  # reported already
        try:
            stream.flush()
        except BrokenPipeError:
            _silence(stream)
        except OSError as exc:
            _silence(stream)
            _failed.add(name)
            if name == STDOUT:
                error(f"vcfgraph: error: cannot write to {name}: {exc.strerror or exc}")
    if _failed:
        code = 2
    _failed.clear()
    return code
