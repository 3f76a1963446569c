"""JSON Schemas of every ``--json`` output, shipped with the package.

One file per output (``trace.json``, ``check.json``, ...), each a JSON Schema (draft 2020-12).
Every ``--json`` object carries ``schema_version``: the :data:`SCHEMA_VERSION` of the schema it
follows, raised when a key is removed or changes meaning (adding a key keeps it). ``vcfgraph
schema --output NAME`` prints one of them; the tests check every output against its schema.
This module only reads the files; validating is left to the caller (``jsonschema``).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = ["SCHEMA_VERSION", "OUTPUTS", "schema_text", "schema"]

#: the version every ``--json`` output states as ``schema_version``
SCHEMA_VERSION = 1

#: output name -> the command that prints it
OUTPUTS = {
    "trace": "vcfgraph trace --json (one object per line)",
    "check": "vcfgraph check --json",
    "coverage": "vcfgraph coverage --json",
    "diff": "vcfgraph diff --json",
    "lookup": "vcfgraph lookup --json",
    "dose": "vcfgraph dose --json",
    "batch-summary": "vcfgraph batch --summary-json",
    "error": "an input error under --json (exit code 2)",
}


def schema_text(name: str) -> str:
    """The schema of output ``name`` as the text of its file.

    Raises:
        KeyError: ``name`` is not one of :data:`OUTPUTS`.
    """
    if name not in OUTPUTS:
        raise KeyError(name)
    return resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8")


def schema(name: str) -> dict[str, Any]:
    """The schema of output ``name`` as data."""
    data: dict[str, Any] = json.loads(schema_text(name))
    return data


def error_object(exc: Exception, exit_code: int) -> dict[str, Any]:
    """An input error as the JSON object ``--json`` prints on stdout (the ``error`` schema).

    ``problems`` lists every located problem (file, line, column, message); a case error also
    names its fact, the value given and the allowed values.
    """
    problems = [
        {"file": p.loc.file, "line": p.loc.line, "col": p.loc.col, "message": p.message}
        for p in getattr(exc, "problems", ())
    ]
    kind = next(c.__name__ for c in type(exc).__mro__ if not c.__name__.startswith("_"))
    error: dict[str, Any] = {"kind": kind, "message": str(exc), "exit_code": exit_code,
                             "problems": problems}
    if getattr(exc, "fact", None) is not None:
        value = exc.value  # type: ignore[attr-defined]
        error.update({"case": exc.case, "fact": exc.fact,  # type: ignore[attr-defined]
                      "value": value if isinstance(value, (str, int, float, bool)) or value is None else repr(value),
                      "allowed": exc.allowed})  # type: ignore[attr-defined]
    return {"schema_version": SCHEMA_VERSION, "error": error}
