"""addresses_for_store: the households column is found by the same names counts/coverage/propose read."""

from __future__ import annotations

import geopandas as gpd
import pytest

from bingeo.addresses import ADDRESS_CANDIDATES, addresses_for_store
from bingeo.counts import HOUSEHOLD_FIELDS


def points(**cols):
    return gpd.GeoDataFrame(
        {"postcode": ["1000", "9712 AB"], "huisnummer": ["1", "12"], **cols},
        geometry=gpd.points_from_xy([150000, 233500], [170000, 582000]),
        crs=31370,
    )


@pytest.mark.parametrize("name", ["hh", "menages", "Ménages", "HUISHOUDENS", "aantal_huishoudens"])
def test_households_column_names(name):
    out = addresses_for_store(points(**{name: [3, "2"]}))
    assert out["households"].tolist() == [3, 2]


def test_households_default_one_and_same_names_as_counts():
    assert addresses_for_store(points())["households"].tolist() == [1, 1]
    assert tuple(ADDRESS_CANDIDATES["households"]) == tuple(HOUSEHOLD_FIELDS)
