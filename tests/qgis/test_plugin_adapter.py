"""The plugin's adapter between QGIS features and GeoDataFrames: dates, NULLs and NaN both ways."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plugin_support import PLUGIN_DIR  # noqa: E402

pytestmark = pytest.mark.requires("qgis")


@pytest.fixture
def adapter(qgis_app):
    if str(PLUGIN_DIR) not in sys.path:
        sys.path.insert(0, str(PLUGIN_DIR))
    from bingeo_qgis import adapter

    return adapter


def _layer(definition, fields, rows):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    lyr = QgsVectorLayer(definition, "t", "memory")
    lyr.dataProvider().addAttributes(fields)
    lyr.updateFields()
    feats = []
    for i, values in enumerate(rows):
        f = QgsFeature(lyr.fields())
        f.setAttributes(values)
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(100000 + i, 450000 + i)))
        feats.append(f)
    lyr.dataProvider().addFeatures(feats)
    return lyr


def test_date_fields_become_datetime64_that_incident_days_finds(adapter):
    import pandas as pd
    from qgis.core import NULL, QgsField
    from qgis.PyQt.QtCore import QDate, QVariant

    from bingeo.nearrepeat import incident_days

    lyr = _layer(
        "Point?crs=EPSG:28992",
        [QgsField("pleegdatum", QVariant.Date), QgsField("code", QVariant.String)],
        [[QDate(2024, 3, 1), "a"], [NULL, "b"], [QDate(2024, 3, 5), "c"]],
    )
    frame = adapter.frame_from_source(lyr)
    assert pd.api.types.is_datetime64_any_dtype(frame["pleegdatum"])
    days = incident_days(frame)
    assert [None if pd.isna(d) else d.date() for d in days] == [dt.date(2024, 3, 1), None, dt.date(2024, 3, 5)]


def test_write_frame_nulls_and_nan(adapter):
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely
    from qgis.core import QgsVectorLayer

    frame = gpd.GeoDataFrame(
        {
            "n": [1.5, np.nan, 3.0],
            "i": pd.array([1, None, 3], dtype="Int64"),
            "s": ["x", None, np.nan],
            "c": pd.Categorical(["p", None, "q"]),
            "t": pd.to_datetime(["2024-01-02 03:04:05", None, "2024-02-03 00:00:00"]),
            "o": pd.Series([np.int64(7), None, np.float64(2.5)], dtype=object),
        },
        geometry=[shapely.Point(0, 0), None, shapely.Point(1, 1)],
        crs=28992,
    )
    fields = adapter.fields_for(frame)
    lyr = QgsVectorLayer("Point?crs=EPSG:28992", "out", "memory")
    lyr.dataProvider().addAttributes(list(fields))
    lyr.updateFields()
    assert adapter.write_frame(frame, lyr.dataProvider(), fields) == 3
    back = [[adapter._py(v) for v in f.attributes()] for f in lyr.getFeatures()]
    assert back[0] == [1.5, 1, "x", "p", dt.datetime(2024, 1, 2, 3, 4, 5), "7"]
    assert back[1] == [None] * 6
    assert back[2] == [3.0, 3, None, "q", dt.datetime(2024, 2, 3), "2.5"]
