"""The alert dialog's work (count, export) as JSON-in, JSON-out functions.

They run in QGIS's process, or in a worker process inside the QGIS desktop (see ``worker.py``). Only counts
leave these functions, never member data.
"""

from __future__ import annotations

from typing import Any

__all__ = ["area_to_json", "area_from_json", "count_recipients", "export_alert", "send_alert_email"]


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


def send_alert_email(store: str, alert_id: str, message: dict[str, Any], server: dict[str, Any]) -> dict[str, Any]:
    """Send the e-mail part of an alert (``bingeo.send_email``, as ``bingeo send``); counts only, ``error`` on failure.

    ``message``: ``template``/``lang`` or ``body``, ``subject``, ``values`` (placeholders). ``server``: ``host``,
    ``port``, ``security``, ``user``, ``sender``, ``reply_to``, ``ca_file``, ``rate``, ``check``. The password is
    never an argument (arguments reach the worker through a file): it comes from ``BINGEO_SMTP_PASSWORD``, which
    the dialog sets for the call only, or ``~/.netrc``.
    """
    from bingeo import BingeoError, open_store
    from bingeo.sending import journal_mode, render, restore_journal, send_email, smtp_settings, template_text

    try:
        if message.get("template"):
            default_subject, body = template_text(message["template"], message.get("lang") or "nl")
        else:
            default_subject, body = "", str(message.get("body") or "")
        values = message.get("values") or {}
        subject = render(str(message.get("subject") or default_subject), values, source="the subject")
        body = render(body, values)
        check = bool(server.get("check"))
        smtp = None
        if not check:
            smtp = smtp_settings(
                host=server.get("host") or None,
                port=server.get("port") or None,
                security=server.get("security") or None,
                user=server.get("user") or None,
                sender=server.get("sender") or None,
                reply_to=server.get("reply_to") or None,
                ca_file=server.get("ca_file") or None,
            )
        mode = journal_mode(store)
        try:
            with open_store(store) as st:
                report = send_email(
                    st, alert_id, subject=subject, body=body, smtp=smtp, rate=server.get("rate") or None, check=check
                )
        finally:
            restore_journal(store, mode)
    except (BingeoError, ValueError, OSError) as exc:
        return {"error": str(exc)}
    return {
        "summary": report.summary(),
        "sent": report.sent,
        "refused": report.refused,
        "failed": report.failed,
        "uncertain": report.uncertain,
        "recipients": report.recipients,
        "states": report.states,
    }
