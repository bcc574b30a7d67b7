"""The alert tool and dialog in QGIS with pytest-qgis's canvas and iface: mouse events on the canvas draw a
polygon or a circle (or the selected polygons of a layer are used), the dialog counts per channel and network,
and the export equals ``bingeo.select_recipients`` on the same area, with an audit entry. No member data in logs.
"""

from __future__ import annotations

import csv
import logging
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plugin_support import PLUGIN_DIR, make_member_store, marker  # noqa: E402

pytestmark = pytest.mark.requires("qgis")


def _pytest_qgis(request, name):
    """A pytest-qgis fixture; without pytest-qgis: skip locally, fail in CI (tests/conftest.py's need)."""
    from tests.conftest import need

    try:
        return request.getfixturevalue(name)
    except pytest.FixtureLookupError:
        need("pytest-qgis", "python3 -m pip install pytest-qgis into the QGIS venv (see .ci/run)")


@pytest.fixture
def qgis_iface_(request):
    return _pytest_qgis(request, "qgis_iface")


@pytest.fixture
def qgis_canvas_(request):
    return _pytest_qgis(request, "qgis_canvas")


@pytest.fixture(scope="module")
def world(qgis_app, tmp_path_factory):
    import bingeo

    tmp = tmp_path_factory.mktemp("alert_tool")
    store = make_member_store(tmp)
    with bingeo.open_store(store) as st:
        members, nets = st.members(), st.networks()
    # networks ordered by the number of members living in them (most first), so that areas are not empty
    per = bingeo.assign(members[["geometry"]], nets)["network_id"].value_counts()
    busiest = nets.set_index("network_id").loc[per.index].geometry.tolist()
    return {"tmp": tmp, "store": store, "members": members, "nets": nets, "busiest": busiest}


@pytest.fixture
def plugin(qgis_iface_, qgis_canvas_):
    from qgis.core import QgsApplication, QgsCoordinateReferenceSystem

    if str(PLUGIN_DIR) not in sys.path:
        sys.path.insert(0, str(PLUGIN_DIR))
    import bingeo_qgis

    qgis_canvas_.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:28992"))
    logged: list[str] = []
    log = QgsApplication.messageLog()

    def keep(msg, tag, level):
        logged.append(msg)

    log.messageReceived.connect(keep)
    p = bingeo_qgis.classFactory(qgis_iface_)
    p.initGui()
    p.logged = logged
    yield p
    p.unload()
    log.messageReceived.disconnect(keep)


def zoom_to(canvas, geom):
    from qgis.core import QgsRectangle

    x0, y0, x1, y1 = geom.bounds
    canvas.setExtent(QgsRectangle(x0 - 200, y0 - 200, x1 + 200, y1 + 200))


def mouse(canvas, kind, x, y, button=None):
    """Send a real mouse event to the canvas viewport (the canvas forwards it to its map tool)."""
    from qgis.PyQt.QtCore import QEvent, QPoint, Qt
    from qgis.PyQt.QtGui import QMouseEvent
    from qgis.PyQt.QtWidgets import QApplication

    button = Qt.LeftButton if button is None else button
    types = {
        "press": QEvent.MouseButtonPress,
        "release": QEvent.MouseButtonRelease,
        "move": QEvent.MouseMove,
        "double": QEvent.MouseButtonDblClick,
    }
    buttons = Qt.NoButton if kind == "release" else button
    ev = QMouseEvent(types[kind], QPoint(x, y), button if kind != "move" else Qt.NoButton, buttons, Qt.NoModifier)
    QApplication.sendEvent(canvas.viewport(), ev)


def click(canvas, x, y, button=None):
    mouse(canvas, "press", x, y, button)
    mouse(canvas, "release", x, y, button)


def px(canvas, fx, fy):
    """Pixel at fractions (fx, fy) of the canvas's map output (a hidden canvas keeps its initial size)."""
    size = canvas.mapSettings().outputSize()
    return round(fx * size.width()), round(fy * size.height())


def to_map(canvas, x, y):
    p = canvas.getCoordinateTransform().toMapCoordinates(x, y)
    return p.x(), p.y()


