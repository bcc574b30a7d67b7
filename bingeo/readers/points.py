"""The points pipeline: :func:`read_points` turns a table or vector file into points plus rejected rows."""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from typing import Any, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from bingeo._crs import CRSLike, crs_label, same_crs, to_crs
from bingeo._results import Result
from bingeo.errors import InputError
from bingeo.readers.columns import (
    _EWKT_SRID,
    _find_column,
    _guess_crs,
    _list_names,
    _no_crs_error,
    _wkt_columns,
    coordinate_pairs,
)
from bingeo.readers.overlap import Beside
from bingeo.readers.sheets import read_sheet_table
from bingeo.readers.sources import (
    Notes,
    PlainPoints,
    _read_vector,
    check_source,
    read_text_table,
    source_kind,
    zip_target,
)
from bingeo.readers.values import (
    _HEAD_ROWS,
    _ISO_DATE_RE,
    _convert_numeric,
    _date_named,
    _fullmatch,
    _text_series,
    combine_date_parts,
    date_part_columns,
    parse_numbers,
    read_dates,
)

logger = logging.getLogger("bingeo.readers")


_ROWS_LISTED = 10


#: A text column not named like a date is read as dates when at least this share of its values are ISO dates.
ISO_CONTENT_SHARE = 0.9


#: Reason codes used in ``ReadResult.rejects["reject_reason"]`` and their labels in
#: :meth:`ReadResult.summary`.
REJECT_REASONS: dict[str, str] = {
    "wrong_field_count": "with a wrong number of fields",
    "empty_coordinates": "empty coordinates",
    "unparseable_coordinates": "unparseable coordinates",
    "empty_geometry": "empty geometry",
    "not_a_point": "not a point",
    "zero_zero": "at 0/0",
    "swapped_lat_lon": "with swapped lat/lon",
    "out_of_range": "out of range for the CRS",
    "non_finite": "not finite after reprojection",
    "outside_extent": "outside extent",
    "outside_crs_area": "outside the CRS's area of use",
    "no_date": "without a date",
    "bad_date": "with an impossible or unreadable date",
    "end_before_begin": "with a time window that ends before it begins",
}


#: Margin around ``extent``: this share of the extent's larger side ...
EXTENT_MARGIN_SHARE = 0.50


#: ... but at least this many metres (projected CRS) ...
EXTENT_MIN_MARGIN_M = 5000.0


#: ... or this many degrees (geographic CRS).
EXTENT_MIN_MARGIN_DEG = 0.05


#: ``grow_extent=True``: the input's core is the box of this central share of its usable points, per axis
#: (5th to 95th percentile), so that a few stray rows do not move it.
EXTENT_CORE_SHARE = 0.90


#: ... taken only from at least this many usable points.
EXTENT_CORE_MIN_POINTS = 10


@dataclass(repr=False)
class ReadResult(Result):
    """Points read from one source, the rows that could not be used, and the guesses.

    Attributes
    ----------
    points : geopandas.GeoDataFrame
        Usable rows: all original columns (original names and order; coordinate
        columns as floats), then ``source_row`` (1-based data record number in the
        file, or feature number), then ``geometry``. Index ``0..n-1``.
    rejects : pandas.DataFrame
        Unusable rows: all original columns as read (raw strings for text files),
        then ``source_row``, ``reject_reason`` (a code from :data:`REJECT_REASONS`)
        and ``reject_detail`` (human text, never a cell value).
    crs : pyproj.CRS
        CRS of ``points`` (``target_crs`` when given).
    notes : list of str
        One sentence per guess or decision: encoding, separator, coordinate
        columns, CRS guessed, decimal comma, dates parsed, reprojection.
    source : str
        The source path as given.
    crs_hint : dict or None
        When all or most rows fall outside the extent or the CRS's area of use: what the coordinates look
        like, ``{"epsg": 4326, "label": ..., "share": 0.98, "swap": False}`` (``epsg`` None when no CRS
        tried places them), so that a message can name the option to give (``--crs 4326``).
    xy : (numpy.ndarray, numpy.ndarray) or None
        Read with ``geometry=False``: the x and y of ``points`` (in ``crs``), which is then a plain DataFrame
        without the ``geometry`` column; None otherwise.
    """

    points: gpd.GeoDataFrame
    rejects: pd.DataFrame
    crs: pyproj.CRS
    notes: list[str] = field(default_factory=list)
    source: str = ""
    crs_hint: dict[str, Any] | None = None
    xy: tuple[np.ndarray, np.ndarray] | None = None

    def summary(self) -> str:
        """Return a one-line account of the read, with counts per reject reason.

        Returns
        -------
        str
            E.g. ``"Read 1,234 rows from x.csv: 1,200 usable, 34 rejected
            (20 empty coordinates, 10 at 0/0, 4 outside extent)"``.
        """
        n_ok = len(self.points)
        n_bad = len(self.rejects)
        text = f"Read {n_ok + n_bad:,} rows from {self.source}: {n_ok:,} usable, {n_bad:,} rejected"
        if n_bad:
            counts = self.rejects["reject_reason"].value_counts()
            order = list(REJECT_REASONS)
            items = sorted(
                counts.items(),
                key=lambda kv: (
                    -kv[1],
                    order.index(kv[0]) if kv[0] in order else len(order),
                ),
            )
            text += " (" + ", ".join(f"{n:,} {REJECT_REASONS.get(k, k)}" for k, n in items) + ")"
        return text

    def __repr__(self) -> str:  # pragma: no cover - trivial
        """Return the summary and the CRS, not the frames."""
        return f"ReadResult({self.summary()}; crs={crs_label(self.crs)})"

    def date_problem(self, column: str) -> np.ndarray | None:
        """Why each usable point's ``column`` has no date (per row of ``points``; None where fine or unknown).

        Read time records the impossible or unreadable values of a date column (31-02-2023, month 13) here,
        so that a command that needs the date can reject those rows with their reason.
        """
        detail = getattr(self, "_bad_dates", {}).get(column)
        if detail is None:
            return None
        return detail[self.points["source_row"].to_numpy(dtype="int64") - 1]

    def reject(self, mask: Any, code: str, detail: str | np.ndarray, *, note: str | None = None) -> ReadResult:
        """Return a new result with the points under ``mask`` moved to the rejects (``code``, ``detail``).

        The rejected rows are written as they were read (raw text for text files), like every other reject.
        """
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return self
        moved = self.points[mask]
        rows = moved["source_row"].to_numpy(dtype="int64")
        raw = getattr(self, "_raw", None)
        if raw is not None and len(raw) >= int(rows.max()):
            extra = raw.iloc[rows - 1].copy()
            if "source_row" in extra.columns:
                extra = extra.drop(columns="source_row")
        else:
            geo = [moved.geometry.name] if isinstance(moved, gpd.GeoDataFrame) else []
            extra = pd.DataFrame(moved.drop(columns=[*geo, "source_row"]))
        extra = extra.reset_index(drop=True)
        extra["source_row"] = rows
        extra["reject_reason"] = code
        extra["reject_detail"] = detail if isinstance(detail, str) else np.asarray(detail, dtype=object)[mask]
        rejects = pd.concat([self.rejects, extra], ignore_index=True) if len(self.rejects) else extra
        rejects = rejects.sort_values("source_row", kind="stable").reset_index(drop=True)
        out = ReadResult(
            points=self.points[~mask].reset_index(drop=True),
            rejects=rejects,
            crs=self.crs,
            notes=list(self.notes) + ([note] if note else []),
            source=self.source,
            xy=None if self.xy is None else (self.xy[0][~mask], self.xy[1][~mask]),
        )
        out._raw = raw
        out._bad_dates = getattr(self, "_bad_dates", {})
        return out


