"""``bingeo profile``: hour-of-week tables per network from incidents with time windows (aoristic)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from bingeo.aoristic import incident_windows, network_profiles
from bingeo.cli.main import cli

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def run(*args: object) -> str:
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture(scope="module")
def windowed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    """The sample export with Dutch window columns (D-M-Y H:M), a store, and the windows as written."""
    work = tmp_path_factory.mktemp("profile")
    df = pd.read_csv(SAMPLES / "incidents.csv", sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    rng = np.random.default_rng(3)
    begin = pd.to_datetime(df["pleegdatum"], dayfirst=True, format="mixed")
    hours = rng.choice([0, 0, 1, 3, 9, 57], len(df)) + rng.integers(0, 60, len(df)) / 60
    end = begin + pd.to_timedelta(hours, unit="h")
    end_text = end.dt.strftime("%-d-%-m-%Y %-H:%M").where(hours > 0, "")  # no end: an instant
    end_text.iloc[7] = (begin.iloc[7] - pd.Timedelta(hours=2)).strftime("%-d-%-m-%Y %-H:%M")  # end before begin
    end_text.iloc[11] = "31-2-2021 10:00"  # an impossible end date
    end_text.iloc[13] = (begin.iloc[13] + pd.Timedelta(days=20)).strftime("%-d-%-m-%Y %-H:%M")  # too long a window
    out = df.drop(columns=["pleegdatum"]).assign(
        **{"Begin-pleegdatum/tijd": begin.dt.strftime("%-d-%-m-%Y %-H:%M"), "Eind-pleegdatum/tijd": end_text}
    )
    path = work / "windows.csv"
    out.to_csv(path, sep=";", index=False, encoding="cp1252", decimal=",")
    store = work / "bins.gpkg"
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", store)
    return path, store, out


def test_cli_profile_with_windows(windowed: tuple[Path, Path, pd.DataFrame], tmp_path: Path) -> None:
    path, store, _ = windowed
    out = tmp_path / "profile.csv"
    text = run("profile", "--incidents", path, "--store", store, "-o", out, "--charts", tmp_path / "charts")
    assert "Time windows from 'Begin-pleegdatum/tijd' to 'Eind-pleegdatum/tijd'" in text
    assert "1 incidents have a window longer than 14 days" in text
    rejects = pd.read_csv(tmp_path / "profile.rejects.csv", dtype=str)
    reasons = rejects.set_index("source_row")["reject_reason"]
    assert reasons["8"] == "end_before_begin" and reasons["12"] == "bad_date"
    table = pd.read_csv(out, dtype={"network_id": str}, keep_default_na=False)
    usable = 5000 - len(rejects)
    assert table["total"].sum() >= usable - 1e-6  # incidents in two networks count in both; none is lost
    assert (tmp_path / "charts" / "all_incidents.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # begin mode counts each incident once at its begin: integer weights
    begin_out = tmp_path / "begin.csv"
    run("profile", "--incidents", path, "--store", store, "-o", begin_out, "--time", "begin")
    hours = [f"{h:02d}" for h in range(24)]
    assert np.allclose(pd.read_csv(begin_out)[hours].to_numpy() % 1, 0)


def test_profiles_equal_brute_force_with_period(windowed: tuple[Path, Path, pd.DataFrame]) -> None:
    """Per network and hour of week, within a period: the minutes of every window, counted one by one."""
    _, store, df = windowed
    from bingeo import open_store

    with open_store(store) as st:
        nets = st.networks()
    frame = pd.DataFrame(
        {
            "b": pd.to_datetime(df["Begin-pleegdatum/tijd"], dayfirst=True, format="mixed"),
            "e": pd.to_datetime(df["Eind-pleegdatum/tijd"], dayfirst=True, format="mixed", errors="coerce"),
        }
    )
    x = pd.to_numeric(df["X"].str.replace(",", "."), errors="coerce")
    y = pd.to_numeric(df["Y"].str.replace(",", "."), errors="coerce")
    keep = x.notna() & (x > 1000) & (y > 300_000) & frame["b"].notna() & ~frame["e"].lt(frame["b"])
    keep &= (frame["e"] - frame["b"]).fillna(pd.Timedelta(0)) <= pd.Timedelta(days=14)
    pts = gpd.GeoDataFrame(frame[keep], geometry=gpd.points_from_xy(x[keep], y[keep]), crs=nets.crs)
    pts = pts.iloc[:600].reset_index(drop=True)
    windows = incident_windows(pts, begin_field="b", end_field="e")
    start, stop = pd.Timestamp("2021-03-01"), pd.Timestamp("2021-09-01")
    got = network_profiles(pts, nets, windows, start=start, stop=stop).weights

    pairs = gpd.sjoin(pts, nets[["network_id", "geometry"]], predicate="intersects", how="left")
    index = {nid: i for i, nid in enumerate(nets["network_id"].astype(str))}
    want = np.zeros((len(nets) + 1, 7, 24))
    for row, nid in zip(pairs.index, pairs["network_id"], strict=True):
        b, e = pts.at[row, "b"], pts.at[row, "e"]
        e = b if pd.isna(e) else e
        n = max(int((e - b) / pd.Timedelta(minutes=1)), 1)
        minutes = pd.date_range(b, periods=n, freq="min")
        minutes = minutes[(minutes >= start) & (minutes < stop)]
        g = index.get(str(nid), len(nets)) if isinstance(nid, str) else len(nets)
        np.add.at(want[g], (minutes.day_of_week, minutes.hour), 1.0 / n)
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_months_only_are_refused(tmp_path: Path) -> None:
    """police.uk's month column: every date the first at 00:00; an hour profile of that would be made up."""
    rng = np.random.default_rng(0)
    n = 40
    df = pd.DataFrame(
        {
            "month": rng.choice(["2022-01-01", "2022-02-01", "2022-03-01"], n),
            "X": rng.uniform(232_000, 236_000, n).round(1),
            "Y": rng.uniform(580_000, 584_000, n).round(1),
        }
    )
    df.to_csv(tmp_path / "monthly.csv", index=False)
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", tmp_path / "s.gpkg")
    res = CliRunner().invoke(
        cli,
        ["profile", "--incidents", str(tmp_path / "monthly.csv"), "--crs", "28992", "--store", str(tmp_path / "s.gpkg")]
        + ["-o", str(tmp_path / "p.csv")],
    )
    assert res.exit_code != 0 and "months only" in res.output and "Traceback" not in res.output


