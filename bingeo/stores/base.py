"""The store interface shared by the GeoPackage (embedded) and PostGIS (server) backends.

A store holds the registry of networks (with their history), and later the
members, address points and the audit log. Each backend implements a handful
of primitives inside a transaction; the logic that decides what an import
changes lives here once, so that both backends behave identically.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from bingeo._errors import ConflictError, InputError

__all__ = ["Store", "ImportReport", "NETWORK_FIELDS", "KINDS", "STATUSES"]

log = logging.getLogger(__name__)

KINDS = ("bin", "zbin", "whatsapp")
STATUSES = ("active", "retired")

#: Columns of the ``networks`` and ``network_history`` tables, besides ``fid`` and ``geom``.
#: (name, GeoPackage SQL declaration). Dates are ISO ``YYYY-MM-DD`` text.
NETWORK_FIELDS: list[tuple[str, str]] = [
    ("network_id", "TEXT NOT NULL"),
    ("name", "TEXT"),
    ("kind", "TEXT NOT NULL"),
    ("municipality", "TEXT"),
    ("police_zone", "TEXT"),
    ("founded", "DATE"),
    ("status", "TEXT NOT NULL"),
    ("valid_from", "DATE"),
    ("valid_to", "DATE"),
    ("version", "INTEGER NOT NULL"),
    ("version_from", "DATE"),
    ("version_to", "DATE"),
    ("area_m2", "REAL"),
    ("source", "TEXT"),
    ("repair_note", "TEXT"),
    ("attributes", "TEXT"),
    ("updated_at", "DATETIME"),
]
NETWORK_COLUMNS = [name for name, _ in NETWORK_FIELDS]
_COMPARED = ["name", "kind", "municipality", "police_zone", "founded", "status", "valid_from", "valid_to", "attributes"]


@dataclass
class ImportReport:
    """What an import of networks changed in the store."""

    source: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    not_in_source: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One paragraph for people: counts and what to look at."""
        parts = [
            f"Imported {len(self.added) + len(self.updated) + len(self.unchanged)} networks from {self.source}: "
            f"{len(self.added)} added, {len(self.updated)} updated (previous versions kept in history), "
            f"{len(self.unchanged)} unchanged, {len(self.retired)} retired."
        ]
        if self.not_in_source:
            parts.append(
                f"{len(self.not_in_source)} active networks in the store are not in this source and were left as they are "
                "(retire them with `bingeo networks retire ID --on DATE`)."
            )
        if self.repairs:
            parts.append(f"{len(self.repairs)} invalid geometries were repaired with make_valid:")
            parts.extend(f"  - {r}" for r in self.repairs)
        parts.extend(self.notes)
        return "\n".join(parts)


def _now() -> str:
    """UTC timestamp in the GeoPackage DATETIME format (``YYYY-MM-DDTHH:MM:SS.SSSZ``)."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def as_multipolygon(geom: shapely.Geometry) -> shapely.Geometry:
    """Polygons become one-part MultiPolygons, so every stored boundary has one type."""
    if geom is not None and geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    return geom


def _today() -> dt.date:
    return dt.date.today()


def iso_date(value: Any) -> str | None:
    """Format a date or timestamp as ISO ``YYYY-MM-DD`` text (text is only stripped); None when missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


