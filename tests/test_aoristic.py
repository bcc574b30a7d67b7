"""Aoristic weights and hour-of-week profiles against a brute-force reference (every minute of every window)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bingeo.aoristic import MAX_WINDOW, hour_of_week, incident_windows, time_bins, window_columns
from bingeo.errors import InputError


def _windows(n: int, seed: int, *, longest_minutes: int = 3 * 24 * 60) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-12-20") + pd.to_timedelta(rng.integers(0, 60 * 24 * 70, n), unit="min")
    length = rng.integers(0, longest_minutes, n)
    length[rng.random(n) < 0.2] = 0  # instants
    return pd.DatetimeIndex(start), pd.DatetimeIndex(start + pd.to_timedelta(length, unit="min"))


def _minutes(begin: pd.DatetimeIndex, end: pd.DatetimeIndex, groups: np.ndarray) -> pd.DataFrame:
    """Brute force: every minute of every window with weight 1/(minutes); an instant is one minute of weight 1."""
    rows = []
    for b, e, g in zip(begin, end, groups, strict=True):
        n = max(int((e - b) / pd.Timedelta(minutes=1)), 1)
        rows.append(pd.DataFrame({"t": pd.date_range(b, periods=n, freq="min"), "w": 1.0 / n, "g": g}))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("freq", ["h", "D", "MS", "W-MON"])
def test_spread_equals_brute_force(freq: str) -> None:
    begin, end = _windows(300, seed=len(freq))
    groups = np.arange(300) % 4
    edges = pd.date_range("2024-01-01", "2024-02-20", freq=freq)
    got = time_bins(begin, end, edges, groups=groups, n_groups=4)
    ref = _minutes(begin, end, groups)
    j = np.searchsorted(edges.to_numpy(), ref["t"].to_numpy(), side="right") - 1
    inside = (j >= 0) & (j < len(edges) - 1)
    want = np.zeros((4, len(edges) - 1))
    np.add.at(want, (ref["g"].to_numpy()[inside], j[inside]), ref["w"].to_numpy()[inside])
    np.testing.assert_allclose(got.weights, want, atol=1e-9)
    assert got.outside == pytest.approx(float(ref["w"].to_numpy()[~inside].sum()), abs=1e-9)
    assert got.weights.sum() + got.outside == pytest.approx(300.0)  # every incident weighs exactly 1


def test_hour_of_week_equals_brute_force() -> None:
    begin, end = _windows(400, seed=7, longest_minutes=10 * 24 * 60)
    groups = np.arange(400) % 3
    got = hour_of_week(begin, end, groups=groups, n_groups=3).weights
    ref = _minutes(begin, end, groups)
    want = np.zeros((3, 7, 24))
    np.add.at(want, (ref["g"].to_numpy(), ref["t"].dt.day_of_week.to_numpy(), ref["t"].dt.hour.to_numpy()), ref["w"])
    np.testing.assert_allclose(got, want, atol=1e-9)
    assert got.sum() == pytest.approx(400.0)


def test_hand_computed_windows() -> None:
    # Friday 22:00 - Monday 07:00: 57 hours, 1/57 in each
    p = hour_of_week(pd.to_datetime(["2024-01-05 22:00"]), pd.to_datetime(["2024-01-08 07:00"])).weights[0]
    assert p[4, 22] == pytest.approx(1 / 57) and p[6, 13] == pytest.approx(1 / 57) and p[0, 6] == pytest.approx(1 / 57)
    assert p[0, 7] == 0 and p[4, 21] == 0 and p.sum() == pytest.approx(1.0)
    # 13:40-15:10 over hours: 20, 60 and 10 of 90 minutes
    edges = pd.date_range("2024-01-01 12:00", periods=5, freq="h")
    s = time_bins(pd.to_datetime(["2024-01-01 13:40"]), pd.to_datetime(["2024-01-01 15:10"]), edges)
    np.testing.assert_allclose(s.weights[0], [0, 2 / 9, 6 / 9, 1 / 9])
    # the modes count one instant
    for how, want in (("begin", [0, 1, 0, 0]), ("midpoint", [0, 0, 1, 0]), ("end", [0, 0, 0, 1])):
        one = time_bins(pd.to_datetime(["2024-01-01 13:40"]), pd.to_datetime(["2024-01-01 15:10"]), edges, how=how)
        assert one.weights[0].tolist() == want


def test_long_windows_are_counted_at_their_midpoint() -> None:
    begin = pd.to_datetime(["2024-01-01 00:00", "2024-01-01 00:00"])
    end = begin + pd.to_timedelta([MAX_WINDOW + pd.Timedelta(hours=2), pd.Timedelta(hours=2)])
    edges = pd.date_range("2024-01-01", periods=31, freq="D")
    s = time_bins(begin, end, edges)
    assert s.long_windows == 1
    assert s.weights[0, 7] == pytest.approx(1.0)  # midpoint of 14 days + 2 h: 8 January 01:00
    assert s.weights[0, 0] == pytest.approx(1.0)
    assert time_bins(begin, end, edges, how="begin").long_windows == 0
    with pytest.raises(ValueError, match="how"):
        time_bins(begin, end, edges, how="aoristics")


@pytest.mark.parametrize(
    ("columns", "want"),
    [
        (
            ["Begin-pleegdatum/tijd", "Eind-pleegdatum/tijd", "Aangiftedatum"],
            ("Begin-pleegdatum/tijd", "Eind-pleegdatum/tijd"),
        ),
        (["pleegdatum van", "pleegdatum tot"], ("pleegdatum van", "pleegdatum tot")),
        (["date_from", "date_to"], ("date_from", "date_to")),
        (["start_date", "end_date"], ("start_date", "end_date")),
        (["BeginDatum", "EindDatum"], ("BeginDatum", "EindDatum")),
        (["FROMDATE", "TODATE"], ("FROMDATE", "TODATE")),
        (["date_debut", "date_fin"], ("date_debut", "date_fin")),
        (["pleegdatum", "aangiftedatum"], None),
        (["start_date", "end_time_reported"], None),
        (["begin_a", "end_a", "begin_b", "end_b"], None),  # two pairs named alike: not guessed
    ],
)
def test_window_columns(columns: list[str], want: tuple[str, str] | None) -> None:
    assert window_columns(columns) == want


def test_incident_windows_rules() -> None:
    df = pd.DataFrame(
        {
            "van": pd.to_datetime(["2024-01-05", "2024-01-06", "2024-01-07", None, "2024-01-09"]),
            "tot": pd.to_datetime(["2024-01-05", None, "2024-01-06", "2024-01-08", "2024-01-11"]),
        }
    )
    w = incident_windows(df)
    day = 24 * 3_600_000_000_000
    assert w.whole_days
    assert ((w.end - w.begin) // day)[[0, 1, 4]].tolist() == [1, 1, 3]  # a day-precision end includes its day
    assert w.ok.tolist() == [True, True, False, False, True]
    assert "before" in w.problem[2] and "'van'" in w.problem[3]
    timed = incident_windows(df.assign(van=df["van"] + pd.Timedelta(hours=1)), begin_field="van", end_field="tot")
    assert not timed.whole_days and timed.end[1] == timed.begin[1]  # no end: an instant
    with pytest.raises(InputError, match="--begin-field"):
        incident_windows(df.rename(columns={"van": "a", "tot": "b"}))
    with pytest.raises(InputError, match="'x'.*--end-field"):
        incident_windows(df, begin_field="van", end_field="x")
