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
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from bingeo._arrow_dates import iso_arrow
from bingeo._crs import StoredCRS
from bingeo._results import Result
from bingeo.errors import ConflictError, InputError, StoreError

if TYPE_CHECKING:  # pandas, geopandas and pyproj are imported where used: a recipient selection needs none
    import geopandas as gpd
    import pandas as pd
    import pyproj

__all__ = [
    "Store",
    "ImportReport",
    "NETWORK_FIELDS",
    "MEMBER_FIELDS",
    "ADDRESS_FIELDS",
    "AUDIT_FIELDS",
    "KINDS",
    "STATUSES",
]

log = logging.getLogger(__name__)

#: Point-table query parts for :meth:`Store._select_points`: (column, type) pairs, a bounding box, SQL parameters.
Fields = list[tuple[str, str]]
BBox = tuple[float, float, float, float]
Params = tuple[Any, ...]

#: Grid cells along the median network's bounding box in the stored index (finer than a one-off
#: build, which must repay its build time in one call; see :func:`bingeo._pip._cells_per_side`).
#: Measured on 10,000 networks and 1 M points: 20 → 28 locates 20 % faster for 55 % more bytes to read
#: (31 MB) and twice the one-off build (1.6 s); 34 gains 4 % more for 30 % more bytes.
INDEX_CELLS_PER_SIDE = 28.0
#: The stored index table (GeoPackage: an ``attributes`` table; PostGIS: a table in the store's schema).
INDEX_TABLE = "bingeo_network_index"
#: How many indexes (for different dates or selections of networks) a store keeps.
INDEX_KEEP = 4

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

#: Columns of the ``members`` layer (besides fid, geom). Personal data: only recipient exports show them.
MEMBER_FIELDS: list[tuple[str, str]] = [
    ("member_id", "TEXT NOT NULL"),
    ("person_id", "TEXT"),
    ("name", "TEXT"),
    ("email", "TEXT"),
    ("phone", "TEXT"),
    ("phone_kind", "TEXT"),
    ("channels", "TEXT"),
    ("consent", "BOOLEAN NOT NULL"),
    ("consent_date", "DATE"),
    ("role", "TEXT NOT NULL"),
    ("networks", "TEXT"),
    ("address_ref", "TEXT"),
    ("located_by", "TEXT"),
    ("status", "TEXT NOT NULL"),
    ("left_on", "DATE"),
    ("version", "INTEGER NOT NULL"),
    ("updated_at", "DATETIME"),
]
#: Postcodes asked for in one query by :meth:`Store.addresses` (under every backend's limit of parameters).
POSTCODES_PER_QUERY = 5_000
#: From this many postcodes, and :data:`POSTCODES_SCAN_SHARE` of the layer's rows, :meth:`Store.addresses` reads
#: the whole layer in one pass and keeps the rows with one of them (the same rows): a lookup per postcode reads
#: the layer's pages in random order, which costs more than reading them all once it visits a large share.
POSTCODES_SCAN = 20_000
#: See :data:`POSTCODES_SCAN`.
POSTCODES_SCAN_SHARE = 0.25
#: Columns of the ``addresses`` layer.
ADDRESS_FIELDS: list[tuple[str, str]] = [
    ("address_id", "TEXT NOT NULL"),
    ("street", "TEXT"),
    ("house_number", "INTEGER"),
    ("house_letter", "TEXT"),
    ("addition", "TEXT"),
    ("postcode", "TEXT"),
    ("city", "TEXT"),
    ("households", "INTEGER"),
    ("updated_at", "DATETIME"),
]
#: Columns of the append-only ``audit_log`` layer (geometry: the alert area).
AUDIT_FIELDS: list[tuple[str, str]] = [
    ("alert_id", "TEXT NOT NULL"),
    ("created_at", "DATETIME NOT NULL"),
    ("action", "TEXT NOT NULL"),
    ("parent_alert_id", "TEXT"),
    ("operator", "TEXT"),
    ("reason", "TEXT"),
    ("urgency", "TEXT"),
    ("selection", "TEXT"),
    ("counts", "TEXT"),
    ("member_ids", "TEXT"),
]
#: Every table of a store: (name, fields, key column, geometry type).
TABLES: dict[str, tuple[list[tuple[str, str]], str, str]] = {
    "networks": (NETWORK_FIELDS, "network_id", "MULTIPOLYGON"),
    "network_history": (NETWORK_FIELDS, "network_id", "MULTIPOLYGON"),
    "members": (MEMBER_FIELDS, "member_id", "POINT"),
    "addresses": (ADDRESS_FIELDS, "address_id", "POINT"),
    "audit_log": (AUDIT_FIELDS, "alert_id", "MULTIPOLYGON"),
}
_COMPARED = ["name", "kind", "municipality", "police_zone", "founded", "status", "valid_from", "valid_to", "attributes"]


