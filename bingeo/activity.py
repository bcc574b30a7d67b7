"""Which networks are alive: per network per month, alerts, recipients, answers and members joined and left.

Counted from the store, counts only:

- *alerts* and *recipients*: the audit log's selections (``select`` and ``follow-up``) in the month of their
  creation (UTC); an alert counts in every network of its ``per_network`` counts (recipients by membership, as
  ``bingeo recipients`` counts them), with that network's recipients;
- *answers*: persons who answered an alert (matched answers of ``bingeo replies import``; a person answering
  twice counts once), in the alert's month, in each of the alert's networks the person is a member of;
- *answer_rate*: answers / recipients (empty without recipients);
- *members_joined*: persons whose registration in the network has a ``consent_date`` in the month (the day
  they signed up); *members_left*: registrations that ended (``left_on``) in the month.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bingeo._results import Result
from bingeo.errors import InputError
from bingeo.replies import REPLIES_TABLE
from bingeo.stores.plain_tables import PlainTables

__all__ = ["ACTIVITY_COLUMNS", "ALERT_ACTIONS", "POPUP_MONTHS", "Activity", "network_activity", "activity_popups"]

log = logging.getLogger(__name__)

#: Columns of the activity table.
ACTIVITY_COLUMNS = [
    "network_id",
    "month",
    "alerts",
    "recipients",
    "answers",
    "answer_rate",
    "members_joined",
    "members_left",
]
#: Audit actions that are alerts.
ALERT_ACTIONS = ("select", "follow-up")
#: Months the web map's network popups sum (the current month and those before it).
POPUP_MONTHS = 12


@dataclass
class Activity(Result):
    """Activity per network per month (:data:`ACTIVITY_COLUMNS`, one dict per row, by network then month)."""

    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Summarise the activity: counts only."""
        nets = len({r["network_id"] for r in self.rows})
        alerts = sum(r["alerts"] for r in self.rows)
        return "\n".join(
            [f"Activity of {nets:,} networks over {len({r['month'] for r in self.rows}):,} months ({alerts:,} alerts)."]
            + self.notes
        )

    def write(self, output: str | os.PathLike[str]) -> Path:
        """Write the rows to a CSV file."""
        path = Path(output)
        if path.suffix.lower() != ".csv":
            msg = f"the activity table is a CSV file; give an output ending in .csv, not {path.name!r}."
            raise InputError(msg)
        import pandas as pd

        from bingeo.readers.write import write_csv

        return write_csv(pd.DataFrame(self.rows, columns=ACTIVITY_COLUMNS), path)


def _tokens(text: Any) -> set[str]:
    return {t.strip() for t in str(text or "").split(";") if t.strip()}


def network_activity(store: Any) -> Activity:
    """Count alerts, recipients, answers and members joined and left per network per month.

    See the module's docstring for the rules. Only counts leave this function.

    Examples
    --------
    >>> import bingeo, tempfile, pathlib
    >>> with bingeo.open_store(pathlib.Path(tempfile.mkdtemp()) / "s.gpkg", create=True, crs=28992) as st:
    ...     network_activity(st).rows
    []
    """
    tables = PlainTables(store)
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    alert_nets: dict[str, tuple[str, set[str]]] = {}
    for alert_id, created, action, counts in tables.query(
        f"SELECT alert_id, created_at, action, counts FROM {tables.name('audit_log')}"
    ):
        if action not in ALERT_ACTIONS:
            continue
        month = str(created)[:7]
        per_network = json.loads(counts or "{}").get("per_network", {}) or {}
        alert_nets[alert_id] = (month, set(per_network))
        for nid, n in per_network.items():
            cells[(nid, month)]["alerts"] += 1
            cells[(nid, month)]["recipients"] += int(n)
    members = tables.query(
        f"SELECT member_id, person_id, networks, status, consent_date, left_on FROM {tables.name('members')}"
    )
    nets_of: dict[str, set[str]] = defaultdict(set)
    joined: dict[tuple[str, str], set[str]] = defaultdict(set)
    no_date = 0
    for mid, pid, nets, status, consent_date, left_on in members:
        person = pid or mid
        toks = _tokens(nets)
        nets_of[person] |= toks
        if consent_date:
            for nid in toks:
                joined[(nid, str(consent_date)[:7])].add(person)
        elif toks:
            no_date += 1
        if status == "left" and left_on:
            for nid in toks:
                cells[(nid, str(left_on)[:7])]["members_left"] += 1
    for key, persons in joined.items():
        cells[key]["members_joined"] += len(persons)
    answered: set[tuple[str, str]] = set()
    if tables.exists(REPLIES_TABLE):
        for alert_id, person in tables.query(
            f"SELECT alert_id, person_id FROM {tables.name(REPLIES_TABLE)} "
            "WHERE reason IS NULL AND person_id IS NOT NULL AND alert_id IS NOT NULL"
        ):
            answered.add((alert_id, person))
    outside = 0
    for alert_id, person in sorted(answered):
        if alert_id not in alert_nets:
            continue
        month, nets = alert_nets[alert_id]
        hit = nets & nets_of.get(person, set())
        outside += not hit
        for nid in hit:
            cells[(nid, month)]["answers"] += 1
    rows = []
    for (nid, month), c in sorted(cells.items()):
        rec = c.get("recipients", 0)
        rows.append(
            {
                "network_id": nid,
                "month": month,
                "alerts": c.get("alerts", 0),
                "recipients": rec,
                "answers": c.get("answers", 0),
                "answer_rate": round(c.get("answers", 0) / rec, 4) if rec else None,
                "members_joined": c.get("members_joined", 0),
                "members_left": c.get("members_left", 0),
            }
        )
    notes = []
    if no_date:
        notes.append(f"{no_date:,} member registrations have no consent date: not counted as joined in any month.")
    if outside:
        notes.append(f"{outside:,} answers came from persons who are no member of the alert's networks: not counted.")
    log.info("activity: %d network-months", len(rows))
    return Activity(rows, notes)


def activity_popups(
    store: Any, *, months: int = POPUP_MONTHS, today: dt.date | None = None
) -> dict[str, dict[str, Any]]:
    """Sum :func:`network_activity` over the last ``months`` months per network, for the web map's popups.

    Returns ``{network_id: {"alerts", "recipients", "answers", "answer_rate", "members_joined", "members_left"}}``.
    """
    day = today or dt.date.today()
    first = (day.year * 12 + day.month - 1) - (months - 1)
    start = f"{first // 12:04d}-{first % 12 + 1:02d}"
    end = f"{day:%Y-%m}"
    out: dict[str, dict[str, Any]] = {}
    for r in network_activity(store).rows:
        if not start <= r["month"] <= end:
            continue
        s = out.setdefault(
            r["network_id"],
            {"alerts": 0, "recipients": 0, "answers": 0, "answer_rate": None, "members_joined": 0, "members_left": 0},
        )
        for k in ("alerts", "recipients", "answers", "members_joined", "members_left"):
            s[k] += r[k]
    for s in out.values():
        s["answer_rate"] = round(s["answers"] / s["recipients"], 4) if s["recipients"] else None
    return out
