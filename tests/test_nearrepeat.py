"""Knox near-repeat test against a brute-force pairwise count, the exact null expectation and pointpats."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli
from bingeo.nearrepeat import NearRepeat, incident_days, knox_permutations, select_types, suggest_alert
from tests.conftest import need

DBANDS = [0, 100, 200, 400]
TBANDS = [0, 7, 14, 30]


def make_points(n=300, seed=7, spread=1500.0, days=200, dup_share=0.1):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, spread, n).round(0)
    y = rng.uniform(0, spread, n).round(0)
    # some incidents at exactly the same place, and pairs at exactly a band edge
    dup = rng.random(n) < dup_share
    src = rng.integers(0, n, n)
    x[dup], y[dup] = x[src[dup]], y[src[dup]]
    x[:4], y[:4] = [0, 100, 100, 300], [0, 0, 200, 200]  # 100 m, 200 m apart: upper edges, exclusive
    d = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, days, n), unit="D")
    d = d + pd.to_timedelta(rng.integers(0, 24 * 60, n), unit="min")  # time of day is ignored
    d = pd.Series(d)
    d.iloc[:4] = pd.to_datetime(["2024-01-01 23:50", "2024-01-08 00:10", "2024-01-15 00:00", "2024-01-22 00:00"])
    return gpd.GeoDataFrame({"when": d}, geometry=gpd.points_from_xy(x, y), crs=28992)


def brute_tables(x, y, days, dedges, tedges, perms=()):
    """Pair counts per band by a double loop over all pairs (open bands last); one table per date order."""
    n = len(x)
    nd, nt = len(dedges), len(tedges)

    def band(v, edges):
        b = 0
        while b < len(edges) - 1 and v >= edges[b + 1]:
            b += 1
        return b if v < edges[-1] else len(edges) - 1  # open band index = len(edges) - 1

    dist_band = {}
    for i in range(n):
        for j in range(i + 1, n):
            dist_band[i, j] = band(float(np.hypot(x[i] - x[j], y[i] - y[j])), dedges)
    out = []
    for order in [np.arange(n), *perms]:
        t = days[order]
        tab = np.zeros((nd, nt), dtype=np.int64)
        for (i, j), db in dist_band.items():
            tab[db, band(abs(int(t[i]) - int(t[j])), tedges)] += 1
        out.append(tab)
    return out


def test_observed_expected_and_pvalues_equal_brute_force():
    pts = make_points(n=200)
    knox = NearRepeat(distance_bands=DBANDS, time_bands=TBANDS, permutations=39, seed=11).fit(pts, date_field="when")
    x, y = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    days = pts["when"].dt.normalize().to_numpy().astype("datetime64[D]").astype(np.int64)
    perms = list(knox_permutations(len(x), 39, 11))  # the documented sequence of permutations
    obs, *sims = brute_tables(x, y, days, DBANDS, TBANDS, perms)
    np.testing.assert_array_equal(knox.observed, obs)
    assert knox.observed.sum() == len(x) * (len(x) - 1) // 2
    # exact expectation S_d * T_k / N from brute-force margins
    n_pairs = obs.sum()
    np.testing.assert_allclose(knox.expected, np.outer(obs.sum(axis=1), obs.sum(axis=0)) / n_pairs)
    exceed = sum((s >= obs).astype(int) for s in sims)
    np.testing.assert_allclose(knox.p_value, (1 + exceed) / 40)
    np.testing.assert_allclose(knox.expected_simulated, np.mean(sims, axis=0))
    # every permutation keeps the margins: row and column totals are those of the observed table
    for s in sims:
        np.testing.assert_array_equal(s.sum(axis=0), obs.sum(axis=0))
        np.testing.assert_array_equal(s.sum(axis=1), obs.sum(axis=1))


def test_bounds_lower_inclusive_upper_exclusive():
    # 3 incidents: A-B exactly 100 m and exactly 7 days apart, A-C 99.9 m and 6 days (time of day ignored)
    pts = gpd.GeoDataFrame(
        {"when": pd.to_datetime(["2024-01-01 23:59", "2024-01-08 00:01", "2024-01-07 12:00"])},
        geometry=gpd.points_from_xy([0, 100, 99.9], [0, 0, 0]),
        crs=28992,
    )
    knox = NearRepeat(distance_bands=[0, 100], time_bands=[0, 7], permutations=0).fit(pts)
    # rows [0,100) m, >= 100 m; columns [0,7) days, >= 7 days
    # A-C (99.9 m, 6 days) and B-C (0.1 m, 1 day) in [0,100) x [0,7); A-B (100 m, 7 days) in the open bands
    assert knox.observed.tolist() == [[2, 0], [0, 1]]
    assert knox.distance_labels == ["[0, 100) m", "≥ 100 m"]
    assert knox.time_labels == ["[0, 7) days", "≥ 7 days"]


def test_expected_is_the_permutation_mean():
    pts = make_points(n=400, seed=3)
    knox = NearRepeat(distance_bands=DBANDS, time_bands=TBANDS, permutations=999, seed=5).fit(pts)
    # the Monte Carlo mean converges to the exact expectation (standard error ~ sqrt(E)/sqrt(999))
    e, s = knox.expected, knox.expected_simulated
    assert np.all(np.abs(s - e) <= 5 * np.sqrt(np.maximum(e, 1)) / np.sqrt(999) + 1e-9)


def test_seeded_pvalues_reproducible():
    pts = make_points(n=250, seed=4)
    a = NearRepeat(distance_bands=DBANDS, time_bands=TBANDS, permutations=99, seed=42).fit(pts)
    b = NearRepeat(distance_bands=DBANDS, time_bands=TBANDS, permutations=99, seed=42).fit(pts)
    c = NearRepeat(distance_bands=DBANDS, time_bands=TBANDS, permutations=99, seed=43).fit(pts)
    np.testing.assert_array_equal(a.p_value, b.p_value)
    assert not np.array_equal(a.expected_simulated, c.expected_simulated)


def test_near_repeat_pattern_found_and_suggested():
    # background: random; plus bursts of incidents within 150 m and 10 days of each other
    rng = np.random.default_rng(1)
    n_bg = 600
    x = list(rng.uniform(0, 5000, n_bg))
    y = list(rng.uniform(0, 5000, n_bg))
    d = list(rng.integers(0, 365, n_bg))
    for _ in range(40):
        cx, cy, cd = rng.uniform(0, 5000), rng.uniform(0, 5000), rng.integers(0, 355)
        for _ in range(4):
            x.append(cx + rng.uniform(-70, 70))
            y.append(cy + rng.uniform(-70, 70))
            d.append(cd + rng.integers(0, 5))
    pts = gpd.GeoDataFrame(
        {"date": pd.Timestamp("2023-01-01") + pd.to_timedelta(d, unit="D")},
        geometry=gpd.points_from_xy(x, y),
        crs=28992,
    )
    knox = NearRepeat(distance_bands=[0, 200, 400, 800], time_bands=[0, 7, 14, 28], permutations=199, seed=0).fit(pts)
    assert knox.significant[0, 0] and knox.knox_ratio[0, 0] > 2
    assert knox.suggested_radius == 200 and knox.suggested_duration == 7
    assert "alert within 200 m for 7 days" in knox.suggestion
    # no pattern: dates shuffled -> no suggestion, with the reason
    shuffled = pts.assign(date=pts["date"].sample(frac=1, random_state=3).to_numpy())
    flat = NearRepeat(distance_bands=[0, 200, 400, 800], time_bands=[0, 7, 14, 28], permutations=199, seed=0)
    flat.fit(shuffled)
    if not flat.significant[0, 0]:
        assert flat.suggested_radius is None and "no suggestion" in flat.suggestion
    s = suggest_alert(pts, permutations=99, distance_bands=[0, 200, 400, 800], time_bands=[0, 7, 14, 28])
    assert (s.radius, s.duration) == (200.0, 7.0)
    # a minimum Knox ratio above the origin band's: no suggestion, and the reason says what was required
    strict = suggest_alert(
        pts,
        permutations=99,
        distance_bands=[0, 200, 400, 800],
        time_bands=[0, 7, 14, 28],
        min_ratio=float(knox.knox_ratio[0, 0]) + 1,
    )
    assert strict.radius is None and "Knox ratio ≥" in strict.reason


def test_against_pointpats_knox():
    try:
        import warnings

        with warnings.catch_warnings():
            # in the QGIS venv, pip's matplotlib (pulled in by pointpats) meets Debian's mpl_toolkits and
            # warns that 3D plots are unavailable: irrelevant to a Knox count
            warnings.filterwarnings("ignore", message="Unable to import Axes3D", category=UserWarning)
            from pointpats.spacetime import Knox
    except ImportError:  # test dependency: skipped on a developer machine, a failure in CI
        need("pointpats", "python3 -m pip install pointpats (an independent Knox implementation)")
    pts = make_points(n=300, seed=9, dup_share=0)
    pts["x"], pts["y"] = pts.geometry.x + 0.37, pts.geometry.y + 0.11  # keep pairs off the band edges
    pts = pts.set_geometry(gpd.points_from_xy(pts["x"] + np.random.default_rng(0).uniform(0, 0.01, len(pts)), pts["y"]))
    days = pts["when"].dt.normalize().to_numpy().astype("datetime64[D]").astype(np.int64)
    knox = NearRepeat(distance_bands=[0, 150, 300], time_bands=[0, 10, 20], permutations=0).fit(pts, date_field="when")
    xy = np.column_stack([pts.geometry.x, pts.geometry.y])
    for di, delta in ((1, 150.0), (2, 300.0)):
        for ti, tau in ((1, 9), (2, 19)):  # pointpats counts |dt| <= tau: for whole days, < tau + 1
            ref = Knox(xy, (days - days.min()).reshape(-1, 1).astype(float), delta=delta, tau=tau, permutations=0)
            assert knox.observed[:di, :ti].sum() == ref.nst
            cum_expected = knox.expected[:di, :ti].sum()
            assert cum_expected == pytest.approx(ref.expected[0, 0])


def test_errors_and_rejects():
    pts = make_points(n=20)
    with pytest.raises(bingeo.InputError, match="starting at 0"):
        NearRepeat(distance_bands=[50, 100])
    with pytest.raises(bingeo.InputError, match="increasing"):
        NearRepeat(time_bands=[0, 7, 7])
    with pytest.raises(bingeo.InputError, match="permutations"):
        NearRepeat(permutations=-1)
    # issue 13: incidents in degrees are measured in the metric grid of their place, and the notes say so
    geo = NearRepeat(permutations=9, seed=1).fit(pts.to_crs(4326))
    assert any("worked in EPSG:" in n for n in geo.notes)
    with pytest.raises(bingeo.InputError, match="no date column 'datum'"):
        NearRepeat().fit(pts, date_field="datum")
    with pytest.raises(bingeo.InputError, match="recognised as dates"):
        NearRepeat().fit(pts.drop(columns="when"))
    pts.loc[[2, 5], "when"] = pd.NaT
    knox = NearRepeat(distance_bands=DBANDS, time_bands=TBANDS, permutations=9, seed=1).fit(pts)
    assert knox.n == 18 and len(knox.rejects) == 2 and set(knox.rejects["reject_reason"]) == {"no_date"}
    assert knox.observed.sum() == 18 * 17 // 2
    with pytest.raises(bingeo.InputError, match="at least 2"):
        NearRepeat().fit(pts.iloc[:1])


def test_incident_days_from_text():
    df = pd.DataFrame({"d": ["2023-01-05", "5-1-2023 3:00", "not a date", None, "2023-01-05T10:00"]})
    days = incident_days(df, date_field="d")  # ISO first, then day-first as police exports write them
    assert days.iloc[0] == days.iloc[1] == days.iloc[4] == pd.Timestamp("2023-01-05")
    assert days.iloc[2:4].isna().all()


def test_select_types():
    df = pd.DataFrame({"soort": ["inbraak", "vernieling", "inbraak"], "omschrijving": ["inbraak", "x", "y"]})
    sel, col = select_types(df, ["inbraak"])  # both columns hold the value: the one named like a type wins
    assert col == "soort" and list(sel.index) == [0, 2]
    with pytest.raises(bingeo.InputError, match="cannot tell which column"):
        select_types(df.rename(columns={"soort": "a", "omschrijving": "b"}), ["inbraak"])
    with pytest.raises(bingeo.InputError, match="its values include: inbraak, vernieling"):
        select_types(df, ["fietsendiefstal"], type_field="soort")
    assert select_types(df, None)[0] is df


def test_incident_days_from_parts():
    df = pd.DataFrame({"YEAR": [2021, 2021], "MONTH": [3, 13], "DAY": [1, 1]})
    days = incident_days(df, date_field="YEAR,MONTH,DAY")
    assert days.iloc[0] == pd.Timestamp("2021-03-01") and pd.isna(days.iloc[1])


def test_cli_nearrepeat(tmp_path, samples):
    out = tmp_path / "knox.json"
    res = CliRunner().invoke(
        cli,
        [
            "nearrepeat",
            "--incidents",
            str(samples / "incidents.csv"),
            "--crs",
            "28992",
            "--type-field",
            "soort_delict",
            "--type",
            "woninginbraak",
            "--distance-bands",
            "0,100,200,400",
            "--time-bands",
            "0,7,14,30",
            "--permutations",
            "99",
            "--seed",
            "1",
            "--output",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "Knox test on 1,2" in res.output and "[0, 100) m" in res.output and "Suggestion:" in res.output

    def no_nan(name):
        raise AssertionError(f"{name} in the JSON")

    data = json.loads(out.read_text(encoding="utf-8"), parse_constant=no_nan)
    assert data["permutations"] == 99 and len(data["bands"]) == 4 * 4
    # the CLI filtered the type: the count equals the planted burglaries with usable coordinates
    raw = pd.read_csv(samples / "incidents.csv", sep=";", encoding="cp1252", decimal=",")
    assert data["incidents"] <= int((raw["soort_delict"] == "woninginbraak").sum())
    csv = tmp_path / "knox.csv"
    res = CliRunner().invoke(
        cli,
        [
            "nearrepeat",
            "--incidents",
            str(samples / "incidents.csv"),
            "--crs",
            "28992",
            "--permutations",
            "9",
            "--output",
            str(csv),
        ],
    )
    assert res.exit_code == 0, res.output
    table = pd.read_csv(csv)
    assert list(table.columns[:2]) == ["distance_band", "time_band"] and table["observed"].sum() > 0


def test_progress_and_cancel():
    pts = make_points(n=100)
    seen = []
    NearRepeat(distance_bands=DBANDS, time_bands=TBANDS, permutations=300, seed=1, progress=seen.append).fit(pts)
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) >= 2
    with pytest.raises(bingeo.InputError, match="cancelled"):
        NearRepeat(permutations=99, is_cancelled=lambda: True).fit(pts)


def test_blocks_of_permutations_on_any_number_of_workers(monkeypatch):
    import bingeo.nearrepeat as nearrepeat

    monkeypatch.setattr(nearrepeat, "PERMUTATION_BATCH", 8)  # 5 blocks, the last one short
    pts = make_points(n=150, seed=6)
    runs = [
        NearRepeat(distance_bands=DBANDS, time_bands=TBANDS, permutations=37, seed=3, workers=w).fit(
            pts, date_field="when"
        )
        for w in (1, 2, 3)
    ]
    for knox in runs[1:]:
        np.testing.assert_array_equal(knox.p_value, runs[0].p_value)
        np.testing.assert_array_equal(knox.expected_simulated, runs[0].expected_simulated)
    # and they are the documented permutations, block after block
    x, y = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    days = pts["when"].dt.normalize().to_numpy().astype("datetime64[D]").astype(np.int64)
    perms = list(knox_permutations(len(x), 37, 3))
    assert len(perms) == 37 and not np.array_equal(perms[0], perms[8])
    obs, *sims = brute_tables(x, y, days, DBANDS, TBANDS, perms)
    exceed = sum((s >= obs).astype(int) for s in sims)
    np.testing.assert_allclose(runs[0].p_value, (1 + exceed) / 38)
