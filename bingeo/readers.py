"""Read incidents, addresses and network boundaries as NL/BE sources really export them.

Three public readers and two writers live here:

* :func:`read_points` turns a table or vector file of incidents or addresses into
  a point :class:`geopandas.GeoDataFrame` plus a table of *rejected* rows. No row is
  ever dropped silently: every input row ends up either in ``points`` or in
  ``rejects`` (with a short reason code and a human explanation).
* :func:`read_polygons` reads network boundaries (GeoPackage, Shapefile, zipped
  Shapefile, GeoJSON, KML, GeoParquet) and refuses anything it would have to drop.
* :func:`write_table` writes a (Geo)DataFrame by extension; :func:`rejects_path`
  names the rejects file beside an output.

Privacy: member data may pass through these readers. Cell values never appear in
exception messages, log lines or notes; only file names, column names, row
numbers and counts do.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import logging
import math
import os
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from bingeo._crs import CRSLike, crs_label, same_crs, to_crs
from bingeo.errors import CRSError, InputError

__all__ = [
    "ReadResult",
    "read_points",
    "read_polygons",
    "write_table",
    "rejects_path",
    "REJECT_REASONS",
    "SUPPORTED_OUTPUTS",
    "GUESS_SHARE",
    "EXTENT_MARGIN_SHARE",
]

logger = logging.getLogger(__name__)

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
}

#: Output formats of :func:`write_table`, by extension.
SUPPORTED_OUTPUTS: dict[str, str] = {
    ".gpkg": "GeoPackage 1.2 (layer = `layer` or the file stem)",
    ".csv": "CSV, UTF-8, comma separated; point geometry as x/y columns, other geometry as WKT",
    ".geojson": "GeoJSON (RFC 7946, reprojected to EPSG:4326)",
    ".parquet": "GeoParquet (GeoDataFrame) or Parquet (DataFrame)",
}

#: Share of coordinates that must fall inside one known range for a CRS guess.
GUESS_SHARE = 0.99

#: Margin around ``extent``: this share of the extent's larger side ...
EXTENT_MARGIN_SHARE = 0.50
#: ... but at least this many metres (projected CRS) ...
EXTENT_MIN_MARGIN_M = 5000.0
#: ... or this many degrees (geographic CRS).
EXTENT_MIN_MARGIN_DEG = 0.05

_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".tab"}
_VECTOR_SUFFIXES = {
    ".gpkg",
    ".shp",
    ".zip",
    ".geojson",
    ".json",
    ".kml",
    ".kmz",
    ".gml",
    ".fgb",
    ".sqlite",
    ".gdb",
    ".parquet",
    ".geoparquet",
}
_PARQUET_SUFFIXES = {".parquet", ".geoparquet"}
_SEPARATORS = [";", ",", "\t", "|"]
_SEP_NAMES = {";": "semicolon (;)", ",": "comma (,)", "\t": "tab", "|": "pipe (|)"}
# LIBKML/KML styling fields that carry no attribute information.
_KML_STYLE_FIELDS = {
    "id",
    "timestamp",
    "begin",
    "end",
    "altitudeMode",
    "tessellate",
    "extrude",
    "visibility",
    "drawOrder",
    "icon",
    "snippet",
}
_MAX_LISTED = 40


# ---------------------------------------- result


@dataclass(repr=False)
class ReadResult:
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
    """

    points: gpd.GeoDataFrame
    rejects: pd.DataFrame
    crs: pyproj.CRS
    notes: list[str] = field(default_factory=list)
    source: str = ""

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


