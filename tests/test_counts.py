"""count_incidents against counts made by hand on a constructed case."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import bingeo
from bingeo.counts import count_incidents


@pytest.fixture
def nets():
    return gpd.GeoDataFrame(
        {"network_id": ["N1", "N2", "W1"], "name": ["North", "South", "Whatsapp"], "kind": ["bin", "bin", "whatsapp"]},
        geometry=[shapely.box(0, 50, 100, 100), shapely.box(0, 0, 100, 50), shapely.box(0, 60, 10, 70)],
        crs=28992,
    )


@pytest.fixture
def incidents():
    # (x, y, date, type)
    rows = [
        (50, 75, "2023-01-15", "burglary"),  # N1
        (5, 65, "2023-02-01", "burglary"),  # N1 and W1 (nested)
        (50, 25, "2023-04-30", "vandalism"),  # N2
        (50, 50, "2023-05-01", "burglary"),  # on the N1/N2 boundary: both
        (500, 500, "2023-05-02", "burglary"),  # outside
        (60, 80, None, "vandalism"),  # N1, no date
    ]
    df = pd.DataFrame(rows, columns=["x", "y", "date", "type"])
    df["date"] = pd.to_datetime(df["date"])
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.x, df.y), crs=28992)


def test_totals_per_network(nets, incidents):
    t = count_incidents(incidents, nets).set_index("network_id")
    assert t.loc["N1", "incidents"] == 4
    assert t.loc["N2", "incidents"] == 2
    assert t.loc["W1", "incidents"] == 1
    assert t.loc["", "incidents"] == 1
    assert t.loc["", "network_name"] == "(outside every network)"
    assert t.loc["W1", "kind"] == "whatsapp"


def test_by_quarter_has_every_period_with_zeros(nets, incidents):
    t = count_incidents(incidents, nets, by="quarter")
    assert sorted(t["period"].unique()) == ["(no date)", "2023Q1", "2023Q2"]
    assert len(t) == 4 * 3  # 3 networks + outside, 3 periods
    got = t.set_index(["network_id", "period"])["incidents"]
    assert got[("N1", "2023Q1")] == 2 and got[("N1", "2023Q2")] == 1 and got[("N1", "(no date)")] == 1
    assert got[("N2", "2023Q1")] == 0 and got[("N2", "2023Q2")] == 2
    assert got[("W1", "2023Q2")] == 0
    assert t["incidents"].sum() == 4 + 2 + 1 + 1


def test_by_month_and_type(nets, incidents):
    t = count_incidents(incidents, nets, by="month", type_field="type")
    assert sorted(set(t["period"]) - {"(no date)"}) == ["2023-01", "2023-02", "2023-03", "2023-04", "2023-05"]
    got = t.set_index(["network_id", "period", "type"])["incidents"]
    assert got[("N1", "2023-02", "burglary")] == 1
    assert got[("N2", "2023-04", "vandalism")] == 1
    assert got[("N2", "2023-03", "burglary")] == 0


def test_addresses_households_and_rates(nets, incidents):
    rng = np.random.default_rng(0)
    xs, ys = rng.uniform(1, 99, 40), rng.uniform(1, 99, 40)
    adr = gpd.GeoDataFrame({"huishoudens": rng.integers(1, 5, 40)}, geometry=gpd.points_from_xy(xs, ys), crs=28992)
    t = count_incidents(incidents, nets, addresses=adr).set_index("network_id")
    in_n1 = ys >= 50
    assert t.loc["N1", "addresses"] == in_n1.sum()
    assert t.loc["N1", "households"] == adr["huishoudens"][in_n1].sum()
    assert t.loc["N1", "rate_per_1000_addresses"] == pytest.approx(round(4 / in_n1.sum() * 1000, 3))
    assert pd.isna(t.loc["", "rate_per_1000_addresses"]) or t.loc["", "addresses"] > 0


def test_errors(nets, incidents):
    with pytest.raises(ValueError, match="`by` must be one of month, quarter, year"):
        count_incidents(incidents, nets, by="week")
    with pytest.raises(bingeo.InputError, match="no type column 'soort'"):
        count_incidents(incidents, nets, type_field="soort")
    no_dates = incidents.drop(columns="date")
    with pytest.raises(bingeo.InputError, match="needs a date column.*--date-field"):
        count_incidents(no_dates, nets, by="year")
