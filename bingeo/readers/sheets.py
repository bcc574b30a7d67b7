"""Spreadsheets in (.xlsx, .xlsm, .xls, .ods): the sheet holding coordinates, read as the text of a CSV.

A police export is very often an Excel file. bingeo reads it with python-calamine (Rust, reads .xlsx, .xls,
.xlsb and .ods; 100,000 rows 7-15x faster than openpyxl, see ``benchmarks/sheets.py``) and turns every
cell into the text a CSV export of the same sheet would hold: whole numbers without ``.0``, other numbers
in full precision, date cells as ISO 8601 (``2023-01-05 17:30:00``), times as ``17:30:00``, booleans as
TRUE/FALSE. The CSV pipeline then does the rest, so columns, CRS, dates (also Excel serial day numbers in
a date column) and rejects are found exactly as for a CSV, and rejects keep the cells as text.

Which sheet: ``sheet`` when given, else the only sheet, else the sheet whose header names coordinate
columns (the first such sheet when several do, and the others are named in the notes). The header is the
first row naming coordinate columns among the first :data:`HEADER_SEARCH_ROWS` rows (title rows above
it are skipped), else the first non-empty row.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from bingeo.errors import InputError
from bingeo.readers.columns import _WKT_NAMES, coordinate_pairs, squash
from bingeo.readers.sources import Notes, _unique_names

__all__ = ["HEADER_SEARCH_ROWS", "cell_text", "read_sheet_table"]

#: Rows searched for the header (title rows above it are skipped).
HEADER_SEARCH_ROWS = 20


def cell_text(value: Any) -> str:
    """Return a cell as the text a CSV export of the sheet would hold.

    Examples
    --------
    >>> import datetime as dt
    >>> [cell_text(v) for v in (None, 12.0, 155000.25, True, dt.datetime(2023, 1, 5, 17, 30), dt.date(2023, 1, 5))]
    ['', '12', '155000.25', 'TRUE', '2023-01-05 17:30:00', '2023-01-05']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.timedelta):
        secs = int(value.total_seconds())
        return f"{secs // 3600}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
    return str(value)


def _float_text(value: float) -> str:
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


#: Fast paths by exact type (most cells are text or numbers); anything else goes through :func:`cell_text`.
_BY_TYPE: dict[type, Any] = {str: str, float: _float_text, int: str, type(None): lambda v: ""}


def _row_text(row: list[Any], width: int) -> list[str]:
    out = [_BY_TYPE.get(type(v), cell_text)(v) for v in row[:width]]
    if len(out) < width:
        out += [""] * (width - len(out))
    return out


def _names(row: list[Any]) -> list[str]:
    return [cell_text(v).strip() for v in row]


def _has_coordinates(names: list[str]) -> bool:
    named = [n for n in names if n]
    return bool(coordinate_pairs(named)) or any(squash(n) in _WKT_NAMES for n in named)


def _header_row(rows: list[list[Any]], wanted: Callable[[list[str]], bool]) -> int | None:
    """Index of the header row: the first ``wanted`` one among the first rows, else the first non-empty."""
    first = None
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = _names(row)
        if not any(names):
            continue
        if first is None:
            first = i
        if wanted([n for n in names if n]):
            return i
    return first


def _open(path: Path, label: str) -> Any:
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - a runtime dependency
        msg = f"{label}: reading spreadsheets needs python-calamine: python3 -m pip install python-calamine"
        raise InputError(msg) from None
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types (CalamineError, ZipError, PasswordError, ...)
        kind = type(exc).__name__
        why = "it is password-protected" if "Password" in kind else f"{kind}: {str(exc)[:160]}"
        msg = (
            f"{label}: cannot be read as a spreadsheet ({why}). Save it again from Excel or LibreOffice as "
            ".xlsx (without a password), or export the sheet as CSV."
        )
        raise InputError(msg) from None


def _rows(wb: Any, name: str, label: str) -> list[list[Any]]:
    try:
        return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine's own error types
        msg = f"{label}: sheet {name!r} cannot be read ({type(exc).__name__}: {str(exc)[:160]})."
        raise InputError(msg) from None