@dataclass
class ImportReport(Result):
    """What an import of networks changed in the store."""

    source: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    not_in_source: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Features of the source that could not become a network, with ``reject_reason`` and ``reject_detail``.
    rejects: pd.DataFrame = field(default_factory=lambda: _frame())
    #: Networks the source would have un-retired: retired in the store, left retired (``bingeo networks reactivate``).
    kept_retired: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One paragraph for people: counts and what to look at."""
        parts = [
            f"Imported {len(self.added) + len(self.updated) + len(self.unchanged)} networks from {self.source}: "
            f"{len(self.added)} added, {len(self.updated)} updated (previous versions kept in history), "
            f"{len(self.unchanged)} unchanged, {len(self.retired)} retired."
        ]
        if self.not_in_source:
            parts.append(
                f"{len(self.not_in_source)} active networks in the store are not in this source and were left "
                "as they are (retire them with `bingeo networks retire ID --on DATE`)."
            )
        if self.kept_retired:
            parts.append(
                f"{len(self.kept_retired)} network(s) in the source are retired in the store and stay retired "
                f"({', '.join(self.kept_retired[:10])}{', …' if len(self.kept_retired) > 10 else ''}); "
                "bring one back with `bingeo networks reactivate ID`."
            )
        if self.repairs:
            parts.append(f"{len(self.repairs)} invalid geometries were repaired with make_valid:")
            parts.extend(f"  - {r}" for r in self.repairs)
        if len(self.rejects):
            parts.append("Features not imported (in the rejects file, with the reason):")
            parts.extend(
                f"  - feature {r.feature} (id {r.network_id}): {r.reject_detail}"
                for r in self.rejects.head(20).itertuples()
            )
        parts.extend(self.notes)
        return "\n".join(parts)


def _frame() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame()


def _isin(column: pd.Series, texts: list[str]) -> np.ndarray:
    """Return ``column.isin(texts)`` as a numpy array: an Arrow text column in one hash lookup.

    pandas' ``isin`` of an Arrow column makes a scalar of each value first (~6 s for 600,000 postcodes).
    """
    arrow = getattr(column.array, "_pa_array", None)
    if arrow is not None and str(arrow.type) in ("string", "large_string") and all(type(t) is str for t in texts):
        import pyarrow as pa
        import pyarrow.compute as pc

        found = pc.is_in(arrow, value_set=pa.array(texts, type=arrow.type))
        return pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    return column.isin(texts).to_numpy(dtype=bool)


def _all_distinct(column: pd.Series) -> bool:
    """Whether no value of ``column`` is repeated; missing values count as equal, as in ``duplicated``.

    An Arrow text column by one hash pass (pandas' ``duplicated`` factorizes it first, ~10x slower).
    """
    arrow = getattr(column.array, "_pa_array", None)
    if arrow is not None and str(arrow.type) in ("string", "large_string"):
        import pyarrow.compute as pc

        return len(pc.unique(arrow)) == len(arrow)
    return not column.duplicated().any()


def _is_nat(value: Any) -> bool:
    """Whether ``value`` is ``pandas.NaT`` (told by its type: this module does not import pandas)."""
    return type(value).__name__ == "NaTType"


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


def plain_value(value: Any) -> Any:
    """Return a value a database driver binds: None for missing (None, NaT, NaN), Python scalars for numpy."""
    if value is None or _is_nat(value) or type(value).__name__ == "NAType":  # pandas.NA of Arrow text too
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def iso_date(value: Any) -> str | None:
    """Format a date or timestamp as ISO ``YYYY-MM-DD`` text (text is only stripped); None when missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or _is_nat(value):
        return None
    if isinstance(value, dt.datetime):  # pandas.Timestamp too
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _iso_dates(column: pd.Series, *, arrow: bool = False) -> Any:
    """Return :func:`iso_date` of each value; a naive datetime column a column at a time (:func:`iso_arrow`).

    A list; with ``arrow``, a naive datetime column's dates as the Arrow array :func:`iso_arrow` makes.
    """
    if column.dtype.kind == "M":
        missing = column.isna().to_numpy()
        if missing.all() and not arrow:  # no date at all (a list without the column): nothing to format
            return [None] * len(missing)
        texts = iso_arrow(column, days=True)  # the day of each, floored as the date of a timestamp is
        if texts is not None:
            return texts if arrow else texts.to_numpy(zero_copy_only=False).tolist()
        texts = column.dt.strftime("%Y-%m-%d").tolist()  # aware, or a year outside 1000 … 9999
        return [None if gone else t for t, gone in zip(texts, missing.tolist())]
    return [iso_date(v) for v in column.astype(object)]


class Store(ABC):
    """A bingeo store: one CRS, a registry of networks with history.

    Open one with :func:`bingeo.open_store`. Stores are context managers.
    """

    location: str
    #: Whether :meth:`_prepare_points` hands the dates on as Arrow text (missing: ``pandas.NA``), not str/None.
    _arrow_dates = False
    #: Whether :meth:`_upsert_points` tells repeated keys (:meth:`_check_keys`) itself, before it writes anything.
    _keys_checked_beside = False
    #: The store's CRS as stored (its EPSG code); :attr:`crs` is the same as a ``pyproj.CRS``.
    stored_crs: StoredCRS

    @property
    def crs(self) -> pyproj.CRS:
        """The store's CRS (a ``pyproj.CRS``, made on first use from :attr:`stored_crs`)."""
        return self.stored_crs.resolve()

    @crs.setter
    def crs(self, value: pyproj.CRS) -> None:
        self.stored_crs = StoredCRS(crs=value)

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
        """Give the history rows of a network's current life its lifetime (``valid_from``, ``valid_to``).

        Rows of an earlier life (retired on or before ``valid_from``, the day of a reactivation) keep
        their own retirement.
        """

    @abstractmethod
    def _upsert_points(
        self,
        table: str,
        fields: list[tuple[str, str]],
        key: str,
        frame: gpd.GeoDataFrame,
        cols: list[str],
        memo: pd.DataFrame | None = None,
    ) -> dict[str, int]:
        """Insert or update rows of a point table by ``key``, all or nothing; counts added/updated/unchanged.

        ``frame`` is in the store's CRS and holds ``cols`` (``key`` among them). A row is unchanged when
        every column in ``cols`` and the geometry (WKB) are equal; an updated row gets ``version + 1``
        (when the table has one) and ``updated_at``. ``memo`` (members only, a backend with
        :meth:`member_memo`): ``digest`` and ``tallies`` of each row of ``frame``, remembered in the same
        transaction.
        """

    def member_memo(self) -> tuple[str, pd.DataFrame] | None:
        """Return what the last member imports remember, or None when this backend remembers nothing.

        A fingerprint of the address register (members located by address depend on it) and, for each
        member that has not changed since an import wrote or compared it, the ``digest`` of its source row,
        its ``consent`` and ``tallies`` (the row's counts of notes, ``key=n;...``, or None). See
        :func:`bingeo.import_members`.
        """
        return None

    @abstractmethod
    def _select_points(
        self, table: str, fields: Fields, bbox: BBox | None, where: str, params: Params
    ) -> gpd.GeoDataFrame:
        """Rows of ``table`` (alias ``t``) whose bounding box meets ``bbox``, filtered by ``where`` (``?`` marks)."""

    @abstractmethod
    def _insert_audit(self, record: dict[str, Any], geom: shapely.Geometry | None) -> None:
        """Insert one audit record in its own transaction; ConflictError when the alert id exists."""

    @abstractmethod
    def _copy_rows(self, handle: Any, table: str, frame: gpd.GeoDataFrame) -> None:
        """Insert rows exactly as given (every column of the table's fields; used by store copy)."""

    def count(self, table: str) -> int:
        """Rows in ``table`` (one of networks, network_history, members, addresses, audit_log)."""
        return self._count(table)

    @abstractmethod
    def _count(self, table: str) -> int:
        """Return the number of rows of one of the store's tables (see :data:`TABLES`), without reading them."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    # ---- the stored grid index of the networks (a cache: any failure means a fresh build) ----
    def _load_index(self, key: str) -> bytes | None:
        """Return the index saved under ``key`` (see :meth:`network_locator`), or None."""
        return None

    def _save_index(self, key: str, data: bytes) -> bool:
        """Save an index under ``key``, keeping the few most recent ones; False when it could not."""
        return False

    def _clear_index(self, handle: Any) -> None:
        """Drop every saved index, inside the write transaction ``handle`` that changes networks."""

    def network_locator(self, polygons: Any, *, key: str | None = None) -> Any:
        """Return the point locator of ``polygons`` (network boundaries in the store's CRS), from the store.

        The grid index is looked up under a fingerprint of the polygons (every coordinate, in order),
        the store's CRS and :data:`INDEX_CELLS_PER_SIDE`; when it is missing, damaged or of an older
        format it is built and saved (a store that cannot be written, e.g. a read-only file or a role
        without rights, just builds it each time). :func:`bingeo.assign` calls this with ``store=``.
        ``key``: :meth:`network_index_key` of ``polygons`` when the caller has it already.
        """
        geoms = np.asarray(polygons, dtype=object)
        return self._locator(self.network_index_key(geoms) if key is None else key, geoms)

    def network_index_key(self, polygons: Any) -> str:
        """Return the key of the stored grid index of ``polygons`` (see :meth:`network_locator`)."""
        from bingeo._pip import fingerprint

        return fingerprint(polygons, salt=f"{self.crs.to_wkt()} cells_per_side={INDEX_CELLS_PER_SIDE}")

    def _locator(self, key: str, geoms: np.ndarray) -> Any:
        from bingeo._pip import IndexFormatError, PolygonLocator

        try:
            data = self._load_index(key)
        except StoreError as exc:
            log.info("the network index of %s cannot be read (%s): building it", self.location, exc)
            data = None
        if data is not None:
            try:
                loc = PolygonLocator.from_bytes(data, geoms, key=key)
            except IndexFormatError as exc:
                log.warning("the network index stored in %s is not usable (%s): rebuilding it", self.location, exc)
            else:
                log.info("network index of %d networks read from %s", len(geoms), self.location)
                return loc
        loc = PolygonLocator(geoms, cells_per_side=INDEX_CELLS_PER_SIDE)
        if loc.mode == "grid":
            saved = self._save_index(key, loc.to_bytes(key))
            log.info(
                "network index of %d networks built%s",
                len(geoms),
                f" and saved in {self.location}" if saved else f" (not saved: {self.location} cannot be written)",
            )
        return loc

    def discard(self) -> None:
        """Remove this store, which this process has just created (its first import failed); closes it."""
        raise NotImplementedError

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
        import geopandas as gpd
        import pandas as pd

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
        import geopandas as gpd
        import pandas as pd

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
                # The lifetime belongs to the network: a source never un-retires it or moves its retirement
                # (`networks reactivate` does), and a reactivated network's current life keeps its start.
                if _norm(old.valid_to) is not None:
                    if (_norm(rec.get("valid_to")), rec["status"]) != (_norm(old.valid_to), old.status):
                        report.kept_retired.append(rec["network_id"])
                    rec["valid_to"], rec["status"] = old.valid_to, old.status
                if _norm(old.valid_from) != _norm(old.founded):
                    rec["valid_from"] = old.valid_from
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
            if report.added or report.updated or report.retired:
                self._clear_index(h)
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

    def _current_row(self, h: Any, network_id: str, expected_version: int | None) -> tuple[gpd.GeoDataFrame, Any]:
        """Return the current row of a network (frame, tuple); errors for an unknown id or a stale version."""
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
        return cur, old

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
            cur, old = self._current_row(h, network_id, expected_version)
            if old.status == "retired" and old.valid_to == day.isoformat():
                return cur
            rec = {k: getattr(old, k) for k in NETWORK_COLUMNS}
            rec.update(status="retired", valid_to=day.isoformat(), updated_at=now, version=int(old.version) + 1)
            self._replace_current(h, rec, old.geometry, int(old.version))
            self._clear_index(h)
        log.info("retired network %s on %s", network_id, day)
        return self._select_networks("networks", "WHERE network_id = ?", (network_id,))

    def reactivate_network(
        self, network_id: str, *, on: dt.date | str | None = None, expected_version: int | None = None
    ) -> gpd.GeoDataFrame:
        """Bring a retired network back from date ``on`` (default today); its retirement stays in the history.

        The retired version moves to ``network_history`` (``version_to`` = ``on``) and a new current
        version starts on ``on``, so analyses "as of" a date between the retirement and ``on`` do not
        see the network. A retirement that has not started yet by ``on`` is simply cancelled.
        """
        day = _today() if on is None else (on if isinstance(on, dt.date) else dt.date.fromisoformat(str(on)))
        now = _now()
        with self._write() as h:
            cur, old = self._current_row(h, network_id, expected_version)
            retired_on = _norm(old.valid_to)
            if retired_on is None:
                msg = f"network {network_id!r} is not retired: there is nothing to reactivate."
                raise InputError(msg)
            rec = {k: getattr(old, k) for k in NETWORK_COLUMNS}
            rec.update(status="active", valid_to=None, updated_at=now, version=int(old.version) + 1)
            if day.isoformat() <= str(retired_on):  # not retired yet on that day: cancel the retirement
                rec.update(version_to=None)
                self._replace_current(h, rec, old.geometry, int(old.version))
            else:  # a new life from `day`; the retired version is kept as it was
                hist = {k: getattr(old, k) for k in NETWORK_COLUMNS}
                hist["version_to"] = day.isoformat()
                self._insert_network(h, "network_history", hist, old.geometry)
                rec.update(valid_from=day.isoformat(), version_from=day.isoformat(), version_to=None)
                self._replace_current(h, rec, old.geometry, int(old.version))
            self._clear_index(h)
        log.info("reactivated network %s on %s", network_id, day)
        return self._select_networks("networks", "WHERE network_id = ?", (network_id,))

    # ---- members, addresses, audit ------------------------------------------------------
    def _prepare_points(
        self, table: str, fields: list[tuple[str, str]], key: str, frame: gpd.GeoDataFrame
    ) -> tuple[gpd.GeoDataFrame, list[str]]:
        cols = [c for c, _ in fields if c not in ("version", "updated_at") and c in frame.columns]
        if key not in cols:
            msg = f"the {table} to store need a {key!r} column."
            raise StoreError(msg)
        if not self._keys_checked_beside:
            self._check_keys(table, key, frame)
        if frame.crs is not None and not frame.crs.equals(self.crs):
            frame = frame.to_crs(self.crs)
        dates = [c for c, decl in fields if decl.startswith("DATE ") or decl == "DATE"]
        if any(c in cols for c in dates):
            frame = frame.copy()
            for c in dates:
                if c in cols:
                    texts = _iso_dates(frame[c], arrow=self._arrow_dates)
                    if not isinstance(texts, list):  # Arrow text: no str object per row
                        import pandas as pd

                        texts = pd.Series(pd.arrays.ArrowExtensionArray(texts), index=frame.index)
                    frame[c] = texts
        return frame, cols

    def _check_keys(self, table: str, key: str, frame: gpd.GeoDataFrame) -> None:
        """Raise :class:`StoreError` when a ``key`` value of ``frame`` is repeated."""
        if not _all_distinct(frame[key]):
            dup = frame[key].duplicated()
            msg = f"the {table} to store hold {int(dup.sum())} repeated {key!r} values; each must be unique."
            raise StoreError(msg)

    def upsert_members(self, members: gpd.GeoDataFrame, *, memo: pd.DataFrame | None = None) -> dict[str, int]:
        """Add or update members by ``member_id``, all or nothing; returns counts (no member data).

        ``memo``: ``digest`` and ``tallies`` per row of ``members`` that :meth:`member_memo` returns later
        (ignored by a backend without one).
        """
        frame, cols = self._prepare_points("members", MEMBER_FIELDS, "member_id", members)
        counts = self._upsert_points("members", MEMBER_FIELDS, "member_id", frame, cols, memo)
        log.info("members: %d added, %d updated, %d unchanged", counts["added"], counts["updated"], counts["unchanged"])
        return counts

    def members(
        self,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        network: str | None = None,
        columns: list[str] | None = None,
    ) -> gpd.GeoDataFrame:
        """Read members: all, or those in ``bbox`` (spatial index), or those whose ``networks`` mention ``network``.

        ``network`` gives a superset (ids are ';'-joined): callers test membership exactly.
        ``columns`` reads only those member columns (plus the geometry): faster, and what
        does not need contacts (a map's member counts) never loads them.
        """
        fields = MEMBER_FIELDS
        if columns is not None:
            known = {c for c, _ in MEMBER_FIELDS}
            unknown = [c for c in columns if c not in known]
            if unknown:
                msg = f"unknown member column(s) {', '.join(map(repr, unknown))}; known: {', '.join(sorted(known))}."
                raise InputError(msg)
            fields = [f for f in MEMBER_FIELDS if f[0] in columns]
        where, params = ("t.networks LIKE ?", (f"%{network}%",)) if network is not None else ("", ())
        return self._select_points("members", fields, bbox, where, params)

    def member_rows(
        self, *, bbox: tuple[float, float, float, float] | None = None, network: str | None = None
    ) -> tuple[list[str], list[tuple[Any, ...]], np.ndarray]:
        """Read members as plain rows: the column names, a tuple of values per member and the point geometries.

        The rows and order of :meth:`members` (``consent`` a bool), without building a frame: what a
        recipient selection reads, so that ``bingeo recipients`` starts without pandas.
        """
        where, params = ("t.networks LIKE ?", (f"%{network}%",)) if network is not None else ("", ())
        rows, geoms = self._select_rows("members", MEMBER_FIELDS, bbox, where, params)
        cols = [c for c, _ in MEMBER_FIELDS]
        k = cols.index("consent")
        return cols, [(*r[:k], bool(r[k]), *r[k + 1 :]) for r in rows], geoms

    def _select_rows(
        self, table: str, fields: Fields, bbox: BBox | None, where: str, params: Params
    ) -> tuple[list[tuple[Any, ...]], np.ndarray]:
        """Rows of a point table as value tuples and a geometry array (a backend may skip the frame)."""
        frame = self._select_points(table, fields, bbox, where, params)
        cols = [c for c, _ in fields]
        return list(frame[cols].itertuples(index=False, name=None)), np.asarray(frame.geometry.array, dtype=object)

    def import_addresses(self, addresses: gpd.GeoDataFrame) -> dict[str, int]:
        """Add or update address points by ``address_id``, all or nothing."""
        frame, cols = self._prepare_points("addresses", ADDRESS_FIELDS, "address_id", addresses)
        counts = self._upsert_points("addresses", ADDRESS_FIELDS, "address_id", frame, cols)
        log.info(
            "addresses: %d added, %d updated, %d unchanged", counts["added"], counts["updated"], counts["unchanged"]
        )
        return counts

    def addresses(
        self, *, bbox: tuple[float, float, float, float] | None = None, postcodes: Collection[str] | None = None
    ) -> gpd.GeoDataFrame:
        """Address points (optionally within ``bbox``, or with one of ``postcodes``, written as stored: ``9712AB``)."""
        if postcodes is None:
            return self._select_points("addresses", ADDRESS_FIELDS, bbox, "", ())
        import pandas as pd

        wanted = sorted(set(postcodes))
        if not wanted:  # the columns, no rows
            return self._select_points(
                "addresses",
                ADDRESS_FIELDS,
                bbox,
                "1 = 0",
                (),  # a constant: no scan of the layer
            )
        if len(wanted) >= POSTCODES_SCAN and len(wanted) >= POSTCODES_SCAN_SHARE * self.count("addresses"):
            every = self._select_points("addresses", ADDRESS_FIELDS, bbox, "", ())
            return every[_isin(every["postcode"], wanted)].reset_index(drop=True)
        parts = [
            self._select_points("addresses", ADDRESS_FIELDS, bbox, self._postcodes_where(len(chunk)), tuple(chunk))
            for chunk in (wanted[k : k + POSTCODES_PER_QUERY] for k in range(0, len(wanted), POSTCODES_PER_QUERY))
        ]
        if len(parts) == 1:
            return parts[0]
        return pd.concat(parts, ignore_index=True)

    def _postcodes_where(self, n: int) -> str:
        """Return the condition of :meth:`addresses` on ``t``: its postcode is one of ``n`` parameters."""
        return f"t.postcode IN ({', '.join('?' * n)})"

    def append_audit(
        self,
        *,
        alert_id: str,
        action: str,
        area: shapely.Geometry | None,
        operator: str | None = None,
        reason: str | None = None,
        urgency: str | None = None,
        selection: dict[str, Any] | None = None,
        counts: dict[str, Any] | None = None,
        member_ids: list[str] | None = None,
        parent_alert_id: str | None = None,
    ) -> None:
        """Append one record to the audit log. Records are never changed or removed.

        Holds no member data beyond the selected members' ids. An alert id already
        in the log raises :class:`bingeo.ConflictError`.
        """
        geom = as_multipolygon(area) if area is not None and not area.is_empty else None
        record = {
            "alert_id": alert_id,
            "created_at": _now(),
            "action": action,
            "parent_alert_id": parent_alert_id,
            "operator": operator,
            "reason": reason,
            "urgency": urgency,
            "selection": json.dumps(selection or {}, sort_keys=True, default=str),
            "counts": json.dumps(counts or {}, sort_keys=True, default=str),
            "member_ids": json.dumps(sorted(member_ids or [])),
        }
        self._insert_audit(record, geom)

    def audit(self, alert_id: str | None = None) -> gpd.GeoDataFrame:
        """Read the audit log (or one alert's records), oldest first."""
        where, params = ("t.alert_id = ?", (alert_id,)) if alert_id else ("", ())
        out = self._select_points("audit_log", AUDIT_FIELDS, None, where, params)
        return out.sort_values(["created_at", "alert_id"], kind="stable").reset_index(drop=True)

    # ---- whole-store copy --------------------------------------------------------------
    def read_table(self, table: str) -> gpd.GeoDataFrame:
        """Every row of one of the store's tables (see :data:`TABLES`), in a stable order."""
        if table not in TABLES:
            msg = f"`table` must be one of {', '.join(TABLES)}, got {table!r}"
            raise InputError(msg)
        key = TABLES[table][1]
        if table in ("networks", "network_history"):
            gdf = self._select_networks(table)
            order = [key, "version"]
        elif table == "audit_log":
            return self.audit()  # already ordered by created_at, alert_id
        else:
            gdf = self.members() if table == "members" else self.addresses()
            order = [key]
        return gdf.sort_values(order, kind="stable").reset_index(drop=True)

    def copy_to(
        self,
        target: Store,
        *,
        progress: Callable[[float], None] | None = None,
        is_cancelled: Callable[[], bool] | None = None,
    ) -> dict[str, int]:
        """Copy every table of this store into the empty store ``target``, in one transaction.

        Rows keep their versions, dates, timestamps and audit records. ``target``
        must have the same CRS and hold nothing yet. Returns the rows copied per table.
        ``progress`` gets the share of rows done (read, then written) and ``is_cancelled``
        is polled per table; a cancelled copy writes nothing.
        """
        from bingeo._progress import check_cancelled, report

        if not target.crs.equals(self.crs):
            msg = (
                f"cannot copy {self.location} (EPSG:{self.crs.to_epsg()}) into {target.location} "
                f"(EPSG:{target.crs.to_epsg()}): a store's CRS is fixed. Create the target with the same CRS."
            )
            raise StoreError(msg)
        busy = [t for t in TABLES if target._count(t)]
        if busy:
            msg = f"the target store {target.location} is not empty ({', '.join(busy)}): copy into a new store."
            raise StoreError(msg)
        sizes = {t: self._count(t) for t in TABLES}
        total, done = 2 * max(sum(sizes.values()), 1), 0
        frames = {}
        for t in TABLES:
            check_cancelled(is_cancelled, "the store copy")
            frames[t] = self.read_table(t)
            done += sizes[t]
            report(progress, done / total)
        from bingeo.stores.plain_tables import copy_plain_tables

        with target._write(tuple(TABLES)) as h:
            for table, gdf in frames.items():
                check_cancelled(is_cancelled, "the store copy")
                if len(gdf):
                    target._copy_rows(h, table, gdf)
                done += sizes[table]
                report(progress, done / total)
            plain = copy_plain_tables(self, target, h)  # answers, consents, deliveries (issue 16)
        counts = {t: len(f) for t, f in frames.items()} | plain
        log.info("copied %s to %s: %s", self.location, target.location, counts)
        return counts


def _norm(v: Any) -> Any:
    if v is None or (isinstance(v, float) and np.isnan(v)) or _is_nat(v):
        return None
    if isinstance(v, str):
        return v.strip() or None
    return v


def _clip(items: list[str], n: int = 20) -> str:
    shown = ", ".join(map(str, items[:n]))
    return shown + (f", … ({len(items) - n} more)" if len(items) > n else "") if items else "(none)"


def attributes_json(row: dict[str, Any]) -> str | None:
    """Serialise extra source attributes as JSON text (dates as ISO strings)."""
    clean = {k: (iso_date(v) if isinstance(v, dt.date) else v) for k, v in row.items()}  # Timestamps too
    clean = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in clean.items()}
    if not clean:
        return None
    return json.dumps(clean, ensure_ascii=False, sort_keys=True, default=str)
