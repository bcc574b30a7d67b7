""":func:`write_table` writes a (Geo)DataFrame by extension; :func:`rejects_path` names a rejects file."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from bingeo._crs import crs_label, same_crs, to_crs
from bingeo.errors import InputError
from bingeo.readers.sources import _suffix

logger = logging.getLogger("bingeo.readers")


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
