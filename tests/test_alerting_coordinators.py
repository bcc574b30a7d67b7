"""send_alert with coordinators: an empty coordinators list is still a list (and a file)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

import bingeo
from bingeo.alerting import send_alert


def test_no_network_touched_still_writes_empty_coordinators_file(tmp_path):
    members = gpd.GeoDataFrame(
        {
            "member_id": ["M1", "M2"],
            "person_id": ["P1", "P2"],
            "name": ["A", "B"],
            "email": ["a@example.org", "b@example.org"],
            "phone": ["+31612345678", "+31612345679"],
            "phone_kind": ["mobile", "mobile"],
            "channels": ["", ""],
            "consent": [True, True],
            "role": ["member", "coordinator"],
            "networks": ["", ""],
            "status": ["active", "active"],
        },
        geometry=[shapely.Point(100, 100), shapely.Point(5000, 5000)],
        crs=28992,
    )
    with bingeo.open_store(tmp_path / "s.gpkg", create=True, crs=28992) as st:
        st.upsert_members(members)
        alert = send_alert(st, tmp_path / "out.csv", area=shapely.box(0, 0, 200, 200), coordinators=True)
    sel = alert.selection
    assert len(sel.recipients) == 1 and sel.per_network == {}
    assert sel.coordinators is not None and sel.coordinators.empty
    path = tmp_path / "out.coordinators.csv"
    assert path in alert.files
    assert pd.read_csv(path, sep=";", encoding="utf-8-sig").empty
