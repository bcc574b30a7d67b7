"""Before/after evaluation (WDQ, net effect) against hand computations and an independent sjoin count."""

from __future__ import annotations

import datetime as dt
import json
import struct
import zlib

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

import bingeo
from bingeo.cli.main import cli
from bingeo.evaluate import around_founding, before_after, evaluate_networks, write_chart

BEFORE = ("2023-01-01", "2023-06-30")  # 181 days, FROM and TO both included
AFTER = ("2023-07-01", "2024-06-30")  # 366 days: periods of different length


def pts(rows):
    """rows: (x, y, date)."""
    return gpd.GeoDataFrame(
        {"date": pd.to_datetime([r[2] for r in rows])},
        geometry=gpd.points_from_xy([r[0] for r in rows], [r[1] for r in rows]),
        crs=28992,
    )


@pytest.fixture
def nets():
    # R = N1 (0..1000 square); N2 another network inside the would-be buffer ring and control area
    return gpd.GeoDataFrame(
        {"network_id": ["N1", "N2"]},
        geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1100, 0, 1300, 200)],
        crs=28992,
    )


def constructed_case():
    b, a = "2023-03-01", "2024-01-15"
    rows = []
    rows += [(500, 500, b)] * 20 + [(1000, 500, b)] * 2  # R before: 22 (2 on the boundary: R, not B)
    rows += [(500, 500, a)] * 12  # R after: 12
    rows += [(1200, 500, b)] * 10 + [(1200, 500, a)] * 15  # B (300 m east of R)
    rows += [(1200, 100, b)] * 7 + [(1200, 100, a)] * 9  # inside N2: neither B nor C
    rows += [(3000, 3000, b)] * 50 + [(3000, 3000, a)] * 80  # C
    rows += [(500, 500, "2022-06-01")] * 4  # outside both periods
    rows += [(99999, 99999, b)] * 3  # outside the study area
    return pts(rows)


def test_hand_computed_wdq_and_net_effect(nets):
    inc = constructed_case()
    study = shapely.box(-2000, -2000, 5000, 5000)
    r = before_after(inc, nets, network_id="N1", before=BEFORE, after=AFTER, buffer=500, study_area=study)
    assert r.counts == {
        "R": {"before": 22, "after": 12},
        "B": {"before": 10, "after": 15},
        "C": {"before": 50, "after": 80},
    }
    rb, ra, bb, ba, cb, ca = 22, 12, 10, 15, 50, 80
    # Bowers & Johnson (2003): SM = Ra/Ca - Rb/Cb; BDM = Ba/Ca - Bb/Cb; WDQ = BDM/SM
    sm = ra / ca - rb / cb  # 0.15 - 0.44 = -0.29
    bdm = ba / ca - bb / cb  # 0.1875 - 0.2 = -0.0125
    assert r.success_measure == pytest.approx(sm) and sm == pytest.approx(-0.29)
    assert r.buffer_displacement_measure == pytest.approx(bdm) and bdm == pytest.approx(-0.0125)
    assert r.wdq == pytest.approx(bdm / sm)
    # total net effect = [Rb*(Ca/Cb) - Ra] + [Bb*(Ca/Cb) - Ba] = (35.2 - 12) + (16 - 15) = 24.2
    assert r.total_net_effect == pytest.approx((rb * ca / cb - ra) + (bb * ca / cb - ba))
    assert r.total_net_effect == pytest.approx(24.2)
    assert r.relative_change == pytest.approx((ra / rb) / (ca / cb))
    # rates per day over periods of different length
    assert r.days == {"before": 181, "after": 366}
    assert r.rates_per_day["C"]["after"] == pytest.approx(80 / 366)
    assert r.incidents["outside_periods"] == 4 and r.incidents["in_periods_outside_areas"] == 3 + 16
    assert "fell relative to the control" in r.interpretation and "24.2 incidents were prevented" in r.interpretation
    # areas: B excludes R and N2, C excludes R, the buffer disc and N2
    ring = shapely.box(0, 0, 1000, 1000).buffer(500)
    assert r.areas["B"]["area_m2"] == pytest.approx(ring.area - 1e6 - 200 * 200, rel=1e-9)
    assert r.areas["C"]["area_m2"] == pytest.approx(7000**2 - ring.area, rel=1e-9)  # N2 lies inside the disc
    data = json.loads(json.dumps(r.as_dict()))
    for key in ("counts", "success_measure", "buffer_displacement_measure", "wdq", "total_net_effect", "areas"):
        assert key in data
    assert set(data["counts"]) == {"R", "B", "C"} and set(data["counts"]["R"]) == {"before", "after"}