def test_half_given_window_columns_is_a_message(windowed: tuple[Path, Path, pd.DataFrame], tmp_path: Path) -> None:
    path, store, _ = windowed
    res = CliRunner().invoke(
        cli,
        ["profile", "--incidents", str(path), "--store", str(store), "-o", str(tmp_path / "p.csv")]
        + ["--begin-field", "Begin-pleegdatum/tijd"],
    )
    assert res.exit_code != 0 and "--end-field" in res.output and "Traceback" not in res.output


def test_counts_by_month_spread_over_windows(windowed: tuple[Path, Path, pd.DataFrame], tmp_path: Path) -> None:
    """``counts --by month`` with windows: per network and month, the share of each window (minutes counted)."""
    path, store, df = windowed
    out = tmp_path / "c.csv"
    text = run("counts", path, "--store", store, "--by", "month", "-o", out)
    assert "Counted by time window (aoristic)" in text and "1 windows longer than 14 days" in text
    got = pd.read_csv(out, dtype={"network_id": str}, keep_default_na=False)
    assigned = tmp_path / "a.csv"
    run("assign", path, "--store", store, "-o", assigned)
    pts = pd.read_csv(assigned, dtype=str, keep_default_na=False)
    rejected = set(pd.read_csv(tmp_path / "c.rejects.csv", dtype=str)["source_row"])
    pts = pts[~pts["source_row"].isin(rejected)]
    b = pd.to_datetime(pts["Begin-pleegdatum/tijd"], format="ISO8601")
    e = pd.to_datetime(pts["Eind-pleegdatum/tijd"].replace("", None), format="ISO8601").fillna(b)
    mid = b + (e - b) / 2
    long = (e - b) > pd.Timedelta(days=14)
    b, e = b.where(~long, mid), e.where(~long, mid)
    want: dict[tuple[str, str], float] = {}
    for ids, bb, ee in zip(pts["network_ids"], b, e, strict=True):
        n = max(int((ee - bb) / pd.Timedelta(minutes=1)), 1)
        months = pd.date_range(bb, periods=n, freq="min").strftime("%Y-%m").value_counts() / n
        for nid in ids.split(";"):
            for m, w in months.items():
                want[(nid, m)] = want.get((nid, m), 0.0) + w
    have = got.set_index(["network_id", "period"])["incidents"]
    ref = pd.Series(want).reindex(have.index, fill_value=0.0)
    np.testing.assert_allclose(have.to_numpy(), ref.to_numpy(), atol=1e-6)
    assert sum(want.values()) == pytest.approx(have.sum())
    # the instant modes count whole incidents
    run("counts", path, "--store", store, "--by", "month", "-o", tmp_path / "b.csv", "--time", "begin")
    assert pd.read_csv(tmp_path / "b.csv")["incidents"].dtype == np.int64


def test_nearrepeat_uses_one_instant_of_each_window(windowed: tuple[Path, Path, pd.DataFrame], tmp_path: Path) -> None:
    """Knox with windows: the midpoint by default; --time begin equals the test on a plain begin-date column."""
    path, store, df = windowed
    args = ["--store", store, "--distance-bands", "0,200,400", "--time-bands", "0,7,14", "--permutations", "19"]
    text = run("nearrepeat", "--incidents", path, *args, "-o", tmp_path / "mid.json")
    assert "the midpoint of each window" in text
    run("nearrepeat", "--incidents", path, *args, "--time", "begin", "-o", tmp_path / "begin.json")
    plain = df.drop(columns=["Eind-pleegdatum/tijd"]).rename(columns={"Begin-pleegdatum/tijd": "pleegdatum"})
    plain = plain.drop(index=[7, 11])  # the rows the windowed run rejects (end before begin, impossible end)
    plain.to_csv(tmp_path / "plain.csv", sep=";", index=False, encoding="cp1252", decimal=",")
    run("nearrepeat", "--incidents", tmp_path / "plain.csv", *args, "-o", tmp_path / "plain.json")
    import json

    begin = json.loads((tmp_path / "begin.json").read_text())
    ref = json.loads((tmp_path / "plain.json").read_text())
    mid = json.loads((tmp_path / "mid.json").read_text())
    assert begin["bands"] == ref["bands"] and begin["incidents"] == 5000 - 50 - 2
    assert [b["observed"] for b in mid["bands"]] != [b["observed"] for b in begin["bands"]]
