"""Coverage: which addresses and households the networks reach, and where they overlap."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from bingeo._crs import check_same_crs
from bingeo._pip import locate
from bingeo._results import Result
from bingeo.addresses import households_per_address
from bingeo.assign import assign, point_xy
from bingeo.errors import InputError

__all__ = ["coverage", "CoverageReport", "AREA_FIELDS"]

log = logging.getLogger(__name__)

#: Address columns recognised for ``by="municipality"`` and ``by="police_zone"``.
AREA_FIELDS = {
    "municipality": ("municipality", "gemeente", "gemeentenaam", "gm_naam", "woonplaats", "commune"),
    "police_zone": ("police_zone", "politiezone", "politiezon", "basisteam", "zone_de_police"),
}


@dataclass
class CoverageReport(Result):
    """Result of :func:`coverage`.

    Attributes
    ----------
    networks : DataFrame
        Per network: ``network_id``, ``name``, ``kind``, ``addresses``, ``households``,
        ``exclusive_addresses`` (in no other network), ``shared_addresses``.
    overlaps : DataFrame
        Per pair of networks sharing addresses: ``network_id_a``, ``network_id_b``,
        ``shared_addresses``, ``shared_households``.
    areas : DataFrame or None
        Per area (with ``by``): ``area``, ``addresses``, ``covered_addresses``,
        ``covered_share``, ``households``, ``covered_households``, ``covered_households_share``.
    totals : dict
        ``addresses``, ``covered_addresses``, ``covered_share``, ``households``, ``covered_households``.
    """

    networks: pd.DataFrame
    overlaps: pd.DataFrame
    areas: pd.DataFrame | None
    totals: dict[str, float]
    by: str | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Human summary."""
        t = self.totals
        lines = [
            f"{t['covered_addresses']:,} of {t['addresses']:,} addresses ({t['covered_share']:.1%}) and "
            f"{t['covered_households']:,} of {t['households']:,} households lie in at least one active network."
        ]
        top = self.networks.sort_values("households", ascending=False).head(10)
        lines.append("Largest networks by households:")
        lines.extend(
            f"  - {r.network_id} {r.name}: {r.addresses:,} addresses, {r.households:,} households"
            for r in top.itertuples()
        )
        if len(self.overlaps):
            n = len(self.overlaps)
            lines.append(f"Networks sharing addresses: {n} pair{'s' if n != 1 else ''}")
            for r in self.overlaps.sort_values("shared_addresses", ascending=False).head(10).itertuples():
                lines.append(f"  - {r.network_id_a} x {r.network_id_b}: {r.shared_addresses:,} addresses")
        if self.areas is not None:
            lines.append(f"Coverage by {self.by}:")
            for r in self.areas.itertuples():
                lines.append(
                    f"  - {r.area}: {r.covered_addresses:,} of {r.addresses:,} addresses ({r.covered_share:.1%})"
                )
        return "\n".join(lines)


def _households(addresses: pd.DataFrame, households_field: str | None) -> np.ndarray:
    return np.round(households_per_address(addresses, households_field)).astype("int64")


def _area_labels(
    addresses: gpd.GeoDataFrame, by: str, areas: gpd.GeoDataFrame | None, area_field: str | None
) -> pd.Series:
    if areas is not None:
        field = area_field or by
        if field not in areas.columns:
            msg = f"no column {field!r} in the areas. Columns: {', '.join(map(str, areas.columns))}."
            raise InputError(msg)
        check_same_crs(addresses.crs, areas.crs, left="addresses", right="areas")
        zones = areas[[field, areas.geometry.name]].rename(columns={field: "network_id"})
        zones["network_id"] = zones["network_id"].astype(str)
        labelled = assign(addresses[[addresses.geometry.name]], zones)
        return labelled["network_id"].astype(object).where(labelled["network_id"].notna(), "(no area)")
    if by in addresses.columns:
        col = by
    else:
        lower = {str(c).lower(): c for c in addresses.columns}
        col = next((lower[c] for c in AREA_FIELDS.get(by, ()) if c in lower), None)
        if col is None:
            msg = (
                f"cannot group addresses by {by!r}: no such column"
                + (f" (looked for {', '.join(AREA_FIELDS[by])})" if by in AREA_FIELDS else "")
                + f". Columns: {', '.join(map(str, addresses.columns))}. Name a column, or give area polygons."
            )
            raise InputError(msg)
    return addresses[col].astype(object).where(addresses[col].notna(), "(no area)").astype(str)


