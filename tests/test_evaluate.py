"""PAI and RRI against hand computations from the published formulas."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

import bingeo
from bingeo.evaluate import predictive_accuracy


def pts(xy):
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy([p[0] for p in xy], [p[1] for p in xy]), crs=28992)


@pytest.fixture
def hotspots():
    return gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 100, 100), shapely.box(300, 300, 400, 400)], crs=28992)


def test_hand_computed(hotspots):
    study = shapely.box(0, 0, 1000, 1000)  # 1 km2; hot spots 0.02 km2
    fit = pts([(10, 10), (50, 50), (350, 350), (900, 900), (500, 500)])  # 3 of 5 inside
    test = pts(
        [(10, 10), (100, 100), (600, 600), (700, 700), (800, 800), (5000, 5000)]
    )  # 2 of 5 inside (1 outside study)
    r = predictive_accuracy(hotspots, fit, test, study_area=study)
    assert (r.fit_in_hotspots, r.fit_incidents, r.test_in_hotspots, r.test_incidents) == (3, 5, 2, 5)
    assert r.hit_rate == pytest.approx(2 / 5)
    assert r.area_share == pytest.approx(20000 / 1e6)
    assert r.pai == pytest.approx((2 / 5) / (20000 / 1e6))  # = 20
    assert r.rri == pytest.approx((2 / 3) / (5 / 5))
    assert "PAI = 20.00" in r.summary()


def test_undefined_ratios_are_none_with_reason(hotspots):
    empty = pts([])
    r = predictive_accuracy(hotspots, empty, empty, study_area=1e6)
    assert r.pai is None and r.rri is None and r.hit_rate is None
    assert "no incidents in the test period" in r.undefined["pai"]
    assert "undefined" in r.summary() and "nan" not in r.summary().lower() and "inf" not in r.summary().lower()
    none = predictive_accuracy(hotspots.iloc[:0], pts([(1, 1)]), pts([(1, 1)]), study_area=1e6)
    assert none.pai is None and none.undefined["pai"] == "no hot spots (zero area)"
    assert none.rri is None


def test_errors(hotspots):
    with pytest.raises(bingeo.CRSMismatchError):
        predictive_accuracy(hotspots, pts([(1, 1)]).to_crs(4326), pts([(1, 1)]), study_area=1e6)
    with pytest.raises(bingeo.InputError, match="positive area"):
        predictive_accuracy(hotspots, pts([(1, 1)]), pts([(1, 1)]), study_area=0)
    # issue 13: hot spots in degrees are measured in the metric grid of their place (areas in m²)
    geo = hotspots.to_crs(4326)
    r = predictive_accuracy(geo, pts([(1, 1)]).to_crs(4326), pts([(1, 1)]).to_crs(4326), study_area=1e6)
    assert r.hotspot_area_m2 == pytest.approx(20000, rel=0.01) and "worked in EPSG:" in r.notes[0]
