"""The located tree: plain mappings and lists that know where each key, value and item stood.

:class:`Map` is a ``dict`` and :class:`Seq` a ``list``; each carries ``lc``, its own position
and the positions of its keys, values and items (0-based, as YAML parsers count). The checked
readers (:class:`vcfgraph.io.located.Reader`) turn them into 1-based file:line:col locations.
Scalars are plain Python values (str, int, float, bool, None, datetime.date), so a tree can be
written to and read back from JSON (:func:`dumps`, :func:`loads`) without any YAML library.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

__all__ = ["Marks", "Map", "Seq", "dumps", "loads"]

Pos = tuple[int, int]


class Marks:
    """Positions inside one collection, with the ``lc`` interface ruamel.yaml also offers."""

    __slots__ = ("line", "col", "_keys", "_values")

    def __init__(self, line: int, col: int) -> None:
        self.line = line
        self.col = col
        self._keys: dict[Any, Pos] = {}
        self._values: Any = {}

    def key(self, key: Any) -> Pos:
        """Position of a mapping key."""
        return self._keys[key]

    def value(self, key: Any) -> Pos:
        """Position of the value of a mapping key."""
        return self._values[key]

    def find(self, key: Any, of_key: bool = False) -> Pos | None:
        """Position of a mapping key's value (or, ``of_key``, of the key itself); None when the
        mapping has no such key."""
        return (self._keys if of_key else self._values).get(key)

    def item(self, index: int) -> Pos:
        """Position of a list item."""
        if index < 0:
            raise IndexError(index)
        return self._values[index]


class Map(dict):
    """A mapping read from a file; ``lc`` holds where it and its keys and values stood."""

    __slots__ = ("lc",)

    def __init__(self, line: int = 0, col: int = 0) -> None:
        super().__init__()
        self.lc = Marks(line, col)

    def put(self, key: Any, key_pos: Pos, value: Any, value_pos: Pos) -> None:
        self[key] = value
        self.lc._keys[key] = key_pos
        self.lc._values[key] = value_pos


class Seq(list):
    """A list read from a file; ``lc`` holds where it and its items stood."""

    __slots__ = ("lc",)

    def __init__(self, line: int = 0, col: int = 0) -> None:
        super().__init__()
        self.lc = Marks(line, col)
        self.lc._values = []

    def add(self, value: Any, pos: Pos) -> None:
        self.append(value)
        self.lc._values.append(pos)


# ------------------------------------------------------------------------ JSON form
#
# A Map is ["m", line, col, [key, key_line, key_col, value_line, value_col, value, ...]],
# a Seq ["s", line, col, [line, col, value, ...]], a date ["d", "YYYY-MM-DD"]; other scalars
# are themselves. Lists are always tagged, so nothing is ambiguous.

_SCALARS = (str, int, float, bool, type(None))


def _encode(value: Any) -> Any:
    if isinstance(value, Map):
        flat: list[Any] = []
        for key, item in value.items():
            kl, kc = value.lc._keys[key]
            vl, vc = value.lc._values[key]
            flat += [_encode(key), kl, kc, vl, vc, _encode(item)]
        return ["m", value.lc.line, value.lc.col, flat]
    if isinstance(value, Seq):
        flat = []
        for (line, col), item in zip(value.lc._values, value):
            flat += [line, col, _encode(item)]
        return ["s", value.lc.line, value.lc.col, flat]
    if isinstance(value, datetime.date):
        return ["d", value.isoformat()]
    if isinstance(value, _SCALARS):
        return value
    raise TypeError(f"not a tree value: {type(value).__name__}")


def dumps(tree: Any) -> bytes:
    """The JSON form of a located tree, as UTF-8 bytes (deterministic)."""
    return json.dumps(_encode(tree), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _int(value: Any) -> int:
    if value.__class__ is not int:
        raise ValueError("a position must be a whole number")
    return value


def _decode(data: Any) -> Any:
    if data.__class__ is not list:
        if isinstance(data, _SCALARS):
            return data
        raise ValueError("not a tree value")
    tag = data[0]
    if tag == "d" and len(data) == 2:
        return datetime.date.fromisoformat(data[1])
    if tag not in ("m", "s") or len(data) != 4 or data[3].__class__ is not list:
        raise ValueError("not a tree value")
    flat = data[3]
    if tag == "m":
        if len(flat) % 6:
            raise ValueError("a damaged mapping")
        m = Map(_int(data[1]), _int(data[2]))
        keys, values = m.lc._keys, m.lc._values
        for i in range(0, len(flat), 6):
            key = flat[i]
            if key.__class__ is list:
                key = _decode(key)
                if isinstance(key, (Map, Seq)):
                    raise ValueError("a mapping key must be a scalar")
            item = flat[i + 5]
            m[key] = _decode(item) if item.__class__ is list else item
            keys[key] = (_int(flat[i + 1]), _int(flat[i + 2]))
            values[key] = (_int(flat[i + 3]), _int(flat[i + 4]))
        return m
    if len(flat) % 3:
        raise ValueError("a damaged list")
    s = Seq(_int(data[1]), _int(data[2]))
    marks = s.lc._values
    for i in range(0, len(flat), 3):
        item = flat[i + 2]
        s.append(_decode(item) if item.__class__ is list else item)
        marks.append((_int(flat[i]), _int(flat[i + 1])))
    return s


def loads(data: bytes) -> Any:
    """Read the JSON form back into a located tree.

    Every position must be a whole number and every value a tree value, signed or not.

    Raises:
        ValueError: the data is not the JSON form of a tree (RecursionError too, when it nests
            absurdly deep).
    """
    return _decode(json.loads(data.decode("utf-8")))