def test_displacement_interpretation_and_given_control(nets):
    rows = [(500, 500, "2023-02-01")] * 30 + [(500, 500, "2023-09-01")] * 10  # R: 30 -> 10
    rows += [(1200, 500, "2023-02-01")] * 5 + [(1200, 500, "2023-09-01")] * 40  # B: 5 -> 40 (displacement)
    rows += [(4000, 4000, "2023-02-01")] * 20 + [(4000, 4000, "2023-09-01")] * 20  # C: 20 -> 20
    control = shapely.box(3000, 3000, 5000, 5000)
    r = before_after(pts(rows), nets, network_id="N1", before=BEFORE, after=AFTER, control=control)
    sm, bdm = 10 / 20 - 30 / 20, 40 / 20 - 5 / 20  # -1.0, 1.75
    assert r.success_measure == pytest.approx(sm) and r.wdq == pytest.approx(bdm / sm)  # -1.75
    assert "more incidents moved to the buffer ring than were prevented" in r.interpretation
    assert r.total_net_effect == pytest.approx((30 - 10) + (5 - 40))
    assert r.areas["C"]["definition"] == "the given control area"
    # a control that overlaps R: the overlap is cut out, and said so
    r2 = before_after(
        pts(rows), nets, network_id="N1", before=BEFORE, after=AFTER, control=shapely.box(900, 900, 5000, 5000)
    )
    assert "overlaps the network or its buffer ring" in r2.areas["C"]["definition"]


def test_undefined_ratios_are_none_with_reasons(nets):
    rows = [(500, 500, "2023-02-01")] * 3 + [(500, 500, "2023-09-01")] * 3
    r = before_after(
        pts(rows), nets, network_id="N1", before=BEFORE, after=AFTER, study_area=shapely.box(-2000, -2000, 5000, 5000)
    )
    assert r.counts["C"] == {"before": 0, "after": 0}
    for k in ("success_measure", "buffer_displacement_measure", "wdq", "total_net_effect", "relative_change"):
        assert getattr(r, k) is None and "control area" in r.undefined[k]
    assert "cannot be judged" in r.interpretation
    text = json.dumps(r.as_dict())
    assert "NaN" not in text and "Infinity" not in text
    # SM = 0: WDQ undefined, the rest defined
    rows = [(500, 500, "2023-02-01")] * 2 + [(500, 500, "2023-09-01")] * 2
    rows += [(3000, 3000, "2023-02-01")] * 4 + [(3000, 3000, "2023-09-01")] * 4
    r = before_after(
        pts(rows), nets, network_id="N1", before=BEFORE, after=AFTER, study_area=shapely.box(-2000, -2000, 5000, 5000)
    )
    assert r.success_measure == 0 and r.wdq is None and "success measure is 0" in r.undefined["wdq"]
    assert "did not change" in r.interpretation
    # R_b = 0: relative change undefined
    rows = [(500, 500, "2023-09-01")] + [(3000, 3000, "2023-02-01"), (3000, 3000, "2023-09-01")]
    r = before_after(
        pts(rows), nets, network_id="N1", before=BEFORE, after=AFTER, study_area=shapely.box(-2000, -2000, 5000, 5000)
    )
    assert r.relative_change is None and "R_b = 0" in r.undefined["relative_change"]


