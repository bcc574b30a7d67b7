"""A map tool to draw an alert area.

A polygon (click vertices, right-click or double-click to finish) or a circle (press at the centre, drag,
release at the radius).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsDistanceArea,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsUnitTypes,
    QgsWkbTypes,
)
from qgis.gui import QgsMapTool, QgsRubberBand
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor

from .deps import library_constants

#: The canvas draws the circle the selection uses (read without importing bingeo, see ``worker.py``).
CIRCLE_SEGMENTS = library_constants("recipients").CIRCLE_SEGMENTS

__all__ = ["AlertArea", "AlertAreaTool", "CIRCLE_SEGMENTS"]


@dataclass
class AlertArea:
    """An alert area as drawn: a polygon geometry, or a centre and a radius in metres, in ``crs``.

    A circle drawn on the canvas also keeps the ``edge`` point where it was released: the radius the
    selection uses is measured between centre and edge in the store's CRS (see :meth:`radius_in`).
    """

    crs: QgsCoordinateReferenceSystem
    geometry: QgsGeometry | None = None
    centre: QgsPointXY | None = None
    radius: float = 0.0
    edge: QgsPointXY | None = None

    @property
    def kind(self) -> str:
        """``"circle"`` or ``"polygon"``."""
        return "circle" if self.centre is not None else "polygon"

    def radius_in(self, store_crs: Any) -> float:
        """Return the radius in the units of ``store_crs`` (metres): centre and edge are transformed there first.

        A canvas in Web Mercator (EPSG:3857) has map units far from metres (in the Netherlands 1 unit is
        about 0.62 m): only the store's CRS measures ground distances. Without an edge: :attr:`radius`.
        """
        if self.centre is None or self.edge is None:
            return self.radius
        import pyproj

        from bingeo import to_crs

        from .adapter import crs_to_pyproj

        to_store = pyproj.Transformer.from_crs(crs_to_pyproj(self.crs), to_crs(store_crs), always_xy=True)
        (x0, x1), (y0, y1) = to_store.transform([self.centre.x(), self.edge.x()], [self.centre.y(), self.edge.y()])
        return math.hypot(x1 - x0, y1 - y0)

    def to_store_crs(self, store_crs: Any) -> Any:
        """Return the area as a shapely geometry in the store's CRS (a pyproj CRS).

        A circle goes through :func:`bingeo.area_around`, exactly as ``bingeo recipients --around``.
        """
        import shapely
        from qgis.core import QgsCoordinateTransform

        from bingeo import area_around

        from .adapter import crs_to_pyproj, crs_to_qgis

        if self.centre is not None:
            return area_around(
                self.centre.x(),
                self.centre.y(),
                self.radius_in(store_crs),
                crs_of_xy=crs_to_pyproj(self.crs),
                target_crs=store_crs,
            )
        geom = QgsGeometry(self.geometry)
        target = crs_to_qgis(store_crs)
        if target != self.crs:
            geom.transform(QgsCoordinateTransform(self.crs, target, QgsProject.instance()))
        return shapely.from_wkb(bytes(geom.asWkb()))


def radius_in_metres(centre: QgsPointXY, edge: QgsPointXY, crs: QgsCoordinateReferenceSystem) -> float:
    """Distance centre-edge in metres as drawn: planar in a projected CRS, ellipsoidal in degrees.

    For showing only: in a CRS whose units are not ground metres (Web Mercator) the selection measures
    the radius in the store's CRS instead (:meth:`AlertArea.radius_in`).
    """
    if crs.isGeographic():
        da = QgsDistanceArea()
        da.setSourceCrs(crs, QgsProject.instance().transformContext())
        da.setEllipsoid(crs.ellipsoidAcronym() or "EPSG:7030")
        return da.convertLengthMeasurement(da.measureLine(centre, edge), QgsUnitTypes.DistanceMeters)
    factor = QgsUnitTypes.fromUnitToUnitFactor(crs.mapUnits(), QgsUnitTypes.DistanceMeters)
    return math.hypot(edge.x() - centre.x(), edge.y() - centre.y()) * factor


class AlertAreaTool(QgsMapTool):
    """Draw an alert area on the canvas; emits :attr:`areaDrawn` with an :class:`AlertArea` (canvas CRS).

    ``mode`` is ``"polygon"`` (left-click vertices; right-click or double-click finishes; Backspace removes
    the last vertex; Esc cancels) or ``"circle"`` (press at the centre, drag, release).
    """

    areaDrawn = pyqtSignal(object)  # noqa: N815 (Qt signal naming)

    def __init__(self, canvas: Any, mode: str = "polygon") -> None:
        super().__init__(canvas)
        if mode not in ("polygon", "circle"):
            msg = f"mode must be 'polygon' or 'circle', got {mode!r}"
            raise ValueError(msg)
        self.mode = mode
        self.points: list[QgsPointXY] = []
        self.centre: QgsPointXY | None = None
        self.rubber = QgsRubberBand(canvas, QgsWkbTypes.PolygonGeometry)
        self.rubber.setColor(QColor(200, 30, 30, 160))
        self.rubber.setFillColor(QColor(200, 30, 30, 50))
        self.rubber.setWidth(2)
        self.setCursor(Qt.CrossCursor)

    # ---- state
    def reset(self) -> None:
        """Forget the current drawing."""
        self.points = []
        self.centre = None
        self.rubber.reset(QgsWkbTypes.PolygonGeometry)

    def _crs(self) -> QgsCoordinateReferenceSystem:
        return self.canvas().mapSettings().destinationCrs()

    def _show(self, points: list[QgsPointXY]) -> None:
        self.rubber.reset(QgsWkbTypes.PolygonGeometry)
        for p in points:
            self.rubber.addPoint(p, False)
        self.rubber.show()
        self.rubber.updatePosition()

    def _circle(self, centre: QgsPointXY, edge: QgsPointXY) -> list[QgsPointXY]:
        r = math.hypot(edge.x() - centre.x(), edge.y() - centre.y())
        angles = [2 * math.pi * i / CIRCLE_SEGMENTS for i in range(CIRCLE_SEGMENTS)]
        return [QgsPointXY(centre.x() + r * math.cos(a), centre.y() + r * math.sin(a)) for a in angles]

    # ---- finishing
    def finish_polygon(self) -> AlertArea | None:
        """Close the polygon drawn so far (at least 3 vertices) and emit it."""
        if len(self.points) < 3:
            return None
        geom = QgsGeometry.fromPolygonXY([self.points + [self.points[0]]])
        if not geom.isGeosValid():
            geom = geom.makeValid()
        area = AlertArea(crs=self._crs(), geometry=geom)
        self.reset()
        self.areaDrawn.emit(area)
        return area

    def finish_circle(self, edge: QgsPointXY) -> AlertArea | None:
        """Close the circle from the centre to ``edge`` and emit it."""
        if self.centre is None:
            return None
        radius = radius_in_metres(self.centre, edge, self._crs())
        if radius <= 0:
            self.reset()
            return None
        area = AlertArea(crs=self._crs(), centre=QgsPointXY(self.centre), radius=radius, edge=QgsPointXY(edge))
        self.reset()
        self.areaDrawn.emit(area)
        return area

    # ---- events
    def canvasPressEvent(self, event: Any) -> None:  # noqa: D102, N802
        if self.mode == "circle" and event.button() == Qt.LeftButton:
            self.centre = self.toMapCoordinates(event.pos())

    def canvasMoveEvent(self, event: Any) -> None:  # noqa: D102, N802
        p = self.toMapCoordinates(event.pos())
        if self.mode == "circle" and self.centre is not None:
            self._show(self._circle(self.centre, p))
        elif self.mode == "polygon" and self.points:
            self._show(self.points + [p])

    def canvasReleaseEvent(self, event: Any) -> None:  # noqa: D102, N802
        p = self.toMapCoordinates(event.pos())
        if self.mode == "circle":
            if event.button() == Qt.LeftButton:
                self.finish_circle(p)
            return
        if event.button() == Qt.LeftButton:
            if not self.points or self.points[-1] != p:
                self.points.append(p)
            self._show(self.points)
        elif event.button() == Qt.RightButton:
            self.finish_polygon()

    def canvasDoubleClickEvent(self, event: Any) -> None:  # noqa: D102, N802
        if self.mode == "polygon":
            self.finish_polygon()

    def keyPressEvent(self, event: Any) -> None:  # noqa: D102, N802
        if event.key() == Qt.Key_Escape:
            self.reset()
        elif event.key() == Qt.Key_Backspace and self.points:
            self.points.pop()
            self._show(self.points)

    def deactivate(self) -> None:  # noqa: D102
        self.reset()
        super().deactivate()
