"""The audit report's tables as plain rows, and their downloads: CSV text and an XLSX workbook.

Takes the plain data of :func:`vcfgraph.batch.stats.audit_report` (dictionaries, never the batch
objects). Every table has a name, a header and rows of cells (text, whole numbers, or fractions
shown as percentages). Text that a spreadsheet would run as a formula (starting ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is written as text: with a leading ``'`` in CSV, as a
string cell in XLSX (XlsxWriter's ``write_string``, never a formula).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

__all__ = ["Table", "audit_tables", "csv_text", "xlsx_bytes", "CATEGORY_WORDS", "neutral", "visible"]

#: the categories of a rate, in words (column headings, legends)
CATEGORY_WORDS = {
    "usually_appropriate": "Usually appropriate",
    "may_be_appropriate": "May be appropriate",
    "usually_not_appropriate": "Usually not appropriate",
    "contraindicated": "Contraindicated",
    "inappropriate": "Inappropriate (UNA + contraindicated)",
}
APART_WORDS = {"not_rated": "Not rated", "undetermined": "Undetermined (need_info)", "invalid": "Invalid",
               "not_recorded": "No action recorded"}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    """One table of the report: a file-safe name, a title, the header, the rows, which columns are rates."""

    name: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    rates: frozenset[int] = frozenset()


def visible(value: str) -> str:
    """Control characters (C0, DEL, C1: terminal escapes) as the escapes JSON writes (``\\u001b``),
    as the batch's CSV output shows them."""
    if not _CONTROL.search(value):
        return value
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def neutral(value: str) -> str:
    """Text a spreadsheet shows as text, and a terminal prints without obeying: control characters
    made visible, a leading ``'`` before a formula's first character."""
    value = visible(value)
    return "'" + value if value.startswith(_FORMULA) else value


def _numbers_header(first: Sequence[str]) -> tuple[str, ...]:
    cols = [*first, "Rows", "Rated rows"]
    for words in CATEGORY_WORDS.values():
        cols += [f"{words}: count", f"{words}: rate", f"{words}: 95% CI low", f"{words}: 95% CI high"]
    return (*cols, *APART_WORDS.values())


def _numbers_row(first: Sequence[Cell], numbers: dict[str, Any]) -> tuple[Cell, ...]:
    cells: list[Cell] = [*first, numbers["rows"], numbers["rated"]]
    for name in CATEGORY_WORDS:
        r = numbers["rates"][name]
        cells += [r["count"], r["rate"], r["low"], r["high"]]
    return (*cells, *(numbers["apart"][k] for k in APART_WORDS))


def _rate_columns(first: int) -> frozenset[int]:
    return frozenset(first + 2 + 4 * k + j for k in range(len(CATEGORY_WORDS)) for j in (1, 2, 3))


def audit_tables(report: dict[str, Any]) -> list[Table]:
    """The report's tables: by audit group, by each ``--by`` group, and the drill-down cases."""
    first = ("Group id", "Group", "Kind")
    rows = [_numbers_row((g["id"], g["label"], g["kind"]), g) for g in report["groups"]]
    rows.append(_numbers_row(("all", "All rows", "all"), report["overall"]))
    tables = [Table("by-variant", "By variant and hand-off", _numbers_header(first), tuple(rows), _rate_columns(3))]
    for name, values in report["by"].items():
        rows = [_numbers_row((v["value"],), v) for v in values]
        tables.append(Table(f"by-{_slug(name)}", f"By {name}", _numbers_header((name,)), tuple(rows), _rate_columns(1)))
    by = list(report["by"])
    seen: dict[tuple[Cell, ...], None] = {}  # a case is in several lists (its variant, site, ...): listed once
    for d in report["drill"]["lists"]:
        for c in d["cases"]:
            seen.setdefault((c["case_id"], c["variant"], c["action"], c["class"], *(c.get(b) for b in by)), None)
    tables.append(Table("cases", "Inappropriate cases (drill-down)", ("Case id", "Variant", "Action taken", "Class",
                                                                       *by),
                        tuple(seen)))
    return tables


def _slug(name: str) -> str:
    kept = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name.lower()).strip("-")
    return kept or "group"


def csv_text(table: Table) -> str:
    """A table as CSV (``\\n`` line ends; formulas neutralised; rates as fractions)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutral(h) for h in table.header])
    for row in table.rows:
        writer.writerow(["" if c is None else neutral(c) if isinstance(c, str) else c for c in row])
    return out.getvalue()


def xlsx_bytes(tables: Sequence[Table], title: str, created: datetime = datetime(2000, 1, 1)) -> bytes:
    """A workbook with one sheet per table; text as text (never a formula), rates as percentages.

    ``created`` goes into the file's properties instead of the clock, so the same data gives the
    same bytes.
    """
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    book.set_properties({"title": title, "created": created})
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    percent = book.add_format({"num_format": "0.0%"})
    for table in tables:
        sheet = book.add_worksheet(table.name[:31])
        for c, head in enumerate(table.header):
            sheet.write_string(0, c, head, bold)
        for r, row in enumerate(table.rows, start=1):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                if isinstance(cell, str):
                    sheet.write_string(r, c, visible(cell))
                else:
                    sheet.write_number(r, c, cell, percent if c in table.rates else None)
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, max(0, len(table.header) - 1), 14)
    book.close()
    return buffer.getvalue()