class _Notes(list):
    """List of notes that also logs each one at INFO level."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def add(self, text: str) -> None:
        self.append(text)
        logger.info("%s: %s", self.label, text)


# ---------------------------------------- sources


def _check_source(source: Any) -> Path:
    if not isinstance(source, (str, os.PathLike)):
        msg = f"`source` should be a path (str or os.PathLike), got {type(source).__name__}"
        raise TypeError(msg)
    path = Path(source)
    if not path.exists():
        msg = f"{source}: file not found. Check the path and the current folder ({Path.cwd()})."
        raise InputError(msg)
    if path.is_dir() and path.suffix.lower() != ".gdb":
        msg = f"{source}: is a folder, not a file. Give the file itself (e.g. a .csv, .gpkg or .shp)."
        raise InputError(msg)
    if path.is_file() and path.stat().st_size == 0:
        msg = f"{source}: the file is empty (0 bytes). Export it again from the source system."
        raise InputError(msg)
    return path


def _suffix(path: Path) -> tuple[str, bool]:
    """Return (last meaningful suffix, gzipped?) e.g. ``x.csv.gz`` -> (".csv", True)."""
    sfx = [s.lower() for s in path.suffixes]
    gz = bool(sfx) and sfx[-1] == ".gz"
    if gz:
        sfx = sfx[:-1]
    return (sfx[-1] if sfx else ""), gz


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _source_kind(path: Path) -> str:
    """'text', 'parquet', 'zip' or 'vector'."""
    if path.is_dir():
        return "vector"
    sfx, gz = _suffix(path)
    if gz or sfx in _TEXT_SUFFIXES:
        return "text"
    if sfx in _PARQUET_SUFFIXES:
        return "parquet"
    if sfx == ".zip":
        return "zip"
    if sfx in _VECTOR_SUFFIXES:
        return "vector"
    # Unknown extension: gzip or plain text that is not JSON/XML is read as a table.
    if _is_gzip(path):
        return "text"
    with open(path, "rb") as fh:
        head = fh.read(4096)
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if b"\x00" not in head and not stripped.startswith((b"{", b"<", b"[")):
        try:
            head.decode("utf-8")
            return "text"
        except UnicodeDecodeError:
            pass
    return "vector"


def _zip_target(path: Path, layer: str | None, label: str) -> tuple[str, str]:
    """Inspect a zip: return ('text', member) or ('vector', gdal_path)."""
    if not zipfile.is_zipfile(path):
        msg = f"{label}: not a valid zip archive (truncated or corrupt). Download or export it again."
        raise InputError(msg)
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/") and "__MACOSX" not in n]
    except (zipfile.BadZipFile, OSError) as exc:
        msg = f"{label}: the zip archive cannot be read ({exc}). Download or export it again."
        raise InputError(msg) from None
    shps = [n for n in names if n.lower().endswith(".shp")]
    vectors = [n for n in names if Path(n).suffix.lower() in _VECTOR_SUFFIXES - {".zip", ".shp"}]
    texts = [n for n in names if Path(n).suffix.lower() in _TEXT_SUFFIXES]
    vsi = f"/vsizip/{path.resolve()}"
    if shps:
        if layer is not None:
            hits = [n for n in shps if Path(n).stem == layer]
            if not hits:
                listed = ", ".join(Path(n).stem for n in shps)
                msg = f"{label}: no layer {layer!r} in the zip. Layers: {listed}. Pass one as `layer` (--layer)."
                raise InputError(msg)
            return "vector", f"{vsi}/{hits[0]}"
        if len(shps) > 1:
            listed = ", ".join(Path(n).stem for n in shps)
            msg = f"{label}: the zip holds {len(shps)} shapefiles ({listed}). Say which one with `layer` (--layer)."
            raise InputError(msg)
        return "vector", f"{vsi}/{shps[0]}"
    if len(vectors) == 1:
        return "vector", f"{vsi}/{vectors[0]}"
    if not vectors and len(texts) == 1:
        return "text", texts[0]
    found = ", ".join(names[:_MAX_LISTED]) or "nothing"
    msg = f"{label}: cannot tell which file in the zip to read (it holds: {found}). Unzip it and pass the file itself."
    raise InputError(msg)


# ---------------------------------------- text tables


def _read_bytes(path: Path, label: str, member: str | None = None) -> bytes:
    try:
        if member is not None:
            with zipfile.ZipFile(path) as zf:
                data = zf.read(member)
        elif _is_gzip(path):
            with gzip.open(path, "rb") as fh:
                data = fh.read()
        else:
            data = path.read_bytes()
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
        msg = f"{label}: the file cannot be read or decompressed ({type(exc).__name__}). Export it again."
        raise InputError(msg) from None
    return data


def _decode(data: bytes, encoding: str | None, label: str, notes: _Notes) -> str:
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except LookupError:
            msg = f"`encoding` {encoding!r} is not an encoding Python knows. Try 'utf-8' or 'cp1252'."
            raise InputError(msg) from None
        except UnicodeDecodeError as exc:
            msg = (
                f"{label}: cannot be decoded as {encoding} (first bad byte at offset "
                f"{exc.start}). "
                "Leave out `encoding` (--encoding) to let bingeo detect it, or try "
                "'cp1252'."
            )
            raise InputError(msg) from None
        notes.add(f"Encoding {encoding} (as given).")
        return text.removeprefix("\ufeff")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        notes.add("Encoding UTF-16 (byte order mark found; Excel 'Unicode text').")
        return data.decode("utf-16").removeprefix("\ufeff")
    if b"\x00" in data[:8192]:
        msg = (
            f"{label}: does not look like a text table (it contains binary data). "
            "Give a CSV/TXT file or a vector file (.gpkg, .shp, .geojson)."
        )
        raise InputError(msg)
    if data.startswith(codecs.BOM_UTF8):
        try:
            text = data.decode("utf-8-sig")
            notes.add("Encoding UTF-8 with byte order mark (BOM).")
            return text
        except UnicodeDecodeError:
            data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
        notes.add("Encoding UTF-8.")
        return text
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        notes.add("Not valid UTF-8: read as Windows-1252 (cp1252). Pass `encoding` (--encoding) if that is wrong.")
        return text
    except UnicodeDecodeError:
        notes.add("Neither UTF-8 nor Windows-1252: read as Latin-1. Pass `encoding` (--encoding) to be sure.")
        return data.decode("latin-1")


def _sniff_separator(text: str, notes: _Notes) -> str:
    sample = text[:262_144]
    truncated = len(text) > len(sample)
    best: tuple[Any, ...] | None = None
    best_sep = ","
    for cand in _SEPARATORS:
        try:
            rows = list(itertools.islice(csv.reader(io.StringIO(sample, newline=""), delimiter=cand), 202))
        except csv.Error:
            continue
        rows = [r for r in rows if r and any(c.strip() for c in r)]
        if not rows:
            continue
        width = len(rows[0])
        data = rows[1:-1] if truncated or len(rows) > 201 else rows[1:]
        share = sum(len(r) == width for r in data) / len(data) if data else 1.0
        score = (width > 1, share, width)
        if best is None or score > best:
            best, best_sep = score, cand
    if best is None or not best[0]:
        notes.add("Only one column found; assuming comma-separated. Pass `sep` (--sep) if that is wrong.")
        return ","
    notes.add(f"Separator: {_SEP_NAMES[best_sep]} (detected).")
    return best_sep


def _unique_names(header: list[str], notes: _Notes) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    changed = False
    for i, raw in enumerate(header):
        name = raw.strip().removeprefix("\ufeff").strip()
        if not name:
            name = f"column_{i + 1}"
            changed = True
        base, k = name, 2
        while name in seen:
            name = f"{base}_{k}"
            k += 1
            changed = True
        seen.add(name)
        names.append(name)
    if changed:
        notes.add("Empty or repeated column names were renamed (column_<n>, <name>_<k>).")
    return names


def _read_text_table(
    path: Path,
    label: str,
    *,
    sep: str | None,
    encoding: str | None,
    member: str | None,
    notes: _Notes,
) -> tuple[pd.DataFrame, dict[int, int], int]:
    """Read a text table as strings.

    Returns (raw string frame, {row index: field count} of bad records, header width).
    """
    data = _read_bytes(path, label, member)
    text = _decode(data, encoding, label, notes)
    if not text.strip():
        msg = f"{label}: the file is empty. Export it again from the source system."
        raise InputError(msg)
    hint = re.match(r"sep=(.)\r?\n", text[:8])
    if hint:
        # Excel's "sep=;" first line names the separator; it is not a record.
        text = text[hint.end() :]
        if sep is None:
            sep = hint.group(1)
            notes.add(f"Separator: {_SEP_NAMES.get(sep, repr(sep))} (from Excel's 'sep=' line).")
    if sep is None:
        sep = _sniff_separator(text, notes)
    else:
        if not isinstance(sep, str) or len(sep) != 1:
            msg = f"`sep` should be one character such as ';', ',' or '\\t', got {sep!r}"
            raise InputError(msg)
        notes.add(f"Separator: {_SEP_NAMES.get(sep, repr(sep))} (as given).")
    # strict: an unclosed quote must not silently swallow the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    records: list[list[str]] = []
    bad: dict[int, int] = {}
    blank = 0
    header: list[str] | None = None
    try:
        for rec in reader:
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                blank += 1
                continue
            if header is None:
                header = rec
                width = len(header)
                continue
            if len(rec) != width:
                bad[len(records)] = len(rec)
                rec = (rec + [""] * width)[:width]
            records.append(rec)
    except csv.Error as exc:
        msg = (
            f"{label}: the text cannot be split into records at data record "
            f"{len(records) + 1} (line {reader.line_num}: {exc}). "
            'Check that record for an unclosed or stray quote (").'
        )
        raise InputError(msg) from None
    if header is None:
        msg = f"{label}: the file is empty. Export it again from the source system."
        raise InputError(msg)
    if not records:
        msg = f"{label}: the file has a header but no data rows."
        raise InputError(msg)
    if blank:
        notes.add(f"Skipped {blank:,} blank line(s); they are not counted in `source_row`.")
    names = _unique_names(header, notes)
    frame = pd.DataFrame(records, columns=names, dtype=str)
    return frame, bad, width


# ---------------------------------------- numbers

_NUM_DOT = (
    r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d*)?(?:[eE][+-]?\d+)?"
    r"|[+-]?\.\d+(?:[eE][+-]?\d+)?"
)
_NUM_COMMA = r"[+-]?(?:\d+|\d{1,3}(?:\.\d{3})+)(?:,\d*)?|[+-]?,\d+"
_SPACE_GROUPED = r"[+-]?\d{1,3}(?:[ \u00a0\u202f']\d{3})+(?:[.,]\d*)?"


def _text_series(values: pd.Series) -> pd.Series:
    s = values.astype(object).where(values.notna(), "")
    return s.astype(str).str.strip().str.replace("\u2212", "-", regex=False)


def _parse_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Parse a column of coordinates written with a decimal point or a decimal comma.

    Returns (floats, empty mask, unparseable mask, convention) where convention
    is "point", "comma" or "mixed". Rules: a value that can only be read one way is
    read that way (``155.000,5`` -> 155000.5; ``155000.5``; ``1,234.5``). A value that
    reads two ways (one separator followed by exactly three digits, e.g. ``155.000``)
    follows the column's majority of unambiguous values; if there are none, its
    separator is taken as the decimal mark.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        vals = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        empty = values.isna().to_numpy()
        bad = ~empty & ~np.isfinite(vals)
        return vals, empty, bad, "point"
    s = _text_series(values)
    empty = (s == "").to_numpy()
    grouped = s.str.fullmatch(_SPACE_GROUPED)
    if grouped.any():
        s = s.where(~grouped, s.str.replace(r"[ \u00a0\u202f']", "", regex=True))
    dot_ok = s.str.fullmatch(_NUM_DOT).to_numpy(dtype=bool)
    comma_ok = s.str.fullmatch(_NUM_COMMA).to_numpy(dtype=bool)
    dot_val = np.full(len(s), np.nan)
    comma_val = np.full(len(s), np.nan)
    if dot_ok.any():
        dot_val[dot_ok] = pd.to_numeric(s[dot_ok].str.replace(",", "", regex=False), errors="coerce")
    if comma_ok.any():
        conv = s[comma_ok].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        comma_val[comma_ok] = pd.to_numeric(conv, errors="coerce")
    both = dot_ok & comma_ok
    differ = both & ~(dot_val == comma_val)
    only_dot = dot_ok & ~comma_ok
    only_comma = comma_ok & ~dot_ok
    n_dot, n_comma = int(only_dot.sum()), int(only_comma.sum())
    out = np.where(dot_ok, dot_val, comma_val)
    out[only_comma] = comma_val[only_comma]
    if differ.any():
        if n_comma > n_dot:
            use_comma = differ
        elif n_dot > n_comma:
            use_comma = np.zeros(len(s), dtype=bool)
        else:
            use_comma = differ & s.str.contains(",", regex=False).to_numpy(dtype=bool)
        out[use_comma] = comma_val[use_comma]
    comma_used = (
        n_comma > 0
        or (differ.any() and n_comma > n_dot)
        or (differ.any() and n_comma == n_dot and bool(s[differ].str.contains(",", regex=False).any()))
    )
    convention = "mixed" if (n_dot and n_comma) else ("comma" if comma_used else "point")
    bad = ~empty & ~(np.isfinite(out) & (dot_ok | comma_ok))
    out[bad | empty] = np.nan
    return out, empty, bad, convention


_INT_RE = r"-?(?:0|[1-9]\d{0,14})"
_DEC_DOT_RE = r"-?(?:0|[1-9]\d{0,14})\.\d{1,15}"
_DEC_COMMA_RE = r"-?(?:0|[1-9]\d{0,14}),\d{1,15}"


def _convert_numeric(s: pd.Series, *, decimal_comma: bool) -> pd.Series | None:
    """Convert a text column to numbers only if every non-empty value is a plain number.

    Leading zeros (postcodes, phone numbers, BAG ids), ``+`` signs, exponents, thousands
    separators and numbers of more than 15 digits keep the column as text.
    """
    t = s.str.strip()
    nonempty = t != ""
    if not nonempty.any():
        return None
    v = t[nonempty]
    is_int = v.str.fullmatch(_INT_RE)
    if is_int.all():
        nums = pd.to_numeric(v, errors="coerce").astype("int64")
        if nonempty.all():
            return nums.reindex(s.index)
        out = pd.Series(pd.NA, index=s.index, dtype="Int64")
        out[nonempty] = nums
        return out
    is_dec = is_int | v.str.fullmatch(_DEC_DOT_RE)
    if decimal_comma and not is_dec.all():
        is_comma = v.str.fullmatch(_DEC_COMMA_RE)
        if (is_dec | is_comma).all() and is_comma.any() and not v[~is_int].str.contains(".", regex=False).any():
            v = v.str.replace(",", ".", regex=False)
            is_dec = is_dec | is_comma
    if not is_dec.all():
        return None
    out = pd.Series(np.nan, index=s.index, dtype="float64")
    out[nonempty] = pd.to_numeric(v, errors="coerce").astype("float64")
    return out


# ---------------------------------------- dates

_DATE_HINT = re.compile(r"^(date|datum|tijd|time)|(date|datum|tijd|time)$")
_ISO_RE = (
    r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?"
)
_TZ_RE = r".*(?:Z|[+-]\d{2}:?\d{2})"
_TIME_ONLY_RE = r"\d{1,2}:\d{2}(?::\d{2})?"
_DAYFIRST = [f"%d{s}%m{s}%Y{t}" for s in ("-", "/", ".") for t in (" %H:%M:%S", " %H:%M", "")] + [
    f"%d{s}%m{s}%y{t}" for s in ("-", "/", ".") for t in (" %H:%M:%S", " %H:%M", "")
]
_MONTHFIRST = [f"%m/%d/%Y{t}" for t in (" %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p", "")]


def _date_named(name: str) -> bool:
    return any(_DATE_HINT.search(tok) for tok in _tokens(name))


def _parse_dates(s: pd.Series) -> tuple[pd.Series | None, str]:
    """Parse a column of dates.

    Returns (datetimes or None, description of the format or reason of failure).
    """
    t = _text_series(s)
    nonempty = t != ""
    if not nonempty.any():
        return None, "it is empty"
    v = t[nonempty]
    if v.str.fullmatch(_TIME_ONLY_RE).all():
        return None, "it holds times of day without a date"
    iso = v.str.fullmatch(_ISO_RE)
    parsed = pd.Series(pd.NaT, index=v.index, dtype="datetime64[us]")
    kinds: list[str] = []
    if iso.all() and v.str.fullmatch(_TZ_RE).any():
        try:
            out = pd.to_datetime(v.str.replace(",", ".", regex=False), format="ISO8601", utc=True)
        except (ValueError, TypeError):
            return None, "its ISO 8601 values mix time zones and plain times"
        full = pd.Series(pd.NaT, index=s.index, dtype=out.dtype)
        full[nonempty] = out
        return full, "ISO 8601 with time zone, converted to UTC"
    if iso.any():
        try:
            parsed[iso] = pd.to_datetime(
                v[iso].str.replace(",", ".", regex=False),
                format="ISO8601",
                errors="coerce",
            )
        except (ValueError, TypeError):
            return None, "its ISO 8601 values cannot be parsed"
        kinds.append("ISO 8601")
    rest = parsed.isna()
    day_ok = False
    for fmt in _DAYFIRST:
        if not rest.any():
            break
        got = pd.to_datetime(v[rest], format=fmt, errors="coerce")
        if got.notna().any():
            parsed[got.index[got.notna()]] = got[got.notna()]
            day_ok = True
            rest = parsed.isna()
    if day_ok:
        kinds.append("day first (31-12-2017)")
    if rest.any():
        # Month-first only when it explains every value that day-first could not.
        alt = pd.Series(pd.NaT, index=v.index, dtype="datetime64[us]")
        alt[iso] = parsed[iso]
        ok = iso.copy()
        for fmt in _MONTHFIRST:
            left = ~ok
            if not left.any():
                break
            got = pd.to_datetime(v[left], format=fmt, errors="coerce")
            alt[got.index[got.notna()]] = got[got.notna()]
            ok = alt.notna()
        if ok.all():
            parsed, kinds = (
                alt,
                [k for k in kinds if k == "ISO 8601"] + ["month first (12/31/2017)"],
            )
            rest = parsed.isna()
    if rest.any():
        return (
            None,
            f"{int(rest.sum()):,} of {len(v):,} values are not dates in a known format",
        )
    full = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    full[nonempty] = parsed
    return full, " and ".join(kinds)


# ---------------------------------------- coordinate columns

_GEO_X = {"lon", "lng", "long", "longitude", "lengtegraad", "longitud"}
_GEO_Y = {"lat", "latitude", "breedtegraad", "latitud"}
_X_PREFIXED = {
    "coord",
    "coords",
    "coordinate",
    "coordinaat",
    "rd",
    "lambert",
    "lambert72",
    "l72",
}
_X_SUFFIXED = {
    "rd",
    "lambert",
    "lambert72",
    "lambert2008",
    "l72",
    "l08",
    "coord",
    "coordinate",
    "coordinaat",
    "albers",
    "utm",
    "gps",
    "bng",
    "pos",
    "punt",
    "point",
    "loc",
    "location",
}
_WKT_NAMES = {
    "geometry",
    "wkt",
    "thegeom",
    "geom",
    "wktgeom",
    "wktgeometry",
    "geometrie",
    "shape",
}
_EWKT_SRID = r"(?i)\s*SRID=(\d+);"


def _tokens(name: str) -> tuple[str, ...]:
    plain = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return tuple(t for t in re.split(r"[^0-9a-z]+", plain.lower()) if t)


def _squash(name: str) -> str:
    return "".join(_tokens(name))


def _coordinate_pairs(columns: Sequence[str]) -> list[tuple[str, str, str]]:
    """Return candidate (x, y, kind) pairs in column order.

    ``kind`` is 'geographic' or 'projected'.
    """
    by_tokens: dict[tuple[str, ...], str] = {}
    by_squash: dict[str, str] = {}
    for c in columns:
        by_tokens.setdefault(_tokens(c), c)
        by_squash.setdefault(_squash(c), c)
    pairs: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(x: str, y: str | None, kind: str) -> None:
        if y is not None and x != y and (x, y) not in seen:
            seen.add((x, y))
            pairs.append((x, y, kind))

    for c in columns:
        toks = _tokens(c)
        for i, t in enumerate(toks):
            if t in _GEO_X:
                for ty in sorted(_GEO_Y):
                    add(c, by_tokens.get(toks[:i] + (ty,) + toks[i + 1 :]), "geographic")
            if t == "x":
                add(c, by_tokens.get(toks[:i] + ("y",) + toks[i + 1 :]), "projected")
            if t == "easting":
                add(
                    c,
                    by_tokens.get(toks[:i] + ("northing",) + toks[i + 1 :]),
                    "projected",
                )
        sq = _squash(c)
        if sq.startswith("x") and sq[1:] in _X_PREFIXED:
            add(c, by_squash.get("y" + sq[1:]), "projected")
        if sq.endswith("x") and sq[:-1] in _X_SUFFIXED:
            add(c, by_squash.get(sq[:-1] + "y"), "projected")
    return pairs


def _wkt_columns(frame: pd.DataFrame) -> list[str]:
    found = []
    for c in frame.columns:
        if _squash(c) not in _WKT_NAMES:
            continue
        t = _text_series(frame[c])
        sample = t[t != ""].head(200).str.replace(_EWKT_SRID, "", regex=True).str.strip()
        if len(sample) and sample.str.match(r"(?i)(multi)?point\b").mean() >= 0.5:
            found.append(c)
    return found


def _find_column(name: str, columns: Sequence[str], label: str, what: str) -> str:
    if name in columns:
        return name
    folded = [c for c in columns if str(c).casefold() == str(name).casefold()]
    if len(folded) == 1:
        return folded[0]
    msg = (
        f"{label}: no column {name!r} for {what}. Columns: {_list_names(columns)}. "
        f"Give existing names with `x_field`/`y_field` (--x-field/--y-field)."
    )
    raise InputError(msg)


def _list_names(columns: Sequence[Any]) -> str:
    names = [str(c)[:40] for c in columns]
    more = f" (and {len(names) - _MAX_LISTED} more)" if len(names) > _MAX_LISTED else ""
    return ", ".join(names[:_MAX_LISTED]) + more


# ---------------------------------------- CRS guessing

_GUESS_RANGES = {
    4326: "lon/lat degrees (|x| <= 180, |y| <= 90)",
    28992: "RD New range (x 0-300,000, y 300,000-629,000)",
    31370: "Lambert 72 range (x 0-300,000, y 0-250,000)",
    3812: "Lambert 2008 range (x and y 500,000-800,000)",
}


def _guess_crs(x: np.ndarray, y: np.ndarray, *, geographic_names: bool) -> tuple[int | None, str]:
    """Guess an EPSG code from coordinate ranges (see :func:`read_points`, Notes)."""
    if len(x) == 0:
        return None, "no row has usable coordinates"
    geo = (np.abs(x) <= 180) & (np.abs(y) <= 90)
    if geographic_names:
        if geo.mean() >= 0.5:
            return 4326, "the coordinate columns are named as longitude/latitude"
        return (
            None,
            "the columns are named as longitude/latitude but most values are not degrees",
        )
    masks = {
        4326: geo,
        28992: (x >= 0) & (x <= 300_000) & (y > 300_000) & (y <= 629_000),
        31370: (x >= 0) & (x <= 300_000) & (y >= 0) & (y < 250_000) & ~geo,
        3812: (x >= 500_000) & (x <= 800_000) & (y >= 500_000) & (y <= 800_000),
    }
    for epsg, mask in masks.items():
        share = float(mask.mean())
        if share >= GUESS_SHARE:
            return (
                epsg,
                f"{share:.1%} of the coordinates lie in the {_GUESS_RANGES[epsg]}",
            )
    return (
        None,
        "the coordinate ranges match none of lon/lat, RD New, Lambert 72 or Lambert 2008",
    )


def _no_crs_error(label: str, why: str) -> InputError:
    msg = (
        f"{label}: the file has no CRS and none could be guessed ({why}). "
        "Give one with `crs` (CLI: --crs 28992), e.g. 28992 for RD New, 31370 for "
        "Lambert 72, "
        "3812 for Lambert 2008 or 4326 for longitude/latitude."
    )
    return InputError(msg)


# ---------------------------------------- extent


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


# ---------------------------------------- vector sources


def _layer_error(label: str, layers: np.ndarray, why: str) -> InputError:
    listed = ", ".join(f"{n} ({t})" for n, t in layers) or "none"
    return InputError(f"{label}: {why}. Layers: {listed}. Pass one as `layer` (--layer).")


def _open_layers(gdal_path: str, label: str) -> np.ndarray:
    try:
        return pyogrio.list_layers(gdal_path)
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        OSError,
    ) as exc:
        reason = str(exc).replace(gdal_path, "the file")[:200]
        msg = (
            f"{label}: cannot be opened as a vector file; it may be corrupt, "
            f"truncated or in an "
            f"unsupported format ({reason}). Export it again, e.g. as GeoPackage."
        )
        raise InputError(msg) from None


def _choose_layer(gdal_path: str, label: str, layer: str | None, *, want: str) -> str | None:
    """Pick the layer to read; ``want`` is 'point' or 'polygon'."""
    layers = _open_layers(gdal_path, label)
    if len(layers) == 0:
        msg = f"{label}: the file holds no layers (no data)."
        raise InputError(msg)
    names = [str(n) for n in layers[:, 0]]
    if layer is not None:
        if layer not in names:
            raise _layer_error(label, layers, f"has no layer {layer!r}")
        return layer
    if len(names) == 1:
        return names[0]
    fitting = [str(n) for n, t in layers if want in str(t).lower()]
    if len(fitting) == 1:
        logger.info(
            "%s: %d layers; using the only %s layer %r",
            label,
            len(names),
            want,
            fitting[0],
        )
        return fitting[0]
    raise _layer_error(label, layers, f"has {len(names)} layers and {len(fitting)} are {want} layers")


def _drop_kml_styling(frame: pd.DataFrame, driver: str, label: str) -> pd.DataFrame:
    if driver not in ("LIBKML", "KML"):
        return frame
    drop = []
    for c in frame.columns:
        if c in _KML_STYLE_FIELDS and c != getattr(frame, "_geometry_column_name", None):
            if frame[c].nunique(dropna=True) <= 1:
                drop.append(c)
    if drop:
        logger.info(
            "%s: dropped %d empty KML styling field(s): %s",
            label,
            len(drop),
            ", ".join(drop),
        )
        frame = frame.drop(columns=drop)
    return frame


def _read_vector(
    path: Path, label: str, layer: str | None, *, want: str, encoding: str | None = None
) -> tuple[pd.DataFrame, str]:
    """Read a vector (or parquet) source; return (GeoDataFrame or DataFrame, driver)."""
    kind = _source_kind(path)
    if kind == "parquet":
        try:
            return gpd.read_parquet(path), "Parquet"
        except ValueError as exc:
            if "geo" not in str(exc).lower():
                raise InputError(f"{label}: cannot be read as Parquet ({str(exc)[:200]}).") from None
        except Exception as exc:  # pyarrow raises its own error types
            msg = f"{label}: cannot be read as (Geo)Parquet; it may be corrupt ({type(exc).__name__})."
            raise InputError(msg) from None
        try:
            return pd.read_parquet(path), "Parquet"
        except Exception as exc:
            msg = f"{label}: cannot be read as Parquet; it may be corrupt ({type(exc).__name__})."
            raise InputError(msg) from None
    gdal_path = str(path)
    if kind == "zip":
        _, gdal_path = _zip_target(path, layer, label)
        layer = None
    chosen = _choose_layer(gdal_path, label, layer, want=want)
    kwargs: dict[str, Any] = {}
    if encoding is not None:
        kwargs["encoding"] = encoding
    try:
        info = pyogrio.read_info(gdal_path, layer=chosen)
        frame = gpd.read_file(gdal_path, layer=chosen, engine="pyogrio", **kwargs)
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
    ) as exc:
        reason = str(exc).replace(gdal_path, "the file")[:200]
        msg = f"{label}: layer {chosen!r} cannot be read ({reason}). Export it again, e.g. as GeoPackage."
        raise InputError(msg) from None
    driver = str(info.get("driver", ""))
    frame = _drop_kml_styling(frame, driver, label)
    logger.info("%s: read %d feature(s) from layer %r (%s)", label, len(frame), chosen, driver)
    return frame, driver


# ---------------------------------------- read_points


def read_points(
    source: str | os.PathLike[str],
    *,
    layer: str | None = None,
    x_field: str | None = None,
    y_field: str | None = None,
    crs: CRSLike | None = None,
    target_crs: CRSLike | None = None,
    extent: Sequence[float] | None = None,
    date_fields: Sequence[str] | None = None,
    sep: str | None = None,
    encoding: str | None = None,
) -> ReadResult:
    """Read incidents or addresses as points, keeping every unusable row as a reject.

    Parameters
    ----------
    source : str or os.PathLike
        CSV/TXT/TSV/TAB (optionally ``.gz``, or a ``.zip`` holding one such file), or
        any vector file GDAL reads (GeoPackage, Shapefile, zipped Shapefile,
        GeoJSON, KML), or (Geo)Parquet.
    layer : str, optional
        Layer of a multi-layer source (GeoPackage, shapefile name in a zip). Without
        it, the only layer or the only point layer is used.
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
    date_fields : sequence of str, optional
        Columns to parse as dates. By default columns whose name starts or ends with
        date/datum/tijd/time (``pleegdatum``, ``starttijd``, ``datetime``) are tried.
        Pass ``[]`` to parse none.
    sep : str, optional
        Field separator of a text file; detected among ``;`` ``,`` tab ``|`` otherwise.
    encoding : str, optional
        Text encoding; otherwise UTF-8 (with or without BOM), then Windows-1252.
        For shapefiles it is passed to GDAL (for files without ``.cpg``).

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
    path = _check_source(source)
    notes = _Notes(label)
    crs_given = to_crs(crs, what="`crs`") if crs is not None else None
    target = to_crs(target_crs, what="`target_crs`") if target_crs is not None else None
    box = _check_extent(extent)
    if date_fields is not None and isinstance(date_fields, str):
        date_fields = [date_fields]

    kind = _source_kind(path)
    member = None
    if kind == "zip":
        zkind, member_or_path = _zip_target(path, layer, label)
        if zkind == "text":
            kind, member = "text", member_or_path

    if kind == "text":
        raw, bad_fields, width = _read_text_table(path, label, sep=sep, encoding=encoding, member=member, notes=notes)
        table = _TableInput(raw=raw, text=True, bad_fields=bad_fields, width=width, file_crs=None)
    else:
        frame, driver = _read_vector(path, label, layer, want="point", encoding=encoding)
        if len(frame) == 0:
            msg = f"{label}: the layer is empty (no features)."
            raise InputError(msg)
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
    )