class Store(ABC):
    """A bingeo store: one CRS, a registry of networks with history.

    Open one with :func:`bingeo.open_store`. Stores are context managers.
    """

    crs: pyproj.CRS
    location: str

    # ---- primitives each backend implements ------------------------------------------
    @contextmanager
    @abstractmethod
    def _write(self, tables: tuple[str, ...] = ("networks", "network_history")) -> Iterator[Any]:
        """Run the body in one all-or-nothing write transaction; yields a cursor-like handle.

        ``tables`` are the layers the body writes (a backend may refresh their extents).
        """

    @abstractmethod
    def _select_networks(
        self, table: str, where: str = "", params: tuple[Any, ...] = (), *, handle: Any = None
    ) -> gpd.GeoDataFrame:
        """Rows of ``networks`` or ``network_history`` as a GeoDataFrame (geometry column ``geometry``)."""

    @abstractmethod
    def _insert_network(self, handle: Any, table: str, record: dict[str, Any], geom: shapely.Geometry) -> None:
        """Insert one row."""

    @abstractmethod
    def _update_network(
        self, handle: Any, record: dict[str, Any], geom: shapely.Geometry, expected_version: int
    ) -> int:
        """Replace the current row of ``record['network_id']`` if its version is ``expected_version``; rowcount."""

    @abstractmethod
    def _sync_validity(self, handle: Any, network_id: str, valid_from: str | None, valid_to: str | None) -> None:
        """Give every history row of a network the lifetime of its current row."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    def __enter__(self) -> Store:  # noqa: D105
        return self

    def __exit__(self, *exc: object) -> None:  # noqa: D105
        self.close()

    def __repr__(self) -> str:  # noqa: D105
        epsg = self.crs.to_epsg()
        return f"<{type(self).__name__} {self.location} EPSG:{epsg}>"

    # ---- reading ---------------------------------------------------------------------
    def networks(self, *, at: dt.date | str | None = None, include_retired: bool = False) -> gpd.GeoDataFrame:
        """Networks as a GeoDataFrame in the store's CRS, with a ``network_id`` column.

        Parameters
        ----------
        at : date or ISO string, optional
            The networks that existed on that date, with the boundary they had then
            (older versions come from the history). Default: today's active networks.
        include_retired : bool, default False
            With ``at=None``: also list retired networks (their latest version).
        """
        if at is None:
            where = "" if include_retired else "WHERE status = 'active' AND (valid_to IS NULL OR valid_to > ?)"
            params: tuple[Any, ...] = () if include_retired else (_today().isoformat(),)
            gdf = self._select_networks("networks", where, params)
        else:
            day = iso_date(at if not isinstance(at, str) else dt.date.fromisoformat(at))
            where = (
                "WHERE (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to > ?) "
                "AND (version_from IS NULL OR version_from <= ?) AND (version_to IS NULL OR version_to > ?)"
            )
            params = (day, day, day, day)
            cur = self._select_networks("networks", where, params)
            old = self._select_networks("network_history", where, params)
            gdf = pd.concat([cur, old], ignore_index=True) if len(old) else cur
            gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=self.crs)
            gdf["status"] = "active"
        return gdf.sort_values("network_id", kind="stable").reset_index(drop=True)

    def network_history(self, network_id: str | None = None) -> gpd.GeoDataFrame:
        """Every version of every network (or of one), oldest first."""
        where, params = ("WHERE network_id = ?", (network_id,)) if network_id else ("", ())
        cur = self._select_networks("networks", where, params)
        old = self._select_networks("network_history", where, params)
        gdf = gpd.GeoDataFrame(pd.concat([old, cur], ignore_index=True), geometry="geometry", crs=self.crs)
        return gdf.sort_values(["network_id", "version"], kind="stable").reset_index(drop=True)

    def extent(self) -> tuple[float, float, float, float] | None:
        """Bounds of all networks ever stored (minx, miny, maxx, maxy), or None when empty."""
        gdf = self._select_networks("networks")
        if gdf.empty:
            return None
        return tuple(float(v) for v in gdf.total_bounds)  # type: ignore[return-value]

    # ---- writing ---------------------------------------------------------------------
    def import_networks(
        self, networks: gpd.GeoDataFrame, *, source: str, effective: dt.date | None = None
    ) -> ImportReport:
        """Add or update networks from a normalised GeoDataFrame, all or nothing.

        ``networks`` must already be in the store's CRS with the columns of
        :data:`NETWORK_COLUMNS` that :func:`bingeo.registry.networks_from_file`
        produces. A network whose boundary or attributes changed gets a new
        version effective on ``effective`` (default today); the previous version
        moves to ``network_history``. Unchanged networks are left alone.
        """
        effective = effective or _today()
        report = ImportReport(source=source)
        incoming_ids = set(networks["network_id"])
        now = _now()
        with self._write() as h:
            current = self._select_networks("networks", "", (), handle=h)
            by_id = {row.network_id: row for row in current.itertuples(index=False)}
            for rec in networks.to_dict("records"):
                geom = rec.pop("geometry")
                rec = {k: rec.get(k) for k in NETWORK_COLUMNS if k in rec}
                for k in ("founded", "valid_from", "valid_to"):
                    rec[k] = iso_date(rec.get(k))
                if rec.get("valid_to") and rec["valid_to"] <= effective.isoformat():
                    rec["status"] = "retired"
                rec["source"] = source
                rec["updated_at"] = now
                old = by_id.get(rec["network_id"])
                if old is None:
                    rec.update(version=1, version_from=None, version_to=None)
                    self._insert_network(h, "networks", rec, geom)
                    report.added.append(rec["network_id"])
                    continue
                geom = as_multipolygon(geom)
                same_geom = bool(shapely.equals_exact(shapely.normalize(old.geometry), shapely.normalize(geom), 1e-7))
                same_attrs = all(_norm(getattr(old, k)) == _norm(rec.get(k)) for k in _COMPARED)
                if same_geom and same_attrs:
                    report.unchanged.append(rec["network_id"])
                    continue
                if same_geom and all(
                    _norm(getattr(old, k)) == _norm(rec.get(k)) for k in _COMPARED[:5] + ["attributes"]
                ):
                    # only the lifetime/status changed: same version of the boundary, updated in place
                    rec.update(version=int(old.version) + 1, version_from=old.version_from, version_to=None)
                    self._replace_current(h, rec, geom, int(old.version))
                else:
                    self._supersede(h, old, rec, geom, effective, now)
                (report.retired if rec["status"] == "retired" and old.status != "retired" else report.updated).append(
                    rec["network_id"]
                )
        report.not_in_source = sorted(
            nid for nid, row in by_id.items() if nid not in incoming_ids and row.status == "active"
        )
        log.info(
            "import of %s: %d added, %d updated, %d unchanged",
            source,
            len(report.added),
            len(report.updated),
            len(report.unchanged),
        )
        return report

    def _supersede(
        self, h: Any, old: Any, rec: dict[str, Any], geom: shapely.Geometry, effective: dt.date, now: str
    ) -> None:
        hist = {k: getattr(old, k) for k in NETWORK_COLUMNS}
        hist["version_to"] = effective.isoformat()
        self._insert_network(h, "network_history", hist, old.geometry)
        rec.update(version=int(old.version) + 1, version_from=effective.isoformat(), version_to=None)
        self._replace_current(h, rec, geom, int(old.version))

    def _replace_current(self, h: Any, rec: dict[str, Any], geom: shapely.Geometry, expected: int) -> None:
        if self._update_network(h, rec, geom, expected) != 1:
            msg = (
                f"network {rec['network_id']!r} was changed by someone else meanwhile "
                f"(expected version {expected}). Nothing was written: reload and try again."
            )
            raise ConflictError(msg)
        # The lifetime (founded .. retired) belongs to the network, not to one version.
        self._sync_validity(h, rec["network_id"], rec.get("valid_from"), rec.get("valid_to"))

    def retire_network(
        self, network_id: str, *, on: dt.date | str, expected_version: int | None = None
    ) -> gpd.GeoDataFrame:
        """Retire a network from date ``on``; it is never deleted.

        Analyses "as of" a date before ``on`` still see it. ``expected_version``
        guards against overwriting a change someone else made since you read it.
        """
        day = on if isinstance(on, dt.date) else dt.date.fromisoformat(str(on))
        now = _now()
        with self._write() as h:
            cur = self._select_networks("networks", "WHERE network_id = ?", (network_id,), handle=h)
            if cur.empty:
                known = self._select_networks("networks", "", (), handle=h)["network_id"].tolist()
                msg = f"no network with id {network_id!r} in {self.location}. Known ids: {_clip(known)}"
                raise InputError(msg)
            old = next(cur.itertuples(index=False))
            if expected_version is not None and int(old.version) != expected_version:
                msg = (
                    f"network {network_id!r} is at version {old.version}, not {expected_version}: "
                    "someone changed it since you read it. Reload and try again."
                )
                raise ConflictError(msg)
            if old.status == "retired" and old.valid_to == day.isoformat():
                return cur
            rec = {k: getattr(old, k) for k in NETWORK_COLUMNS}
            rec.update(status="retired", valid_to=day.isoformat(), updated_at=now, version=int(old.version) + 1)
            self._replace_current(h, rec, old.geometry, int(old.version))
        log.info("retired network %s on %s", network_id, day)
        return self._select_networks("networks", "WHERE network_id = ?", (network_id,))


def _norm(v: Any) -> Any:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, str):
        return v.strip() or None
    return v


def _clip(items: list[str], n: int = 20) -> str:
    shown = ", ".join(map(str, items[:n]))
    return shown + (f", … ({len(items) - n} more)" if len(items) > n else "") if items else "(none)"


def attributes_json(row: dict[str, Any]) -> str | None:
    """Serialise extra source attributes as JSON text (dates as ISO strings)."""
    clean = {k: (iso_date(v) if isinstance(v, (dt.date, pd.Timestamp)) else v) for k, v in row.items()}
    clean = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in clean.items()}
    if not clean:
        return None
    return json.dumps(clean, ensure_ascii=False, sort_keys=True, default=str)
