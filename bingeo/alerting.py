"""Alerts: select the recipients from a store, export them, and log the selection.

Every successful selection is appended to the store's audit log (alert id, when,
operator, reason, the area, urgency, counts and the selected members' ids, and
nothing else about members). A failed selection writes nothing. A follow-up
("afloopbericht") reaches the same people as an earlier alert, minus those who
have left or withdrawn consent since (counted, not listed).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from bingeo._results import Result
from bingeo.errors import BingeoError, InputError
from bingeo.recipients import (
    NETWORK_RULE,
    URGENCY,
    MemberRows,
    Selection,
    coordinator_records,
    recipient_records,
    select_recipients,
    why_nobody,
    write_recipients,
)

if TYPE_CHECKING:  # pandas and geopandas: only where a path needs them (an alert by area needs neither)
    import geopandas as gpd

__all__ = ["Alert", "send_alert", "follow_up"]

log = logging.getLogger(__name__)


@dataclass
class Alert(Result):
    """A logged selection: its id, the selection, and the files written."""

    alert_id: str
    selection: Selection
    files: list[Path]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Summarise the alert: counts only, no member data."""
        return f"Alert {self.alert_id}:\n{self.selection.summary()}"


def _new_alert_id() -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return f"A-{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def _check_output(output: str | os.PathLike[str]) -> Path:
    path = Path(output)
    if path.suffix.lower() != ".csv":
        msg = f"the recipient list is a CSV file; give an output ending in .csv, not {path.name!r}."
        raise InputError(msg)
    if not path.parent.exists():
        msg = f"the folder {path.parent} for the recipient list does not exist. Create it first."
        raise InputError(msg)
    return path


def _read(store: Any, **where: Any) -> MemberRows:
    names, rows, geoms = store.member_rows(**where)
    return MemberRows.from_rows(names, rows, geoms, store.stored_crs)


def _members_for(
    store: Any, area: shapely.Geometry | None, network_ids: list[str], nets: gpd.GeoDataFrame | None
) -> MemberRows:
    """Candidate members: through the R-tree for areas, plus members who joined the networks.

    Needs ``area`` or ``network_ids`` (send_alert checks); ``nets`` when there are ``network_ids``.
    """
    parts = []
    boxes = []
    if area is not None:
        boxes.append(area.bounds)
    if network_ids:
        chosen = nets[nets["network_id"].isin(network_ids)]
        boxes.extend(g.bounds for g in chosen.geometry)
    for box in boxes:
        parts.append(_read(store, bbox=box))
    for nid in network_ids:  # membership; the exact test is select_recipients'
        parts.append(_read(store, network=nid))
    return parts[0].join(*parts[1:])


def _reach(
    store: Any,
    make: Callable[[], shapely.Geometry],
    ids: list[str],
    nets: gpd.GeoDataFrame,
    network_rule: str,
    urgency: str,
) -> int:
    """Return the persons another reading of the area would reach (0 when it cannot be read)."""
    try:
        area = make()
    except (BingeoError, ValueError, shapely.errors.GEOSException):
        return 0
    if area is None or area.is_empty or not np.isfinite(area.bounds).all():
        return 0
    members = _members_for(store, area, ids, nets)
    sel = select_recipients(
        members, area=area, network_ids=ids or None, networks=nets, network_rule=network_rule, urgency=urgency
    )
    return len(sel._recipients)


def _log(
    store: Any,
    alert: str,
    action: str,
    sel: Selection,
    area: Any,
    operator: str | None,
    reason: str | None,
    urgency: str,
    selection: dict[str, Any],
    parent: str | None = None,
) -> None:
    member_ids: list[str] = []
    for rec in recipient_records(sel._recipients):
        member_ids.extend(str(rec["member_ids"]).split(";"))
    counts = {
        "recipients": len(sel._recipients),
        "per_channel": sel.per_channel,
        "per_network": sel.per_network,
        "excluded": sel.excluded,
    }
    store.append_audit(
        alert_id=alert,
        action=action,
        area=area,
        operator=operator,
        reason=reason,
        urgency=urgency,
        selection=selection,
        counts=counts,
        member_ids=member_ids,
        parent_alert_id=parent,
    )


