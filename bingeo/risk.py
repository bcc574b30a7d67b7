"""Risk per household: incidents divided by homes, so a busy shopping street does not outrank a street of homes.

:func:`density_per_households` is a dual kernel density: the incidents' heat map divided by the households' heat
map, both with the same kernel and radius on the same QGIS grid (:func:`bingeo.density.kernel_density`), in
incidents per 1,000 households. :func:`risk_at_addresses` evaluates the same ratio at each address (for
:func:`bingeo.plan.plan_areas` with ``by="risk"``). Gi* on rates per 1,000 households is
``bingeo.hotspots.find_hotspots(..., per=addresses)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from bingeo._crs import check_same_crs
from bingeo.addresses import households_per_address
from bingeo.density import DECAY, KERNEL, KERNELS, DensityRaster, kernel_density, raw_kernel
from bingeo.errors import InputError

__all__ = ["density_per_households", "risk_at_addresses", "MIN_HOUSEHOLDS", "PER", "RADIUS"]

log = logging.getLogger(__name__)

#: Kernel-weighted households a place needs before it gets a rate: with fewer, the rate is NaN (nodata). With
#: the raw kernels (1 at the point itself) one house next to the cell counts about 1, so 10 means "about ten
#: homes nearby": one burgled house alone (1 incident / 1 household = 1,000 per 1,000) does not top the map.
MIN_HOUSEHOLDS = 10.0
#: Rates are per this many households.
PER = 1000.0
#: Default radius (metres) of :func:`risk_at_addresses`: a few blocks of houses.
RADIUS = 250.0

_INC, _HH = "__bingeo_incident", "__bingeo_households"
_CHUNK = 4096  # addresses per block in risk_at_addresses


def _check_min(min_households: Any) -> float:
    if not (isinstance(min_households, (int, float, np.number)) and np.isfinite(min_households)) or min_households < 0:
        msg = f"`min_households` must be a number of households >= 0, got {min_households!r}"
        raise InputError(msg)
    return float(min_households)


def _points(frame: Any, what: str) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = f"`{what}` should be a GeoDataFrame of points, got {type(frame).__name__}"
        raise TypeError(msg)
    g = frame.geometry
    keep = g.notna() & ~g.is_empty
    return frame[keep.to_numpy()]


def density_per_households(
    incidents: gpd.GeoDataFrame,
    addresses: gpd.GeoDataFrame,
    *,
    cell_size: float,
    radius: float,
    kernel: str = KERNEL,
    households_field: str | None = None,
    min_households: float = MIN_HOUSEHOLDS,
    per: float = PER,
    method: str = "auto",
    workers: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> DensityRaster:
    """Incidents per 1,000 households: the incidents' kernel density over the households' kernel density.

    Both densities use the same kernel, radius and grid: QGIS's heat-map grid of a layer holding the incidents
    and the addresses together (the extent of both, grown by the radius), each computed as
    :func:`bingeo.density.kernel_density` computes QGIS's heat map (raw values). The ratio is the
    kernel-weighted average number of incidents per household around each cell, times ``per``.

    Parameters
    ----------
    incidents, addresses : GeoDataFrame
        Points in the same projected CRS (metres). Addresses without a location are left out.
    cell_size, radius : float
        Cell size and kernel radius in metres, as :func:`bingeo.density.kernel_density`.
    kernel : str, default "quartic"
        One of :data:`bingeo.density.KERNELS` (the same for both densities).
    households_field : str, optional
        Households per address (default: a known households column, else 1 per address).
    min_households : float, default 10
        Cells whose household density (kernel-weighted households) is below this get no rate (NaN, nodata):
        so an isolated house does not dominate, and cells without homes are not infinite.
    per : float, default 1000
        Rates per this many households.
    method, workers, progress
        As :func:`bingeo.density.kernel_density`.

    Returns
    -------
    DensityRaster
        ``values``: incidents per ``per`` households (NaN where the households are below ``min_households``);
        ``reached``: the cells with a rate. ``write()`` writes nodata where there is no rate.

    Raises
    ------
    InputError
        As :func:`bingeo.density.kernel_density`; no addresses; a bad ``min_households`` or ``per``.
    CRSMismatchError
        The incidents and addresses in different CRSs.

    Examples
    --------
    Ten homes in a row and three incidents at the third; a shop alone 300 m away with five incidents:

    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> adr = gpd.GeoDataFrame(geometry=[Point(i * 10, 0) for i in range(10)], crs=28992)
    >>> inc = gpd.GeoDataFrame(geometry=[Point(20, 0)] * 3 + [Point(400, 0)] * 5, crs=28992)
    >>> r = density_per_households(inc, adr, cell_size=10, radius=100, min_households=3)
    >>> def at(x, y):
    ...     col, row = ~r.transform * (x, y)
    ...     return float(r.values[int(row), int(col)])
    >>> round(at(25, 5)), at(405, 5)  # per 1,000 households; no homes near the shop: no rate
    (379, nan)
    """
    inc = _points(incidents, "incidents")
    adr = _points(addresses, "addresses")
    check_same_crs(adr.crs, inc.crs, left="the addresses", right="the incidents")
    floor = _check_min(min_households)
    if not (isinstance(per, (int, float, np.number)) and per > 0):
        msg = f"`per` must be a number of households > 0, got {per!r}"
        raise InputError(msg)
    if kernel not in KERNELS:
        msg = f"`kernel` must be one of {', '.join(KERNELS)}; got {kernel!r}"
        raise InputError(msg)
    if not len(adr):
        msg = "the addresses hold no points: there is nothing to divide by."
        raise InputError(msg)
    hh = households_per_address(adr, households_field)
    both = gpd.GeoDataFrame(
        {_INC: np.r_[np.ones(len(inc)), np.zeros(len(adr))], _HH: np.r_[np.zeros(len(inc)), hh]},
        geometry=np.r_[inc.geometry.to_numpy(), adr.geometry.to_numpy()],
        crs=inc.crs,
    )
    opts = {"cell_size": cell_size, "radius": radius, "kernel": kernel, "method": method, "workers": workers}
    top = kernel_density(
        both, weight_field=_INC, progress=None if progress is None else (lambda f: progress(f / 2)), **opts
    )
    bottom = kernel_density(
        both, weight_field=_HH, progress=None if progress is None else (lambda f: progress(0.5 + f / 2)), **opts
    )
    ok = bottom.values >= max(floor, 1e-12)
    rate = np.full(top.values.shape, np.nan)
    rate[ok] = top.values[ok] / bottom.values[ok] * float(per)
    notes = list(top.notes)
    notes.append(
        f"incidents per {per:,.0f} households; {int((~ok & (bottom.values > 0)).sum()):,} cells with fewer than "
        f"{floor:g} households nearby (kernel-weighted) have no rate"
    )
    log.info("density per households: %d incidents, %d addresses, %d cells with a rate", len(inc), len(adr), ok.sum())
    return DensityRaster(
        values=rate,
        reached=ok,
        transform=top.transform,
        crs=top.crs,
        cell_size=top.cell_size,
        radius=top.radius,
        kernel=top.kernel,
        output="raw",
        decay=top.decay,
        n_points=len(inc),
        method=top.method,
        error_bound=max(top.error_bound, bottom.error_bound),
        complete=top.complete and bottom.complete,
        timings={"incidents": top.timings.get("total", 0.0), "households": bottom.timings.get("total", 0.0)},
        notes=notes,
    )


def risk_at_addresses(
    incidents: gpd.GeoDataFrame,
    addresses: gpd.GeoDataFrame,
    *,
    radius: float = RADIUS,
    kernel: str = KERNEL,
    households_field: str | None = None,
    min_households: float = MIN_HOUSEHOLDS,
) -> pd.Series:
    """Incidents expected at each address: its households times the kernel ratio of incidents to households there.

    At an address ``a`` with ``h_a`` households, the risk is ``h_a * K_inc(a) / max(K_hh(a), min_households)``
    with ``K_inc`` and ``K_hh`` the kernel sums (QGIS's raw kernels, the same ``radius``) of the incidents and of
    the households at the address's own position, so the risks add up to about the number of incidents near
    homes, and a lone house is not given a whole street's incidents.

    Parameters
    ----------
    incidents, addresses : GeoDataFrame
        Points in the same projected CRS (metres).
    radius : float, default 250
        Kernel radius in metres.
    kernel : str, default "quartic"
        One of :data:`bingeo.density.KERNELS`.
    households_field : str, optional
        Households per address (default: a known households column, else 1).
    min_households : float, default 10
        Smallest denominator (kernel-weighted households).

    Returns
    -------
    Series
        Risk (expected incidents) per address, on the addresses' index (0 for an address without a location).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> adr = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(1000, 0)], crs=28992)
    >>> inc = gpd.GeoDataFrame(geometry=[Point(0, 0)] * 4, crs=28992)
    >>> risk_at_addresses(inc, adr, min_households=1).tolist()
    [4.0, 0.0]
    """
    from scipy.spatial import cKDTree

    if not isinstance(addresses, gpd.GeoDataFrame):
        msg = f"`addresses` should be a GeoDataFrame of points, got {type(addresses).__name__}"
        raise TypeError(msg)
    inc = _points(incidents, "incidents")
    check_same_crs(addresses.crs, inc.crs, left="the addresses", right="the incidents")
    floor = _check_min(min_households)
    if kernel not in KERNELS:
        msg = f"`kernel` must be one of {', '.join(KERNELS)}; got {kernel!r}"
        raise InputError(msg)
    if not (isinstance(radius, (int, float, np.number)) and radius > 0):
        msg = f"`radius` must be a positive number of metres, got {radius!r}"
        raise InputError(msg)
    g = addresses.geometry
    ok = (g.notna() & ~g.is_empty).to_numpy()
    out = np.zeros(len(addresses))
    hh = households_per_address(addresses, households_field)[ok]
    axy = np.column_stack([g[ok].x.to_numpy(), g[ok].y.to_numpy()])
    ixy = np.column_stack([inc.geometry.x.to_numpy(), inc.geometry.y.to_numpy()])
    if len(axy) and len(ixy):
        ta, ti = cKDTree(axy), cKDTree(ixy)
        k_inc, k_hh = np.zeros(len(axy)), np.zeros(len(axy))
        for lo in range(0, len(axy), _CHUNK):  # a block of addresses at a time: the pairs stay in memory
            block = cKDTree(axy[lo : lo + _CHUNK])
            for tree, w, into in ((ti, None, k_inc), (ta, hh, k_hh)):
                # "ndarray" output keeps the pairs at distance 0 (an incident at the address, the address itself)
                d = block.sparse_distance_matrix(tree, float(radius), output_type="ndarray")
                k = raw_kernel(kernel, d["v"], float(radius), DECAY)
                into[lo : lo + block.n] = np.bincount(
                    d["i"], weights=k if w is None else k * w[d["j"]], minlength=block.n
                )
        out[ok] = hh * k_inc / np.maximum(k_hh, max(floor, 1e-12))
    return pd.Series(out, index=addresses.index, name="risk")
