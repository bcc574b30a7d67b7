"""Count incidents per network, per period and type, and rates per 1,000 addresses."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from bingeo.addresses import HOUSEHOLD_FIELDS, household_column, households_per_address
from bingeo.aoristic import MAX_WINDOW, Windows, time_bins
from bingeo.assign import assign
from bingeo.errors import InputError
from bingeo.incidents import date_column, parse_date_column

__all__ = ["count_incidents", "PERIODS", "HOUSEHOLD_FIELDS"]  # HOUSEHOLD_FIELDS: see bingeo.addresses

log = logging.getLogger(__name__)

PERIODS = ("month", "quarter", "year")
#: Address columns recognised as the number of households at the address.
_NONE_ID = ""
_NONE_NAME = "(outside every network)"
_NO_DATE = "(no date)"


def _period_labels(dates: pd.Series, by: str) -> tuple[pd.Series, list[str]]:
    d = parse_date_column(dates)
    freq = {"month": "M", "quarter": "Q", "year": "Y"}[by]
    per = d.dt.to_period(freq)
    labels = per.astype(str).where(per.notna(), _NO_DATE)
    if per.notna().any():
        full = pd.period_range(per.min(), per.max(), freq=freq).astype(str).tolist()
    else:
        full = []
    if (labels == _NO_DATE).any():
        full.append(_NO_DATE)
    return labels, full


def _spread_periods(
    keys: pd.DataFrame, windows: Windows, by: str, how: str, max_window: pd.Timedelta
) -> tuple[pd.Series, list[str]]:
    """Weights per (network, period[, type]) from time windows: aoristic shares, or one instant each."""
    freq = {"month": "M", "quarter": "Q", "year": "Y"}[by]
    if len(windows.begin) != len(keys):
        msg = f"`windows` has {len(windows.begin)} rows for {len(keys)} incidents."
        raise ValueError(msg)
    first = pd.Timestamp(windows.begin.min()).to_period(freq)
    last = pd.Timestamp(int(windows.end.max()) - 1).to_period(freq)
    periods = pd.period_range(first, last, freq=freq)
    edges = [p.start_time for p in periods] + [(last + 1).start_time]
    exploded = keys.reset_index(drop=True).explode("network_id")
    rows = exploded.index.to_numpy()
    other = [c for c in exploded.columns if c != "network_id"]
    combo = exploded[["network_id", *other]].astype(str)
    codes, uniques = pd.MultiIndex.from_frame(combo).factorize()
    uniques = pd.MultiIndex.from_tuples(list(uniques), names=["network_id", *other])
    got = time_bins(
        windows.begin[rows],
        windows.end[rows],
        pd.DatetimeIndex(edges),
        groups=codes,
        n_groups=len(uniques),
        how=how,
        max_window=max_window,
    )
    labels = periods.astype(str).tolist()
    frame = pd.DataFrame(got.weights, index=uniques, columns=labels)
    frame.columns.name = "period"
    counted = frame.stack().rename("incidents")
    counted = counted.reorder_levels(["network_id", "period", *other])
    return counted, labels


def count_incidents(
    incidents: gpd.GeoDataFrame,
    networks: gpd.GeoDataFrame,
    *,
    by: str | None = None,
    date_field: str | None = None,
    type_field: str | None = None,
    addresses: gpd.GeoDataFrame | None = None,
    households_field: str | None = None,
    windows: Windows | None = None,
    how: str = "aoristic",
    max_window: pd.Timedelta = MAX_WINDOW,
) -> pd.DataFrame:
    """Incidents per network (and period and type), with address counts and rates.

    An incident inside overlapping networks counts for each of them. Incidents
    outside every network are counted on a row with an empty ``network_id``.
    Every network appears for every period between the first and last incident
    (and every type), with zero where nothing happened.

    Parameters
    ----------
    incidents : GeoDataFrame
        Points; assigned here unless they already carry ``network_ids``.
    networks : GeoDataFrame
        Networks with ``network_id``, ``name`` and ``kind``.
    by : {"month", "quarter", "year"}, optional
        Period to count by (needs a date column: ``date_field`` or the first datetime column).
    type_field : str, optional
        Column with the incident type (e.g. burglary, theft from vehicle).
    addresses : GeoDataFrame, optional
        Address points; adds ``addresses``, ``households`` (when a households
        column exists) and ``rate_per_1000_addresses``.
    windows : Windows, optional
        Each incident's time window, row for row (:func:`bingeo.aoristic.require_windows`). With ``by``, an
        incident adds to each period the share of its window in that period (``how="aoristic"``, Ratcliffe
        2002), or 1 to the period of its window's begin, midpoint or end: ``incidents`` are then weights, and
        still sum to 1 per incident.
    how, max_window
        As :func:`bingeo.aoristic.time_bins`.

    Returns
    -------
    DataFrame
        ``network_id``, ``network_name``, ``kind``, [``period``], [``type``],
        ``incidents``, [``addresses``, ``households``, ``rate_per_1000_addresses``].
    """
    if by is not None and by not in PERIODS:
        msg = f"`by` must be one of {', '.join(PERIODS)}, got {by!r}"
        raise InputError(msg)
    if type_field is not None and type_field not in incidents.columns:
        cols = ", ".join(map(str, incidents.columns))
        msg = f"no type column {type_field!r} (`type_field`) in the incidents. Columns: {cols}."
        raise InputError(msg)
    inc = incidents if "network_ids" in incidents.columns else assign(incidents, networks)
    # one row per (incident, containing network)
    ids = inc["network_ids"].astype(object).where(inc["network_ids"].notna(), _NONE_ID)
    keys = pd.DataFrame({"network_id": ids.str.split(";")})
    group = ["network_id"]
    full_periods: list[str] = []
    types: list[str] = []
    if by is not None:
        if windows is None:
            col = date_column(inc, date_field, need="counting by period needs")
            keys["period"], full_periods = _period_labels(inc[col], by)
        else:
            keys["period"] = ""  # set from the windows below
        group.append("period")
    if type_field is not None:
        keys["type"] = inc[type_field].astype(object).where(inc[type_field].notna(), "(no type)").astype(str)
        types = sorted(keys["type"].unique())
        group.append("type")
    if by is not None and windows is not None:
        counted, full_periods = _spread_periods(keys.drop(columns="period"), windows, by, how, max_window)
    else:
        counted = keys.explode("network_id").groupby(group, sort=False).size().rename("incidents")

    net_ids = networks["network_id"].astype(str).tolist() + [_NONE_ID]
    levels = [net_ids]
    if by is not None:
        levels.append(full_periods)
    if type_field is not None:
        levels.append(types)
    index = pd.MultiIndex.from_product(levels, names=group) if len(levels) > 1 else pd.Index(net_ids, name="network_id")
    table = counted.reindex(index, fill_value=0).reset_index()
    if windows is None or by is None or how != "aoristic":
        table["incidents"] = table["incidents"].round().astype("int64")
    names = dict(zip(networks["network_id"].astype(str), networks.get("name", networks["network_id"]).astype(str)))
    kinds = dict(
        zip(networks["network_id"].astype(str), networks["kind"] if "kind" in networks else [None] * len(networks))
    )
    table.insert(1, "network_name", table["network_id"].map(names).fillna(_NONE_NAME))
    table.insert(2, "kind", table["network_id"].map(kinds))

    if addresses is not None:
        adr = addresses if "network_ids" in addresses.columns else assign(addresses, networks)
        a_ids = adr["network_ids"].astype(object).where(adr["network_ids"].notna(), _NONE_ID)
        hh_col = household_column(adr, households_field)
        frame = pd.DataFrame({"network_id": a_ids.str.split(";")})
        frame["households"] = households_per_address(adr, hh_col) if hh_col is not None else np.nan
        frame = frame.explode("network_id")
        agg = frame.groupby("network_id").agg(addresses=("network_id", "size"), households=("households", "sum"))
        table = table.merge(agg, left_on="network_id", right_index=True, how="left")
        table["addresses"] = table["addresses"].fillna(0).astype("int64")
        if hh_col is None:
            table = table.drop(columns="households")
        else:
            table["households"] = table["households"].fillna(0).round().astype("int64")
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = table["incidents"] / table["addresses"] * 1000.0
        table["rate_per_1000_addresses"] = rate.where(table["addresses"] > 0).round(3)
    return table
