"""QGIS features <-> GeoDataFrames: the only place where the plugin converts data.

Geometries travel as WKB, CRSs as an authority id (``EPSG:28992``) or WKT2, and
attribute values as plain Python values (NULL -> None, QDate -> date, QDateTime
-> datetime). Imports geopandas lazily: this module loads without it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessingException,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QTime, QVariant

__all__ = [
    "crs_to_pyproj",
    "crs_to_qgis",
    "frame_from_features",
    "frame_from_source",
    "features_as_given",
    "fields_for",
    "wkb_type_for",
    "write_frame",
    "polygon_union",
]


def crs_to_pyproj(crs: QgsCoordinateReferenceSystem) -> Any:
    """Return the pyproj CRS of a QGIS CRS (None for an invalid/unknown one)."""
    import pyproj

    if crs is None or not crs.isValid():
        return None
    auth = crs.authid()
    if auth and auth.upper().startswith(("EPSG:", "ESRI:", "IGNF:")):
        try:
            return pyproj.CRS.from_user_input(auth)
        except pyproj.exceptions.CRSError:
            pass
    return pyproj.CRS.from_wkt(crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED))


def crs_to_qgis(crs: Any) -> QgsCoordinateReferenceSystem:
    """Return the QGIS CRS of a pyproj CRS (an invalid QGIS CRS for None)."""
    if crs is None:
        return QgsCoordinateReferenceSystem()
    epsg = crs.to_epsg()
    if epsg:
        out = QgsCoordinateReferenceSystem(f"EPSG:{epsg}")
        if out.isValid():
            return out
    return QgsCoordinateReferenceSystem.fromWkt(crs.to_wkt())


_PLAIN = frozenset((str, int, float, bool, type(None)))


def _py(value: Any) -> Any:
    """Return a QGIS attribute value as a plain Python value."""
    if isinstance(value, QVariant):
        return None if value.isNull() else value.value()
    if isinstance(value, QDateTime):
        return value.toPyDateTime() if value.isValid() else None
    if isinstance(value, QDate):
        return value.toPyDate() if value.isValid() else None
    if isinstance(value, QTime):
        return value.toPyTime() if value.isValid() else None
    return value


def frame_from_features(
    features: Any, fields: QgsFields, crs: QgsCoordinateReferenceSystem, *, feedback: Any = None, total: int = 0
) -> Any:
    """Build a GeoDataFrame from QgsFeatures (geometry from WKB, CRS from ``crs``).

    Null or empty geometries become None. Cancellation through ``feedback`` raises
    :class:`QgsProcessingException`.
    """
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    names = [f.name() for f in fields]
    geom_col = "geometry" if "geometry" not in names else "_geometry"
    wkbs: list[bytes | None] = []
    rows: list[list[Any]] = []
    step = max(1, total // 50) if total else 1000
    for i, feat in enumerate(features):
        if i % step == 0 and feedback is not None:
            if feedback.isCanceled():
                raise QgsProcessingException("cancelled")
        g = feat.geometry()
        wkbs.append(None if g is None or g.isNull() or g.isEmpty() else bytes(g.asWkb()))
        rows.append([v if type(v) in _PLAIN else _py(v) for v in feat.attributes()])
    data = pd.DataFrame(rows, columns=names) if rows else pd.DataFrame({n: pd.Series(dtype=object) for n in names})
    for name in names:  # QGIS DateTime and Date values -> datetime64 (what bingeo's readers give)
        col = data[name]
        if col.dtype == object:
            vals = col.dropna()
            if len(vals) and all(isinstance(v, dt.date) for v in vals):  # dt.datetime is a dt.date too
                data[name] = pd.to_datetime(col)
    geoms = shapely.from_wkb(np.array(wkbs, dtype=object)) if wkbs else np.array([], dtype=object)
    data[geom_col] = geoms
    return gpd.GeoDataFrame(data, geometry=geom_col, crs=crs_to_pyproj(crs))


def features_as_given(source: Any) -> Any:
    """Iterate ``source``'s features with their geometries as they are.

    A Processing source skips QGIS's invalid-geometry check (which stops the algorithm, or drops the features,
    at "Feature (82) from ... has invalid geometry"): bingeo repairs invalid polygons and reports it, and
    counts points without a usable geometry as rejects.
    """
    from qgis.core import QgsProcessingFeatureSource

    if isinstance(source, QgsProcessingFeatureSource):
        return source.getFeatures(QgsFeatureRequest(), QgsProcessingFeatureSource.FlagSkipGeometryValidityChecks)
    return source.getFeatures(QgsFeatureRequest())


def frame_from_source(source: Any, *, feedback: Any = None) -> Any:
    """Read a QgsFeatureSource (a layer, or its selected features) into a GeoDataFrame in its own CRS.

    Geometries come as they are, invalid ones included (:func:`features_as_given`).
    """
    total = int(source.featureCount()) if source.featureCount() >= 0 else 0
    return frame_from_features(
        features_as_given(source), source.fields(), source.sourceCrs(), feedback=feedback, total=total
    )


def _kind(series: Any) -> QVariant.Type:
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        return QVariant.String
    if pd.api.types.is_bool_dtype(series.dtype):
        return QVariant.Bool
    if pd.api.types.is_integer_dtype(series.dtype):
        return QVariant.LongLong
    if pd.api.types.is_float_dtype(series.dtype):
        return QVariant.Double
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return QVariant.DateTime
    vals = series.dropna()
    if len(vals):
        if all(isinstance(v, bool) for v in vals):
            return QVariant.Bool
        if all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
            return QVariant.LongLong
        if all(isinstance(v, dt.datetime) for v in vals):
            return QVariant.DateTime
        if all(isinstance(v, dt.date) for v in vals):
            return QVariant.Date
    return QVariant.String


def fields_for(frame: Any) -> QgsFields:
    """QgsFields for the attribute columns of a (Geo)DataFrame."""
    fields = QgsFields()
    geom = _geometry_name(frame)
    for name in frame.columns:
        if name == geom:
            continue
        fields.append(QgsField(str(name), _kind(frame[name])))
    return fields


def _geometry_name(frame: Any) -> str | None:
    try:
        return frame.geometry.name
    except AttributeError:
        return None


def wkb_type_for(frame: Any) -> int:
    """Return the QGIS WKB type of a frame's geometries (Point, MultiPoint, multi-line, MultiPolygon, none)."""
    if _geometry_name(frame) is None:
        return QgsWkbTypes.NoGeometry
    types = set(frame.geometry.dropna().geom_type.unique())
    if types <= {"Point"}:
        return QgsWkbTypes.Point
    if types <= {"Point", "MultiPoint"}:
        return QgsWkbTypes.MultiPoint
    if types <= {"LineString", "MultiLineString"}:
        return QgsWkbTypes.MultiLineString
    if types <= {"Polygon", "MultiPolygon"}:
        return QgsWkbTypes.MultiPolygon
    msg = f"cannot write mixed geometry types {sorted(types)} to one layer"
    raise QgsProcessingException(msg)