def read_ids(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return sorted(r["member_id"] for r in csv.DictReader(fh, delimiter=";"))


def check_dialog(dlg, world, area, tmp, name, urgency="urgent", caplog=None):
    import bingeo

    ref = bingeo.select_recipients(world["members"], area=area, networks=world["nets"], urgency=urgency)
    assert len(ref.recipients) > 0, "the drawn area must hold members for the test to mean something"
    dlg.store.setFilePath(str(world["store"]))  # fileChanged -> preview
    if urgency != "urgent":
        dlg.urgency.setCurrentIndex(dlg.urgency.findData(urgency))
    counts = dlg.counts()
    assert counts["channel"] == {k: v for k, v in ref.per_channel.items()}
    assert counts.get("network", {}) == {k: v for k, v in ref.per_network.items()}
    assert dlg.summary.text().startswith(str(len(ref.recipients)))
    from qgis.PyQt.QtWidgets import QDialogButtonBox

    out = tmp / f"{name}.csv"
    dlg.operator.setText("agent 4321")
    dlg.reason.setText(f"PV {name}")
    dlg.output.setFilePath(str(out))
    dlg.buttons.button(QDialogButtonBox.Save).click()  # Export
    assert dlg.alert is not None, dlg.summary.text()
    assert read_ids(out) == sorted(ref.recipients["member_id"])
    with bingeo.open_store(world["store"]) as st:
        audit = st.audit(dlg.alert.alert_id)
    assert len(audit) == 1
    assert (audit["operator"].iloc[0], audit["reason"].iloc[0]) == ("agent 4321", f"PV {name}")
    return ref


def no_member_data(texts):
    blob = "\n".join(texts)
    for i in range(120):
        for value in marker(i).values():
            assert value not in blob


def test_toolbar_and_menu(plugin, qgis_iface_):
    assert len(plugin.actions) == 3
    tool = plugin.activate_tool("polygon")
    assert qgis_iface_.mapCanvas().mapTool() is tool and tool.mode == "polygon"
    assert plugin.activate_tool("polygon", False) is None
    assert qgis_iface_.mapCanvas().mapTool() is not tool


def test_the_alert_tool_starts_the_worker_while_the_user_draws(plugin, monkeypatch):
    from bingeo_qgis import worker

    monkeypatch.setenv(worker.WORKER_ENV, "1")  # as in the desktop
    worker.stop_worker()
    try:
        plugin.activate_tool("circle")
        kept = worker.kept_worker(start=False)
        assert kept is not None and kept.alive()
    finally:
        plugin.activate_tool("circle", False)
        worker.stop_worker()


def test_draw_polygon_exports_same_people_as_library(plugin, world, qgis_canvas_, caplog):
    import shapely

    zoom_to(qgis_canvas_, world["busiest"][0])
    plugin.activate_tool("polygon")
    pixels = [px(qgis_canvas_, fx, fy) for fx, fy in ((0.15, 0.13), (0.87, 0.18), (0.8, 0.83), (0.22, 0.77))]
    with caplog.at_level(logging.DEBUG):
        for x, y in pixels[:-1]:
            click(qgis_canvas_, x, y)
        mouse(qgis_canvas_, "move", *px(qgis_canvas_, 0.5, 0.5))
        click(qgis_canvas_, *pixels[-1])
        from qgis.PyQt.QtCore import Qt

        click(qgis_canvas_, 1, 1, button=Qt.RightButton)  # finish
        assert plugin.dialog is not None and plugin.dialog.area.kind == "polygon"
        area = shapely.Polygon([to_map(qgis_canvas_, x, y) for x, y in pixels])
        assert plugin.dialog.area.to_store_crs(world["nets"].crs).equals_exact(area, 1e-6)
        check_dialog(plugin.dialog, world, area, world["tmp"], "polygon")
    no_member_data(plugin.logged + [r.getMessage() for r in caplog.records] + [plugin.dialog.summary.text()])


def test_draw_circle_exports_same_people_as_library(plugin, world, qgis_canvas_):
    import bingeo

    zoom_to(qgis_canvas_, world["busiest"][1])
    plugin.activate_tool("circle")
    centre, edge = px(qgis_canvas_, 0.5, 0.5), px(qgis_canvas_, 0.5, 0.95)
    mouse(qgis_canvas_, "press", *centre)
    mouse(qgis_canvas_, "move", *px(qgis_canvas_, 0.6, 0.7))
    mouse(qgis_canvas_, "release", *edge)
    dlg = plugin.dialog
    assert dlg is not None and dlg.area.kind == "circle"
    (cx, cy), (ex, ey) = to_map(qgis_canvas_, *centre), to_map(qgis_canvas_, *edge)
    radius = math.hypot(ex - cx, ey - cy)
    assert dlg.area.radius == pytest.approx(radius, rel=1e-12)
    area = bingeo.area_around(cx, cy, radius, crs_of_xy=28992, target_crs=28992)
    check_dialog(dlg, world, area, world["tmp"], "circle", urgency="normal")
    no_member_data(plugin.logged)


def test_selected_polygons_of_a_wgs84_layer(plugin, world, qgis_iface_):
    import geopandas as gpd
    from qgis.core import QgsFeature, QgsGeometry, QgsProject, QgsVectorLayer

    polys = gpd.GeoSeries(world["busiest"][:2], crs=28992).to_crs(4326)
    lyr = QgsVectorLayer("MultiPolygon?crs=EPSG:4326", "wijken", "memory")
    feats = []
    for g in polys:
        f = QgsFeature()
        f.setGeometry(QgsGeometry.fromWkt(g.wkt))
        feats.append(f)
    lyr.dataProvider().addFeatures(feats)
    QgsProject.instance().addMapLayer(lyr)
    try:
        lyr.selectByIds([f.id() for f in lyr.getFeatures()][:1])
        qgis_iface_.setActiveLayer(lyr)
        dlg = plugin.alert_selected()
        assert dlg is not None
        area = gpd.GeoSeries([polys.iloc[0]], crs=4326).to_crs(28992).iloc[0]
        got = dlg.area.to_store_crs(world["nets"].crs)
        assert got.symmetric_difference(area).area < 1e-6 * area.area
        check_dialog(dlg, world, got, world["tmp"], "selected")
    finally:
        QgsProject.instance().removeMapLayer(lyr.id())
    no_member_data(plugin.logged)


def test_export_refuses_without_operator_and_logs_nothing(plugin, world, qgis_canvas_, tmp_path):
    import shapely
    from bingeo_qgis.alert_tool import AlertArea
    from qgis.core import QgsCoordinateReferenceSystem, QgsGeometry

    import bingeo

    geom = shapely.box(*world["nets"].geometry.iloc[0].bounds)
    dlg = plugin.open_dialog(
        AlertArea(crs=QgsCoordinateReferenceSystem("EPSG:28992"), geometry=QgsGeometry.fromWkt(geom.wkt))
    )
    dlg.store.setFilePath(str(world["store"]))
    dlg.output.setFilePath(str(tmp_path / "x.csv"))
    dlg.operator.setText("")
    dlg.reason.setText("PV 1")
    with bingeo.open_store(world["store"]) as st:
        before = len(st.audit())
    assert dlg.export() is None
    assert "operator" in dlg.summary.text()
    with bingeo.open_store(world["store"]) as st:
        assert len(st.audit()) == before
    assert not (tmp_path / "x.csv").exists()


def test_circle_on_a_web_mercator_canvas_uses_the_ground_radius(plugin, world, qgis_canvas_):
    """EPSG:3857 map units are not metres (in NL one unit is ~0.62 m): the radius is measured in the store's CRS."""
    import numpy as np
    import pyproj
    from qgis.core import QgsCoordinateReferenceSystem, QgsPointXY

    members = world["members"]
    centre_rd = world["busiest"][0].centroid
    to_3857 = pyproj.Transformer.from_crs(28992, 3857, always_xy=True)
    cx, cy = to_3857.transform(centre_rd.x, centre_rd.y)
    qgis_canvas_.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    try:
        tool = plugin.activate_tool("circle")
        tool.centre = QgsPointXY(cx, cy)
        area = tool.finish_circle(QgsPointXY(cx + 1500.0, cy))  # 1500 Web Mercator units east
    finally:
        qgis_canvas_.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:28992"))
    assert area is not None and area.kind == "circle"
    # the true ground radius: geodesic distance between centre and edge
    lon0, lat0 = pyproj.Transformer.from_crs(3857, 4326, always_xy=True).transform(cx, cy)
    lon1, lat1 = pyproj.Transformer.from_crs(3857, 4326, always_xy=True).transform(cx + 1500.0, cy)
    ground = pyproj.Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)[2]
    assert ground < 1000  # 1500 units are ~0.62 * 1500 m here: the old planar reading was 60 % too large
    assert area.radius_in(world["nets"].crs) == pytest.approx(ground, rel=1e-3)
    got = area.to_store_crs(world["nets"].crs)
    # brute force: members by their distance from the centre (in RD, ground metres up to ~1e-4)
    dist = np.asarray(members.geometry.distance(centre_rd))
    inside = np.asarray(members.geometry.within(got) | members.geometry.touches(got))
    assert inside[dist < ground * 0.995].all() and not inside[dist > ground * 1.005].any()
    assert inside.any(), "the circle must hold members for the test to mean something"
    assert ((dist > ground * 1.005) & (dist < 1500 * 0.999)).any(), "members between the true and the old radius"