@dataclass
class _TableInput:
    raw: pd.DataFrame
    text: bool
    bad_fields: dict[int, int]
    width: int
    file_crs: pyproj.CRS | None


class _Rejects:
    """Per-row reject reason and detail; the first reason set wins."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, None, dtype=object)
        self.detail = np.full(n, None, dtype=object)

    @property
    def ok(self) -> np.ndarray:
        return np.equal(self.reason, None)

    def set(self, mask: np.ndarray, code: str, detail: str | np.ndarray) -> None:
        m = np.asarray(mask, dtype=bool) & self.ok
        if m.any():
            self.reason[m] = code
            self.detail[m] = detail if isinstance(detail, str) else np.asarray(detail, dtype=object)[m]


def _safe_name(name: str, taken: Sequence[str], notes: _Notes, what: str) -> str:
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
    notes: _Notes,
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
                (k for a, b, k in _coordinate_pairs(columns) if (a, b) == (xcol, ycol)),
                "projected",
            )
            notes.add(f"Coordinate columns {xcol!r}/{ycol!r} (as given).")
    else:
        pairs = _coordinate_pairs(columns)
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
        x, xe, xb, xconv = _parse_numbers(raw[xcol])
        y, ye, yb, yconv = _parse_numbers(raw[ycol])
        det = np.where(
            xe & ye,
            f"{xcol!r} and {ycol!r} are empty",
            np.where(xe, f"{xcol!r} is empty", f"{ycol!r} is empty"),
        )
        rej.set(xe | ye, "empty_coordinates", det)
        det = np.where(
            xb & yb,
            f"{xcol!r} and {ycol!r} are not numbers",
            np.where(xb, f"{xcol!r} is not a number", f"{ycol!r} is not a number"),
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
        notes.add(f"No CRS given; guessed {crs_label(src)} because {why}. Pass `crs` (--crs) if this is wrong.")

    # ---- convert the other columns
    data = raw.copy()
    if table.text:
        decimal_comma = any(c in ("comma", "mixed") for _, c in conventions)
        _convert_columns(
            data,
            skip=set(coord_cols),
            date_fields=date_fields,
            decimal_comma=decimal_comma,
            label=label,
            notes=notes,
        )
    else:
        _convert_dates_only(
            data,
            skip=set(coord_cols),
            date_fields=date_fields,
            label=label,
            notes=notes,
        )
    if wkt_col is None:
        data[xcol] = x
        data[ycol] = y
    drop = [wkt_col] if wkt_col is not None and wkt_col == "geometry" else []
    return _finish(data, raw, x, y, rej, src, target, box, label, notes, drop=drop)


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
    values: pd.Series, col: str, rej: _Rejects, notes: _Notes
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


def _date_candidates(data: pd.DataFrame, skip: set[str], date_fields: Sequence[str] | None, label: str) -> list[str]:
    cols = list(data.columns)
    if date_fields is not None:
        return [c for c in (_find_column(f, cols, label, "`date_fields`") for f in date_fields) if c not in skip]
    return [c for c in cols if c not in skip and _date_named(c)]


def _is_text_column(s: pd.Series) -> bool:
    if pd.api.types.is_string_dtype(s.dtype):
        return True
    if s.dtype == object:
        return bool(s.dropna().map(lambda v: isinstance(v, str)).all())
    return False


def _convert_columns(
    data: pd.DataFrame,
    *,
    skip: set[str],
    date_fields: Sequence[str] | None,
    decimal_comma: bool,
    label: str,
    notes: _Notes,
) -> None:
    dates = _date_candidates(data, skip, date_fields, label)
    done: set[str] = set()
    for c in dates:
        parsed, how = _parse_dates(data[c])
        if parsed is not None:
            data[c] = parsed
            done.add(c)
            notes.add(f"Column {c!r} parsed as dates ({how}).")
            continue
        nums = _convert_numeric(data[c], decimal_comma=decimal_comma)
        if nums is not None and date_fields is None:
            data[c] = nums
            done.add(c)
            notes.add(f"Column {c!r} is named like a date but holds numbers; read as numbers.")
        else:
            done.add(c)
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


def _convert_dates_only(
    data: pd.DataFrame,
    *,
    skip: set[str],
    date_fields: Sequence[str] | None,
    label: str,
    notes: _Notes,
) -> None:
    for c in _date_candidates(data, skip, date_fields, label):
        if not _is_text_column(data[c]):
            continue
        parsed, how = _parse_dates(data[c])
        if parsed is not None:
            data[c] = parsed
            notes.add(f"Column {c!r} parsed as dates ({how}).")
        else:
            notes.add(f"Column {c!r} kept as text: not parsed as dates because {how}.")


def _points_from_geometry(
    frame: gpd.GeoDataFrame,
    label: str,
    *,
    file_crs: pyproj.CRS | None,
    crs_given: pyproj.CRS | None,
    target: pyproj.CRS | None,
    box: tuple[float, float, float, float] | None,
    date_fields: Sequence[str] | None,
    notes: _Notes,
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
    raw = pd.DataFrame(frame.drop(columns=gcol))
    data = raw.copy()
    _convert_dates_only(data, skip=set(), date_fields=date_fields, label=label, notes=notes)
    return _finish(data, raw, x, y, rej, src, target, box, label, notes, drop=[])


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
    notes: _Notes,
    *,
    drop: list[str],
) -> ReadResult:
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
    pts = data.drop(columns=drop).loc[ok].copy()
    if "geometry" in pts.columns:
        new = _safe_name("geometry", list(pts.columns), notes, "the points get their own `geometry`")
        pts = pts.rename(columns={"geometry": new})
    pts["source_row"] = rows[ok]
    pts = pts.reset_index(drop=True)
    points = gpd.GeoDataFrame(pts, geometry=gpd.points_from_xy(xt[ok], yt[ok]), crs=final)
    bad = ~ok
    rj = raw.loc[bad].copy()
    for col in ("reject_reason", "reject_detail"):
        if col in rj.columns:
            rj = rj.rename(columns={col: _safe_name(col, list(rj.columns), notes, "bingeo adds its own")})
    rj["source_row"] = rows[bad]
    rj["reject_reason"] = pd.Series(rej.reason[bad], dtype=object).to_numpy()
    rj["reject_detail"] = pd.Series(rej.detail[bad], dtype=object).to_numpy()
    rj = rj.reset_index(drop=True)
    result = ReadResult(points=points, rejects=rj, crs=final, notes=list(notes), source=label)
    if len(points) == 0:
        msg = "No usable rows: check `crs`, the coordinate columns and `extent`."
        notes.add(msg)
        result.notes.append(msg)
    logger.info("%s", result.summary())
    return result


def _outside_area_of_use(x: np.ndarray, y: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    """Return a mask of the points outside ``crs``'s area of use (with 1 degree of margin)."""
    aou = crs.area_of_use
    if aou is None or len(x) == 0:
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