def test_errors_and_rejects(nets):
    inc = constructed_case()
    with pytest.raises(bingeo.InputError, match="overlap"):
        before_after(inc, nets, network_id="N1", before=("2023-01-01", "2023-07-01"), after=AFTER)  # 1 day shared
    with pytest.raises(bingeo.InputError, match="no network 'N9'"):
        before_after(inc, nets, network_id="N9", before=BEFORE, after=AFTER)
    with pytest.raises(bingeo.InputError, match="is before --before FROM"):
        before_after(inc, nets, network_id="N1", before=("2023-07-01", "2023-01-01"), after=AFTER)
    with pytest.raises(bingeo.CRSMismatchError):
        before_after(inc.to_crs(4326), nets, network_id="N1", before=BEFORE, after=AFTER)
    with pytest.raises(bingeo.InputError, match="positive width"):
        before_after(inc, nets, network_id="N1", before=BEFORE, after=AFTER, buffer=0)
    inc.loc[[0, 1], "date"] = pd.NaT
    r = before_after(inc, nets, network_id="N1", before=BEFORE, after=AFTER)
    assert r.incidents["no_date"] == 2 and len(r.rejects) == 2 and r.counts["R"]["before"] == 20
    assert around_founding("2024-02-29", months=12) == (
        (dt.date(2023, 2, 28), dt.date(2024, 2, 28)),
        (dt.date(2024, 2, 29), dt.date(2025, 2, 27)),
    )