def _check_extent(extent: Any) -> tuple[float, float, float, float] | None:
    if extent is None:
        return None
    try:
        vals = tuple(float(v) for v in extent)
    except (TypeError, ValueError):
        msg = f"`extent` should be (minx, miny, maxx, maxy) numbers, got {extent!r}"
        raise InputError(msg) from None
    if len(vals) != 4 or not all(math.isfinite(v) for v in vals) or vals[0] >= vals[2] or vals[1] >= vals[3]:
        msg = f"`extent` should be (minx, miny, maxx, maxy) with minx < maxx and miny < maxy, got {extent!r}"
        raise InputError(msg)
    return vals  # type: ignore[return-value]


class _GrowBox(tuple):
    """An extent to grow by the input's core (``read_points(grow_extent=True)``); a plain 4-tuple otherwise."""

    def __new__(cls, *vals: float) -> _GrowBox:
        return super().__new__(cls, vals)


def _grown(
    box: tuple[float, float, float, float], x: np.ndarray, y: np.ndarray, crs: pyproj.CRS, notes: Notes
) -> tuple[float, float, float, float]:
    """``box`` grown to the core of the points (x, y: usable, finite) when the core overlaps box + margin."""
    if len(x) < EXTENT_CORE_MIN_POINTS:
        return tuple(box)  # type: ignore[return-value]
    tail = (1.0 - EXTENT_CORE_SHARE) / 2
    cx0, cx1 = np.quantile(x, [tail, 1.0 - tail])
    cy0, cy1 = np.quantile(y, [tail, 1.0 - tail])
    margin, unit = _extent_margin(box, crs)
    overlaps = cx0 <= box[2] + margin and cx1 >= box[0] - margin and cy0 <= box[3] + margin and cy1 >= box[1] - margin
    grown = (min(box[0], cx0), min(box[1], cy0), max(box[2], cx1), max(box[3], cy1))
    if not overlaps or grown == tuple(box):
        return tuple(box)  # type: ignore[return-value]
    notes.add(
        f"The extent was grown to hold the central {EXTENT_CORE_SHARE:.0%} of the points "
        f"({grown[0]:,.6g}, {grown[1]:,.6g}, {grown[2]:,.6g}, {grown[3]:,.6g} {unit})."
    )
    return tuple(float(v) for v in grown)  # type: ignore[return-value]


def _extent_margin(extent: tuple[float, float, float, float], crs: pyproj.CRS) -> tuple[float, str]:
    side = max(extent[2] - extent[0], extent[3] - extent[1])
    if crs.is_geographic:
        return max(EXTENT_MARGIN_SHARE * side, EXTENT_MIN_MARGIN_DEG), "degrees"
    factor = 1.0
    try:
        factor = float(crs.axis_info[0].unit_conversion_factor) or 1.0
    except (IndexError, AttributeError):
        pass
    return max(EXTENT_MARGIN_SHARE * side, EXTENT_MIN_MARGIN_M / factor), "CRS units"


