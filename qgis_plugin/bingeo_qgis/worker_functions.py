"""The alert dialog's work (count, export) as JSON-in, JSON-out functions.

They run in QGIS's process, or in a worker process inside the QGIS desktop (see ``worker.py``). Only counts
leave these functions, never member data.
"""

from __future__ import annotations

from typing import Any

__all__ = ["area_to_json", "area_from_json", "count_recipients", "export_alert"]


def area_to_json(area: Any) -> dict[str, Any]:
    """Return an :class:`~.alert_tool.AlertArea` as JSON (CRS as WKT, polygon as WKT, circle as centre/edge/radius)."""
    from qgis.core import QgsCoordinateReferenceSystem

    def xy(p: Any) -> list[float] | None:
        return None if p is None else [p.x(), p.y()]

    return {
        "crs": area.crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED),
        "geometry": None if area.geometry is None else area.geometry.asWkt(17),
        "centre": xy(area.centre),
        "edge": xy(area.edge),
        "radius": area.radius,
    }


def area_from_json(data: dict[str, Any]) -> Any:
    """Return the :class:`~.alert_tool.AlertArea` of :func:`area_to_json`."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsGeometry, QgsPointXY

    from .alert_tool import AlertArea

    def point(v: Any) -> Any:
        return None if v is None else QgsPointXY(*v)

    return AlertArea(
        crs=QgsCoordinateReferenceSystem.fromWkt(data["crs"]),
        geometry=None if data["geometry"] is None else QgsGeometry.fromWkt(data["geometry"]),
        centre=point(data["centre"]),
        radius=float(data["radius"]),
        edge=point(data["edge"]),
    )


def _counts(selection: Any) -> dict[str, Any]:
    return {
        "channel": {str(k): int(v) for k, v in selection.per_channel.items()},
        "network": {str(k): int(v) for k, v in selection.per_network.items()},
        "excluded": {str(k): int(v) for k, v in selection.excluded.items()},
        "recipients": len(selection.recipients),
    }


def count_recipients(store: str, area: dict[str, Any], urgency: str, coordinators: bool) -> dict[str, Any]:
    """Count the recipients of ``area`` in ``store`` (nothing written, nothing logged); ``error`` on bad input."""
    from bingeo import BingeoError, open_store, select_recipients

    shape = area_from_json(area)
    try:
        with open_store(store) as st:
            geom = shape.to_store_crs(st.crs)
            radius = shape.radius_in(st.crs) if shape.kind == "circle" else None
            members = st.members(bbox=geom.bounds)
            selection = select_recipients(members, area=geom, urgency=urgency, coordinators=coordinators)
    except (BingeoError, ValueError, OSError) as exc:
        return {"error": str(exc)}
    return {"radius": radius, **_counts(selection)}


def export_alert(
    store: str, output: str, area: dict[str, Any], urgency: str, coordinators: bool, operator: str, reason: str
) -> dict[str, Any]:
    """Select, export and log the alert (``bingeo.send_alert``, as ``bingeo recipients``); ``error`` on bad input."""
    from bingeo import BingeoError, open_store, send_alert

    shape = area_from_json(area)
    try:
        with open_store(store) as st:
            alert = send_alert(
                st,
                output,
                area=shape.to_store_crs(st.crs),
                urgency=urgency,
                operator=operator,
                reason=reason,
                coordinators=coordinators,
            )
    except (BingeoError, ValueError, OSError) as exc:
        return {"error": str(exc)}
    return {"alert_id": alert.alert_id, **_counts(alert.selection)}