def coverage(
    networks: gpd.GeoDataFrame,
    addresses: gpd.GeoDataFrame,
    *,
    by: str | None = None,
    areas: gpd.GeoDataFrame | None = None,
    area_field: str | None = None,
    households_field: str | None = None,
) -> CoverageReport:
    """Addresses and households per network, shared addresses, and coverage per area.

    Parameters
    ----------
    networks : GeoDataFrame
        Active networks (``network_id``, ``name``, ``kind``).
    addresses : GeoDataFrame
        Address points, same CRS. A households column (``huishoudens``, ``households``)
        is used when present; otherwise every address counts as one household.
    by : str, optional
        Report the covered share per area: an address column, or ``"municipality"`` /
        ``"police_zone"`` (recognised column names in :data:`AREA_FIELDS`).
    areas : GeoDataFrame, optional
        Area polygons (municipalities, police zones) to group addresses spatially,
        with ``area_field`` (default ``by``) as the label.

    Examples
    --------
    >>> import bingeo, geopandas as gpd, shapely
    >>> nets = gpd.GeoDataFrame({"network_id": ["A", "B"], "name": ["A", "B"], "kind": ["bin", "bin"]},
    ...     geometry=[shapely.box(0, 0, 10, 10), shapely.box(5, 0, 20, 10)], crs=28992)
    >>> adr = gpd.GeoDataFrame({"gemeente": ["X", "X", "Y"], "huishoudens": [1, 4, 2]},
    ...     geometry=gpd.points_from_xy([1, 7, 30], [1, 1, 1]), crs=28992)
    >>> rep = bingeo.coverage(nets, adr, by="municipality")
    >>> rep.networks[["network_id", "addresses", "households"]].to_string(index=False)
    'network_id  addresses  households\\n         A          2           5\\n         B          1           4'
    >>> rep.areas[["area", "covered_share"]].to_string(index=False)
    'area  covered_share\\n   X            1.0\\n   Y            0.0'
    """
    check_same_crs(addresses.crs, networks.crs, left="addresses", right="networks")
    hh = _households(addresses, households_field)
    if "network_id" not in networks.columns:
        msg = f"`networks` needs a 'network_id' column; it has: {', '.join(map(str, networks.columns))}"
        raise InputError(msg)
    # (address, network) pairs, straight from the point-in-polygon index
    x, y = point_xy(addresses, what="points")
    address, poly = locate(x, y, networks.geometry.to_numpy())
    ids = networks["network_id"].astype(str).array  # keeps the text dtype of the ids for the tables
    n_in = np.bincount(address, minlength=len(addresses))
    covered = n_in > 0
    pairs = pd.DataFrame({"address": address, "network_id": ids.take(poly)})
    pairs["households"] = hh[pairs["address"].to_numpy(dtype=np.int64)]
    pairs["exclusive"] = n_in[pairs["address"].to_numpy(dtype=np.int64)] == 1
    per = pairs.groupby("network_id").agg(
        addresses=("address", "size"),
        households=("households", "sum"),
        exclusive_addresses=("exclusive", "sum"),
    )
    table = networks[["network_id"] + [c for c in ("name", "kind") if c in networks.columns]].copy()
    table["network_id"] = table["network_id"].astype(str)
    table = table.merge(per, left_on="network_id", right_index=True, how="left")
    for c in ("addresses", "households", "exclusive_addresses"):
        table[c] = table[c].fillna(0).astype("int64")
    table["shared_addresses"] = table["addresses"] - table["exclusive_addresses"]

    # networks sharing addresses
    multi = pairs[~pairs["exclusive"]]
    if len(multi):
        m = multi.merge(multi, on=["address", "households"])
        m = m[m["network_id_x"] < m["network_id_y"]]
        overlaps = (
            m.groupby(["network_id_x", "network_id_y"])
            .agg(shared_addresses=("address", "size"), shared_households=("households", "sum"))
            .reset_index()
            .rename(columns={"network_id_x": "network_id_a", "network_id_y": "network_id_b"})
        )
    else:
        overlaps = pd.DataFrame(columns=["network_id_a", "network_id_b", "shared_addresses", "shared_households"])

    area_table = None
    if by is not None or areas is not None:
        labels = _area_labels(addresses, by or str(area_field), areas, area_field).to_numpy()
        frame = pd.DataFrame({"area": labels, "covered": covered, "households": hh, "cov_hh": np.where(covered, hh, 0)})
        area_table = (
            frame.groupby("area")
            .agg(
                addresses=("covered", "size"),
                covered_addresses=("covered", "sum"),
                households=("households", "sum"),
                covered_households=("cov_hh", "sum"),
            )
            .reset_index()
        )
        area_table["covered_addresses"] = area_table["covered_addresses"].astype("int64")
        area_table["covered_share"] = (area_table["covered_addresses"] / area_table["addresses"]).round(4)
        with np.errstate(divide="ignore", invalid="ignore"):
            hshare = area_table["covered_households"] / area_table["households"]
        area_table["covered_households_share"] = hshare.where(area_table["households"] > 0).round(4)
    totals = {
        "addresses": len(addresses),
        "covered_addresses": int(covered.sum()),
        "covered_share": float(covered.mean()) if len(addresses) else 0.0,
        "households": int(hh.sum()),
        "covered_households": int(hh[covered].sum()),
    }
    return CoverageReport(networks=table, overlaps=overlaps, areas=area_table, totals=totals, by=by or area_field)