def read_points(
    source: str | os.PathLike[str],
    *,
    layer: str | None = None,
    sheet: str | None = None,
    x_field: str | None = None,
    y_field: str | None = None,
    crs: CRSLike | None = None,
    target_crs: CRSLike | None = None,
    extent: Sequence[float] | None = None,
    date_fields: Sequence[str] | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    geometry: bool = True,
    grow_extent: bool = False,
) -> ReadResult:
    """Read incidents or addresses as points, keeping every unusable row as a reject.

    Parameters
    ----------
    source : str or os.PathLike
        CSV/TXT/TSV/TAB (optionally ``.gz``, or a ``.zip`` holding one such file), a spreadsheet
        (.xlsx, .xls, .ods), or
        any vector file GDAL reads (GeoPackage, Shapefile, zipped Shapefile,
        GeoJSON, KML), or (Geo)Parquet.
    layer : str, optional
        Layer of a multi-layer source (GeoPackage, shapefile name in a zip). Without
        it, the only layer or the only point layer is used.
    sheet : str, optional
        Sheet of a spreadsheet (.xlsx, .xlsm, .xlsb, .xls, .ods). Without it, the only sheet or the sheet
        whose header names coordinate columns (:mod:`bingeo.readers.sheets`); the sheet is read as the
        text a CSV export of it would hold, then exactly like a CSV.
    x_field, y_field : str, optional
        Coordinate columns, overriding detection (case-insensitive). For a vector
        source they make bingeo use these attribute columns instead of the geometry.
        ``x_field`` alone may name a WKT column.
    crs : CRS-like, optional
        CRS of the coordinates. Required for text files whose CRS cannot be guessed.
        For vector files that carry a CRS it must agree with it.
    target_crs : CRS-like, optional
        Reproject usable points to this CRS.
    extent : (minx, miny, maxx, maxy), optional
        Expected area in ``target_crs`` (or the source CRS). Points farther out than
        the margin are rejected as ``outside_extent`` (see Notes).
    grow_extent : bool, default False
        Grow ``extent`` to hold the input's own core (the box of its central
        :data:`EXTENT_CORE_SHARE` of usable points) when that core overlaps the extent with its margin:
        incidents or addresses of a whole city around a few networks are kept, while a file in a wrong CRS,
        whose core lies elsewhere, is still rejected. The margin is then taken from the grown extent.
    date_fields : sequence of str, optional
        Columns to parse as dates. By default columns whose name starts or ends with
        date/datum/tijd/time (``pleegdatum``, ``starttijd``, ``datetime``) and text columns of ISO dates
        (police.uk's ``month``) are tried, and split ``YEAR/MONTH/DAY[/HOUR/MINUTE]`` columns are combined
        into a ``date`` column. A column is dates when more than half of its values are; the others are
        impossible or unreadable dates, noted with their rows and rejected (``bad_date``) by the commands
        that need dates (:func:`bingeo.incidents.require_dates`). Pass ``[]`` to parse none.
    sep : str, optional
        Field separator of a text file; detected among ``;`` ``,`` tab ``|`` otherwise.
    encoding : str, optional
        Text encoding; otherwise UTF-8 (with or without BOM), then Windows-1252.
        For shapefiles it is passed to GDAL (for files without ``.cpg``).
    geometry : bool, default True
        False: ``points`` is a plain DataFrame without the ``geometry`` column and ``xy`` holds the
        coordinates, for callers that need only the numbers (``bingeo assign`` to CSV): a million point
        objects fewer to make. Everything else is the same.

    Returns
    -------
    ReadResult
        ``points``, ``rejects``, ``crs``, ``notes`` and ``source``.

    Raises
    ------
    InputError
        Missing, empty, corrupt or unreadable file; unknown layer or column; no
        coordinate columns; no CRS and none could be guessed; a ``crs`` that
        contradicts the file's own.
    CRSError
        ``crs`` or ``target_crs`` is not a CRS.

    See Also
    --------
    read_polygons : network boundaries.
    write_table : write points and rejects.

    Notes
    -----
    Text files are read as strings first. Coordinates may use a decimal comma
    (``155000,5``) and thousands separators (``155.000,5``); a value that reads
    two ways (``155.000``) follows the column's other values, or else its separator
    is the decimal mark. Other columns become numbers only if every non-empty value
    is a plain number without leading zeros (postcodes and ids stay text).

    Coordinate columns are found by name: x/y, x_coord, xcoord, rd_x, rdx,
    lambert_x, <name>_x, easting/northing, lon/lat, lng, long, longitude/latitude,
    or a WKT ``geometry``/``wkt``/``the_geom`` column of points (EWKT ``SRID=n;``
    gives the CRS). With several pairs the one matching ``crs`` wins (lon/lat for
    a geographic CRS, projected pair otherwise); without ``crs`` lon/lat wins.

    CRS guess (sources without a CRS and without ``crs``): columns named as
    lon/lat give EPSG:4326 when at least half the values are degrees. Otherwise at least
    :data:`GUESS_SHARE` (99 %) of the coordinates must fall in one of these
    disjoint ranges: degrees (|x| <= 180, |y| <= 90) -> 4326; x 0-300,000 and
    y 300,000-629,000 -> 28992 (RD New); x 0-300,000 and y 0-250,000 -> 31370
    (Lambert 72); x and y 500,000-800,000 -> 3812 (Lambert 2008). RD New y values
    of 250,000-300,000 (overlap with Lambert 72) give no guess. No guess raises.

    Extent margin: 50 % of the extent's larger side, at least 5,000 m (projected)
    or 0.05 degree (geographic): wide enough for the streets around the networks,
    narrow enough to catch wrong CRSs, 0/0 and shifted coordinates. A point outside extent + margin whose swapped
    (y, x) lies inside is rejected as ``swapped_lat_lon`` and never swapped silently.

    Reason codes: ``wrong_field_count``, ``empty_coordinates``,
    ``unparseable_coordinates``, ``empty_geometry``, ``not_a_point``,
    ``zero_zero``, ``swapped_lat_lon``, ``out_of_range`` (degrees beyond ±180/±90
    that are not a swap), ``non_finite`` (after reprojection), ``outside_extent``.

    Examples
    --------
    A Dutch police export (``;``, decimal commas, Windows-1252) with an extent
    around Groningen: the planted bad rows of the sample are all caught.

    >>> import bingeo
    >>> res = bingeo.read_points("data/samples/incidents.csv", crs=28992,
    ...                          extent=(225000, 575000, 240000, 590000))
    >>> print(res.summary())  # doctest: +NORMALIZE_WHITESPACE
    Read 5,000 rows from data/samples/incidents.csv: 4,950 usable, 50 rejected
    (18 outside extent, 12 empty coordinates, 10 at 0/0, 10 with swapped lat/lon)
    >>> len(res.points) + len(res.rejects)
    5000
    """
    label = str(source)
    path = check_source(source)
    notes = Notes(label)
    crs_given = to_crs(crs, what="`crs`") if crs is not None else None
    target = to_crs(target_crs, what="`target_crs`") if target_crs is not None else None
    box = _check_extent(extent)
    if box is not None and grow_extent:
        box = _GrowBox(*box)
    if date_fields is not None and isinstance(date_fields, str):
        date_fields = [date_fields]

    kind = source_kind(path)
    if sheet is not None and kind != "sheet":
        msg = f"{label}: --sheet (`sheet`) is for spreadsheets (.xlsx, .xls, .ods); this file has no sheets."
        raise InputError(msg)
    member = None
    if kind == "zip":
        zkind, member_or_path = zip_target(path, layer, label)
        if zkind == "text":
            kind, member = "text", member_or_path

    if kind == "sheet":
        raw, bad_fields, width, label = read_sheet_table(path, label, sheet=sheet or layer, notes=notes)
        notes.label = label
        table = _TableInput(raw=raw, text=True, bad_fields=bad_fields, width=width, file_crs=None, sheet=True)
    elif kind == "text":
        raw, bad_fields, width = read_text_table(path, label, sep=sep, encoding=encoding, member=member, notes=notes)
        table = _TableInput(raw=raw, text=True, bad_fields=bad_fields, width=width, file_crs=None)
    else:
        plain = x_field is None and y_field is None
        frame, driver = _read_vector(path, label, layer, want="point", encoding=encoding, plain_points=plain)
        if len(frame) == 0:
            msg = f"{label}: the layer is empty (no features)."
            raise InputError(msg)
        if isinstance(frame, PlainPoints):  # every geometry a plain 2-D point: the coordinates without objects
            return _points_from_coordinates(
                frame.attributes,
                frame.x,
                frame.y,
                _Rejects(len(frame)),
                label,
                file_crs=to_crs(pyproj.CRS.from_user_input(frame.crs), what=f"the CRS of {label}")
                if frame.crs is not None
                else None,
                crs_given=crs_given,
                target=target,
                box=box,
                date_fields=date_fields,
                notes=notes,
                geoms=None,
                geometry=geometry,
            )
        file_crs = None
        if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
            file_crs = to_crs(frame.crs, what=f"the CRS of {label}")
        has_geom = isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns
        if has_geom and x_field is None and y_field is None:
            return _points_from_geometry(
                frame,
                label,
                file_crs=file_crs,
                crs_given=crs_given,
                target=target,
                box=box,
                date_fields=date_fields,
                notes=notes,
                geometry=geometry,
            )
        if has_geom:
            notes.add("Using the coordinate columns given by `x_field`/`y_field`, not the file's geometry.")
            frame = pd.DataFrame(frame.drop(columns=frame._geometry_column_name))
            file_crs = None
        table = _TableInput(
            raw=frame,
            text=False,
            bad_fields={},
            width=frame.shape[1],
            file_crs=file_crs,
        )

    return _points_from_table(
        table,
        label,
        x_field=x_field,
        y_field=y_field,
        crs_given=crs_given,
        target=target,
        box=box,
        date_fields=date_fields,
        notes=notes,
        geometry=geometry,
    )


def points_from_frame(
    frame: gpd.GeoDataFrame,
    *,
    label: str = "the layer",
    target_crs: CRSLike | None = None,
    extent: Sequence[float] | None = None,
    date_fields: Sequence[str] | None = None,
) -> ReadResult:
    """Apply :func:`read_points`' rules to points already in memory (e.g. a QGIS layer read by the plugin).

    The same rejects as from a file (empty geometry, not a point, 0/0, swapped lat/lon, outside the extent or
    the CRS's area of use) and the same date reading (text dates by THE date parser, split YEAR/MONTH/DAY
    columns), so an analysis in QGIS sees the incidents the command line sees.

    Parameters
    ----------
    frame : GeoDataFrame
        Points with a CRS.
    label : str, optional, keyword-only
        How messages name the input (a layer's name).
    target_crs, extent, date_fields : optional, keyword-only
        As :func:`read_points`.

    Returns
    -------
    ReadResult
        ``points`` (the usable rows, original index lost), ``rejects`` (with ``source_row``, ``reject_reason``,
        ``reject_detail``) and ``notes``.
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = f"`frame` should be a GeoDataFrame, got {type(frame).__name__}"
        raise TypeError(msg)
    if len(frame) == 0:
        msg = f"{label}: the layer is empty (no features)."
        raise InputError(msg)
    if isinstance(date_fields, str):
        date_fields = [date_fields]
    return _points_from_geometry(
        frame,
        label,
        file_crs=to_crs(frame.crs, what=f"the CRS of {label}") if frame.crs is not None else None,
        crs_given=None,
        target=to_crs(target_crs, what="`target_crs`") if target_crs is not None else None,
        box=_check_extent(extent),
        date_fields=date_fields,
        notes=Notes(label),
    )


@dataclass
class _TableInput:
    raw: pd.DataFrame
    text: bool
    bad_fields: dict[int, int]
    width: int
    file_crs: pyproj.CRS | None
    sheet: bool = False


class _Rejects:
    """Per-row reject reason and detail; the first reason set wins."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, None, dtype=object)
        self.detail = np.full(n, None, dtype=object)
        self._ok = np.ones(n, dtype=bool)

    @property
    def ok(self) -> np.ndarray:
        return self._ok.copy()

    def set(self, mask: np.ndarray, code: str, detail: str | np.ndarray) -> None:
        m = np.asarray(mask, dtype=bool) & self._ok
        if m.any():
            self.reason[m] = code
            self.detail[m] = detail if isinstance(detail, str) else np.asarray(detail, dtype=object)[m]
            self._ok &= ~m


