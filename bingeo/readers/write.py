"""How bingeo writes files: write_table by extension, write_csv, replacing (atomic), rejects_path.

Every output goes through :func:`replacing`: it is written to a hidden temporary file in the same folder and
renamed over the target only when complete, so a killed command leaves the old file or the new one, never half
a file. Every CSV goes through :func:`write_csv`, which makes it safe to open in a spreadsheet
(:func:`excel_safe`).
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from bingeo._arrow_dates import PER_SECOND, iso_arrow
from bingeo._contacts import FORMULA_TRIGGERS, neutralize_cell
from bingeo._crs import crs_label, same_crs, to_crs
from bingeo.errors import InputError
from bingeo.readers.gpkg_points import write_points_gpkg
from bingeo.readers.sources import _suffix, use_arrow_pool

logger = logging.getLogger("bingeo.readers")

__all__ = [
    "SUPPORTED_OUTPUTS",
    "excel_safe",
    "rejects_path",
    "replacing",
    "write_csv",
    "write_points_csv",
    "write_table",
    "write_text",
]

#: Name part of the temporary files :func:`replacing` writes beside an output (``.out.k3j9.part.csv``).
PARTIAL_MARK = ".part"


#: Output formats of :func:`write_table`, by extension.
SUPPORTED_OUTPUTS: dict[str, str] = {
    ".gpkg": "GeoPackage 1.2 (layer = `layer` or the file stem)",
    ".csv": "CSV, UTF-8, comma separated; point geometry as x/y columns, other geometry as WKT",
    ".geojson": "GeoJSON (RFC 7946, reprojected to EPSG:4326)",
    ".parquet": "GeoParquet (GeoDataFrame) or Parquet (DataFrame)",
}


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
        fast = iso_arrow(v)  # the same texts, all rows at once
        if fast is not None:
            out[c] = pd.Series(fast.to_numpy(zero_copy_only=False), index=v.index, dtype=object)
        else:
            out[c] = v.dt.strftime(fmt).astype(object).where(v.notna(), None)
    return out


def _whole_seconds(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (``datetime64[s]`` of ``t``, the fraction dropped; mask of the values that are not NaT)."""
    per = PER_SECOND[np.datetime_data(t.dtype)[0]]
    ok = ~np.isnat(t)
    return np.where(ok, t.view(np.int64) // per, 0).astype("datetime64[s]"), ok


def _timestamp_text(secs: np.ndarray, ok: np.ndarray, dates_only: bool, pa: Any, pc: Any) -> Any:
    """Arrow text of ``secs`` where ``ok`` (null elsewhere): ``2021-01-01``, or ``2021-01-01 12:45:00``."""
    arr = pa.array(secs, mask=~ok, type=pa.timestamp("s"))
    return pc.cast(arr.cast(pa.date32()) if dates_only else arr, pa.string())


@contextlib.contextmanager
def replacing(path: str | os.PathLike[str], *, keep: bool = False) -> Iterator[Path]:
    """Write a file whole or not at all: yield a temporary path beside ``path``, then rename it over ``path``.

    The temporary file is hidden (``.name.XXXX.part.ext``, the same extension, so drivers choose by it) and
    lies in the same folder, so the final :func:`os.replace` is atomic: a command killed while writing leaves
    ``path`` as it was. On an error the temporary file is removed and ``path`` is untouched.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write. Its folder must exist; it must not be a folder.
    keep : bool
        Start from a copy of the existing file (a GeoPackage that gets one more layer).

    Yields
    ------
    pathlib.Path
        Where to write.

    Raises
    ------
    InputError
        The folder does not exist, or ``path`` is a folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with replacing(folder / "a.txt") as tmp:
    ...     _ = tmp.write_text("whole")
    >>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
    ('whole', ['a.txt'])
    """
    p = Path(path)
    if p.is_dir():
        msg = f"{p} is a folder. Give a file name for the output, e.g. {p / ('output' + (p.suffix or '.csv'))}."
        raise InputError(msg)
    if not p.parent.is_dir():
        msg = f"{p}: the folder {p.parent} does not exist. Create it first."
        raise InputError(msg)
    fd, name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=PARTIAL_MARK + p.suffix, dir=p.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # drivers (GDAL, SQLite) create the file themselves
    try:
        if keep and p.exists():
            shutil.copyfile(p, tmp)
        yield tmp
        if not tmp.exists():  # nothing was written: write nothing
            return
        os.replace(tmp, p)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal"), tmp.with_name(tmp.name + "-wal")):
            leftover.unlink(missing_ok=True)


def write_text(path: str | os.PathLike[str], text: str | bytes, *, newline: str | None = None) -> Path:
    """Write text (UTF-8) or bytes to ``path`` whole or not at all (see :func:`replacing`); return the path."""
    with replacing(path) as tmp:
        if isinstance(text, bytes):
            tmp.write_bytes(text)
        else:
            tmp.write_text(text, encoding="utf-8", newline=newline)
    return Path(path)


def _safe_cell(value: object) -> object:
    if isinstance(value, float) and np.isinf(value):
        return "'" + ("-inf" if value < 0 else "inf")
    return neutralize_cell(value)


def excel_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` that a spreadsheet opens without running any cell as a formula.

    The rule (the same for outputs, rejects and recipient lists): a *text* cell or column name that starts,
    after spaces, with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe
    (:func:`bingeo._contacts.neutralize_cell`, OWASP's advice). *Numbers stay numbers*: a numeric column is
    written as numbers, negative ones included, since a spreadsheet reads ``-12.5`` as a number, never as
    a formula; only infinite values, which no spreadsheet reads as numbers, become the text ``'inf`` /
    ``'-inf``. Rejects hold the raw text of the input, so a raw ``-inf`` there is text and gets the mark.

    Parameters
    ----------
    df : pandas.DataFrame
        The table; it is not changed.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> t = excel_safe(pd.DataFrame({"a": ["=HYPERLINK(1)", "x"], "n": [-1.5, float("-inf")]}))
    >>> t["a"].tolist(), t["n"].tolist()
    (["'=HYPERLINK(1)", 'x'], [-1.5, "'-inf"])
    """
    out = pd.DataFrame(df).copy(deep=False)
    for i, col in enumerate(out.columns):
        s = out.iloc[:, i]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
            continue
        if pd.api.types.is_numeric_dtype(s):
            if pd.api.types.is_float_dtype(s):
                inf = np.isinf(s.to_numpy(dtype=float, na_value=np.nan))
                if inf.any():
                    s = s.astype(object)
                    s[inf] = s[inf].map(_safe_cell)
                    out.isetitem(i, s)
            continue
        first = s.astype(object).map(lambda v: v.lstrip(" ")[:1] if isinstance(v, str) else "")
        risky = first.isin(("=", "+", "-", "@", "\t", "\r")).to_numpy()
        floats = s.map(lambda v: isinstance(v, float) and bool(np.isinf(v))).to_numpy(dtype=bool)
        if risky.any() or floats.any():
            s = s.astype(object).copy()
            hit = risky | floats
            s[hit] = s[hit].map(_safe_cell)
            out.isetitem(i, s)
    out.columns = [neutralize_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def write_csv(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    sep: str = ",",
    encoding: str = "utf-8",
    lineterminator: str = "\n",
) -> Path:
    """Write a plain table as CSV, safe for spreadsheets (:func:`excel_safe`) and whole or not at all.

    Every CSV bingeo writes goes through this function: outputs, rejects and recipient lists.

    Parameters
    ----------
    df : pandas.DataFrame
        The table (geometry already turned into columns); it is not changed.
    path : str or os.PathLike
        The file.
    sep, encoding, lineterminator : str
        CSV dialect: ``,``/UTF-8/LF by default; recipient lists use ``;``, ``utf-8-sig`` and CRLF for Excel.

    Returns
    -------
    pathlib.Path
    """
    with replacing(path) as tmp:
        fast = _csv_chunks(df, sep=sep, encoding=encoding, lineterminator=lineterminator)
        if fast is None:
            excel_safe(df).to_csv(tmp, index=False, sep=sep, encoding=encoding, lineterminator=lineterminator)
        else:
            with open(tmp, "wb") as fh:
                for chunk in fast:
                    fh.write(chunk)
    return Path(path)


def _is_geo(df: pd.DataFrame) -> bool:
    """Whether ``df`` is a GeoDataFrame that holds its geometry column."""
    return isinstance(df, gpd.GeoDataFrame) and df._geometry_column_name in df.columns


def append_gpkg(df: pd.DataFrame, path: str | os.PathLike[str], *, layer: str, first: bool) -> None:
    """Write (``first``) or append a block of points to a GeoPackage layer exactly as :func:`write_table` does."""
    is_geo = _is_geo(df)
    _write_by_driver(df, Path(path), ".gpkg", is_geo, layer=layer, geometry_type=None, shown=path, append=not first)


def append_csv(df: pd.DataFrame, fh: Any, *, header: bool) -> None:
    """Append ``df`` to the open binary file ``fh`` exactly as :func:`write_table` writes a ``.csv``.

    Blocks of one table appended in order, the first with ``header=True``, give the bytes of the whole table
    written at once (the streamed ``bingeo assign``), provided every block has the same columns and dtypes
    and, for datetimes, the same dates-only rendering.
    """
    is_geo = _is_geo(df)
    frame = _csv_frame(df, is_geo)
    fast = _csv_chunks(frame, sep=",", encoding="utf-8", lineterminator="\n", header=header)
    if fast is None:
        excel_safe(frame).to_csv(fh, index=False, header=header, sep=",", encoding="utf-8", lineterminator="\n")
        return
    for chunk in fast:
        fh.write(chunk)


#: Rows rendered at a time by the fast CSV writer.
CSV_CHUNK_ROWS = 100_000


def _csv_chunks(
    df: pd.DataFrame, *, sep: str, encoding: str, lineterminator: str, header: bool = True
) -> Iterator[bytes] | None:
    """Render ``excel_safe(df).to_csv(index=False, ...)`` as chunks of bytes, column by column through Arrow.

    None when the frame has a column this writer does not render exactly as pandas does (then pandas writes
    it): text, categories of text, whole numbers, floats, booleans and time-zone-free datetimes are rendered.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if encoding.lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig") or len(sep) != 1 or df.shape[1] < 2:
        return None
    if sep in "\"'" or sep in lineterminator or not lineterminator:
        return None
    use_arrow_pool()
    frame = pd.DataFrame(df)
    special = "".join(sorted({sep, '"', *lineterminator}))  # a field holding one of these is quoted
    renderers = []
    same: list[int] = []  # a float column equal to an earlier one (x beside X, unreprojected) is rendered once
    floats: dict[int, np.ndarray] = {}
    for i in range(frame.shape[1]):
        s = frame.iloc[:, i]
        r = _renderer(s, special, pa, pc)
        if r is None:
            return None
        renderers.append(r)
        same.append(i)
        if isinstance(s.dtype, np.dtype) and s.dtype.kind == "f":
            v = np.ascontiguousarray(s.to_numpy(), dtype="float64").view(np.uint64)  # bits: -0.0 is not 0.0
            same[i] = next((j for j, w in floats.items() if np.array_equal(v, w)), i)
            floats[i] = v
    names = [neutralize_cell(c) if isinstance(c, str) else c for c in frame.columns]
    if not all(isinstance(c, str) for c in names):
        return None

    def chunks() -> Iterator[bytes]:
        if encoding.lower().replace("_", "-") == "utf-8-sig":
            yield codecs.BOM_UTF8
        if header:
            head = pd.DataFrame(columns=names).to_csv(index=False, sep=sep, lineterminator=lineterminator)
            yield head.encode("utf-8")
        from bingeo._workers import in_order

        yield from in_order(render_rows, range(0, len(frame), CSV_CHUNK_ROWS))

    def render_rows(start: int) -> memoryview:
        stop = min(len(frame), start + CSV_CHUNK_ROWS)
        cols: list[Any] = []
        for i, render in enumerate(renderers):
            cols.append(cols[same[i]] if same[i] != i else render(start, stop))
        # the line ends with the last field (one short column, not the rows, joined again)
        cols[-1] = pc.binary_join_element_wise(cols[-1], pa.scalar("", pa.string()), lineterminator)
        rows = pc.binary_join_element_wise(*cols, sep).cast(pa.string())
        if isinstance(rows, pa.ChunkedArray):
            rows = rows.combine_chunks()
        offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)[rows.offset : rows.offset + len(rows) + 1]
        return memoryview(rows.buffers()[2])[int(offsets[0]) : int(offsets[-1])]

    return chunks()


def _text_renderer(values: Any, special: str, pc: Any, pa: Any) -> Any:
    """Excel-safe and quoted CSV fields of a text array (nulls: empty fields)."""
    values = pc.fill_null(values.cast(pa.string()), "")
    # the first character after leading spaces is a formula trigger (one RE2 pass, no trimmed copy)
    risky = pc.match_substring_regex(values, f"^ *{_char_class(FORMULA_TRIGGERS)}")
    if pc.any(risky).as_py():
        values = pc.if_else(risky, pc.binary_join_element_wise("'", values, ""), values)
    need = pc.match_substring_regex(values, _char_class(special))
    if not pc.any(need).as_py():
        return values
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(values, '"', '""'), '"', "")
    return pc.if_else(need, quoted, values)


def _char_class(chars: Any) -> str:
    """Return the RE2 character class of exactly ``chars``."""
    return "[" + "".join("\\" + c if c in "\\]^-[" else c for c in chars) + "]"


#: A text column is rendered through its distinct values when the first rows repeat this much (a sample of
#: :data:`DISTINCT_SAMPLE` rows holding at most 1/DISTINCT_SHARE as many distinct values).
DISTINCT_SAMPLE = 10_000
DISTINCT_SHARE = 20


def _text_column(arr: Any, special: str, pa: Any, pc: Any) -> Any:
    """Return a function (start, stop) -> the CSV fields of ``arr[start:stop]``, a text array.

    A column of few distinct values (a type, a place, a network) is rendered once per distinct value and taken
    row by row: the same fields, without quoting a million repeated descriptions.
    """
    arr = pc.fill_null(arr.cast(pa.string()), "")
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    head = arr.slice(0, DISTINCT_SAMPLE)
    if len(arr) > DISTINCT_SAMPLE and len(pc.unique(head)) * DISTINCT_SHARE <= len(head):
        enc = pc.dictionary_encode(arr)
        fields = _text_renderer(enc.dictionary, special, pc, pa)
        codes = enc.indices
        return lambda a, b: fields.take(codes.slice(a, b - a))
    return lambda a, b: _text_renderer(arr.slice(a, b - a), special, pc, pa)


#: Below this size, a float that is a whole number of hundredths (a coordinate in cm) is written from its
#: integer and its hundredths, which is its ``repr`` (no closer decimal of two places or fewer exists).
CENTS_BELOW = 1e13

#: The hundredths of a float as ``repr`` ends it: ``0``, ``1``, ``01``, ``25``...
_HUNDREDTHS = tuple("0" if f == 0 else str(f // 10) if f % 10 == 0 else f"{f:02d}" for f in range(100))


def _cents_fields(v: np.ndarray, pa: Any, pc: Any) -> Any:
    """``repr`` of each float of ``v`` when every one is a non-zero whole number of hundredths; else None.

    Such a float is the double nearest to ``c / 100`` (IEEE division rounds correctly), so the text of ``c / 100``
    with two decimals reads back as it, and no shorter text does: two decimals differ by far more than a unit in
    the last place below :data:`CENTS_BELOW`. ``repr`` drops the trailing zero (``583921.1``, ``230941.0``).
    """
    if not len(v):
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        c = np.round(v * 100)
        a = np.abs(c)
        if not ((c / 100 == v).all() and (a < CENTS_BELOW * 100).all() and (c != 0).all()):
            return None
    a = a.astype(np.int64)
    whole = pc.cast(pa.array(a // 100), pa.string())
    neg = v < 0
    if neg.any():
        whole = pc.if_else(pa.array(neg), pc.binary_join_element_wise("-", whole, ""), whole)
    hundredths = pa.array(_HUNDREDTHS, pa.string()).take(pa.array(a % 100))
    return pc.binary_join_element_wise(whole, hundredths, ".")


def _float_fields(v: np.ndarray, pa: Any, pc: Any) -> Any:
    """Python's ``repr`` of each float (pandas' CSV text), empty for NaN; Arrow's text where it is the same."""
    cents = _cents_fields(v, pa, pc)
    if cents is not None:  # coordinates: every one a whole number of hundredths
        return cents
    finite = np.isfinite(v)
    a = np.abs(v)
    whole = finite & (v == np.round(v)) & (a < 1e15) & (v != 0)
    plain = finite & ~whole & (a >= 1e-4) & (a < 1e15)
    text = pc.cast(pa.array(v), pa.string())
    plain &= ~pc.match_substring(text, "e").to_numpy(zero_copy_only=False)  # Arrow's 1.00000000005e+10
    if plain.all():  # coordinates: every one Arrow's text
        return text
    rest = finite & ~whole & ~plain
    res = pc.if_else(pa.array(plain), text, pa.scalar("", pa.string()))
    if whole.any():
        ints = pc.cast(pa.array(np.where(whole, v, 0).astype(np.int64)), pa.string())
        res = pc.if_else(pa.array(whole), pc.binary_join_element_wise(ints, ".0", ""), res)
    if rest.any():
        out = res.to_numpy(zero_copy_only=False).astype(object)
        out[rest] = [repr(float(x)) for x in v[rest]]
        res = pa.array(out, type=pa.string())
    return res


def _renderer(s: pd.Series, special: str, pa: Any, pc: Any) -> Any:
    """Return a function (start, stop) -> Arrow text of the CSV fields of ``s[start:stop]``, or None."""
    dtype = s.dtype
    empty = pa.scalar("", pa.string())
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        if len(cats) and pd.api.types.infer_dtype(cats, skipna=False) != "string":
            return None
        fields = _text_renderer(pa.array(np.asarray(cats, dtype=object), type=pa.string()), special, pc, pa)
        fields = pa.concat_arrays([fields.cast(pa.string()), pa.array([""], pa.string())])  # last: a missing value
        codes = s.cat.codes.to_numpy()
        codes = np.where(codes < 0, len(cats), codes)

        def render(a: int, b: int) -> Any:
            return fields.take(pa.array(codes[a:b]))

        return render
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        v = s.to_numpy()
        return lambda a, b: pc.if_else(pa.array(v[a:b]), "True", "False").cast(pa.string())
    if pd.api.types.is_integer_dtype(dtype):
        arr = pa.array(s.array) if isinstance(dtype, pd.api.extensions.ExtensionDtype) else pa.array(s.to_numpy())
        return lambda a, b: pc.fill_null(pc.cast(arr.slice(a, b - a), pa.string()), empty)
    if pd.api.types.is_float_dtype(dtype) and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        v = s.to_numpy(dtype="float64")
        if np.isinf(v).any():
            return None
        return lambda a, b: _float_fields(v[a:b], pa, pc)
    if isinstance(dtype, np.dtype) and dtype.kind == "M" and np.datetime_data(dtype)[0] in PER_SECOND:
        per = PER_SECOND[np.datetime_data(dtype)[0]]
        t = s.to_numpy()
        ok = ~np.isnat(t)
        ticks = t.view(np.int64)[ok]
        if (ticks % per).any():
            return None
        dates_only = not (ticks % (86_400 * per)).any()  # pandas writes 2021-01-01, else 2021-01-01 12:45:00
        secs, _ = _whole_seconds(t)

        def render_dt(a: int, b: int) -> Any:
            return pc.fill_null(_timestamp_text(secs[a:b], ok[a:b], dates_only, pa, pc), empty)

        return render_dt
    if pd.api.types.is_string_dtype(dtype):
        if pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
            return None
        vals = s.to_numpy(dtype=object, na_value=None) if pd.api.types.is_object_dtype(dtype) else None
        arr = pa.array(vals, type=pa.string()) if vals is not None else pa.array(s.array, type=pa.string())
        return _text_column(arr, special, pa, pc)
    return None


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
    is_geo = _is_geo(df)
    if ext == ".csv":
        write_csv(_csv_frame(df, is_geo), p)
        if is_geo:
            logger.info("Wrote %d rows to %s (coordinates in %s)", len(df), p, crs_label(df.crs))
        else:
            logger.info("Wrote %d rows to %s", len(df), p)
        return
    with replacing(p, keep=ext == ".gpkg") as tmp:
        _write_by_driver(df, tmp, ext, is_geo, layer=layer or p.stem, geometry_type=geometry_type, shown=path)
    logger.info("Wrote %d rows to %s", len(df), p)


def _arrow_io() -> dict[str, bool]:
    """``use_arrow=True`` for pyogrio: features cross as Arrow batches, not row by row (tests switch it off)."""
    return {"use_arrow": True}


def _write_by_driver(
    df: pd.DataFrame,
    p: Path,
    ext: str,
    is_geo: bool,
    *,
    layer: str,
    geometry_type: str | None,
    shown: str | os.PathLike[str],
    append: bool = False,
) -> None:
    if ext == ".gpkg":
        df = _naive_datetimes_as_text(df)
        if is_geo:
            extra: dict[str, Any] = {"geometry_type": geometry_type} if geometry_type else {}
            if append:
                extra["mode"] = "a"
            # points cross as Arrow batches; other layers go feature by feature, which promotes polygons to the
            # layer's multipolygons (Arrow writes them as they are, which GDAL warns about)
            kinds = shapely.get_type_id(np.asarray(df.geometry.values))  # -1: a row without geometry
            points = bool(((kinds == 0) | (kinds == -1)).all() and (kinds == 0).any())
            more = _arrow_io() if points and len(df) else {}
            if more.get("use_arrow") and not append:  # large point layers: rows first, then a packed R-tree
                write_points_gpkg(df, p, layer=layer, **extra)
                return
            df.to_file(p, layer=layer, driver="GPKG", engine="pyogrio", VERSION="1.2", **extra, **more)
        else:
            pyogrio.write_dataframe(pd.DataFrame(df), p, layer=layer, driver="GPKG", VERSION="1.2")
    elif ext == ".geojson":
        if not is_geo:
            msg = f"{shown}: GeoJSON needs geometry but the table has none. Write it as .csv or .parquet."
            raise InputError(msg)
        if df.crs is None:
            msg = f"{shown}: GeoJSON must be in EPSG:4326, but the data has no CRS to reproject from. Set one first."
            raise InputError(msg)
        out = df if same_crs(to_crs(df.crs), to_crs(4326)) else df.to_crs(4326)
        if out is not df:
            logger.info(
                "Reprojected %d rows from %s to EPSG:4326 for GeoJSON (RFC 7946)",
                len(df),
                crs_label(df.crs),
            )
        out.to_file(p, driver="GeoJSON", engine="pyogrio", RFC7946="YES")
    elif is_geo:  # .parquet
        df.to_parquet(p, index=False)
    else:
        pd.DataFrame(df).to_parquet(p, index=False)


def write_points_csv(df: pd.DataFrame, x: np.ndarray, y: np.ndarray, path: str | os.PathLike[str], crs: Any) -> None:
    """Write points given as a table and coordinates (``x``, ``y`` in ``crs``) as a CSV.

    The bytes :func:`write_table` writes for the GeoDataFrame of those points, without making the point objects.
    """
    p = Path(path)
    write_csv(_with_xy(pd.DataFrame(df), x, y), p)
    logger.info("Wrote %d rows to %s (coordinates in %s)", len(df), p, crs_label(crs))


def _with_xy(out: pd.DataFrame, x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """``out`` with the point coordinates as its last columns: ``x``, ``y`` (``geom_x``, ``geom_y`` if taken)."""
    xn, yn = ("x", "y") if not ({"x", "y"} & set(out.columns)) else ("geom_x", "geom_y")
    out[xn] = x
    out[yn] = y
    return out


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
        _with_xy(out, x, y)
    else:
        wn = "wkt" if "wkt" not in out.columns else "geometry_wkt"
        out[wn] = shapely.to_wkt(arr)
    return out
