"""Does a network help? Hot-spot accuracy (PAI, RRI) and before/after evaluation with displacement (WDQ).

Part 1: is a hot spot map any good? Predictive Accuracy Index and Recapture Rate Index.

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

Part 2: before/after evaluation of a network (:func:`before_after`,
:func:`evaluate_networks`), following Bowers & Johnson (2003) "Measuring the
geographical displacement and diffusion of benefit effects of crime prevention
activity", *Journal of Quantitative Criminology* 19(3), 275-301, in the
formulation of Guerette (2009) *Analyzing Crime Displacement and Diffusion*
(COPS Problem-Solving Tools Series No. 10) and Ratcliffe (2002/2005). Three
areas: ``R`` the response area (the network), ``B`` a buffer ring around it (where
crime could be displaced to, or benefits diffuse to), ``C`` a control area (the
trend without the network). Subscripts ``b``/``a``: counts before/after::

    success measure             SM  = R_a/C_a - R_b/C_b
    buffer displacement measure BDM = B_a/C_a - B_b/C_b
    weighted displacement quotient  WDQ = BDM / SM
    total net effect            TNE = [R_b (C_a/C_b) - R_a] + [B_b (C_a/C_b) - B_a]

SM < 0: the response area improved relative to the control. Then WDQ > 0 means
diffusion of benefits into the buffer (WDQ > 1: larger than the direct effect),
WDQ < 0 displacement into the buffer (WDQ < -1: more displaced than prevented),
WDQ near 0 neither. With SM >= 0 there is no success to weigh and the WDQ is not
interpreted. TNE is the number of incidents prevented in R and B together over
the after period, net of displacement (negative: more incidents than expected).

Periods may differ in length: the figures above compare areas *within* a period
(or scale by C_a/C_b), so they do not depend on the period lengths. Counts are
also given as rates per day, and ``relative_change`` = (R_a/R_b)/(C_a/C_b) is the
change in R relative to C (1: the same trend as the control; < 1: R fell more).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from bingeo._crs import check_same_crs, crs_label, to_metric
from bingeo._results import Result, json_safe
from bingeo.aoristic import MAX_WINDOW, Windows, period_shares, time_bins
from bingeo.charts import write_chart
from bingeo.errors import InputError

__all__ = [
    "predictive_accuracy",
    "PredictiveAccuracy",
    "before_after",
    "BeforeAfter",
    "around_founding",
    "evaluate_networks",
    "networks_alive",
    "founding_date",
    "NetworkEvaluations",
    "Evaluation",
    "run_evaluation",
    "write_chart",
    "BUFFER",
    "MIN_INCIDENTS",
    "AROUND_FOUNDING_MONTHS",
]

#: Default width of the buffer ring around a network, metres.
BUFFER = 500.0
#: `evaluate_networks`: fewest incidents in a network (before + after) to evaluate it.
MIN_INCIDENTS = 5
#: Default months either side of a founding date.
AROUND_FOUNDING_MONTHS = 12
#: Slack when checking that the incidents cover a period (monthly data are dated the 1st), days.
COVERAGE_SLACK_DAYS = 31


@dataclass
class PredictiveAccuracy(Result):
    """Result of :func:`predictive_accuracy` (see the module docstring for the formulas)."""

    fit_incidents: float
    test_incidents: float
    fit_in_hotspots: float
    test_in_hotspots: float
    hotspot_area_m2: float
    study_area_m2: float
    hit_rate: float | None
    area_share: float | None
    pai: float | None
    rri: float | None
    undefined: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

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
                f"Test period: {_num(self.test_in_hotspots)} of {_num(self.test_incidents)} incidents in the hot spots "
                f"(hit rate {show('hit_rate', self.hit_rate, '.1%')}).",
                f"PAI = {show('pai', self.pai, ',.2f')} (1 = no better than chance; higher is better).",
                f"RRI = {show('rri', self.rri, ',.2f')} (fit period: {_num(self.fit_in_hotspots)} of "
                f"{_num(self.fit_incidents)} incidents in the hot spots; "
                "1 = as many recaptured as the volume change predicts).",
            ]
        )


def _num(value: float) -> str:
    """Show a count as a whole number, or a sum of weights with one decimal."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def _inside(points: gpd.GeoDataFrame, area: shapely.Geometry, weights: np.ndarray | None = None) -> float:
    if len(points) == 0 or area.is_empty:
        return 0
    geoms = points.geometry.to_numpy()
    shapely.prepare(area)
    hit = shapely.intersects(area, geoms)  # covers, for points
    return int(hit.sum()) if weights is None else round(float(weights[hit].sum()), 6)