def _safe_name(name: str, taken: Sequence[str], notes: Notes, what: str) -> str:
    new = f"{name}_input"
    k = 2
    while new in taken:
        new = f"{name}_input{k}"
        k += 1
    notes.add(f"The source already has a column {name!r}; it is kept as {new!r} ({what}).")
    return new


def _points_from_table(
    table: _TableInput,
    label: str,
    *,
    x_field: str | None,
    y_field: str | None,
    crs_given: pyproj.CRS | None,
    target: pyproj.CRS | None,
    box: tuple[float, float, float, float] | None,
    date_fields: Sequence[str] | None,
    notes: Notes,
    geometry: bool = True,
) -> ReadResult:
    raw = table.raw.reset_index(drop=True)
    columns = list(raw.columns)
    n = len(raw)
    rej = _Rejects(n)
    if table.bad_fields:
        idx = np.fromiter(table.bad_fields.keys(), dtype=int)
        mask = np.zeros(n, dtype=bool)
        mask[idx] = True
        detail = np.full(n, None, dtype=object)
        for i, k in table.bad_fields.items():
            detail[i] = f"record has {k} fields, the header has {table.width}"
        rej.set(mask, "wrong_field_count", detail)

    # ---- choose the coordinate columns
    wkt_col: str | None = None
    xcol = ycol = None
    kind = "projected"
    if x_field is not None or y_field is not None:
        if x_field is not None and y_field is None:
            col = _find_column(x_field, columns, label, "`x_field`")
            if (
                col in _wkt_columns(raw[[col]])
                or _text_series(raw[col]).str.match(r"(?i)\s*(SRID=\d+;)?\s*(multi)?point\b").any()
            ):
                wkt_col = col
            else:
                msg = f"{label}: `x_field` was given without `y_field`. Give both (--x-field/--y-field)."
                raise InputError(msg)
        elif x_field is None:
            msg = f"{label}: `y_field` was given without `x_field`. Give both (--x-field/--y-field)."
            raise InputError(msg)
        else:
            xcol = _find_column(x_field, columns, label, "`x_field`")
            ycol = _find_column(y_field, columns, label, "`y_field`")  # type: ignore[arg-type]
            kind = next(
                (k for a, b, k in coordinate_pairs(columns) if (a, b) == (xcol, ycol)),
                "projected",
            )
            notes.add(f"Coordinate columns {xcol!r}/{ycol!r} (as given).")
    else:
        pairs = coordinate_pairs(columns)
        wkts = _wkt_columns(raw)
        geo = [p for p in pairs if p[2] == "geographic"]
        proj = [p for p in pairs if p[2] == "projected"]
        if crs_given is not None and not crs_given.is_geographic:
            ordered, why = proj + geo, "they match the projected `crs`"
        elif crs_given is not None:
            ordered, why = geo + proj, "they match the geographic `crs`"
        else:
            ordered, why = geo + proj, "longitude/latitude names describe their own CRS"
        if ordered:
            xcol, ycol, kind = ordered[0]
            others = [f"{a}/{b}" for a, b, _ in ordered[1:]] + list(wkts)
            if others:
                notes.add(
                    f"Several coordinate columns found; using {xcol!r}/{ycol!r} "
                    f"because {why} "
                    f"(also found: {', '.join(others)}). Give `x_field`/`y_field` "
                    f"(--x-field/--y-field) "
                    "to choose others."
                )
            else:
                notes.add(f"Coordinate columns {xcol!r}/{ycol!r} (detected).")
        elif wkts:
            wkt_col = wkts[0]
            notes.add(f"Point geometry from WKT column {wkt_col!r} (detected).")
        else:
            msg = (
                f"{label}: no coordinate columns found. Columns: "
                f"{_list_names(columns)}. "
                "Expected names such as X/Y, RD_X/RD_Y, lon/lat, longitude/latitude, "
                "lambert_x/lambert_y "
                "or a WKT 'geometry' column. Give the column names with "
                "`x_field`/`y_field` "
                "(--x-field/--y-field)."
            )
            raise InputError(msg)

    # ---- the dates are parsed beside the coordinates (second core), used below as if parsed there
    early = _dates_beside(raw, {wkt_col} if wkt_col is not None else {xcol, ycol}, date_fields, label, table)

    # ---- parse coordinates
    file_crs = table.file_crs
    if wkt_col is not None:
        x, y, file_srid = _parse_wkt_points(raw[wkt_col], wkt_col, rej, notes)
        if file_srid is not None:
            file_crs = to_crs(file_srid, what=f"the SRID in {wkt_col!r}")
        coord_cols: list[str] = [wkt_col]
        conventions = []
    else:
        assert xcol is not None and ycol is not None
        x, xe, xb, xconv = parse_numbers(raw[xcol])
        y, ye, yb, yconv = parse_numbers(raw[ycol])
        rej.set(
            xe | ye,
            "empty_coordinates",
            _which(xe, ye, f"{xcol!r} and {ycol!r} are empty", f"{xcol!r} is empty", f"{ycol!r} is empty"),
        )
        det = _which(
            xb, yb, f"{xcol!r} and {ycol!r} are not numbers", f"{xcol!r} is not a number", f"{ycol!r} is not a number"
        )
        rej.set(xb | yb, "unparseable_coordinates", det)
        coord_cols = [xcol, ycol]
        conventions = [(xcol, xconv), (ycol, yconv)]
        for col, conv in conventions:
            if conv == "comma":
                notes.add(f"Column {col!r} uses a decimal comma.")
            elif conv == "mixed":
                notes.add(f"Column {col!r} mixes decimal commas and decimal points; each value read by its own mark.")
    rej.set(
        (x == 0) & (y == 0),
        "zero_zero",
        "coordinates are 0/0 (a placeholder, e.g. a privacy offset)",
    )

    # ---- CRS
    if file_crs is not None and crs_given is not None and not same_crs(file_crs, crs_given):
        raise _crs_conflict(label, file_crs, crs_given)
    if crs_given is not None:
        src = crs_given
    elif file_crs is not None:
        src = file_crs
        notes.add(f"CRS {crs_label(src)} from the file.")
    else:
        ok = rej.ok
        epsg, why = _guess_crs(x[ok], y[ok], geographic_names=(kind == "geographic"))
        if epsg is None:
            raise _no_crs_error(label, why)
        src = to_crs(epsg)
        notes.add(_guessed_note(src, why))

    # ---- convert the other columns
    data = raw.copy()
    bad_dates: dict[str, np.ndarray] = {}
    if table.text:
        decimal_comma = any(c in ("comma", "mixed") for _, c in conventions)
        _convert_columns(
            data,
            skip=set(coord_cols),
            date_fields=date_fields,
            decimal_comma=decimal_comma,
            label=label,
            notes=notes,
            bad_dates=bad_dates,
            serials=table.sheet,
            early=early,
        )
    else:
        _convert_dates_only(
            data,
            skip=set(coord_cols),
            date_fields=date_fields,
            label=label,
            notes=notes,
            bad_dates=bad_dates,
            serials=table.sheet,
        )
    if wkt_col is None:
        data[xcol] = x
        data[ycol] = y
    drop = [wkt_col] if wkt_col is not None and wkt_col == "geometry" else []
    return _finish(
        data, raw, x, y, rej, src, target, box, label, notes, drop=drop, bad_dates=bad_dates, geometry=geometry
    )


#: Date columns of a text table parsed in threads beside the coordinates (each thread holds its column's dates).
DATES_BESIDE = 2


