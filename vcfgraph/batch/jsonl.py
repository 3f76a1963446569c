"""JSON Lines output: result rows as UTF-8 lines of JSON objects."""

from __future__ import annotations

import json

import pyarrow as pa

__all__ = ["encode_lines"]


def encode_lines(table: pa.Table) -> bytes:
    """The rows of ``table`` as JSON lines, one object per row, keys in column order."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in table.to_pylist()).encode("utf-8")