def _note_area_of_use(x: np.ndarray, y: np.ndarray, crs: pyproj.CRS, notes: _Notes) -> None:
    n_out = int(_outside_area_of_use(x, y, crs).sum())
    if n_out:
        notes.add(
            f"{n_out:,} usable point(s) lie outside the area of use of "
            f"{crs_label(crs)} "
            f"({crs.area_of_use.name}); check `crs`, or pass `extent` to reject them."
        )


# ---------------------------------------- read_polygons


def read_polygons(
    source: str | os.PathLike[str],
    *,
    layer: str | None = None,
    crs: CRSLike | None = None,
    target_crs: CRSLike | None = None,
) -> gpd.GeoDataFrame:
    """Read network boundaries (polygons) from a vector file.

    Parameters
    ----------
    source : str or os.PathLike
        GeoPackage, Shapefile, zipped Shapefile (``.zip``), GeoJSON, KML or GeoParquet.
    layer : str, optional
        Layer name (GeoPackage layer, shapefile name inside a zip). Without it the
        only layer, or the only polygon layer, is used.
    crs : CRS-like, optional
        CRS for a source without one (otherwise it must agree with the file).
    target_crs : CRS-like, optional
        Reproject the polygons to this CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        Original attribute columns plus ``geometry`` (2D Polygon or MultiPolygon),
        index ``0..n-1``. Empty KML styling fields (``tessellate``, ``icon``, ...)
        are dropped; polygon parts are taken out of GeometryCollections.

    Raises
    ------
    InputError
        Missing, corrupt or empty file or layer; unknown layer; several layers and
        not exactly one polygon layer; features that are not polygons (count and first
        feature number) or null geometries (up to 5 feature numbers); a ``crs`` that
        contradicts the file's own.
    CRSError
        The source has no CRS and no ``crs`` was given.

    See Also
    --------
    read_points : incidents and addresses.
    """
    label = str(source)
    path = _check_source(source)
    crs_given = to_crs(crs, what="`crs`") if crs is not None else None
    target = to_crs(target_crs, what="`target_crs`") if target_crs is not None else None
    kind = _source_kind(path)
    if kind == "text":
        msg = (
            f"{label}: a text table cannot hold network boundaries. Give a "
            f"GeoPackage, Shapefile, "
            "zipped Shapefile, GeoJSON or KML."
        )
        raise InputError(msg)
    frame, driver = _read_vector(path, label, layer, want="polygon")
    if not isinstance(frame, gpd.GeoDataFrame) or frame._geometry_column_name not in frame.columns:
        msg = f"{label}: the layer has no geometry (it is a plain table). Give a layer with polygons."
        raise InputError(msg)
    if len(frame) == 0:
        msg = f"{label}: the layer is empty (no features)."
        raise InputError(msg)
    frame = frame.reset_index(drop=True)
    arr = np.asarray(frame.geometry.values, dtype=object)
    null = shapely.is_missing(arr) | shapely.is_empty(arr)
    if null.any():
        rows = (np.flatnonzero(null) + 1)[:5]
        msg = (
            f"{label}: {int(null.sum()):,} feature(s) have no geometry (null or "
            f"empty), e.g. feature(s) "
            f"{', '.join(map(str, rows))} (1-based). Fix or delete them in the source."
        )
        raise InputError(msg)
    if shapely.has_z(arr).any():
        arr = shapely.force_2d(arr)
    types = shapely.get_type_id(arr)
    gc = types == 7
    if gc.any():
        arr = arr.copy()
        arr[gc] = [_polygon_parts(g) for g in arr[gc]]
        types = shapely.get_type_id(arr)
    polygonal = (types == 3) | (types == 6)
    if not polygonal.all():
        kinds = pd.Series([g.geom_type for g in arr]).value_counts()
        listed = ", ".join(f"{k} ({v:,})" for k, v in kinds.items())
        if not polygonal.any():
            msg = f"{label}: the layer has no polygons; it holds {listed}. Give a layer of polygons."
        else:
            first = int(np.flatnonzero(~polygonal)[0]) + 1
            msg = (
                f"{label}: {int((~polygonal).sum()):,} feature(s) are not polygons "
                f"(first: feature "
                f"{first}, 1-based; the layer holds {listed}). Remove them or split "
                f"the layer."
            )
        raise InputError(msg)
    file_crs = to_crs(frame.crs, what=f"the CRS of {label}") if frame.crs is not None else None
    if file_crs is not None and crs_given is not None and not same_crs(file_crs, crs_given):
        raise _crs_conflict(label, file_crs, crs_given)
    src = file_crs or crs_given
    if src is None:
        msg = (
            f"{label}: the file has no CRS. Give one with `crs` (CLI: --crs 28992), "
            f"e.g. 28992 for "
            "RD New, 31370 for Lambert 72, 3812 for Lambert 2008, 4326 for "
            "longitude/latitude; or add a "
            ".prj file beside the shapefile."
        )
        raise CRSError(msg)
    gcol = frame._geometry_column_name
    out = gpd.GeoDataFrame(frame.drop(columns=gcol), geometry=gpd.GeoSeries(arr, crs=src), crs=src)
    if gcol != "geometry":
        logger.info("%s: geometry column %r renamed to 'geometry'", label, gcol)
    if target is not None and not same_crs(src, target):
        out = out.to_crs(target)
        logger.info(
            "%s: reprojected %d polygons from %s to %s",
            label,
            len(out),
            crs_label(src),
            crs_label(target),
        )
    n_invalid = int((~out.geometry.is_valid).sum())
    logger.info(
        "%s: %d polygons in %s (%d invalid)",
        label,
        len(out),
        crs_label(out.crs),
        n_invalid,
    )
    return out