def predictive_accuracy(
    hotspots: gpd.GeoDataFrame,
    fit_incidents: gpd.GeoDataFrame,
    test_incidents: gpd.GeoDataFrame,
    *,
    study_area: shapely.Geometry | float,
    fit_weights: Any = None,
    test_weights: Any = None,
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
    fit_weights, test_weights : array-like of float, optional
        One weight per incident, row for row: the share of its time window inside the period
        (:func:`bingeo.aoristic.period_shares`); the counts are then sums of weights.

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
    if hotspots.crs is not None and hotspots.crs.is_geographic:  # areas in m²: the place's national grid
        metric_hotspots, note = to_metric(hotspots, what="the hot spots")
        metric = metric_hotspots.crs
        res = predictive_accuracy(
            metric_hotspots,
            fit_incidents.to_crs(metric),
            test_incidents.to_crs(metric),
            study_area=_reproject_area(study_area, hotspots.crs, metric),
            fit_weights=fit_weights,
            test_weights=test_weights,
        )
        res.notes.insert(0, note)
        return res
    hot = shapely.union_all(hotspots.geometry.to_numpy()) if len(hotspots) else shapely.Polygon()
    w1 = None if fit_weights is None else np.asarray(fit_weights, dtype=np.float64)
    w2 = None if test_weights is None else np.asarray(test_weights, dtype=np.float64)
    if isinstance(study_area, (int, float, np.floating)):
        area_total = float(study_area)
        fit, test = fit_incidents, test_incidents
    else:
        area_total = float(study_area.area)
        hot = shapely.intersection(hot, study_area)
        shapely.prepare(study_area)
        in1 = shapely.intersects(study_area, fit_incidents.geometry.to_numpy())
        in2 = shapely.intersects(study_area, test_incidents.geometry.to_numpy())
        fit, test = fit_incidents[in1], test_incidents[in2]
        w1, w2 = None if w1 is None else w1[in1], None if w2 is None else w2[in2]
    if area_total <= 0:
        msg = f"the study area must have a positive area, got {area_total} m²."
        raise InputError(msg)
    n1, n2 = _inside(fit, hot, w1), _inside(test, hot, w2)
    big_n1 = len(fit) if w1 is None else round(float(w1.sum()), 6)
    big_n2 = len(test) if w2 is None else round(float(w2.sum()), 6)
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


# ======================================================================================= before / after
Period = tuple[dt.date, dt.date]


def _reproject_area(value: Any, src: Any, dst: Any) -> Any:
    """Move an area (frame, series or shapely geometry in ``src``) into ``dst``; numbers stay as they are."""
    if isinstance(value, (gpd.GeoDataFrame, gpd.GeoSeries)):
        return value.to_crs(dst)
    if isinstance(value, shapely.Geometry):
        return gpd.GeoSeries([value], crs=src).to_crs(dst).iloc[0]
    return value


def _as_period(value: Any, name: str) -> Period:
    """(FROM, TO) days, both included, read by :func:`bingeo.incidents.parse_period`."""
    from bingeo.incidents import parse_period

    got = parse_period(value, name=f"--{name}")
    if got.first is None or got.last is None:  # pragma: no cover - parse_period gives both
        msg = f"--{name} needs both FROM and TO."
        raise InputError(msg)
    return got.first, got.last


def _day_after(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day) + pd.Timedelta(days=1)


def around_founding(founded: dt.date | str, *, months: int = AROUND_FOUNDING_MONTHS) -> tuple[Period, Period]:
    """Before and after periods of ``months`` either side of a founding date, (FROM, TO) with both included.

    The before period ends the day before the founding date; the after period starts on it.

    Examples
    --------
    >>> around_founding("2024-03-01", months=12)
    ((datetime.date(2023, 3, 1), datetime.date(2024, 2, 29)), (datetime.date(2024, 3, 1), datetime.date(2025, 2, 28)))
    """
    day = founded if isinstance(founded, dt.date) else dt.date.fromisoformat(str(founded)[:10])
    if int(months) != months or months < 1:
        msg = f"`months` must be a whole number of months ≥ 1, got {months!r}."
        raise InputError(msg)
    ts = pd.Timestamp(day)
    start = (ts - pd.DateOffset(months=int(months))).date()
    end = (ts + pd.DateOffset(months=int(months))).date()
    one = dt.timedelta(days=1)
    return (start, day - one), (day, end - one)


@dataclass
class BeforeAfter(Result):
    """Result of :func:`before_after` (formulas in the module docstring).

    Attributes
    ----------
    network_id : str
        The response area's network.
    before, after : (date, date)
        Periods, FROM and TO both included (whole days).
    days : dict
        ``before``/``after`` period lengths in days (TO − FROM + 1).
    counts : dict
        ``{"R": {"before": n, "after": n}, "B": {...}, "C": {...}}``.
    rates_per_day : dict
        The counts divided by the period lengths, same keys.
    success_measure, buffer_displacement_measure, wdq, total_net_effect, relative_change : float or None
        None when undefined, with the reason in ``undefined``.
    undefined : dict
        Reason per undefined figure.
    areas : dict
        Per area (``R``, ``B``, ``C``, ``study_area``): ``definition`` and ``area_m2``.
    geometries : dict
        The three areas as shapely geometries (not part of :meth:`as_dict`).
    monthly : DataFrame
        Incidents per calendar month in R, B and C over both periods (for charts).
    incidents : dict
        How the incidents were used: ``in_periods``, ``outside_periods``, ``outside_areas``, ``no_date``.
    rejects : DataFrame
        Incidents without a usable date, with ``reject_reason``.
    interpretation : str
        A plain-language sentence.
    """

    network_id: str
    before: Period
    after: Period
    days: dict[str, int]
    counts: dict[str, dict[str, int]]
    rates_per_day: dict[str, dict[str, float]]
    success_measure: float | None
    buffer_displacement_measure: float | None
    wdq: float | None
    total_net_effect: float | None
    relative_change: float | None
    undefined: dict[str, str]
    areas: dict[str, dict[str, Any]]
    geometries: dict[str, Any] = field(repr=False, default_factory=dict)
    monthly: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    incidents: dict[str, int] = field(default_factory=dict)
    rejects: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    interpretation: str = ""
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Figures under stable keys (for JSON): counts, the four measures, areas, periods, interpretation."""
        return {
            "network_id": self.network_id,
            "before": {
                "from": self.before[0].isoformat(),
                "to": self.before[1].isoformat(),
                "days": self.days["before"],
            },
            "after": {"from": self.after[0].isoformat(), "to": self.after[1].isoformat(), "days": self.days["after"]},
            "periods_note": "FROM and TO both included (whole days)",
            "counts": self.counts,
            "rates_per_day": self.rates_per_day,
            "success_measure": self.success_measure,
            "buffer_displacement_measure": self.buffer_displacement_measure,
            "wdq": self.wdq,
            "total_net_effect": self.total_net_effect,
            "relative_change": self.relative_change,
            "undefined": self.undefined,
            "areas": self.areas,
            "incidents": self.incidents,
            "interpretation": self.interpretation,
            "formulas": {
                "success_measure": "R_a/C_a - R_b/C_b",
                "buffer_displacement_measure": "B_a/C_a - B_b/C_b",
                "wdq": "buffer_displacement_measure / success_measure",
                "total_net_effect": "[R_b*(C_a/C_b) - R_a] + [B_b*(C_a/C_b) - B_a]",
                "relative_change": "(R_a/R_b) / (C_a/C_b)",
                "source": "Bowers & Johnson (2003), J. Quant. Criminol. 19(3) 275-301; Guerette (2009), COPS "
                "Problem-Solving Tools No. 10",
            },
        }

    def popup(self) -> dict[str, Any]:
        """Return a short per-network summary for a web-map popup (no personal data: counts and measures only)."""
        return {
            "network_id": self.network_id,
            "before": f"{self.before[0]} – {self.before[1]}",
            "after": f"{self.after[0]} – {self.after[1]}",
            "R_before": self.counts["R"]["before"],
            "R_after": self.counts["R"]["after"],
            "B_before": self.counts["B"]["before"],
            "B_after": self.counts["B"]["after"],
            "C_before": self.counts["C"]["before"],
            "C_after": self.counts["C"]["after"],
            "wdq": _round(self.wdq),
            "total_net_effect": _round(self.total_net_effect),
            "interpretation": self.interpretation,
        }

    def summary(self) -> str:
        """Human summary: a table of counts and rates, the measures, and the interpretation."""

        def show(name: str, value: float | None) -> str:
            return f"{value:,.3f}" if value is not None else f"undefined ({self.undefined.get(name, '')})"

        d_b, d_a = self.days["before"], self.days["after"]
        lines = [
            f"Network {self.network_id}: before {self.before[0]} to {self.before[1]} ({d_b:,} days), "
            f"after {self.after[0]} to {self.after[1]} ({d_a:,} days); FROM and TO both included.",
            f"{'area':<22}{'before':>9}{'after':>9}{'before/day':>12}{'after/day':>12}  definition",
        ]
        for key, label in (("R", "R response (network)"), ("B", "B buffer ring"), ("C", "C control")):
            c, r = self.counts[key], self.rates_per_day[key]
            lines.append(
                f"{label:<22}{_num(c['before']):>9}{_num(c['after']):>9}{r['before']:>12.3f}{r['after']:>12.3f}  "
                f"{self.areas[key]['definition']} ({self.areas[key]['area_m2'] / 1e6:,.2f} km²)"
            )
        lines += [
            f"Relative change in R vs C (R_a/R_b)/(C_a/C_b): {show('relative_change', self.relative_change)}",
            f"Success measure R_a/C_a − R_b/C_b: {show('success_measure', self.success_measure)}",
            f"Buffer displacement measure B_a/C_a − B_b/C_b: "
            f"{show('buffer_displacement_measure', self.buffer_displacement_measure)}",
            f"WDQ = BDM / SM: {show('wdq', self.wdq)}",
            "Total net effect [R_b·C_a/C_b − R_a] + [B_b·C_a/C_b − B_a]: "
            f"{show('total_net_effect', self.total_net_effect)}",
            self.interpretation,
        ]
        return "\n".join(lines)


def _round(v: float | None, nd: int = 3) -> float | None:
    return None if v is None else round(float(v), nd)


def _interpret(r: BeforeAfter) -> str:
    sm, wdq, tne = r.success_measure, r.wdq, r.total_net_effect
    if sm is None:
        return f"The effect cannot be judged: {r.undefined.get('success_measure', 'the success measure is undefined')}."
    if sm >= 0:
        trend = "rose" if sm > 0 else "did not change"
        return (
            f"Relative to the control area, incidents in the network {trend} after the start "
            f"(success measure {sm:+.3f}): there is no reduction to credit to the network, so displacement "
            "(WDQ) is not interpreted."
        )
    net = (
        f"; net of the buffer, about {tne:,.1f} incidents were prevented over the after period"
        if tne is not None and tne > 0
        else (f"; in total {-tne:,.1f} more incidents than expected in network and buffer" if tne is not None else "")
    )
    if wdq is None:
        return f"Incidents in the network fell relative to the control area (success measure {sm:+.3f}){net}."
    if wdq > 1:
        kind = "benefits spread to the buffer ring (diffusion of benefits), more than the direct effect"
    elif wdq > 0.1:
        kind = "benefits spread to the buffer ring as well (diffusion of benefits)"
    elif wdq >= -0.1:
        kind = "with hardly any displacement to or diffusion into the buffer ring"
    elif wdq >= -1:
        kind = "some incidents moved to the buffer ring (displacement), fewer than were prevented"
    else:
        kind = "more incidents moved to the buffer ring than were prevented (displacement larger than the effect)"
    return (
        f"Incidents in the network fell relative to the control area (success measure {sm:+.3f}), "
        f"{kind} (WDQ {wdq:+.2f}){net}."
    )


def _union(geoms: Sequence[Any]) -> Any:
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    return shapely.union_all(geoms) if geoms else shapely.Polygon()


def _areas(
    networks: gpd.GeoDataFrame,
    network_id: str,
    *,
    buffer: float,
    study_area: Any,
    control: Any,
    incidents: gpd.GeoDataFrame,
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    ids = networks["network_id"].astype(str)
    mine = networks[ids == str(network_id)]
    if mine.empty:
        known = ", ".join(sorted(ids.unique())[:20])
        msg = f"no network {network_id!r} among the networks given (known: {known})."
        raise InputError(msg)
    r = _union(mine.geometry.to_numpy())
    others = _union(networks[ids != str(network_id)].geometry.to_numpy())
    disc = r.buffer(buffer)
    b = disc.difference(r).difference(others) if not others.is_empty else disc.difference(r)
    n_others = int((ids != str(network_id)).sum())
    defs: dict[str, dict[str, Any]] = {
        "R": {"definition": f"network {network_id}"},
        "B": {
            "definition": f"ring of {buffer:g} m around the network, minus the network"
            + (f" and {n_others} other network(s)" if n_others else ""),
            "buffer_m": buffer,
        },
    }
    if control is not None:
        cg = _as_geometry(control, "control", networks.crs)
        c = cg.difference(disc)
        removed = cg.area - c.area
        defs["C"] = {
            "definition": "the given control area"
            + (f", minus {removed / 1e6:,.3f} km² that overlaps the network or its buffer ring" if removed > 0 else "")
        }
        study = None
    else:
        if study_area is not None:
            study = _as_geometry(study_area, "study_area", networks.crs)
            defs["study_area"] = {"definition": "the given study area"}
        else:
            study = shapely.convex_hull(shapely.multipoints(incidents.geometry.to_numpy()))
            defs["study_area"] = {"definition": "convex hull of the incidents (both periods)"}
        c = study.difference(disc)
        if not others.is_empty:
            c = c.difference(others)
        defs["C"] = {
            "definition": "study area minus the network, its buffer ring"
            + (" and the other networks" if n_others else "")
        }
    geoms = {"R": r, "B": b, "C": c}
    if study is not None:
        defs["study_area"]["area_m2"] = float(study.area)
    for k, g in geoms.items():
        defs[k]["area_m2"] = float(g.area)
    return geoms, defs


def _as_geometry(value: Any, name: str, crs: Any) -> Any:
    if isinstance(value, (gpd.GeoDataFrame, gpd.GeoSeries)):
        check_same_crs(value.crs, crs, left=name, right="networks")
        return _union(value.geometry.to_numpy())
    if isinstance(value, shapely.Geometry):
        return value
    msg = f"`{name}` should be a polygon (shapely geometry or GeoDataFrame), got {type(value)}."
    raise TypeError(msg)


def _classify(points: gpd.GeoDataFrame, geoms: dict[str, Any]) -> np.ndarray:
    """Area of each point: 'R', then 'B', then 'C' (first that covers it), else ''."""
    out = np.full(len(points), "", dtype=object)
    pts = points.geometry.to_numpy()
    free = np.ones(len(points), dtype=bool)
    for key in ("R", "B", "C"):
        g = geoms[key]
        if g.is_empty or not free.any():
            continue
        shapely.prepare(g)
        hit = np.zeros(len(points), dtype=bool)
        hit[free] = shapely.intersects(g, pts[free])  # covers, for points
        out[hit] = key
        free &= ~hit
    return out


def before_after(
    incidents: gpd.GeoDataFrame,
    networks: gpd.GeoDataFrame,
    *,
    network_id: str,
    before: Period | Sequence[Any],
    after: Period | Sequence[Any],
    buffer: float = BUFFER,
    control: Any = None,
    study_area: Any = None,
    date_field: str | None = None,
    windows: Windows | None = None,
    how: str = "aoristic",
    max_window: pd.Timedelta = MAX_WINDOW,
) -> BeforeAfter:
    """Before/after evaluation of one network with a buffer ring and a control area (WDQ, net effect).

    Parameters
    ----------
    incidents : GeoDataFrame
        Incident points with dates, in the networks' (projected) CRS. Filter the
        type (e.g. burglaries) beforehand.
    networks : GeoDataFrame
        Networks with a ``network_id`` column: the one evaluated (``R``) and the
        others, which are cut out of the buffer ring and of the default control area.
    network_id : str
        The network evaluated.
    before, after : (FROM, TO)
        Periods as dates or ISO strings (or ``"FROM/TO"`` text); FROM and TO both included, so
        ``("2014-01-01", "2014-12-31")`` is the whole of 2014. They must not overlap.
    buffer : float
        Width of the buffer ring, metres.
    control : Polygon or GeoDataFrame, optional
        The control area. Parts of it inside the network or its buffer ring are
        removed. Default: the study area minus the network, its buffer ring and the
        other networks.
    study_area : Polygon or GeoDataFrame, optional
        For the default control area. Default: the convex hull of all incidents given.
    date_field : str, optional
        See :func:`bingeo.incidents.incident_days`.
    windows : Windows, optional
        Each incident's time window, row for row (:func:`bingeo.aoristic.require_windows`), instead of its
        date: with ``how="aoristic"`` an incident counts in a period with the share of its window inside it
        (:func:`bingeo.aoristic.period_shares`), so the counts are sums of weights, and the monthly table
        spreads each window over the months it covers; ``"begin"``, ``"midpoint"`` and ``"end"`` count it at
        that instant.
    how, max_window
        As :func:`bingeo.aoristic.time_bins`.

    Returns
    -------
    BeforeAfter
        Counts, rates, the measures, area definitions and an interpretation.

    Notes
    -----
    Each incident counts in one area: the network if it covers it, else the buffer
    ring, else the control area. Incidents outside all three and incidents outside
    both periods are counted in ``incidents`` but not used; incidents without a
    date are kept in ``rejects``.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd, shapely
    >>> nets = gpd.GeoDataFrame({"network_id": ["N1"]}, geometry=[shapely.box(0, 0, 100, 100)], crs=28992)
    >>> pts = gpd.GeoDataFrame(
    ...     {"date": pd.to_datetime(["2023-02-01"] * 4 + ["2024-02-01"] * 3)},
    ...     geometry=gpd.points_from_xy([50, 50, 300, 5000, 50, 300, 5000], [50] * 7), crs=28992)
    >>> r = before_after(pts, nets, network_id="N1", before=("2023-01-01", "2023-12-31"),
    ...                  after=("2024-01-01", "2024-12-31"), buffer=500,
    ...                  study_area=shapely.box(-1000, -1000, 6000, 1000))
    >>> r.counts
    {'R': {'before': 2, 'after': 1}, 'B': {'before': 1, 'after': 1}, 'C': {'before': 1, 'after': 1}}
    >>> r.success_measure, r.buffer_displacement_measure, r.wdq, r.total_net_effect
    (-1.0, 0.0, 0.0, 1.0)
    """
    from bingeo.incidents import incident_days

    check_same_crs(incidents.crs, networks.crs, left="incidents", right="networks")
    if networks.crs is not None and networks.crs.is_geographic:  # buffers in metres: the place's national grid
        metric_networks, note = to_metric(networks, what="the networks")
        metric = metric_networks.crs
        res = before_after(
            incidents.to_crs(metric),
            metric_networks,
            network_id=network_id,
            before=before,
            after=after,
            buffer=buffer,
            control=_reproject_area(control, networks.crs, metric),
            study_area=_reproject_area(study_area, networks.crs, metric),
            date_field=date_field,
            windows=windows,
            how=how,
            max_window=max_window,
        )
        res.geometries = {k: _reproject_area(g, metric, networks.crs) for k, g in res.geometries.items()}
        res.notes.insert(0, f"{note}; the areas are given in {crs_label(networks.crs)}")
        return res
    if "network_id" not in networks.columns:
        msg = f"`networks` needs a network_id column; columns: {', '.join(map(str, networks.columns))}."
        raise InputError(msg)
    if not buffer > 0:
        msg = f"`buffer` must be a positive width in metres, got {buffer!r}."
        raise InputError(msg)
    pb, pa = _as_period(before, "before"), _as_period(after, "after")
    if pb[0] <= pa[1] and pa[0] <= pb[1]:
        msg = (
            f"the before period {pb[0]} to {pb[1]} and the after period {pa[0]} to {pa[1]} overlap (FROM and TO "
            "are both included): end --before the day before --after starts."
        )
        raise InputError(msg)
    if windows is None:
        dates = incident_days(incidents, date_field=date_field)
    else:
        if len(windows.begin) != len(incidents):
            msg = f"`windows` has {len(windows.begin)} rows for {len(incidents)} incidents."
            raise ValueError(msg)
        dates = pd.Series(windows.begin.astype("datetime64[ns]"), index=incidents.index)
    no_date = dates.isna().to_numpy()
    rejects = _undated(incidents, dates)
    dated = incidents[~no_date]
    d = dates[~no_date]
    geoms, defs = _areas(networks, network_id, buffer=buffer, study_area=study_area, control=control, incidents=dated)
    if windows is None:
        wb = ((d >= pd.Timestamp(pb[0])) & (d < _day_after(pb[1]))).to_numpy(dtype=np.float64)
        wa = ((d >= pd.Timestamp(pa[0])) & (d < _day_after(pa[1]))).to_numpy(dtype=np.float64)
    else:
        dated_windows = windows.take(~no_date)  # row for row with `dated`
        shares = [
            period_shares(dated_windows, pd.Timestamp(p[0]), _day_after(p[1]), how=how, max_window=max_window)
            for p in (pb, pa)
        ]
        wb, wa = shares
    in_b, in_a = wb > 0, wa > 0
    use = in_b | in_a
    area = np.full(len(dated), "", dtype=object)
    area[use] = _classify(dated[use], geoms)

    def total(w: np.ndarray) -> float:
        return int(w.sum()) if windows is None else round(float(w.sum()), 6)

    counts = {k: {"before": total(wb[area == k]), "after": total(wa[area == k])} for k in "RBC"}
    days = {"before": (pb[1] - pb[0]).days + 1, "after": (pa[1] - pa[0]).days + 1}
    rates = {k: {p: counts[k][p] / days[p] for p in ("before", "after")} for k in "RBC"}
    rb, ra = counts["R"]["before"], counts["R"]["after"]
    bb, ba = counts["B"]["before"], counts["B"]["after"]
    cb, ca = counts["C"]["before"], counts["C"]["after"]
    undefined: dict[str, str] = {}
    sm = bdm = wdq = tne = rel = None
    if cb == 0 or ca == 0:
        which, sub = ("before", "b") if cb == 0 else ("after", "a")
        why = f"no incidents in the control area in the {which} period (C_{sub} = 0)"
        for k in ("success_measure", "buffer_displacement_measure", "wdq", "total_net_effect", "relative_change"):
            undefined[k] = why
    else:
        sm = ra / ca - rb / cb
        bdm = ba / ca - bb / cb
        tne = (rb * (ca / cb) - ra) + (bb * (ca / cb) - ba)
        if sm == 0:
            undefined["wdq"] = "the success measure is 0 (no change in the network relative to the control)"
        else:
            wdq = bdm / sm + 0.0  # no -0.0
        if rb == 0:
            undefined["relative_change"] = "no incidents in the network in the before period (R_b = 0)"
        else:
            rel = (ra / rb) / (ca / cb)
    if windows is None:
        monthly = _monthly(d[use], area[use], pb, pa)
    else:
        monthly = _monthly_spread(dated_windows.take(use), area[use], pb, pa, how, max_window)
    result = BeforeAfter(
        network_id=str(network_id),
        before=pb,
        after=pa,
        days=days,
        counts=counts,
        rates_per_day=rates,
        success_measure=sm,
        buffer_displacement_measure=bdm,
        wdq=wdq,
        total_net_effect=tne,
        relative_change=rel,
        undefined=undefined,
        areas=defs,
        geometries=geoms,
        monthly=monthly,
        incidents={
            "in_periods_and_areas": int((area != "").sum()),
            "in_periods_outside_areas": int((use & (area == "")).sum()),
            "outside_periods": int((~use).sum()),
            "no_date": int(no_date.sum()),
        },
        rejects=rejects,
    )
    result.interpretation = _interpret(result)
    return result


def _undated(incidents: gpd.GeoDataFrame, dates: pd.Series) -> pd.DataFrame:
    """Return the incidents without a usable date (attributes only), with ``reject_reason`` 'no_date'."""
    rejects = pd.DataFrame(incidents.drop(columns=incidents.geometry.name)[dates.isna().to_numpy()])
    rejects["reject_reason"] = "no_date"
    return rejects


def _monthly(dates: pd.Series, area: np.ndarray, pb: Period, pa: Period) -> pd.DataFrame:
    lo, hi = min(pb[0], pa[0]), max(pb[1], pa[1])
    months = pd.period_range(pd.Timestamp(lo), pd.Timestamp(hi), freq="M")
    frame = pd.DataFrame({"month": dates.dt.to_period("M").array, "area": area})
    table = frame.groupby(["month", "area"]).size().unstack(fill_value=0)
    table = table.reindex(index=months, columns=["R", "B", "C"], fill_value=0)
    table.index = table.index.astype(str)
    table.index.name = "month"
    return table.reset_index()


def _monthly_spread(
    windows: Windows, area: np.ndarray, pb: Period, pa: Period, how: str, max_window: pd.Timedelta
) -> pd.DataFrame:
    """Weights per month and area: each window spread over the months it covers (or one instant of it)."""
    months = pd.period_range(pd.Timestamp(min(pb[0], pa[0])), pd.Timestamp(max(pb[1], pa[1])), freq="M")
    edges = pd.DatetimeIndex([m.start_time for m in months] + [(months[-1] + 1).start_time])
    code = np.select([area == "R", area == "B", area == "C"], [0, 1, 2], -1)
    keep = code >= 0
    got = time_bins(
        windows.begin[keep], windows.end[keep], edges, groups=code[keep], n_groups=3, how=how, max_window=max_window
    )
    table = pd.DataFrame(got.weights.T.round(6), columns=["R", "B", "C"], index=months.astype(str))
    table.index.name = "month"
    return table.reset_index()


# ======================================================================================= all networks
@dataclass
class NetworkEvaluations(Result):
    """Result of :func:`evaluate_networks`.

    Attributes
    ----------
    table : DataFrame
        One row per network: ``network_id``, ``name``, ``founded``, ``evaluated`` (bool), ``reason``
        (why not), the six counts, the measures and the interpretation.
    results : dict
        :class:`BeforeAfter` per evaluated network id.
    rejects : DataFrame
        Incidents without a usable date (used by no network), with ``reject_reason``.
    """

    table: pd.DataFrame
    results: dict[str, BeforeAfter]
    rejects: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """How many networks were evaluated, and why the others were not."""
        done = self.table["evaluated"].astype(bool) if len(self.table) else self.table.get("evaluated", [])
        lines = [f"{int(sum(done))} of {len(self.table)} networks evaluated."]
        lines += [f"{nid}: {res.interpretation}" for nid, res in self.results.items()]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """Return the per-network figures (JSON-safe): evaluated ones in full, the others with their reason."""
        return json_safe(
            {
                "networks": {nid: r.as_dict() for nid, r in self.results.items()},
                "not_evaluated": {
                    str(r.network_id): r.reason for r in self.table.itertuples() if not bool(r.evaluated)
                },
                "rejects": len(self.rejects),
                "notes": self.notes,
            }
        )

    def popups(self) -> dict[str, dict[str, Any]]:
        """Per-network summary dicts for web-map popups: counts, WDQ, net effect, interpretation.

        Networks that were not evaluated get ``{"network_id": ..., "evaluated": False, "reason": ...}``.
        """
        out: dict[str, dict[str, Any]] = {}
        for row in self.table.itertuples():
            nid = str(row.network_id)
            if nid in self.results:
                out[nid] = {"evaluated": True, **self.results[nid].popup()}
            else:
                out[nid] = {"network_id": nid, "evaluated": False, "reason": row.reason}
        return out


def evaluate_networks(
    incidents: gpd.GeoDataFrame,
    networks: gpd.GeoDataFrame,
    *,
    months: int = AROUND_FOUNDING_MONTHS,
    buffer: float = BUFFER,
    min_incidents: int = MIN_INCIDENTS,
    study_area: Any = None,
    date_field: str | None = None,
    windows: Windows | None = None,
    how: str = "aoristic",
    max_window: pd.Timedelta = MAX_WINDOW,
) -> NetworkEvaluations:
    """Evaluate every network ``months`` either side of its founding date (see :func:`before_after`).

    A network is evaluated when it has a founding date (its ``valid_from``, else
    its ``founded``: :func:`founding_date`), the incidents cover both periods (their first date is at most
    31 days after the start of the before period and their last at most 31 days
    before the end of the after period, so monthly data dated the 1st count),
    and at least ``min_incidents`` incidents fall in the network over both
    periods. Otherwise its row says why not. For each network, the other networks
    are those whose lifetime overlaps its two periods.

    Parameters
    ----------
    incidents : GeoDataFrame
        Incident points with dates, in the networks' CRS (filter the type beforehand).
    networks : GeoDataFrame
        Networks (e.g. ``store.networks(include_retired=True)``) with ``network_id``
        and ``valid_from``/``founded``, ``valid_to``.
    months, buffer, min_incidents, study_area, date_field, windows, how, max_window
        See above and :func:`before_after`. With ``windows`` the incidents cover the time from the first
        window's begin to the last one's end.

    Returns
    -------
    NetworkEvaluations
        With the incidents without a usable date in ``rejects``.
    """
    from bingeo.incidents import incident_days

    if windows is None:
        dates = incident_days(incidents, date_field=date_field)
        rejects = _undated(incidents, dates)
        known = dates.dropna()
    else:
        rejects = _undated(incidents, pd.Series(0, index=incidents.index))
        known = pd.Series(np.r_[windows.begin, windows.end - 1].astype("datetime64[ns]"))
    first = known.min().date() if len(known) else None
    last = known.max().date() if len(known) else None
    slack = dt.timedelta(days=COVERAGE_SLACK_DAYS)
    rows = []
    results: dict[str, BeforeAfter] = {}
    for idx in range(len(networks)):
        net = networks.iloc[idx]
        nid = str(net["network_id"])
        row: dict[str, Any] = {"network_id": nid, "name": net.get("name"), "founded": None, "evaluated": False}
        founded = founding_date(net)
        if founded is None:
            row["reason"] = "no founding date"
            rows.append(row)
            continue
        row["founded"] = founded.isoformat()
        pb, pa = around_founding(founded, months=months)
        if first is None or first - slack > pb[0] or last + slack < pa[1]:
            row["reason"] = (
                f"the incidents ({first} .. {last}) do not cover {pb[0]} .. {pa[1]} ({months} months either side)"
            )
            rows.append(row)
            continue
        res = before_after(
            incidents,
            networks_alive(networks, pb[0], pa[1], keep=nid),
            network_id=nid,
            before=pb,
            after=pa,
            buffer=buffer,
            study_area=study_area,
            date_field=date_field,
            windows=windows,
            how=how,
            max_window=max_window,
        )
        n_r = res.counts["R"]["before"] + res.counts["R"]["after"]
        if n_r < min_incidents:
            row["reason"] = f"only {n_r:g} incidents in the network over both periods (fewer than {min_incidents})"
            rows.append(row)
            continue
        results[nid] = res
        row.update(evaluated=True, reason="")
        for k in "RBC":
            row[f"{k}_before"] = res.counts[k]["before"]
            row[f"{k}_after"] = res.counts[k]["after"]
        row.update(
            success_measure=res.success_measure,
            buffer_displacement_measure=res.buffer_displacement_measure,
            wdq=res.wdq,
            total_net_effect=res.total_net_effect,
            relative_change=res.relative_change,
            interpretation=res.interpretation,
        )
        rows.append(row)
    cols = ["network_id", "name", "founded", "evaluated", "reason"] + [
        f"{k}_{p}" for k in "RBC" for p in ("before", "after")
    ]
    cols += [
        "success_measure",
        "buffer_displacement_measure",
        "wdq",
        "total_net_effect",
        "relative_change",
        "interpretation",
    ]
    table = pd.DataFrame(rows).reindex(columns=cols)
    table = table.astype(object).where(table.notna(), None)
    return NetworkEvaluations(table=table, results=results, rejects=rejects)


@dataclass
class Evaluation(Result):
    """The outcome of :func:`run_evaluation`: one network's before/after figures, or every network's.

    Attributes
    ----------
    result : BeforeAfter or None
        One network's evaluation (``network_id`` given).
    networks : NetworkEvaluations or None
        Every network's, each around its own founding date (``network_id`` None).
    founded : datetime.date or None
        The founding date the periods were taken around (one network, ``months`` given).
    months : int or None
        Months either side of the founding date.
    rejects : DataFrame
        Incidents no evaluation could use (no date), with ``reject_reason``.
    notes : list of str
        What was decided (periods taken around a founding date).
    """

    result: BeforeAfter | None = None
    networks: NetworkEvaluations | None = None
    founded: dt.date | None = None
    months: int | None = None
    rejects: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return one network's figures, or a line per network."""
        inner = self.result if self.result is not None else self.networks
        return "\n".join([*self.notes, inner.summary()]) if inner is not None else "nothing evaluated"

    def as_dict(self) -> dict[str, Any]:
        """Return :meth:`payload` plus the notes (JSON-safe)."""
        return json_safe({**self.payload(), "notes": self.notes})

    def payload(self) -> dict[str, Any]:
        """Return the JSON document that ``bingeo evaluate --output x.json`` and the plugin write."""
        if self.networks is None:
            assert self.result is not None
            return self.result.as_dict()
        ev = self.networks
        skipped = ev.table[~ev.table["evaluated"].astype(bool)]
        return {
            "networks": {nid: r.as_dict() for nid, r in ev.results.items()},
            "not_evaluated": {str(r.network_id): r.reason for r in skipped.itertuples()},
            "popups": ev.popups(),
        }


def run_evaluation(
    incidents: gpd.GeoDataFrame,
    networks: gpd.GeoDataFrame,
    *,
    network_id: str | None = None,
    before: Period | Sequence[Any] | None = None,
    after: Period | Sequence[Any] | None = None,
    months: int | None = None,
    buffer: float = BUFFER,
    control: Any = None,
    study_area: Any = None,
    min_incidents: int = MIN_INCIDENTS,
    date_field: str | None = None,
    windows: Windows | None = None,
    how: str = "aoristic",
    max_window: pd.Timedelta = MAX_WINDOW,
) -> Evaluation:
    """Evaluate one network (``network_id``) or every network: the one flow of ``bingeo evaluate`` and the plugin.

    One network: the periods are ``before``/``after``, or ``months`` either side of its
    founding date (:func:`founding_date`); only the other networks alive during the periods
    (:func:`networks_alive`) are cut out of the buffer and control areas; then :func:`before_after`.
    Every network (``network_id`` None): :func:`evaluate_networks`, each around its own founding date
    (``months``, default :data:`AROUND_FOUNDING_MONTHS`).

    Parameters
    ----------
    incidents : GeoDataFrame
        Incidents with dates in the networks' (projected) CRS, already filtered by type.
    networks : GeoDataFrame
        All networks, retired ones included (their lifetimes decide which count as "other networks").
    network_id : str, optional
        The network evaluated; None evaluates every network.
    before, after : (date, date), optional
        The periods ``[from, to)`` for one network, unless ``months`` is given.
    months : int, optional
        Months either side of the founding date (``bingeo evaluate --around-founding``).
    buffer, control, study_area, date_field, windows, how, max_window
        As :func:`before_after`.
    min_incidents : int
        Every network: fewest incidents (both periods) to evaluate a network.

    Returns
    -------
    Evaluation
        With ``result`` (one network) or ``networks`` (every network), and :meth:`Evaluation.payload`.

    Raises
    ------
    InputError
        Periods and founding months both or neither given, no such network, or no founding date.
    """
    if network_id is None:
        ev = evaluate_networks(
            incidents,
            networks,
            months=months or AROUND_FOUNDING_MONTHS,
            buffer=buffer,
            min_incidents=min_incidents,
            study_area=study_area,
            date_field=date_field,
            windows=windows,
            how=how,
            max_window=max_window,
        )
        return Evaluation(networks=ev, months=months or AROUND_FOUNDING_MONTHS, rejects=ev.rejects)
    founded = None
    if months:
        if before or after:
            raise InputError("give the months around the founding date or the before/after periods, not both.")
        row = networks[networks["network_id"].astype(str) == str(network_id)]
        if row.empty:
            raise InputError(f"no network {network_id!r} among the {len(networks):,} networks given.")
        founded = founding_date(row.iloc[0])
        if founded is None:
            msg = (
                f"network {network_id} has no founding date (valid_from or founded): give the before and after periods."
            )
            raise InputError(msg)
        before, after = around_founding(founded, months=months)
    elif not (before and after):
        raise InputError("give the before and after periods (FROM/TO), or the months around the founding date.")
    before, after = _as_period(before, "before"), _as_period(after, "after")
    res = before_after(
        incidents,
        networks_alive(networks, min(before[0], after[0]), max(before[1], after[1]), keep=network_id),
        network_id=network_id,
        before=before,
        after=after,
        buffer=buffer,
        control=control,
        study_area=study_area,
        date_field=date_field,
        windows=windows,
        how=how,
        max_window=max_window,
    )
    notes = [f"periods: {months} months either side of the founding date {founded}"] if founded else []
    return Evaluation(result=res, founded=founded, months=months, rejects=res.rejects, notes=notes)


def networks_alive(
    networks: gpd.GeoDataFrame, start: dt.date, end: dt.date, *, keep: str | None = None
) -> gpd.GeoDataFrame:
    """Return the networks whose lifetime [valid_from, valid_to) overlaps the days ``start`` to ``end`` (included).

    These are the "other networks" cut out of the buffer ring and the control area
    when a network is evaluated over the periods from ``start`` to ``end``.

    Parameters
    ----------
    networks : GeoDataFrame
        Networks with ``network_id`` and optionally ``valid_from``/``valid_to``.
    start, end : date
        The span evaluated (both days included).
    keep : str, optional
        The id of the network evaluated: its rows are appended (at the end) when its
        lifetime does not overlap the span, so that it is always among those returned.
    """
    alive = np.ones(len(networks), dtype=bool)
    if "valid_from" in networks.columns:
        vf = pd.to_datetime(networks["valid_from"], errors="coerce")
        alive &= (vf.isna() | (vf < _day_after(end))).to_numpy()
    if "valid_to" in networks.columns:
        vt = pd.to_datetime(networks["valid_to"], errors="coerce")
        alive &= (vt.isna() | (vt > pd.Timestamp(start))).to_numpy()
    out = networks[alive]
    if keep is not None:
        ids = networks["network_id"].astype(str)
        if not (alive & (ids == str(keep)).to_numpy()).any():
            out = pd.concat([out, networks[(ids == str(keep)).to_numpy()]])
    return out


def founding_date(row: Any) -> dt.date | None:
    """Return the founding date of one network: its ``valid_from``, else its ``founded`` (None if neither).

    Missing values (None, NaN, NaT) and blank strings count as not set.

    Parameters
    ----------
    row : Series or dict
        One network (e.g. a row of ``store.networks(include_retired=True)``).

    Examples
    --------
    >>> founding_date({"valid_from": " ", "founded": "2021-05-17"})
    datetime.date(2021, 5, 17)
    >>> founding_date({"valid_from": None}) is None
    True
    """
    for col in ("valid_from", "founded"):
        value = row.get(col)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value):
            continue
        try:
            return pd.Timestamp(value.strip() if isinstance(value, str) else value).date()
        except (TypeError, ValueError):
            msg = f"network {row.get('network_id', '')}: {col} {value!r} is not a date (give YYYY-MM-DD)."
            raise InputError(msg) from None
    return None