def _dates_beside(
    raw: pd.DataFrame, skip: set[Any], date_fields: Sequence[str] | None, label: str, table: _TableInput
) -> dict[str, Beside]:
    """Start :func:`read_dates` of the text table's date candidates in a thread (:class:`Beside`), by column.

    The same calls :func:`_convert_columns` makes first on the same values; a candidate it cannot name here (a
    missing ``date_fields`` column) is left to it, so that its error comes where it always came.
    """
    if not table.text:
        return {}
    try:
        dates = _date_candidates(raw, skip, date_fields, label)
    except InputError:
        return {}
    return {c: Beside(read_dates, raw[c], serials=table.sheet) for c in dates[:DATES_BESIDE]}


def _guessed_note(src: pyproj.CRS, why: str) -> str:
    """Return the note of a CRS guessed for a text table (also printed by the streamed read)."""
    return f"No CRS given; guessed {crs_label(src)} because {why}. Pass `crs` (--crs) if this is wrong."


def _which(a: np.ndarray, b: np.ndarray, both: str, only_a: str, only_b: str) -> np.ndarray:
    """Per row: ``both``, ``only_a`` or ``only_b`` where ``a``/``b`` hold (None elsewhere; set only where needed)."""
    out = np.full(len(a), None, dtype=object)
    out[a & ~b] = only_a
    out[b & ~a] = only_b
    out[a & b] = both
    return out


def _crs_conflict(label: str, file_crs: pyproj.CRS, given: pyproj.CRS) -> InputError:
    msg = (
        f"{label}: the file says its CRS is {crs_label(file_crs)[:60]}, but `crs` "
        f"{crs_label(given)[:60]} "
        "was given. Leave out `crs` (--crs) to use the file's own CRS; to get another "
        "CRS, use "
        "`target_crs` (--target-crs), which reprojects."
    )
    return InputError(msg)


def _parse_wkt_points(
    values: pd.Series, col: str, rej: _Rejects, notes: Notes
) -> tuple[np.ndarray, np.ndarray, int | None]:
    t = _text_series(values)
    srid = t.str.extract(_EWKT_SRID, expand=False)
    body = t.str.replace(_EWKT_SRID, "", regex=True).str.strip()
    empty = (body == "").to_numpy()
    wkt_in = body.to_numpy(dtype=object)
    wkt_in[empty] = None
    arr = np.asarray(shapely.from_wkt(wkt_in, on_invalid="ignore"))
    invalid = ~empty & shapely.is_missing(arr)
    geoms, x, y = _points_of(arr, rej, empty=empty, invalid=invalid, col=col)
    srids = srid.dropna().unique()
    file_srid = None
    if len(srids) == 1:
        file_srid = int(srids[0])
        notes.add(f"Column {col!r} holds EWKT with SRID {file_srid}; used as the CRS of the points.")
    elif len(srids) > 1:
        notes.add(f"Column {col!r} holds EWKT with {len(srids)} different SRIDs; they were ignored.")
    return x, y, file_srid