def read_png(path):
    """Minimal decoder for the 8-bit RGB, filter-0 PNGs bingeo writes (independent of the writer)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])[0]
        if kind == b"IHDR":
            w, h = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    rows = [raw[r * (3 * w + 1) : (r + 1) * (3 * w + 1)] for r in range(h)]
    assert all(row[0] == 0 for row in rows)
    return np.frombuffer(b"".join(row[1:] for row in rows), dtype=np.uint8).reshape(h, w, 3)


def test_chart_png(tmp_path, nets):
    r = before_after(
        constructed_case(),
        nets,
        network_id="N1",
        before=BEFORE,
        after=AFTER,
        study_area=shapely.box(-2000, -2000, 5000, 5000),
    )
    assert r.monthly["R"].sum() == 34 and len(r.monthly) == 18
    img = read_png(write_chart(r, tmp_path / "n1.png"))
    assert img.shape == (200, 480, 3)
    blue = np.all(img == (31, 119, 180), axis=2)
    red = np.all(img == (214, 39, 40), axis=2)
    # bars: two months with incidents in R (March 2023: 22, January 2024: 12); heights in proportion
    cols = np.flatnonzero(blue[100:].any(axis=0))  # below the legend
    runs = np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1)
    assert len(runs) == 2
    heights = [int(blue[20:, run[0]].sum()) for run in runs]
    assert heights[0] / heights[1] == pytest.approx(22 / 12, rel=0.05)
    # the start of the after period (July 2023, month 6 of 18) is marked in red left of the second bar
    red_cols = np.flatnonzero(red[40:170].any(axis=0))
    assert len(red_cols) and runs[0][-1] < red_cols[0] < runs[1][0]


def test_evaluate_networks_enough_data(nets):
    inc = constructed_case()
    nets = nets.assign(valid_from=["2023-07-01", None], valid_to=[None, None], name=["one", "two"])
    ev = evaluate_networks(inc, nets, months=7, study_area=shapely.box(-2000, -2000, 5000, 5000))
    t = ev.table.set_index("network_id")
    assert t.loc["N2", "evaluated"] is False or not t.loc["N2", "evaluated"]
    assert t.loc["N2", "reason"] == "no founding date"
    assert bool(t.loc["N1", "evaluated"]) and t.loc["N1", "R_before"] == 22 and t.loc["N1", "R_after"] == 12
    pop = ev.popups()
    assert pop["N1"]["evaluated"] and pop["N1"]["R_before"] == 22 and pop["N2"]["reason"] == "no founding date"
    # 12 months either side is not covered by the incidents (2022-06 .. 2024-01)
    ev12 = evaluate_networks(inc, nets, months=12)
    assert "do not cover" in ev12.table.set_index("network_id").loc["N1", "reason"]
    few = evaluate_networks(inc, nets, months=7, min_incidents=100)
    assert "only 34 incidents" in few.table.set_index("network_id").loc["N1", "reason"]


# ------------------------------------------------------------------ real data: Vancouver local areas
@pytest.mark.requires("real-data")
def test_real_vancouver_local_area_against_sjoin(real):
    areas = gpd.read_file(real / "vancouver" / "vancouver_local_areas.geojson").to_crs(26910)
    frames = []
    for year in (2022, 2023):
        v = pd.read_csv(real / "vancouver" / f"vpd_crimedata_AllNeighbourhoods_{year}.csv.gz")
        frames.append(v[(v["X"] > 0) & v["X"].notna() & (v["TYPE"] == "Theft from Vehicle")])
    v = pd.concat(frames, ignore_index=True)
    inc = gpd.GeoDataFrame(v, geometry=gpd.points_from_xy(v["X"], v["Y"]), crs=26910)
    # Kitsilano as a network founded on 2023-01-01; two other local areas are networks too
    nets = areas[areas["mapid"].isin(["KITS", "MARP", "RC"])].rename(columns={"mapid": "network_id"})
    study = shapely.union_all(areas.geometry.to_numpy())
    before, after = around_founding("2023-01-01", months=12)
    r = before_after(
        inc,
        nets,
        network_id="KITS",
        before=before,
        after=after,
        buffer=500,
        study_area=study,
        date_field="YEAR,MONTH,DAY",
    )

    # independent count: sjoin for R and the other networks, distances for the ring, per period
    date = pd.to_datetime(dict(year=inc["YEAR"], month=inc["MONTH"], day=inc["DAY"]))
    kits = nets[nets["network_id"] == "KITS"]
    others = nets[nets["network_id"] != "KITS"]
    in_r = inc.index.isin(gpd.sjoin(inc, kits, predicate="intersects").index)
    in_other = inc.index.isin(gpd.sjoin(inc, others, predicate="intersects").index)
    in_study = inc.index.isin(gpd.sjoin(inc, areas, predicate="intersects").index)
    dist = inc.distance(kits.geometry.iloc[0])
    in_b = ~in_r & ~in_other & (dist <= 500)
    in_c = ~in_r & ~in_other & in_study & (dist > 500)
    edge = ((dist - 500).abs() < 1).to_numpy()  # buffer polygons approximate the arcs: allow points within 1 m
    expect = {}
    for name, (lo, hi) in (("before", before), ("after", after)):
        per = ((date >= pd.Timestamp(lo)) & (date <= pd.Timestamp(hi))).to_numpy()  # both days included
        for key, mask in (("R", in_r), ("B", in_b), ("C", in_c)):
            expect.setdefault(key, {})[name] = (int((mask & per).sum()), int((edge & per).sum()))
    for key in "RBC":
        for name in ("before", "after"):
            n, slack = expect[key][name]
            assert abs(r.counts[key][name] - n) <= slack, (key, name, r.counts[key][name], n)
    assert r.counts["R"]["before"] > 100 and r.counts["C"]["before"] > 3000  # a real, non-trivial case
    rb, ra = r.counts["R"]["before"], r.counts["R"]["after"]
    bb, ba = r.counts["B"]["before"], r.counts["B"]["after"]
    cb, ca = r.counts["C"]["before"], r.counts["C"]["after"]
    assert r.wdq == pytest.approx((ba / ca - bb / cb) / (ra / ca - rb / cb))
    assert r.total_net_effect == pytest.approx((rb * ca / cb - ra) + (bb * ca / cb - ba))
    assert r.interpretation


# ------------------------------------------------------------------ CLI on the samples
@pytest.fixture
def store(tmp_path, samples):
    path = tmp_path / "bins.gpkg"
    run = CliRunner().invoke
    assert run(cli, ["networks", "import", str(samples / "networks.gpkg"), "--store", str(path)]).exit_code == 0
    res = run(
        cli,
        [
            "networks",
            "import",
            str(samples / "networks_update.geojson"),
            "--store",
            str(path),
            "--effective",
            "2024-01-01",
        ],
    )
    assert res.exit_code == 0, res.output
    return path


def test_cli_evaluate_one_network(tmp_path, samples, store):
    out = tmp_path / "eval.json"
    res = CliRunner().invoke(
        cli,
        [
            "evaluate",
            "--store",
            str(store),
            "--incidents",
            str(samples / "incidents.csv"),
            "--crs",
            "28992",
            "--network",
            "GR-BIN-015",
            "--type",
            "woninginbraak",
            "--around-founding",
            "9",
            "--output",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "WDQ" in res.output and "Success measure" in res.output and "GR-BIN-015" in res.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["before"] == {"from": "2023-06-01", "to": "2024-02-29", "days": 274}
    # independent count in R: burglaries inside GR-BIN-015 per period (sjoin on the store's networks)
    with bingeo.open_store(store) as st:
        net = st.networks(include_retired=True)
    net = net[net["network_id"] == "GR-BIN-015"]
    raw = pd.read_csv(samples / "incidents.csv", sep=";", encoding="cp1252", decimal=",")
    raw = raw[(raw["soort_delict"] == "woninginbraak") & raw["X"].notna()]
    raw = raw[(raw["X"] > 100000) & (raw["X"] < 300000) & (raw["Y"] > 300000)]
    pts_ = gpd.GeoDataFrame(raw, geometry=gpd.points_from_xy(raw["X"], raw["Y"]), crs=28992)
    when = pd.to_datetime(pts_["pleegdatum"], format="%d-%m-%Y %H:%M")
    inside = pts_.index.isin(gpd.sjoin(pts_, net, predicate="intersects").index)
    for name, (lo, hi) in (("before", ("2023-06-01", "2024-03-01")), ("after", ("2024-03-01", "2024-12-01"))):
        per = ((when >= lo) & (when < hi)).to_numpy()
        assert data["counts"]["R"][name] == int((inside & per).sum())
    assert data["counts"]["R"]["before"] > 20  # the H5 burglary series lies in it
    assert set(data) >= {"counts", "success_measure", "buffer_displacement_measure", "wdq", "total_net_effect", "areas"}


def test_cli_evaluate_all(tmp_path, samples, store):
    out = tmp_path / "all.csv"
    res = CliRunner().invoke(
        cli,
        [
            "evaluate",
            "--store",
            str(store),
            "--incidents",
            str(samples / "incidents.csv"),
            "--crs",
            "28992",
            "--all",
            "--around-founding",
            "9",
            "--output",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out)
    assert len(table) == 19 and table["evaluated"].sum() >= 1
    assert table.set_index("network_id").loc["GR-BIN-015", "evaluated"]
    assert (tmp_path / "all.GR-BIN-015.png").is_file()
    read_png(tmp_path / "all.GR-BIN-015.png")
    assert "not evaluated: GR-BIN-001" in res.output and "do not cover" in res.output
    js = tmp_path / "all.json"
    res = CliRunner().invoke(
        cli,
        [
            "evaluate",
            "--store",
            str(store),
            "--incidents",
            str(samples / "incidents.csv"),
            "--crs",
            "28992",
            "--all",
            "--around-founding",
            "9",
            "--output",
            str(js),
        ],
    )
    assert res.exit_code == 0, res.output

    def no_nan(name):
        raise AssertionError(f"{name} in the JSON")

    data = json.loads(js.read_text(encoding="utf-8"), parse_constant=no_nan)
    assert data["popups"]["GR-BIN-015"]["evaluated"] and data["popups"]["GR-BIN-001"]["evaluated"] is False
    assert (
        data["networks"]["GR-BIN-015"]["counts"]["R"]["before"]
        == table.set_index("network_id").loc["GR-BIN-015", "R_before"]
    )
    bad = CliRunner().invoke(
        cli, ["evaluate", "--store", str(store), "--incidents", str(samples / "incidents.csv"), "--crs", "28992"]
    )
    assert bad.exit_code == 1 and "--network ID or --all" in bad.output


def test_cli_evaluate_all_writes_undated_rejects(tmp_path, samples, store):
    """`evaluate --all` keeps the incidents without a date in the rejects file, as one network does."""
    raw = pd.read_csv(samples / "incidents.csv", sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    undated = raw.index[raw["soort_delict"] == "woninginbraak"][:5]
    raw.loc[undated, "pleegdatum"] = ""
    src = tmp_path / "incidents.csv"
    raw.to_csv(src, sep=";", encoding="cp1252", index=False)
    out = tmp_path / "all.csv"
    args = ["evaluate", "--store", str(store), "--incidents", str(src), "--crs", "28992", "--all"]
    res = CliRunner().invoke(cli, [*args, "--type", "woninginbraak", "--around-founding", "9", "--output", str(out)])
    assert res.exit_code == 0, res.output
    rejects = pd.read_csv(tmp_path / "all.rejects.csv", dtype=str)
    no_date = rejects[rejects["reject_reason"] == "no_date"]
    assert sorted(no_date["registratienummer"]) == sorted(raw.loc[undated, "registratienummer"])
    assert (no_date["reject_detail"] == "'pleegdatum' is empty (no date)").all()
    assert "could not be used" in res.output


def test_evaluate_networks_rejects_and_founding_date(nets):
    inc = constructed_case()
    inc.loc[[0, 1], "date"] = pd.NaT
    # N2: no valid_from (blank) but a founded date, which counts as its founding date
    nets = nets.assign(valid_from=["2023-07-01", " "], founded=[None, "2023-07-01"])
    ev = evaluate_networks(inc, nets, months=7, study_area=shapely.box(-2000, -2000, 5000, 5000))
    assert len(ev.rejects) == 2 and set(ev.rejects["reject_reason"]) == {"no_date"}
    assert "geometry" not in ev.rejects.columns
    t = ev.table.set_index("network_id")
    assert t.loc["N1", "R_before"] == 20 and t.loc["N2", "founded"] == "2023-07-01"
    assert bingeo.evaluate.founding_date({"valid_from": None, "founded": float("nan")}) is None
    assert bingeo.evaluate.founding_date(pd.Series({"valid_from": pd.Timestamp("2024-03-01 10:00")})) == dt.date(
        2024, 3, 1
    )
    with pytest.raises(bingeo.InputError, match="not a date"):
        bingeo.evaluate.founding_date({"network_id": "X", "founded": "soon"})


def test_networks_alive_keeps_the_evaluated_network(nets):
    nets = nets.assign(valid_from=["2020-01-01", "2020-01-01"], valid_to=["2021-01-01", None])
    alive = bingeo.evaluate.networks_alive(nets, dt.date(2023, 1, 1), dt.date(2024, 1, 1))
    assert list(alive["network_id"]) == ["N2"]
    kept = bingeo.evaluate.networks_alive(nets, dt.date(2023, 1, 1), dt.date(2024, 1, 1), keep="N1")
    assert list(kept["network_id"]) == ["N2", "N1"]
    same = bingeo.evaluate.networks_alive(nets, dt.date(2023, 1, 1), dt.date(2024, 1, 1), keep="N2")
    assert list(same["network_id"]) == ["N2"]


def test_png_bytes_rgb_and_rgba():
    from bingeo._png import png_bytes

    for channels, colour_type in ((3, 2), (4, 6)):
        img = np.arange(2 * 3 * channels, dtype=np.uint8).reshape(2, 3, channels)
        data = png_bytes(img)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        w, h, depth, ctype = struct.unpack(">IIBB", data[16:26])
        assert (w, h, depth, ctype) == (3, 2, 8, colour_type)
        (length,) = struct.unpack(">I", data[33:37])
        raw = zlib.decompress(data[41 : 41 + length])
        assert raw == b"".join(b"\x00" + img[r].tobytes() for r in range(2))
    with pytest.raises(ValueError, match="png_bytes"):
        png_bytes(np.zeros((2, 2), np.uint8))
