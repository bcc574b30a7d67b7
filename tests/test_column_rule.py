"""One rule finds a column by name in every workflow: any case, and of two same names in other cases the first wins.

Before, four finders disagreed: counts/regions (``find_column``) and the network import took the LAST of ``Naam``
and ``naam``, households, streets and invitations the first.
"""

from __future__ import annotations

import random

import geopandas as gpd
import pandas as pd
import shapely

from bingeo import registry
from bingeo._checks import find_column
from bingeo.addresses import column_named, household_column
from bingeo.streets import address_table


def _brute(columns, names):
    for name in names:
        for column in columns:
            if column.lower() == name:
                return column
    return None


def test_column_named_equals_a_plain_search():
    rng = random.Random(7)
    pool = ["Straat", "straat", "STRAAT", "street", "Street", "huisnummer", "Huisnummer", "x", "Postcode"]
    for _ in range(500):
        columns = rng.sample(pool, rng.randint(0, len(pool)))
        names = tuple(rng.sample(["straat", "street", "huisnummer", "postcode", "plaats"], rng.randint(1, 3)))
        assert column_named(columns, names) == _brute(columns, names), (columns, names)


def test_loose_ignores_accents_and_punctuation():
    assert column_named(["Huis nr.", "huis_nr"], ("huis_nr",), loose=True) == "Huis nr."
    assert column_named(["Rué"], ("rue",), loose=True) == "Rué"
    assert column_named(["Rué"], ("rue",)) is None


def test_every_finder_takes_the_first_of_two_cases():
    frame = pd.DataFrame({"Huishoudens": [2], "huishoudens": [3], "Straat": ["A"], "straat": ["B"]})
    assert household_column(frame) == "Huishoudens"
    assert find_column(frame, None, ("straat",), "street_field") == "Straat"
    nets, _, _ = registry.networks_from_frame(
        gpd.GeoDataFrame(
            {"id": ["1"], "Naam": ["first"], "naam": ["second"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=28992
        )
    )
    assert nets["name"].tolist() == ["first"]
    adr = gpd.GeoDataFrame(
        {"Straat": ["Oosterstraat"], "straat": ["Westerstraat"], "huisnummer": [12]},
        geometry=[shapely.Point(0, 0)],
        crs=28992,
    )
    assert address_table(adr)["street"].tolist() == ["Oosterstraat"]