def _points_of(
    arr: np.ndarray,
    rej: _Rejects,
    *,
    empty: np.ndarray,
    invalid: np.ndarray,
    col: str | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reject null, empty and non-point geometries.

    Returns (geoms, x, y) with NaN coordinates for rejected rows.
    """
    what = f"{col!r}" if col else "geometry"
    missing = shapely.is_missing(arr)
    isempty = empty | missing & ~invalid | (~missing & shapely.is_empty(arr))
    if col is not None:
        rej.set(isempty, "empty_coordinates", f"{what} is empty")
        rej.set(invalid, "unparseable_coordinates", f"{what} is not valid WKT")
    else:
        rej.set(isempty, "empty_geometry", "geometry is null or empty")
    types = shapely.get_type_id(arr)
    multi1 = (types == 4) & (shapely.get_num_geometries(arr) == 1)
    if multi1.any():
        arr = arr.copy()
        arr[multi1] = shapely.get_geometry(arr[multi1], 0)
        types = shapely.get_type_id(arr)
    notpoint = ~missing & ~isempty & (types != 0)
    if notpoint.any():
        names = np.full(len(arr), None, dtype=object)
        names[notpoint] = [f"{what} is a {g.geom_type}, not a point" for g in arr[notpoint]]
        rej.set(notpoint, "not_a_point", names)
    good = ~missing & ~isempty & (types == 0)
    x = np.full(len(arr), np.nan)
    y = np.full(len(arr), np.nan)
    x[good] = shapely.get_x(arr[good])
    y[good] = shapely.get_y(arr[good])
    nonfinite = good & ~(np.isfinite(x) & np.isfinite(y))
    rej.set(nonfinite, "unparseable_coordinates", f"{what} has non-finite coordinates")
    return arr, x, y


def _looks_iso(s: pd.Series) -> bool:
    """Tell whether a text column holds ISO 8601 dates (police.uk's ``month``), a few bad values allowed."""
    if not _is_text_column(s):
        return False
    head = _text_series(s.head(_HEAD_ROWS))
    head = head[head != ""]
    if len(head) >= 200 and float(_fullmatch(head.head(200), _ISO_DATE_RE).mean()) < ISO_CONTENT_SHARE:
        return False  # the first 200 non-empty values settle most columns; else the whole column is read
    t = _text_series(s)
    t = t[t != ""]
    if len(t) == 0 or float(_fullmatch(t.head(200), _ISO_DATE_RE).mean()) < ISO_CONTENT_SHARE:
        return False
    return float(_fullmatch(t, _ISO_DATE_RE).mean()) >= ISO_CONTENT_SHARE


def _date_candidates(data: pd.DataFrame, skip: set[str], date_fields: Sequence[str] | None, label: str) -> list[str]:
    cols = list(data.columns)
    if date_fields is not None:
        return [c for c in (_find_column(f, cols, label, "`date_fields`") for f in date_fields) if c not in skip]
    return [c for c in cols if c not in skip and (_date_named(c) or _looks_iso(data[c]))]


def _is_text_column(s: pd.Series) -> bool:
    if pd.api.types.is_string_dtype(s.dtype):
        return True
    if s.dtype == object:
        return bool(s.dropna().map(lambda v: isinstance(v, str)).all())
    return False


def _read_date_column(
    data: pd.DataFrame,
    c: str,
    bad_dates: dict[str, np.ndarray],
    notes: Notes,
    *,
    serials: bool,
    early: Beside | None = None,
) -> bool:
    """Parse column ``c`` of ``data`` as dates in place when it holds dates; note what was done.

    ``early``: :func:`read_dates` of the same values with the same ``serials``, started before.
    """
    got = early.result() if early is not None else read_dates(data[c], serials=serials)
    if not got.is_dates:
        return False
    data[c] = got.values
    notes.add(f"Column {c!r} parsed as dates ({got.how}).")
    if got.bad.any():
        bad_dates[c] = got.detail(c, empty=False)
        rows = np.flatnonzero(got.bad)[:_ROWS_LISTED] + 1
        more = " ..." if got.bad.sum() > _ROWS_LISTED else ""
        notes.add(
            f"{int(got.bad.sum()):,} value(s) of {c!r} are impossible or unreadable dates (rows "
            f"{', '.join(map(str, rows))}{more}); a command that needs the date rejects those rows."
        )
    return True


def _split_dates(data: pd.DataFrame, skip: set[str], bad_dates: dict[str, np.ndarray], notes: Notes) -> None:
    """YEAR/MONTH/DAY[/HOUR/MINUTE] columns (Vancouver's police export) become one date column."""
    if any(pd.api.types.is_datetime64_any_dtype(data[c]) for c in data.columns):
        return
    parts = date_part_columns([c for c in data.columns if c not in skip])
    if parts is None:
        return
    got = combine_date_parts(data, parts)
    if not got.is_dates:
        return
    name = "date"
    k = 2
    while name in data.columns:
        name = f"date_{k}"
        k += 1
    data[name] = got.values
    label = "/".join(parts[k] for k in ("year", "month", "day", "hour", "minute") if k in parts)
    notes.add(
        f"Columns {label} combined into the date column {name!r}"
        + (
            " (an HOUR/MINUTE of 0 on a 0/0 privacy row is suppressed data, not midnight: such rows are rejected "
            "as at 0/0)."
            if "hour" in parts
            else "."
        )
    )
    if got.bad.any():
        bad_dates[name] = got.detail(label, empty=False)
        notes.add(
            f"{int(got.bad.sum()):,} row(s) have {label} that make no date; a command that needs the date "
            "rejects those rows."
        )


def _convert_columns(
    data: pd.DataFrame,
    *,
    skip: set[str],
    date_fields: Sequence[str] | None,
    decimal_comma: bool,
    label: str,
    notes: Notes,
    bad_dates: dict[str, np.ndarray],
    serials: bool = False,
    early: dict[str, Beside] | None = None,
) -> None:
    dates = _date_candidates(data, skip, date_fields, label)
    done: set[str] = set()
    for c in dates:
        done.add(c)
        # a spreadsheet's date column may hold Excel serial day numbers (date cells formatted as numbers)
        if _read_date_column(data, c, bad_dates, notes, serials=serials, early=(early or {}).get(c)):
            continue
        how = read_dates(data[c]).how
        nums = _convert_numeric(data[c], decimal_comma=decimal_comma)
        if nums is not None and date_fields is None:
            data[c] = nums
            notes.add(f"Column {c!r} is named like a date but holds numbers; read as numbers.")
        else:
            notes.add(f"Column {c!r} kept as text: not parsed as dates because {how}.")
    converted = []
    comma_cols = []
    for c in data.columns:
        if c in skip or c in done:
            continue
        nums = _convert_numeric(data[c], decimal_comma=decimal_comma)
        if nums is not None:
            if nums.dtype == "float64" and data[c].str.contains(",", regex=False).any():
                comma_cols.append(c)
            data[c] = nums
            converted.append(c)
    if converted:
        logger.info(
            "%s: %d column(s) read as numbers: %s",
            label,
            len(converted),
            ", ".join(map(str, converted)),
        )
    if comma_cols:
        notes.add(f"Column(s) {', '.join(map(repr, comma_cols))} read as numbers with a decimal comma.")
    if date_fields is None:
        _split_dates(data, skip, bad_dates, notes)


def _convert_dates_only(
    data: pd.DataFrame,
    *,
    skip: set[str],
    date_fields: Sequence[str] | None,
    label: str,
    notes: Notes,
    bad_dates: dict[str, np.ndarray],
    serials: bool = False,
) -> None:
    for c in _date_candidates(data, skip, date_fields, label):
        if pd.api.types.is_datetime64_any_dtype(data[c]):
            continue
        if not (_is_text_column(data[c]) or serials):
            continue
        if not _read_date_column(data, c, bad_dates, notes, serials=serials):
            notes.add(f"Column {c!r} kept as it is: not parsed as dates because {read_dates(data[c]).how}.")
    if date_fields is None:
        _split_dates(data, skip, bad_dates, notes)


def _points_from_geometry(
    frame: gpd.GeoDataFrame,
    label: str,
    *,
    file_crs: pyproj.CRS | None,
    crs_given: pyproj.CRS | None,
    target: pyproj.CRS | None,
    box: tuple[float, float, float, float] | None,
    date_fields: Sequence[str] | None,
    notes: Notes,
    geometry: bool = True,
) -> ReadResult:
    frame = frame.reset_index(drop=True)
    gcol = frame._geometry_column_name
    arr = np.asarray(frame.geometry.values, dtype=object)
    n = len(frame)
    rej = _Rejects(n)
    _, x, y = _points_of(
        arr,
        rej,
        empty=np.zeros(n, dtype=bool),
        invalid=np.zeros(n, dtype=bool),
        col=None,
    )
    if (rej.reason == "not_a_point").any() and not np.isfinite(x).any():
        kinds = pd.Series([g.geom_type for g in arr if g is not None]).value_counts()
        listed = ", ".join(f"{k} ({v:,})" for k, v in kinds.items())
        msg = (
            f"{label}: the layer has no points; it holds {listed}. Give a point layer "
            "(`layer`, --layer), or make points first (e.g. centroids in QGIS)."
        )
        raise InputError(msg)
    return _points_from_coordinates(
        pd.DataFrame(frame.drop(columns=gcol)),
        x,
        y,
        rej,
        label,
        file_crs=file_crs,
        crs_given=crs_given,
        target=target,
        box=box,
        date_fields=date_fields,
        notes=notes,
        geoms=arr,
        geometry=geometry,
    )


def _points_from_coordinates(
    raw: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    rej: _Rejects,
    label: str,
    *,
    file_crs: pyproj.CRS | None,
    crs_given: pyproj.CRS | None,
    target: pyproj.CRS | None,
    box: tuple[float, float, float, float] | None,
    date_fields: Sequence[str] | None,
    notes: Notes,
    geoms: np.ndarray | None,
    geometry: bool = True,
) -> ReadResult:
    """Finish :func:`_points_from_geometry` once the coordinates are known (and the geometries, if made)."""
    rej.set(
        (x == 0) & (y == 0),
        "zero_zero",
        "coordinates are 0/0 (a placeholder, e.g. a privacy offset)",
    )
    if file_crs is not None:
        if crs_given is not None and not same_crs(file_crs, crs_given):
            raise _crs_conflict(label, file_crs, crs_given)
        src = file_crs
        notes.add(f"CRS {crs_label(src)} from the file.")
    elif crs_given is not None:
        src = crs_given
        notes.add(f"The file has no CRS; using `crs` {crs_label(src)}.")
    else:
        ok = rej.ok
        epsg, why = _guess_crs(x[ok], y[ok], geographic_names=False)
        if epsg is None:
            raise _no_crs_error(label, why)
        src = to_crs(epsg)
        notes.add(f"The file has no CRS; guessed {crs_label(src)} because {why}. Pass `crs` (--crs) if wrong.")
    data = raw.copy()
    bad_dates: dict[str, np.ndarray] = {}
    _convert_dates_only(data, skip=set(), date_fields=date_fields, label=label, notes=notes, bad_dates=bad_dates)
    return _finish(
        data,
        raw,
        x,
        y,
        rej,
        src,
        target,
        box,
        label,
        notes,
        drop=[],
        bad_dates=bad_dates,
        geoms=geoms,
        geometry=geometry,
    )


def _has_m(geoms: np.ndarray) -> bool:
    """Whether any geometry has M values (shapely >= 2.1 tells; older shapely reads none)."""
    has_m = getattr(shapely, "has_m", None)
    return bool(has_m is not None and len(geoms) and has_m(geoms).any())


def _kept_rows(frame: pd.DataFrame, ok: np.ndarray) -> pd.DataFrame:
    """Return ``frame.loc[ok].copy()``, its Arrow-backed text filtered by Arrow (half the time of pandas' take).

    pandas takes rows of Arrow text by an array of row numbers; Arrow's filter by the mask copies the kept text in
    one pass. The other columns, and frames whose column names repeat, are taken by pandas.
    """
    text = [isinstance(d, pd.StringDtype) and d.storage == "pyarrow" for d in frame.dtypes]
    if not any(text) or not frame.columns.is_unique or ok.all():
        return frame.loc[ok].copy()
    import pyarrow as pa

    mask = pa.array(ok)
    others = frame.loc[ok, [c for c, t in zip(frame.columns, text) if not t]].copy()
    cols = {
        c: pd.Series(pa.chunked_array(pa.array(frame[c].array)).filter(mask), index=others.index, dtype=frame[c].dtype)
        if t
        else others[c]
        for c, t in zip(frame.columns, text)
    }
    return pd.DataFrame(cols, index=others.index)


def _finish(
    data: pd.DataFrame,
    raw: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    rej: _Rejects,
    src: pyproj.CRS,
    target: pyproj.CRS | None,
    box: tuple[float, float, float, float] | None,
    label: str,
    notes: Notes,
    *,
    drop: list[str],
    bad_dates: dict[str, np.ndarray] | None = None,
    geoms: np.ndarray | None = None,
    geometry: bool = True,
) -> ReadResult:
    """Check the coordinates, reproject, and split the rows into points and rejects.

    ``geoms``: the rows' point geometries when they were made (x and y are theirs); the usable ones are kept
    as they are when nothing moved them and they are 2-D, instead of being made again from x and y.
    """
    n = len(raw)
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    # ---- geographic sanity
    if src.is_geographic:
        out = rej.ok & ((np.abs(x) > 180) | (np.abs(y) > 90))
        swappable = out & (np.abs(y) <= 180) & (np.abs(x) <= 90)
        rej.set(
            swappable,
            "swapped_lat_lon",
            "latitude is beyond ±90° but the pair is valid with x and y swapped; fix the column order",
        )
        rej.set(out, "out_of_range", "longitude beyond ±180° or latitude beyond ±90°")
    # ---- reprojection
    final = target if target is not None else src
    xt, yt = x.copy(), y.copy()
    ok = rej.ok
    if target is not None and not same_crs(src, target):
        geoms = None  # moved: the points are made from the new coordinates
        tr = pyproj.Transformer.from_crs(src, target, always_xy=True)
        with np.errstate(all="ignore"):
            xt[ok], yt[ok] = tr.transform(x[ok], y[ok], errcheck=False)
        notes.add(f"Reprojected {int(ok.sum()):,} points from {crs_label(src)} to {crs_label(target)}.")
        rej.set(
            ok & ~(np.isfinite(xt) & np.isfinite(yt)),
            "non_finite",
            f"coordinates are not finite after reprojection to {crs_label(target)}",
        )
    elif target is not None:
        final = target
    # ---- extent
    if isinstance(box, _GrowBox):
        ok = rej.ok & np.isfinite(xt) & np.isfinite(yt)
        box = _grown(box, xt[ok], yt[ok], final, notes)
    if box is not None:
        margin, unit = _extent_margin(box, final)
        lo_x, lo_y, hi_x, hi_y = (
            box[0] - margin,
            box[1] - margin,
            box[2] + margin,
            box[3] + margin,
        )
        ok = rej.ok
        outside = ok & ~((xt >= lo_x) & (xt <= hi_x) & (yt >= lo_y) & (yt <= hi_y))
        if outside.any():
            sx, sy = y[outside], x[outside]
            if target is not None and not same_crs(src, target):
                tr = pyproj.Transformer.from_crs(src, target, always_xy=True)
                with np.errstate(all="ignore"):
                    sx, sy = tr.transform(sx, sy, errcheck=False)
            sx, sy = np.asarray(sx, dtype=float), np.asarray(sy, dtype=float)
            inside_swapped = np.zeros(n, dtype=bool)
            inside_swapped[outside] = (sx >= lo_x) & (sx <= hi_x) & (sy >= lo_y) & (sy <= hi_y)
            rej.set(
                inside_swapped,
                "swapped_lat_lon",
                "outside the extent, but inside it with x and y swapped; fix the column order",
            )
        rej.set(
            outside,
            "outside_extent",
            f"more than {margin:,.4g} {unit} outside the extent",
        )
        notes.add(f"Extent check with a margin of {margin:,.4g} {unit}.")
    # ---- area of use: without an extent, points far outside the CRS's area of use (1 degree of
    # margin) are rejected: lat/lon pairs in a metric export, a wrong CRS, typos in a coordinate
    ok = rej.ok
    if box is None:
        far = np.zeros(n, dtype=bool)
        far[ok] = _outside_area_of_use(xt[ok], yt[ok], final)
        if far.any():
            rej.set(
                far, "outside_crs_area", f"outside the area of use of {crs_label(final)}; check `crs`, or give `extent`"
            )
            notes.add(
                f"{int(far.sum()):,} point(s) outside the area of use of {crs_label(final)} were rejected "
                "(no extent was given to check against)."
            )
    else:
        _note_area_of_use(xt[ok], yt[ok], final, notes)
    ok = rej.ok

    rows = np.arange(1, n + 1, dtype="int64")
    taken = list(raw.columns)
    if "source_row" in taken:
        new = _safe_name("source_row", taken, notes, "bingeo adds its own `source_row`")
        raw = raw.rename(columns={"source_row": new})
        data = data.rename(columns={"source_row": new})
    pts = _kept_rows(data.drop(columns=drop), ok)
    if "geometry" in pts.columns:
        new = _safe_name("geometry", list(pts.columns), notes, "the points get their own `geometry`")
        pts = pts.rename(columns={"geometry": new})
    pts["source_row"] = rows[ok]
    pts = pts.reset_index(drop=True)
    xy = (xt[ok], yt[ok])
    if geometry:
        kept = geoms[ok] if geoms is not None else None
        if kept is not None and not (shapely.has_z(kept).any() or _has_m(kept)):
            geom = gpd.array.from_shapely(kept, crs=final)  # the points read, unmoved and 2-D
        else:
            geom = gpd.points_from_xy(*xy)
        points = gpd.GeoDataFrame(pts, geometry=geom, crs=final)
    else:
        points = pts
    bad = ~ok
    rj = raw.loc[bad].copy()
    for col in ("reject_reason", "reject_detail"):
        if col in rj.columns:
            rj = rj.rename(columns={col: _safe_name(col, list(rj.columns), notes, "bingeo adds its own")})
    rj["source_row"] = rows[bad]
    rj["reject_reason"] = pd.Series(rej.reason[bad], dtype=object).to_numpy()
    rj["reject_detail"] = pd.Series(rej.detail[bad], dtype=object).to_numpy()
    rj = rj.reset_index(drop=True)
    hint = _wrong_place_hint(rej, x, y, src, final, box, notes)
    result = ReadResult(
        points=points,
        rejects=rj,
        crs=final,
        notes=list(notes),
        source=label,
        crs_hint=hint,
        xy=None if geometry else xy,
    )
    result._raw = raw
    result._bad_dates = bad_dates or {}
    if len(points) == 0:
        msg = "No usable rows: check `crs`, the coordinate columns and `extent`."
        notes.add(msg)
        result.notes.append(msg)
    logger.info("%s", result.summary())
    return result


#: Reasons that say a row's coordinates are in the wrong place (wrong CRS, swapped columns).
WRONG_PLACE = ("outside_extent", "outside_crs_area", "swapped_lat_lon", "out_of_range", "non_finite")


#: Share of the located rows in the wrong place from which the CRS the coordinates look like is named.
WRONG_PLACE_SHARE = 0.5


#: CRSs tried, besides the UTM zones of the data: lon/lat, RD New, Lambert 72 and 2008, British National Grid,
#: Web Mercator, ETRS89 Lambert (France, Europe).
CRS_CANDIDATES = (4326, 28992, 31370, 3812, 27700, 3857, 2154, 3035)


def _utm_zones(lon: np.ndarray, lat: np.ndarray) -> list[int]:
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 84)
    if not ok.any():
        return []
    zone = int(np.clip(np.floor((np.median(lon[ok]) + 180) / 6) + 1, 1, 60))
    north = np.median(lat[ok]) >= 0
    return [(32600 if north else 32700) + zone] + ([26900 + zone] if north and 1 <= zone <= 23 else [])


def _wrong_place_hint(
    rej: _Rejects,
    x: np.ndarray,
    y: np.ndarray,
    src: pyproj.CRS,
    final: pyproj.CRS,
    box: tuple[float, float, float, float] | None,
    notes: Notes,
) -> dict[str, Any] | None:
    """Name the CRS the coordinates look like when all or most rows fall in the wrong place."""
    ok = rej.ok
    far = np.zeros(len(ok), dtype=bool)
    far[~ok] = pd.Series(rej.reason[~ok], dtype=object).isin(WRONG_PLACE).to_numpy()  # usable rows: no reason
    located = far | ok
    n_far, n_located = int(far.sum()), int(located.sum())
    if n_far == 0 or n_far < WRONG_PLACE_SHARE * n_located:
        return None
    fx, fy = x[far], y[far]
    fin = np.isfinite(fx) & np.isfinite(fy) & (np.abs(fx) < 1e12) & (np.abs(fy) < 1e12)
    fx, fy = fx[fin], fy[fin]
    where = "the store's extent" if box is not None else f"the area of use of {crs_label(final)}"
    best: dict[str, Any] = {"epsg": None, "label": "", "share": 0.0, "swap": False}
    if box is not None:
        margin, _ = _extent_margin(box, final)
        lo_x, lo_y, hi_x, hi_y = box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin
        to_lonlat = pyproj.Transformer.from_crs(final, 4326, always_xy=True)
        with np.errstate(all="ignore"):
            clon, clat = to_lonlat.transform([(lo_x + hi_x) / 2], [(lo_y + hi_y) / 2], errcheck=False)
        center = (np.asarray(clon, dtype=float), np.asarray(clat, dtype=float))

        def inside(tx: np.ndarray, ty: np.ndarray) -> np.ndarray:
            return (tx >= lo_x) & (tx <= hi_x) & (ty >= lo_y) & (ty <= hi_y)
    else:
        aou = final.area_of_use
        center = (
            np.array([(aou.west + aou.east) / 2 if aou else np.nan]),
            np.array([(aou.south + aou.north) / 2 if aou else np.nan]),
        )

        def inside(tx: np.ndarray, ty: np.ndarray) -> np.ndarray:
            ok = np.isfinite(tx) & np.isfinite(ty)
            out = np.zeros(len(tx), dtype=bool)
            out[ok] = ~_outside_area_of_use(tx[ok], ty[ok], final)
            return out

    judge = len(fx) > 0 and (box is not None or final.area_of_use is not None)
    for epsg in (*CRS_CANDIDATES, *_utm_zones(*center)) if judge else ():
        cand = to_crs(epsg)
        for swap in (False, True):
            if same_crs(cand, src) and not swap:
                continue
            ax, ay = (fy, fx) if swap else (fx, fy)
            if cand.is_geographic and not ((np.abs(ax) <= 180) & (np.abs(ay) <= 90)).mean() >= 0.5:
                continue
            tr = pyproj.Transformer.from_crs(cand, final, always_xy=True)
            with np.errstate(all="ignore"):
                tx, ty = tr.transform(ax, ay, errcheck=False)
            share = float(inside(np.asarray(tx, dtype=float), np.asarray(ty, dtype=float)).mean())
            if share > best["share"] + 1e-9:
                best = {"epsg": epsg, "label": crs_label(cand), "share": share, "swap": swap}
    hint = dict(best, n_far=n_far, n_located=n_located, where=where)
    if best["epsg"] is None or best["share"] < WRONG_PLACE_SHARE:
        hint.update(epsg=None, label="", share=0.0)
        notes.add(
            f"{n_far:,} of {n_located:,} located rows fall outside {where}, and none of the CRSs tried "
            f"({', '.join(map(str, CRS_CANDIDATES))} and the UTM zones) places them inside: check the coordinate "
            "columns and `crs` (--crs)."
        )
        return hint
    how = f"`crs` {best['epsg']} (--crs {best['epsg']})"
    if best["swap"]:
        how += " with x and y swapped (--x-field/--y-field the other way round)"
    notes.add(
        f"{n_far:,} of {n_located:,} located rows fall outside {where}: the coordinates look like "
        f"{best['label']} ({best['share']:.0%} of them fall inside with it). Give {how}."
    )
    return hint


#: Points from which the area-of-use check first tries the points' bounding box (cheaper than every point).
_BBOX_FIRST = 10_000


def _bbox_inside_area_of_use(x: np.ndarray, y: np.ndarray, crs: pyproj.CRS) -> bool:
    """Tell whether the bounding box of the points surely lies inside ``crs``'s area of use (1 degree of margin).

    The box's outline, densified and reprojected to lon/lat, must lie inside the (convex) lon/lat box with a
    margin of 0.01 degree: a projection maps the box onto a region whose outline is that line, and a region
    lies inside the convex hull of its outline. No answer (False) for geographic CRSs, areas crossing the
    antimeridian or non-finite coordinates: then every point is checked.
    """
    aou = crs.area_of_use
    if len(x) < _BBOX_FIRST or crs.is_geographic or aou is None or aou.west > aou.east:
        return False
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return False
    x0, x1, y0, y1 = float(x.min()), float(x.max()), float(y.min()), float(y.max())
    t = np.linspace(0.0, 1.0, 2001)
    bx = np.concatenate([x0 + (x1 - x0) * t, np.full_like(t, x1), x1 - (x1 - x0) * t, np.full_like(t, x0)])
    by = np.concatenate([np.full_like(t, y0), y0 + (y1 - y0) * t, np.full_like(t, y1), y1 - (y1 - y0) * t])
    try:
        tr = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
        with np.errstate(all="ignore"):
            lon, lat = tr.transform(bx, by, errcheck=False)
    except pyproj.exceptions.ProjError:  # pragma: no cover - defensive
        return False
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    margin = 0.01
    pad = 1.0 - margin
    return bool(
        np.isfinite(lon).all()
        and np.isfinite(lat).all()
        and (lon >= aou.west - pad).all()
        and (lon <= aou.east + pad).all()
        and (lat >= aou.south - pad).all()
        and (lat <= aou.north + pad).all()
    )


def _outside_area_of_use(x: np.ndarray, y: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    """Return a mask of the points outside ``crs``'s area of use (with 1 degree of margin)."""
    aou = crs.area_of_use
    if aou is None or len(x) == 0:
        return np.zeros(len(x), dtype=bool)
    if _bbox_inside_area_of_use(x, y, crs):
        return np.zeros(len(x), dtype=bool)
    try:
        if crs.is_geographic:
            lon, lat = x, y
        else:
            tr = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
            with np.errstate(all="ignore"):
                lon, lat = tr.transform(x, y, errcheck=False)
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    except pyproj.exceptions.ProjError:  # pragma: no cover - defensive
        return np.zeros(len(x), dtype=bool)
    pad = 1.0
    west, east = aou.west - pad, aou.east + pad
    if west <= east:
        in_lon = (lon >= west) & (lon <= east)
    else:  # area crossing the antimeridian
        in_lon = (lon >= west) | (lon <= east)
    inside = in_lon & (lat >= aou.south - pad) & (lat <= aou.north + pad)
    return ~inside


def _note_area_of_use(x: np.ndarray, y: np.ndarray, crs: pyproj.CRS, notes: Notes) -> None:
    n_out = int(_outside_area_of_use(x, y, crs).sum())
    if n_out:
        notes.add(
            f"{n_out:,} usable point(s) lie outside the area of use of "
            f"{crs_label(crs)} "
            f"({crs.area_of_use.name}); check `crs`, or pass `extent` to reject them."
        )