def _polygon_parts(geom: Any) -> Any:
    parts = shapely.get_parts(geom)
    polys: list[Any] = []
    for p in parts:
        t = shapely.get_type_id(p)
        if t == 3:
            polys.append(p)
        elif t == 6:
            polys.extend(shapely.get_parts(p))
        elif t == 7:
            sub = _polygon_parts(p)
            if shapely.get_type_id(sub) in (3, 6):
                polys.extend(shapely.get_parts(sub))
    if not polys:
        return geom
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


# ---------------------------------------- writing


def rejects_path(output_path: str | os.PathLike[str]) -> Path:
    """Return the path of the rejects table beside an output file.

    Rejects are plain tables of raw strings, so they are always CSV:
    ``out.csv`` -> ``out.rejects.csv``, ``out.gpkg`` -> ``out.rejects.csv``,
    ``out.csv.gz`` -> ``out.rejects.csv``.

    Parameters
    ----------
    output_path : str or os.PathLike
        The main output file.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> rejects_path("data/out.gpkg").as_posix()
    'data/out.rejects.csv'
    """
    p = Path(output_path)
    name = p.name
    sfx, gz = _suffix(p)
    if gz:
        name = name[: -len(".gz")]
    if sfx and name.lower().endswith(sfx):
        name = name[: -len(sfx)]
    return p.with_name(f"{name}.rejects.csv")


