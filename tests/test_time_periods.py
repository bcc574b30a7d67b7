"""``--time`` in the workflows with periods (hotspots, pai, evaluate, emerging) against a per-minute brute force.

The reference reads ``woninginbraken.csv`` on its own (pandas), and weighs each incident by counting the minutes of
its window inside a period one by one: the share inside for ``aoristic`` (a window longer than 14 days at its
midpoint), 1 or 0 for the instant modes.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from bingeo.aoristic import incident_windows, period_shares
from bingeo.cli.main import cli

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SAMPLE = SAMPLES / "woninginbraken.csv"
LONG = pd.Timedelta(days=14)


def run(*args: object) -> str:
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def minute_weight(b: pd.Timestamp, e: pd.Timestamp, start: pd.Timestamp, stop: pd.Timestamp, how: str) -> float:
    """Brute force: the minutes of the window inside ``[start, stop)``, over all its minutes (an instant: 1 minute)."""
    if how == "aoristic" and e - b > LONG:
        how = "midpoint"
    if how != "aoristic":
        at = {"begin": b, "end": e - pd.Timedelta(1) if e > b else e, "midpoint": b + (e - b) // 2}[how]
        return float(start <= at < stop)
    n = max(int((e - b) / pd.Timedelta(minutes=1)), 1)
    minutes = pd.date_range(b, periods=n, freq="min")
    return float(((minutes >= start) & (minutes < stop)).sum()) / n


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, gpd.GeoDataFrame]:
    """A store of the sample networks, and the sample's usable rows read independently (b, e, geometry)."""
    work = tmp_path_factory.mktemp("timeperiods")
    store = work / "bins.gpkg"
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store)
    run("assign", SAMPLE, "--store", store, "-o", work / "a.csv")  # writes the rows rejected for their location
    bad = set(pd.read_csv(work / "a.rejects.csv", dtype=str)["source_row"].astype(int))
    df = pd.read_csv(SAMPLE, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    b = pd.to_datetime(df["Begin-pleegdatum/tijd"], dayfirst=True, format="%d-%m-%Y %H:%M", errors="coerce")
    e = pd.to_datetime(df["Eind-pleegdatum/tijd"], dayfirst=True, format="%d-%m-%Y %H:%M", errors="coerce")
    bad_end = (df["Eind-pleegdatum/tijd"] != "") & e.isna()
    e = e.fillna(b)
    keep = b.notna() & ~bad_end & (e >= b) & ~pd.Series(np.arange(1, len(df) + 1), index=df.index).isin(bad)
    x = pd.to_numeric(df["X"].str.replace(",", "."), errors="coerce")
    y = pd.to_numeric(df["Y"].str.replace(",", "."), errors="coerce")
    pts = gpd.GeoDataFrame({"b": b, "e": e}, geometry=gpd.points_from_xy(x, y), crs=28992)[keep]
    return store, pts.reset_index(drop=True)


def weights(pts: gpd.GeoDataFrame, start: str, stop: str, how: str = "aoristic") -> np.ndarray:
    lo, hi = pd.Timestamp(start), pd.Timestamp(stop)
    return np.array([minute_weight(b, e, lo, hi, how) for b, e in zip(pts["b"], pts["e"], strict=True)])


@pytest.mark.parametrize("how", ["aoristic", "begin", "midpoint", "end"])
def test_period_shares_equal_minutes(how: str) -> None:
    rng = np.random.default_rng(5)
    b = pd.Timestamp("2024-01-25") + pd.to_timedelta(rng.integers(0, 60 * 24 * 20, 300), unit="min")
    length = pd.to_timedelta(rng.choice([0, 30, 600, 3000, 30000], 300) + rng.integers(0, 60, 300), unit="min")
    frame = pd.DataFrame({"van": b, "tot": b + length})
    w = incident_windows(frame)
    got = period_shares(w, pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-08"), how=how)
    want = [
        minute_weight(x, y, pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-08"), how) for x, y in zip(b, b + length)
    ]
    np.testing.assert_allclose(got, want, atol=1e-12)


@pytest.mark.parametrize("how", ["aoristic", "end"])
def test_hotspots_period_on_windows(sample: tuple[Path, gpd.GeoDataFrame], tmp_path: Path, how: str) -> None:
    """Cell counts of ``hotspots --from/--to``: the minutes of each window inside the period, per cell."""
    store, pts = sample
    out = tmp_path / "h.gpkg"
    text = run(
        "hotspots", SAMPLE, "--store", store, "-o", out, "--from", "2022-01-01", "--to", "2022-06-30", "--time", how
    )
    assert "on the time windows from 'Begin-pleegdatum/tijd' to 'Eind-pleegdatum/tijd'" in text
    cells = gpd.read_file(out, layer="cells")
    w = weights(pts, "2022-01-01", "2022-07-01", how)
    inside = pts[w > 0].assign(w=w[w > 0])
    joined = gpd.sjoin(inside, cells[["row", "col", "geometry"]], predicate="within")
    want = joined.groupby(["row", "col"])["w"].sum()
    have = cells.set_index(["row", "col"])["count"]
    np.testing.assert_allclose(have.to_numpy(), want.reindex(have.index, fill_value=0).to_numpy(), atol=1e-9)
    assert have.sum() == pytest.approx(w.sum())
    spots = gpd.read_file(out, layer="hotspots")
    assert len(spots) and spots["incidents"].sum() <= have.sum() + 1e-9
    if how == "end":
        assert np.allclose(have.to_numpy() % 1, 0)


def test_pai_periods_on_windows(sample: tuple[Path, gpd.GeoDataFrame], tmp_path: Path) -> None:
    """``pai`` with windows: the fit's hot spots as ``hotspots --from/--to`` finds them; counts from the minutes."""
    store, pts = sample
    fit, test = ("2021-01-01", "2021-12-31"), ("2022-01-01", "2022-12-31")
    text = run(
        "pai", SAMPLE, "--store", store, "--fit", "/".join(fit), "--test", "/".join(test), "-o", tmp_path / "p.json"
    )
    assert "Periods counted by time window (aoristic)" in text and "23 windows longer than 14 days" in text
    got = json.loads((tmp_path / "p.json").read_text())
    run("hotspots", SAMPLE, "--store", store, "-o", tmp_path / "h.gpkg", "--from", fit[0], "--to", fit[1])
    cells = gpd.read_file(tmp_path / "h.gpkg", layer="cells")
    hot = gpd.read_file(tmp_path / "h.gpkg", layer="hotspots").union_all()
    study = cells.union_all()
    w1, w2 = weights(pts, "2021-01-01", "2022-01-01"), weights(pts, "2022-01-01", "2023-01-01")
    in_study, in_hot = pts.intersects(study).to_numpy(), pts.intersects(hot).to_numpy()
    assert got["fit_incidents"] == pytest.approx(w1[in_study].sum(), abs=1e-5)
    assert got["test_incidents"] == pytest.approx(w2[in_study].sum(), abs=1e-5)
    assert got["fit_in_hotspots"] == pytest.approx(w1[in_hot].sum(), abs=1e-5)
    assert got["test_in_hotspots"] == pytest.approx(w2[in_hot].sum(), abs=1e-5)
    assert got["pai"] == pytest.approx((w2[in_hot].sum() / w2[in_study].sum()) / (hot.area / study.area), rel=1e-6)
    assert w2.sum() % 1 != 0  # the windows make a difference here


def test_evaluate_periods_on_windows(sample: tuple[Path, gpd.GeoDataFrame], tmp_path: Path) -> None:
    """``evaluate`` with windows: R, B and C counts are the minutes of each window inside each period."""
    store, pts = sample
    from bingeo import open_store
    from bingeo.evaluate import before_after

    before, after = ("2021-01-01", "2021-12-31"), ("2022-01-01", "2022-12-31")
    args = ["--network", "GR-BIN-001", "--before", "/".join(before), "--after", "/".join(after)]
    text = run("evaluate", "--incidents", SAMPLE, "--store", store, *args, "-o", tmp_path / "e.json")
    assert "Periods counted by time window (aoristic)" in text and "23 windows longer than 14 days" in text
    got = json.loads((tmp_path / "e.json").read_text())["counts"]
    with open_store(store) as st:
        nets = st.networks(include_retired=True)
    res = before_after(
        pts,
        nets,
        network_id="GR-BIN-001",
        before=before,
        after=after,
        windows=incident_windows(pts, begin_field="b", end_field="e"),
    )
    assert res.counts == got  # the CLI reads the same incidents and windows as pandas does here
    g = res.geometries
    area = np.where(
        pts.within(g["R"]) | pts.touches(g["R"]),
        "R",
        np.where(pts.intersects(g["B"]), "B", np.where(pts.intersects(g["C"]), "C", "")),
    )
    wb, wa = weights(pts, "2021-01-01", "2022-01-01"), weights(pts, "2022-01-01", "2023-01-01")
    for k in "RBC":
        assert got[k]["before"] == pytest.approx(wb[area == k].sum(), abs=1e-5)
        assert got[k]["after"] == pytest.approx(wa[area == k].sum(), abs=1e-5)
    assert got["C"]["after"] % 1 != 0
    assert res.monthly["C"].sum() == pytest.approx(got["C"]["before"] + got["C"]["after"], abs=1e-5)


def test_emerging_cube_spreads_windows(sample: tuple[Path, gpd.GeoDataFrame], tmp_path: Path) -> None:
    """``emerging`` with windows: each bin holds the minutes of the windows in its cell and quarter."""
    store, pts = sample
    out = tmp_path / "em.gpkg"
    text = run("emerging", SAMPLE, "--store", store, "-o", out, "--interval", "quarter", "--cell-size", "1000")
    assert "Aoristic cube" in text and "23 windows longer than 14 days are counted at their midpoint" in text
    cube = gpd.read_file(out, layer="cube")
    locs = gpd.read_file(out, layer="locations")
    starts = pd.DatetimeIndex(sorted(pd.to_datetime(cube["step_start"]).unique()))
    edges = [*starts, starts[-1] + pd.offsets.QuarterBegin(startingMonth=1)]
    joined = gpd.sjoin(pts, locs[["row", "col", "geometry"]], predicate="within")
    want: dict[tuple[int, int, int], float] = {}
    for b, e, r, c in zip(joined["b"], joined["e"], joined["row"], joined["col"], strict=True):
        for t in range(len(edges) - 1):
            w = minute_weight(b, e, edges[t], edges[t + 1], "aoristic")
            if w:
                want[(r, c, t)] = want.get((r, c, t), 0.0) + w
    have = cube.set_index(["row", "col", "step"])["count"]
    ref = pd.Series(want).reindex(have.index, fill_value=0.0)
    np.testing.assert_allclose(have.to_numpy(), ref.to_numpy(), atol=1e-9)
    assert sum(want.values()) == pytest.approx(have.sum())
    assert have.sum() % 1 != 0
    # the instant modes count each incident once, in the step of that instant
    run(
        "emerging",
        SAMPLE,
        "--store",
        store,
        "-o",
        tmp_path / "b.gpkg",
        "--interval",
        "quarter",
        "--cell-size",
        "1000",
        "--time",
        "begin",
    )
    counts = gpd.read_file(tmp_path / "b.gpkg", layer="cube")["count"]
    assert np.allclose(counts % 1, 0)


def test_evaluate_leaves_out_windows_without_a_begin(sample: tuple[Path, gpd.GeoDataFrame]) -> None:
    """A row whose window has no begin is undated: the counts equal those without that row (windows kept in step)."""
    store, pts = sample
    from bingeo import open_store
    from bingeo.evaluate import before_after

    with open_store(store) as st:
        nets = st.networks(include_retired=True)
    kw = {"network_id": "GR-BIN-001", "before": ("2021-01-01", "2021-12-31"), "after": ("2022-01-01", "2022-12-31")}
    holed = pts.copy()
    holed.loc[holed.index[5], "b"] = pd.NaT
    got = before_after(holed, nets, windows=incident_windows(holed, begin_field="b", end_field="e"), **kw)
    rest = pts.drop(index=pts.index[5]).reset_index(drop=True)
    want = before_after(rest, nets, windows=incident_windows(rest, begin_field="b", end_field="e"), **kw)
    assert got.counts == want.counts
    pd.testing.assert_frame_equal(got.monthly, want.monthly)