def _item(v: Any) -> Any:
    """Return a numpy scalar as a Python value, anything else as it is."""
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            return v.item()
        except (ValueError, AttributeError):
            pass
    return v


def _column(series: Any, kind: QVariant.Type) -> list[Any]:
    """Return a column's values as QGIS attribute values: missing (None, NaN, NaT, NA) -> None."""
    import pandas as pd

    categorical = isinstance(series.dtype, pd.CategoricalDtype)
    values = series.astype(object).tolist() if categorical else series.tolist()
    missing = series.isna().tolist()
    if categorical or series.dtype == object:  # numpy scalars inside -> Python (other dtypes' tolist() does it)
        values = [_item(v) for v in values]
    if kind == QVariant.String:
        convert: Any = str
    elif kind == QVariant.DateTime:

        def convert(v: Any) -> Any:
            if hasattr(v, "to_pydatetime"):
                v = v.to_pydatetime()
            return QDateTime(v) if isinstance(v, dt.datetime) else v
    elif kind == QVariant.Date:

        def convert(v: Any) -> Any:
            return QDate(v) if isinstance(v, dt.date) else v
    else:
        return [None if m else v for v, m in zip(values, missing)]
    return [None if m else convert(v) for v, m in zip(values, missing)]


def write_frame(
    frame: Any, sink: QgsFeatureSink, fields: QgsFields, *, feedback: Any = None, wkb_type: int | None = None
) -> int:
    """Write a frame's rows to ``sink`` (made with :func:`fields_for` / :func:`wkb_type_for`); return the count.

    ``wkb_type`` is the sink's :func:`wkb_type_for` when the caller has it already.
    """
    import shapely

    geom = _geometry_name(frame)
    if wkb_type is None:
        wkb_type = wkb_type_for(frame)
    multi = wkb_type in (QgsWkbTypes.MultiPoint, QgsWkbTypes.MultiLineString, QgsWkbTypes.MultiPolygon)
    columns = [_column(frame[f.name()], f.type()) for f in fields]
    rows = list(zip(*columns)) if columns else [()] * len(frame)
    wkbs = shapely.to_wkb(frame.geometry.to_numpy()) if geom is not None else None
    n = len(frame)
    step = max(1, n // 50)
    for i in range(n):
        if feedback is not None and i % step == 0:
            if feedback.isCanceled():
                raise QgsProcessingException("cancelled")
        feat = QgsFeature(fields)
        feat.setAttributes(list(rows[i]))
        if wkbs is not None and wkbs[i] is not None:
            g = QgsGeometry()
            g.fromWkb(wkbs[i])
            if multi and not g.isMultipart():
                g.convertToMultiType()
            feat.setGeometry(g)
        if not sink.addFeature(feat, QgsFeatureSink.FastInsert):
            raise QgsProcessingException(f"could not write feature {i + 1} to the output")
    return n


def polygon_union(frame: Any) -> Any:
    """Union of the polygonal geometries of a frame (None when there are none)."""
    import shapely

    kinds = ("Polygon", "MultiPolygon")
    geoms = [g for g in frame.geometry if g is not None and not g.is_empty and g.geom_type in kinds]
    return shapely.union_all(geoms) if geoms else None