def _naive_datetimes_as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Naive datetime columns as ISO text, for GeoPackage.

    A GeoPackage DATETIME is UTC by definition; police exports hold local
    wall-clock times without a zone. Converting would change the value users
    see, so they are written as text (``2021-01-01T12:45:00``, or
    ``2021-01-01`` when every time is midnight), exactly as exported.
    """
    cols = [
        c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c]) and getattr(df[c].dt, "tz", None) is None
    ]
    if not cols:
        return df
    out = df.copy()
    for c in cols:
        v = out[c]
        dates_only = bool((v.dropna() == v.dropna().dt.normalize()).all())
        fmt = "%Y-%m-%d" if dates_only else "%Y-%m-%dT%H:%M:%S"
        out[c] = v.dt.strftime(fmt).astype(object).where(v.notna(), None)
    return out


def write_table(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    geometry_type: str | None = None,
) -> None:
    """Write a GeoDataFrame or DataFrame, choosing the format by extension.

    Parameters
    ----------
    df : pandas.DataFrame or geopandas.GeoDataFrame
        The table; it is not changed.
    path : str or os.PathLike
        Output file. Its folder must exist. An existing file is replaced (for
        ``.gpkg`` only the layer is replaced; other layers stay).
    layer : str, optional
        GeoPackage layer name; the file stem by default.
    geometry_type : str, optional
        GeoPackage geometry type (e.g. ``"MultiPolygon"``). Needed for an empty
        layer, whose type cannot be read off its rows: QGIS opens an empty layer
        of type GEOMETRY as a table without CRS.

    Raises
    ------
    InputError
        Unknown extension, missing folder, or GeoJSON without geometry or CRS.

    Notes
    -----
    * ``.gpkg``: GeoPackage version 1.2 (QGIS 3.22 opens it without a warning);
      a plain DataFrame becomes an attribute-only table. Datetimes without a
      time zone (local times, as police exports hold them) are written as ISO
      text, since a GeoPackage DATETIME means UTC.
    * ``.csv``: UTF-8 without BOM, ``,`` separator, ``.`` decimal point, no index.
      Point geometry is written as ``x`` and ``y`` columns (in the frame's CRS,
      ``geom_x``/``geom_y`` if ``x`` or ``y`` exist) after the other columns; other
      geometry as a WKT column ``wkt`` (``geometry_wkt`` if taken). The CRS is not
      stored: it is logged.
    * ``.geojson``: reprojected to EPSG:4326 as RFC 7946 requires.
    * ``.parquet``: GeoParquet for a GeoDataFrame, plain Parquet otherwise.
    """
    if not isinstance(df, pd.DataFrame):
        msg = f"`df` should be a DataFrame or GeoDataFrame, got {type(df).__name__}"
        raise TypeError(msg)
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in SUPPORTED_OUTPUTS:
        listed = ", ".join(SUPPORTED_OUTPUTS)
        msg = f"{path}: unknown output format {ext or '(no extension)'!r}. Use one of: {listed}."
        raise InputError(msg)
    if not p.parent.exists():
        msg = f"{path}: the folder {p.parent} does not exist. Create it first."
        raise InputError(msg)
    is_geo = isinstance(df, gpd.GeoDataFrame) and df._geometry_column_name in df.columns
    if ext == ".gpkg":
        name = layer or p.stem
        df = _naive_datetimes_as_text(df)
        if is_geo:
            extra = {"geometry_type": geometry_type} if geometry_type else {}
            df.to_file(p, layer=name, driver="GPKG", engine="pyogrio", VERSION="1.2", **extra)
        else:
            pyogrio.write_dataframe(pd.DataFrame(df), p, layer=name, driver="GPKG", VERSION="1.2")
        logger.info("Wrote %d rows to %s (layer %r, GeoPackage 1.2)", len(df), p, name)
    elif ext == ".csv":
        out = _csv_frame(df, is_geo)
        out.to_csv(p, index=False, encoding="utf-8", lineterminator="\n")
        if is_geo:
            logger.info("Wrote %d rows to %s (coordinates in %s)", len(df), p, crs_label(df.crs))
        else:
            logger.info("Wrote %d rows to %s", len(df), p)
    elif ext == ".geojson":
        if not is_geo:
            msg = f"{path}: GeoJSON needs geometry but the table has none. Write it as .csv or .parquet."
            raise InputError(msg)
        if df.crs is None:
            msg = f"{path}: GeoJSON must be in EPSG:4326, but the data has no CRS to reproject from. Set one first."
            raise InputError(msg)
        out = df if same_crs(to_crs(df.crs), to_crs(4326)) else df.to_crs(4326)
        if out is not df:
            logger.info(
                "Reprojected %d rows from %s to EPSG:4326 for GeoJSON (RFC 7946)",
                len(df),
                crs_label(df.crs),
            )
        if p.exists():
            p.unlink()
        out.to_file(p, driver="GeoJSON", engine="pyogrio", RFC7946="YES")
        logger.info("Wrote %d rows to %s", len(df), p)
    else:  # .parquet
        if is_geo:
            df.to_parquet(p, index=False)
        else:
            pd.DataFrame(df).to_parquet(p, index=False)
        logger.info("Wrote %d rows to %s", len(df), p)


def _csv_frame(df: pd.DataFrame, is_geo: bool) -> pd.DataFrame:
    if not is_geo:
        return pd.DataFrame(df)
    gcol = df._geometry_column_name
    arr = np.asarray(df.geometry.values, dtype=object)
    out = pd.DataFrame(df.drop(columns=gcol))
    present = ~shapely.is_missing(arr) & ~shapely.is_empty(arr)
    types = shapely.get_type_id(arr)
    if (types[present] == 0).all():
        x = np.full(len(arr), np.nan)
        y = np.full(len(arr), np.nan)
        x[present] = shapely.get_x(arr[present])
        y[present] = shapely.get_y(arr[present])
        xn, yn = ("x", "y") if not ({"x", "y"} & set(out.columns)) else ("geom_x", "geom_y")
        out[xn] = x
        out[yn] = y
    else:
        wn = "wkt" if "wkt" not in out.columns else "geometry_wkt"
        out[wn] = shapely.to_wkt(arr)
    return out