def read_sheet_table(
    path: Path,
    label: str,
    *,
    sheet: str | None,
    notes: Notes,
    wanted: Callable[[list[str]], bool] | None = None,
    what: str = "coordinate columns (X/Y, lon/lat, RD_X/RD_Y, ...)",
) -> tuple[pd.DataFrame, dict[int, int], int, str]:
    """Read the sheet with coordinates as a frame of strings, like :func:`~bingeo.readers.sources.read_text_table`.

    ``wanted`` tells a header that fits (default: one naming coordinate columns) and ``what`` names it in
    messages; members, for instance, are found by their id column.

    Returns
    -------
    (frame, bad_fields, width, label)
        The cells as text (original column names), ``{}`` (a sheet has no ragged records), the header width,
        and ``label`` with the sheet named (``export.xlsx (sheet 'Incidenten')``) for messages and summaries.
    """
    wanted = wanted or _has_coordinates
    wb = _open(path, label)
    names = [str(n) for n in wb.sheet_names]
    if not names:
        raise InputError(f"{label}: the workbook has no sheets.")
    if sheet is not None:
        if sheet not in names:
            listed = ", ".join(repr(n) for n in names)
            raise InputError(f"{label}: no sheet {sheet!r}. Sheets: {listed}. Give one with --sheet.")
        chosen, rows = sheet, _rows(wb, sheet, label)
        notes.add(f"Sheet {chosen!r} (as given with --sheet).")
    else:
        found: list[tuple[str, list[list[Any]]]] = []
        seen: dict[str, list[str]] = {}
        for name in names:
            rows = _rows(wb, name, label)
            head = _header_row(rows, wanted)
            if head is None:
                seen[name] = []
                continue
            seen[name] = [n for n in _names(rows[head]) if n]
            if len(names) == 1 or wanted(seen[name]):
                found.append((name, rows))
        if not found:
            listed = "; ".join(
                f"{n!r}: " + (", ".join(cols[:12]) + (" ..." if len(cols) > 12 else "") if cols else "empty")
                for n, cols in seen.items()
            )
            msg = (
                f"{label}: no sheet has {what}. Sheets and their columns: {listed}. Give the sheet with --sheet"
                " (and the columns with their options)."
            )
            raise InputError(msg)
        chosen, rows = found[0]
        if len(names) == 1:
            notes.add(f"Sheet {chosen!r} (the only sheet).")
        else:
            others = [n for n in names if n != chosen]
            also = [n for n, _ in found[1:]]
            notes.add(
                f"Sheet {chosen!r} of {len(names)} (the "
                + ("first " if also else "")
                + f"one with {what.split(' (')[0]}; also in the workbook: "
                + ", ".join(repr(n) for n in others)
                + "). Give --sheet to read another."
            )
    sheet_label = f"{label} (sheet {chosen!r})"
    head = _header_row(rows, wanted)
    if head is None:
        raise InputError(f"{sheet_label}: the sheet is empty.")
    header = _unique_names(_names(rows[head]), notes)
    width = len(header)
    body = rows[head + 1 :]
    records = [_row_text(r, width) for r in body]
    # trailing empty rows are the sheet's used range, not records; empty rows inside are skipped as in a CSV
    keep = [i for i, r in enumerate(records) if any(c.strip() for c in r)]
    if not keep:
        raise InputError(f"{sheet_label}: the sheet has a header but no data rows.")
    blank = keep[-1] + 1 - len(keep)
    records = [records[i] for i in keep]
    extra = sum(1 for r in body if len(r) > width and any(cell_text(v).strip() for v in r[width:]))
    if extra:
        notes.add(f"{extra:,} row(s) have cells right of the last named column; those cells were ignored.")
    if blank:
        notes.add(f"Skipped {blank:,} empty row(s); they are not counted in `source_row`.")
    notes.add(
        f"Header on sheet row {head + 1}; `source_row` counts data rows"
        + (" (sheet row = source_row + " + str(head + 1) + ")." if not blank else ".")
    )
    frame = pd.DataFrame(records, columns=header, dtype=str)
    return frame, {}, width, sheet_label