def send_alert(
    store: Any,
    output: str | os.PathLike[str],
    *,
    area: shapely.Geometry | None = None,
    network_ids: list[str] | None = None,
    network_rule: str = NETWORK_RULE,
    urgency: str = URGENCY,
    operator: str | None = None,
    reason: str | None = None,
    coordinators: bool = False,
    alternatives: Mapping[str, Callable[[], shapely.Geometry]] | None = None,
) -> Alert:
    """Select recipients in ``area`` and/or ``network_ids``, export them to ``output``, log the selection.

    ``area`` is in the store's CRS (see :func:`bingeo.recipients.area_from_file` and
    :func:`bingeo.recipients.area_around`). With ``network_ids``, ``network_rule``
    says whether members count by membership, by location, or both (default).

    A selection that reaches nobody fails (:class:`~bingeo.errors.InputError`) with the reason
    (:func:`bingeo.recipients.why_nobody`: an empty store, the members there cannot be alerted, the area lies
    outside every network, ...): nothing is written or logged. ``alternatives`` are other readings of the
    input (label -> a function returning the area), tried only then: those that would reach someone are named
    (e.g. x and y swapped). Without them, the area with x and y swapped is tried.
    """
    path = _check_output(output)
    if area is None and not network_ids:
        msg = "say whom to alert: give an area (--area), a centre and radius (--around, --radius) or --network ids."
        raise InputError(msg)
    if area is not None and area.is_empty:
        msg = "the alert area is empty: nobody can be selected. Check the file or the radius."
        raise InputError(msg)
    ids = list(network_ids or [])
    nets = store.networks() if ids else None  # an alert by area alone reads no networks (unless nobody is reached)
    members = _members_for(store, area, ids, nets)
    sel = select_recipients(
        members,
        area=area,
        network_ids=ids or None,
        networks=nets,
        network_rule=network_rule,
        urgency=urgency,
    )
    if coordinators:
        # the coordinators of the networks touched may live anywhere: look for them among the candidates
        # plus those networks' members (the recipients cannot change: the added rows were outside the
        # candidate boxes, or already in them, so selecting once is enough)
        touched = sorted(set(sel.per_network) | set(ids))
        frame = members
        if touched:
            frame = members.join(*(_read(store, network=nid) for nid in touched))
        sel.coordinators = coordinator_records(frame, set(touched), urgency)
    if not len(sel._recipients):
        if nets is None:
            nets = store.networks()
        if alternatives is None and area is not None:
            alternatives = {"x and y swapped": functools.partial(shapely.transform, area, lambda xy: xy[:, ::-1])}
        reach = {
            label: _reach(store, make, ids, nets, network_rule, urgency) for label, make in (alternatives or {}).items()
        }
        msg = why_nobody(
            sel,
            members_in_store=len(store.members(columns=["member_id"])),
            area=area,
            network_ids=ids,
            networks=nets,
            alternatives=reach,
        )
        raise InputError(msg)
    files = write_recipients(sel, path)
    alert_id = _new_alert_id()
    selection = {"mode": "area" if area is not None else "network", "network_ids": ids, "network_rule": network_rule}
    try:
        _log(store, alert_id, "select", sel, area, operator, reason, urgency, selection)
    except BaseException:
        for f in files:
            Path(f).unlink(missing_ok=True)
        raise
    log.info("alert %s: %d recipients", alert_id, len(sel._recipients))
    return Alert(alert_id, sel, files)


def follow_up(
    store: Any,
    alert_id: str,
    output: str | os.PathLike[str],
    *,
    urgency: str = "normal",
    operator: str | None = None,
    reason: str | None = None,
) -> Alert:
    """Reach the same people as ``alert_id`` again (the afloopbericht), wherever they live now.

    MemberRows who left or withdrew consent since are excluded and counted.
    """
    path = _check_output(output)
    record = store.audit(alert_id)
    record = record[record["action"] == "select"]
    if record.empty:
        known = store.audit()["alert_id"].tolist()[-10:]
        msg = f"no alert with id {alert_id!r} in the audit log. Recent alerts: {', '.join(known) or '(none)'}."
        raise InputError(msg)
    ids = json.loads(record.iloc[0]["member_ids"])
    members = store.members()
    members = members[members["member_id"].isin(ids)]
    # the same people, not the same area: no spatial filter; everyone keeps their membership
    sel = select_recipients(members, member_ids=ids, urgency=urgency)
    if not len(sel.recipients):
        gone = len(set(ids)) - len(members)
        parts = [f"{n:,} {text}" for n, text in ((gone, "no longer in the store"),) if n > 0]
        parts += [f"{n:,} {k.replace('_', ' ')}" for k, n in sel.excluded.items() if n]
        msg = (
            f"The follow-up of {alert_id} reaches nobody: of the people it reached, "
            f"{', '.join(parts) or 'none is left'}. No recipient list was written and nothing was logged."
        )
        raise InputError(msg)
    files = write_recipients(sel, path)
    new_id = _new_alert_id()
    try:
        _log(store, new_id, "follow-up", sel, None, operator, reason, urgency, {"mode": "follow-up"}, parent=alert_id)
    except BaseException:
        for f in files:
            Path(f).unlink(missing_ok=True)
        raise
    return Alert(new_id, sel, files)
