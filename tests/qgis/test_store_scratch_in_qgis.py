"""A store whose first members import went through the scratch files (rows, indexes, memo and R-tree written by
ADBC, copied by SQLite's transfer shortcut) opens cleanly in QGIS 3.22: no warning, every member found by its
spatial filters, and GDAL's GeoPackage validator finds nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qgis_check import assert_opens_cleanly_in_qgis, gpkg_spec_problems  # noqa: E402 (see test_gpkg_in_qgis)

import bingeo  # noqa: E402
import bingeo.stores.gpkg as gpkg  # noqa: E402
from bingeo.stores import _gpkg_scratch as scratch  # noqa: E402

pytest.importorskip("adbc_driver_sqlite")


def test_store_of_a_scratch_import_opens_cleanly_in_qgis(qgis_app, tmp_path, monkeypatch):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.test_store_members import members_frame

    n = 3000
    frame = members_frame(n, seed=21)
    frame.loc[np.random.default_rng(21).random(n) < 0.05, "geometry"] = None
    memo = pd.DataFrame({"digest": np.arange(n), "tallies": [None] * n})
    monkeypatch.setattr(scratch, "SCRATCH_ROWS", 1)
    monkeypatch.setattr(gpkg, "RTREE_BULK_ROWS", 1)
    used = []
    insert = gpkg.GpkgStore._insert_scratch
    monkeypatch.setattr(gpkg.GpkgStore, "_insert_scratch", lambda *a: used.append(1) or insert(*a))
    path = tmp_path / "store.gpkg"
    with bingeo.open_store(path, create=True, crs=28992) as st:
        st.upsert_members(frame, memo=memo)
    assert used == [1]
    rep = assert_opens_cleanly_in_qgis(path, max_own_bbox_checks=500)
    members = next(layer for layer in rep.layers if layer.name == "members")
    located = int(frame.geometry.notna().sum())
    assert (members.valid, members.qgis_count, members.qgis_geoms, members.authid) == (True, n, located, "EPSG:28992")
    assert gpkg_spec_problems(path) == []
