"""Is a hot spot map any good? Predictive Accuracy Index and Recapture Rate Index.

PAI (Chainey, Tompson & Uhlig 2008): the hit rate of the hot spots found on one
period, measured on the incidents of the next, divided by the share of the
study area they take::

    PAI = (n / N) / (a / A)

``n`` test-period incidents inside the hot spots, ``N`` all test-period
incidents in the study area, ``a`` the hot spots' area, ``A`` the study area.

RRI (Levine 2008): how well the hot spots recapture incidents from one period
to the next, corrected for the change in volume::

    RRI = (n2 / n1) / (N2 / N1)

``n1``/``n2`` incidents inside the hot spots in the fit/test period, ``N1``/``N2``
all incidents in the study area in those periods.

A ratio with a zero denominator is *undefined*: reported as None with the
reason, never as inf or NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely

from bingeo._crs import check_same_crs
from bingeo._errors import InputError

__all__ = ["predictive_accuracy", "PredictiveAccuracy"]


@dataclass
class PredictiveAccuracy:
    """Result of :func:`predictive_accuracy` (see the module docstring for the formulas)."""

    fit_incidents: int
    test_incidents: int
    fit_in_hotspots: int
    test_in_hotspots: int
    hotspot_area_m2: float
    study_area_m2: float
    hit_rate: float | None
    area_share: float | None
    pai: float | None
    rri: float | None
    undefined: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """Figures under stable keys (for JSON)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def summary(self) -> str:
        """Human summary."""

        def show(name: str, value: float | None, fmt: str) -> str:
            return format(value, fmt) if value is not None else f"undefined ({self.undefined.get(name, '')})"

        return "\n".join(
            [
                f"Hot spots cover {self.hotspot_area_m2 / 1e6:,.3f} km² of {self.study_area_m2 / 1e6:,.3f} km² "
                f"(area share {show('area_share', self.area_share, '.2%')}).",
                f"Test period: {self.test_in_hotspots:,} of {self.test_incidents:,} incidents in the hot spots "
                f"(hit rate {show('hit_rate', self.hit_rate, '.1%')}).",
                f"PAI = {show('pai', self.pai, ',.2f')} (1 = no better than chance; higher is better).",
                f"RRI = {show('rri', self.rri, ',.2f')} (fit period: {self.fit_in_hotspots:,} of "
                f"{self.fit_incidents:,} incidents in the hot spots; 1 = as many recaptured as the volume change predicts).",
            ]
        )


def _inside(points: gpd.GeoDataFrame, area: shapely.Geometry) -> int:
    if len(points) == 0 or area.is_empty:
        return 0
    geoms = points.geometry.to_numpy()
    shapely.prepare(area)
    return int(shapely.intersects(area, geoms).sum())  # covers, for points


def predictive_accuracy(
    hotspots: gpd.GeoDataFrame,
    fit_incidents: gpd.GeoDataFrame,
    test_incidents: gpd.GeoDataFrame,
    *,
    study_area: shapely.Geometry | float,
) -> PredictiveAccuracy:
    """PAI and RRI of hot spots found on ``fit_incidents``, tested on ``test_incidents``.

    Parameters
    ----------
    hotspots : GeoDataFrame
        Hot-spot polygons (projected CRS).
    fit_incidents, test_incidents : GeoDataFrame
        Incidents of the period the hot spots were found on, and of the next.
    study_area : Polygon or float
        The study area (incidents outside it are not counted) or just its area in m².

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from bingeo.evaluate import predictive_accuracy
    >>> hs = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10)], crs=28992)
    >>> fit = gpd.GeoDataFrame(geometry=gpd.points_from_xy([1, 2, 50], [1, 2, 50]), crs=28992)
    >>> test = gpd.GeoDataFrame(geometry=gpd.points_from_xy([5, 60, 70, 80], [5, 60, 70, 80]), crs=28992)
    >>> r = predictive_accuracy(hs, fit, test, study_area=shapely.box(0, 0, 100, 100))
    >>> r.hit_rate, r.area_share, r.pai, r.rri
    (0.25, 0.01, 25.0, 0.375)
    """
    for name, frame in (("fit_incidents", fit_incidents), ("test_incidents", test_incidents)):
        check_same_crs(frame.crs, hotspots.crs, left=name, right="hotspots")
    if hotspots.crs is not None and hotspots.crs.is_geographic:
        msg = "PAI needs areas in metres: reproject the hot spots and incidents to a projected CRS first (`to_crs`)."
        raise InputError(msg)
    hot = shapely.union_all(hotspots.geometry.to_numpy()) if len(hotspots) else shapely.Polygon()
    if isinstance(study_area, (int, float, np.floating)):
        area_total = float(study_area)
        fit, test = fit_incidents, test_incidents
    else:
        area_total = float(study_area.area)
        hot = shapely.intersection(hot, study_area)
        shapely.prepare(study_area)
        fit = fit_incidents[shapely.intersects(study_area, fit_incidents.geometry.to_numpy())]
        test = test_incidents[shapely.intersects(study_area, test_incidents.geometry.to_numpy())]
    if area_total <= 0:
        msg = f"the study area must have a positive area, got {area_total} m²."
        raise InputError(msg)
    n1, n2 = _inside(fit, hot), _inside(test, hot)
    big_n1, big_n2 = len(fit), len(test)
    a = float(hot.area)
    undefined: dict[str, str] = {}
    hit_rate = n2 / big_n2 if big_n2 else None
    if hit_rate is None:
        undefined["hit_rate"] = "no incidents in the test period"
    area_share = a / area_total
    if a == 0:
        pai = None
        undefined["pai"] = "no hot spots (zero area)"
    elif hit_rate is None:
        pai = None
        undefined["pai"] = undefined["hit_rate"]
    else:
        pai = hit_rate / area_share
    if n1 == 0 or big_n1 == 0 or big_n2 == 0:
        rri = None
        undefined["rri"] = (
            "no fit-period incidents in the hot spots" if n1 == 0 else "no incidents in one of the periods"
        )
    else:
        rri = (n2 / n1) / (big_n2 / big_n1)
    return PredictiveAccuracy(
        fit_incidents=big_n1,
        test_incidents=big_n2,
        fit_in_hotspots=n1,
        test_in_hotspots=n2,
        hotspot_area_m2=a,
        study_area_m2=area_total,
        hit_rate=hit_rate,
        area_share=area_share,
        pai=pai,
        rri=rri,
        undefined=undefined,
    )
