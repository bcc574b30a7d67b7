"""The real-data matrix: every workflow on every real dataset and variant, through the command line.

A *cell* is (dataset, variant, workflow). It passes when the command exits 0 without a traceback and its result
agrees with an independent reference where one applies:

- ``assign``: every point's covering networks equal geopandas ``sjoin(predicate="intersects")`` against the
  store's networks (a point on an edge belongs, as in bingeo);
- ``counts``: the months counted are the months in the data (read by pandas with the known date format) — the
  check that fails when ISO dates are read day-first;
- ``hotspots``: the incidents in the grid equal the incidents of the type in the period (pandas), minus the rows
  bingeo reports as rejected;
- ``recipients``: the members selected for a network equal brute-force ``covers`` on the network's polygon.

Run ``python -m tests.realdata.matrix [--dataset NAME] [--variant V] [--workflow W]`` from the repo root for the
table (cells passed / total); ``tests/test_realdata_matrix.py`` runs the same cells under pytest.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
from click.testing import CliRunner

from tests.realdata.datasets import BY_NAME, DATASETS, VARIANTS, Dataset, inputs, read_incidents

ROOT = Path(__file__).resolve().parents[2]

#: Workflows in the order they build on each other.
WORKFLOWS = (
    "import",
    "check",
    "assign",
    "counts",
    "coverage",
    "hotspots",
    "emerging",
    "density",
    "propose",
    "pai",
    "evaluate",
    "nearrepeat",
    "profile",
    "forecast",
    "recipients",
    "map",
    "plan",
    "invitations",
    "streets",
    "densityper",
    "hotspotsper",
    "regions",
)
#: Issue 17's planning workflows on address points: they run in every variant (the portal's addresses as WGS84
#: GeoJSON, the Excel variant's as a sheet).
PLANNING_ADDRESS = {"invitations", "streets", "densityper", "hotspotsper", "regions"}
#: The big incident sets whose Excel variant `plan` leaves out (suite time; `assign` etc. read those sheets).
PLAN_EXCEL_SKIP = {"chicago", "lancashire"}
#: Workflows that need incidents / addresses.
NEEDS_INCIDENTS = {
    "assign",
    "counts",
    "hotspots",
    "emerging",
    "density",
    "propose",
    "pai",
    "evaluate",
    "nearrepeat",
    "profile",
    "forecast",
    "map",
    "plan",
    "streets",
    "densityper",
    "hotspotsper",
}
NEEDS_ADDRESSES = {"coverage", "propose", "recipients", *PLANNING_ADDRESS}
#: The Excel variant changes only how incidents are read: the workflows that read them straight.
EXCEL_WORKFLOWS = {
    "import",
    "assign",
    "counts",
    "hotspots",
    "emerging",
    "nearrepeat",
    "profile",
    "plan",
    *PLANNING_ADDRESS,
}


class CellFailure(AssertionError):
    """A cell did not pass: the command failed, or its result disagrees with the reference."""


def applies(ds: Dataset, variant: str, workflow: str) -> bool:
    """Whether a cell exists: the dataset has what the workflow needs, and the variant changes something."""
    if workflow in NEEDS_INCIDENTS and not ds.has_incidents:
        return False
    if workflow in NEEDS_ADDRESSES and not ds.addresses:
        return False
    if workflow == "profile" and ds.date_column == "month":
        return False  # police.uk gives months only: an hour-of-week profile is refused (tests/test_profile.py)
    if workflow == "forecast" and (ds.date_column == "month" or variant == "excel"):
        return False  # weeks of near repeats need days; the Excel variant reads incidents as `assign` checks
    if variant == "excel" and workflow == "plan" and ds.name in PLAN_EXCEL_SKIP:
        return False  # reading 56k-149k rows of Excel again: the Excel reader is checked by the other cells
    if variant == "excel":
        return ds.has_incidents and workflow in EXCEL_WORKFLOWS
    return True


def cells(datasets=None, variants=None, workflows=None) -> list[tuple[str, str, str]]:
    """Every applicable (dataset, variant, workflow)."""
    return [
        (d.name, v, w)
        for d in DATASETS
        if not datasets or d.name in datasets
        for v in VARIANTS
        if not variants or v in variants
        for w in WORKFLOWS
        if (not workflows or w in workflows) and applies(d, v, w)
    ]


def cli(*args: object) -> str:
    """Run ``bingeo ARGS`` in-process; raise CellFailure on a traceback or a non-zero exit."""
    from bingeo.cli.main import cli as group

    res = CliRunner().invoke(group, [str(a) for a in args])
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        tb = "".join(traceback.format_exception(res.exception))
        raise CellFailure(f"bingeo {' '.join(map(str, args[:2]))}: TRACEBACK\n{tb[-1500:]}")
    if res.exit_code != 0:
        raise CellFailure(f"bingeo {' '.join(map(str, args[:2]))}: exit {res.exit_code}\n{res.output[-1500:]}")
    return res.output


def _crs_opt(crs: str | None, opt: str = "--crs") -> list[str]:
    return [opt, crs] if crs else []


@dataclasses.dataclass
class World:
    """One (dataset, variant): its inputs, its store and what earlier workflows made."""

    ds: Dataset
    variant: str
    folder: Path
    real: Path
    samples: Path
    files: dict = dataclasses.field(default_factory=dict)
    done: dict = dataclasses.field(default_factory=dict)  # workflow -> True or the CellFailure it raised

    @property
    def store(self) -> Path:
        return self.folder / "bins.gpkg"

    def path(self, name: str) -> Path:
        return self.folder / name

    def need(self, workflow: str) -> None:
        """Run a prerequisite workflow once; a failed prerequisite fails the cell that needs it."""
        if workflow not in self.done:
            try:
                RUN[workflow](self)
                self.done[workflow] = True
            except CellFailure as exc:
                self.done[workflow] = exc
        if self.done[workflow] is not True:
            raise CellFailure(f"prerequisite `{workflow}` failed: {str(self.done[workflow])[:600]}")

    def run(self, workflow: str) -> None:
        if workflow in self.done:
            if self.done[workflow] is not True:
                raise self.done[workflow]
            return
        try:
            RUN[workflow](self)
            self.done[workflow] = True
        except CellFailure as exc:
            self.done[workflow] = exc
            raise

    def inc(self) -> list[str]:
        return [self.files["incidents"], *_crs_opt(self.files["incidents_crs"])]

    def networks(self) -> gpd.GeoDataFrame:
        from bingeo import open_store

        with open_store(self.store) as st:
            return st.networks()

    def incidents_frame(self) -> pd.DataFrame:
        if "_incidents" not in self.files:
            self.files["_incidents"] = read_incidents(self.ds, self.real, self.samples)
        return self.files["_incidents"]

    def period(self) -> tuple[str, str, str, str]:
        """(first day, middle day, the day after it, last day) of the analysed period: two halves, both ends
        included (a period's TO day is part of it)."""
        a, b = (pd.Timestamp(v) for v in self.ds.period)
        mid = (a + (b - a) / 2).normalize()
        nxt = mid + pd.Timedelta(days=1)
        return a.date().isoformat(), mid.date().isoformat(), nxt.date().isoformat(), b.date().isoformat()

    def type_opts(self) -> list[str]:
        if not self.ds.incident_type:
            return []
        return ["--type-field", self.ds.type_field, "--type", self.ds.incident_type]


#: Exploration aid: BINGEO_MATRIX_ID=1 passes the id column SOURCES.md names, to see past an id-detection failure.
#: The matrix proper (and CI) gives none: detecting the id of a real export is part of what is tested.
_ID_FIELDS = {
    "vancouver": "mapid",
    "chicago": "Name",
    "lancashire": "ward_code",
    "lancashire-districts": "objectid",
    "northumbria": "ward_code",
    "nottingham": "ward_code",
    "groningen": "BU_CODE",
    "groningen-wijken": "WK_CODE",
    "groningen-postcode6": "POSTCODE",
    "groningen-postcode4": "PC4",
    "flanders-wijken": "geoitem",
    "flanders-politiezones": "politiezon",
    "thehague": "code",
}


def w_import(w: World) -> None:
    import os

    given = ["--id-field", _ID_FIELDS[w.ds.name]] if os.environ.get("BINGEO_MATRIX_ID") == "1" else []
    out = cli("networks", "import", w.files["networks"], "--store", w.store, *given)
    n = len(w.networks())
    if n == 0:
        raise CellFailure(f"import stored no networks:\n{out[-800:]}")


def w_check(w: World) -> None:
    w.need("import")
    cli("networks", "check", "--store", w.store, "--output", w.path("check.gpkg"))


def w_assign(w: World) -> None:
    w.need("import")
    out = w.path("assigned.gpkg")
    cli("assign", *w.inc(), "--store", w.store, "--output", out)
    got = gpd.read_file(out)
    nets = w.networks()
    if len(got) == 0:
        raise CellFailure("assign wrote no rows")
    pts = got[["geometry"]].reset_index(drop=True)
    pairs = gpd.sjoin(pts, nets[["network_id", "geometry"]], predicate="intersects", how="inner")
    want = pairs.groupby(level=0)["network_id"].apply(lambda s: frozenset(map(str, s)))
    have = got["network_ids"].reset_index(drop=True)
    have = have[have.notna() & (have.astype(str) != "")].astype(str).map(lambda s: frozenset(s.split(";")))
    idx = want.index.union(have.index)
    bad = [i for i in idx if want.get(i, frozenset()) != have.get(i, frozenset())]
    if bad:
        i = bad[0]
        raise CellFailure(
            f"{len(bad)} of {len(got)} points assigned unlike sjoin(intersects); e.g. row {i}: "
            f"bingeo {sorted(have.get(i, []))} vs sjoin {sorted(want.get(i, []))}"
        )
    w.files["assigned"] = got


def w_counts(w: World) -> None:
    w.need("import")
    out = w.path("counts.csv")
    cli("counts", *w.inc(), "--store", w.store, "--by", "month", "--output", out)
    got = pd.read_csv(out, sep=None, engine="python", dtype=str)
    period_col = next((c for c in got.columns if c.lower() in ("period", "month", "periode")), None)
    if period_col is None:
        raise CellFailure(f"counts has no period column: {list(got.columns)}")
    months = set(got[period_col].dropna().astype(str).str[:7])
    df = w.incidents_frame()
    want = set(df["_date"].dropna().dt.strftime("%Y-%m"))
    if not want <= months or len(months - want) > 0:
        raise CellFailure(
            f"months counted {sorted(months)[:6]}... ({len(months)}) differ from the data's "
            f"{sorted(want)[:6]}... ({len(want)})"
        )


def w_coverage(w: World) -> None:
    w.need("import")
    cli(
        "coverage",
        "--store",
        w.store,
        "--addresses",
        w.files["addresses"],
        *_crs_opt(w.files["addresses_crs"]),
        "--output",
        w.path("coverage.csv"),
    )


def w_hotspots(w: World) -> None:
    w.need("import")
    a, _, _, b = w.period()
    out = w.path("hotspots.gpkg")
    text = cli("hotspots", *w.inc(), "--store", w.store, "--output", out, "--from", a, "--to", b, *w.type_opts())
    cells_ = gpd.read_file(out, layer="cells")
    df = w.incidents_frame()
    sel = df["_date"].between(pd.Timestamp(a), pd.Timestamp(b) + pd.Timedelta(days=1), inclusive="left")
    if w.ds.incident_type:
        sel &= df[w.ds.type_field] == w.ds.incident_type
    n_want = int(sel.sum())
    n_grid = int(cells_["count"].sum())
    if not (0 < n_grid <= n_want) or n_grid < 0.9 * n_want:
        raise CellFailure(f"{n_grid} incidents in the grid, {n_want} of the type in the period\n{text[-600:]}")


def w_emerging(w: World) -> None:
    """Emerging hot spots per month over the period.

    Reference: pandas' count of the incidents of the type in each month of the cube, from the dataset's own
    dates (rows without a usable location are rejects: at most 10 % fewer in all).
    """
    w.need("import")
    a, _, _, b = w.period()
    out = w.path("emerging.gpkg")
    text = cli("emerging", *w.inc(), "--store", w.store, "--interval", "month", "--from", a, "--to", b,
               *w.type_opts(), "--output", out)  # fmt: skip
    cube = gpd.read_file(out, layer="cube")
    locations = gpd.read_file(out, layer="locations")
    df = w.incidents_frame()
    sel = df[w.ds.type_field] == w.ds.incident_type if w.ds.incident_type else pd.Series(True, index=df.index)
    got = cube.groupby(pd.to_datetime(cube["step_start"]))["count"].sum()
    if got.empty:
        raise CellFailure(f"an empty cube\n{text[-600:]}")
    want = {
        start: int((sel & (df["_date"] >= start) & (df["_date"] < start + pd.DateOffset(months=1))).sum())
        for start in got.index
    }
    over = {str(k.date()): (int(v), want[k]) for k, v in got.items() if v > want[k]}
    total = sum(want.values())
    if over or got.sum() < 0.9 * total:
        raise CellFailure(f"months over pandas' count: {over}; {int(got.sum())} of {total} counted\n{text[-600:]}")
    from bingeo.emerging import CATEGORIES

    if not len(locations) or set(locations["category"]) - set(CATEGORIES):
        raise CellFailure(f"{len(locations)} locations; categories {sorted(set(locations['category']))}")


def w_density(w: World) -> None:
    w.need("import")
    cli("density", *w.inc(), "--store", w.store, "--cell-size", "100", "--radius", "500", "--output", w.path("d.tif"))


def w_propose(w: World) -> None:
    w.need("hotspots")
    cli(
        "propose",
        "--store",
        w.store,
        "--hotspots",
        w.path("hotspots.gpkg"),
        "--addresses",
        w.files["addresses"],
        *_crs_opt(w.files["addresses_crs"]),
        "--output",
        w.path("proposals.gpkg"),
    )


def w_pai(w: World) -> None:
    w.need("import")
    a, m, n, b = w.period()
    cli("pai", *w.inc(), "--store", w.store, "--fit", f"{a}/{m}", "--test", f"{n}/{b}", "--output", w.path("pai.json"))


def _busiest_network(w: World) -> str:
    w.need("assign")
    got = w.files["assigned"]
    ids = got["network_id"].dropna().astype(str)
    if ids.empty:
        raise CellFailure("no incident lies in any network")
    return ids.value_counts().index[0]


def w_evaluate(w: World) -> None:
    net = _busiest_network(w)
    a, m, n, b = w.period()
    cli(
        "evaluate",
        "--store",
        w.store,
        "--incidents",
        *w.inc(),
        "--network",
        net,
        "--before",
        f"{a}/{m}",
        "--after",
        f"{n}/{b}",
        "--output",
        w.path("eval.json"),
    )
    json.loads(w.path("eval.json").read_text(encoding="utf-8"))


def w_nearrepeat(w: World) -> None:
    w.need("import")
    cli(
        "nearrepeat",
        "--incidents",
        *w.inc(),
        "--store",
        w.store,
        *w.type_opts(),
        "--distance-bands",
        "0,100,200",
        "--time-bands",
        "0,7,14",
        "--permutations",
        "19",
        "--output",
        w.path("knox.json"),
    )


def w_profile(w: World) -> None:
    """Hour-of-week profile per network: the incidents have no time windows, so each counts 1 at its hour.

    Reference: the assigned points (checked against sjoin by `assign`), their time read by pandas from the
    dataset's own date columns, counted per network, day of week and hour.
    """
    w.need("assign")
    out = w.path("profile.csv")
    cli("profile", "--incidents", *w.inc(), "--store", w.store, "--output", out)
    got = pd.read_csv(out, dtype={"network_id": str}, keep_default_na=False)
    pts = w.files["assigned"]
    if w.ds.date_format == "split":
        parts = {k: pd.to_numeric(pts[k.upper()], errors="coerce") for k in ("year", "month", "day", "hour", "minute")}
        when = pd.to_datetime(pd.DataFrame(parts), errors="coerce")
    else:
        col = next(c for c in pts.columns if c.lower() == (w.ds.date_column or "pleegdatum").lower())
        when = pd.to_datetime(pts[col], errors="coerce", format="ISO8601")
    ids = pts["network_ids"].astype(object).where(pts["network_ids"].notna(), "").astype(str).str.split(";")
    ref = pd.DataFrame({"network_id": ids, "day": when.dt.day_of_week, "hour": when.dt.hour}).explode("network_id")
    ref = ref.dropna(subset=["day"])
    want = ref.groupby(["network_id", "day", "hour"]).size()
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    long = got.melt(id_vars=["network_id", "day"], value_vars=[f"{h:02d}" for h in range(24)], var_name="hour")
    long["day"] = long["day"].map(days.index)
    long["hour"] = long["hour"].astype(int)
    have = long[long["value"] != 0].set_index(["network_id", "day", "hour"])["value"]
    diff = have.sub(want.astype(float), fill_value=0.0).abs()
    if len(got) != 7 * (len(w.networks()) + 1) or diff.max() > 1e-9:
        raise CellFailure(
            f"profile differs from pandas' count per network, day and hour in {int((diff > 1e-9).sum())} cells "
            f"(largest difference {diff.max():.3g}); {len(got)} rows"
        )


def w_forecast(w: World) -> None:
    """ProMap forecast the day after the period (networks layer: store networks) and a 4-week backtest.

    Reference: pandas' count of the incidents of the type in each week of the backtest, from the dataset's own
    dates (rows without a usable location are rejects: at most 10 % fewer).
    """
    w.need("import")
    _, _, _, b = w.period()
    after = (pd.Timestamp(b) + pd.Timedelta(days=1)).date().isoformat()
    common = [*w.inc(), "--store", w.store, *w.type_opts(), "--permutations", "19"]
    cli("forecast", *common, "--as-of", after, "--output", w.path("risk.gpkg"))
    ranked = gpd.read_file(w.path("risk.gpkg"), layer="networks")
    if not set(ranked["network_id"].astype(str)) <= set(w.networks()["network_id"].astype(str)):
        raise CellFailure(f"networks to warn that are not in the store: {ranked['network_id'].tolist()[:5]}")
    text = cli("forecast", *common, "--backtest", "weekly", "--weeks", "4", "--as-of", b, "--output", w.path("bt.csv"))
    table = pd.read_csv(w.path("bt.csv"))
    df = w.incidents_frame()
    sel = df[w.ds.type_field] == w.ds.incident_type if w.ds.incident_type else pd.Series(True, index=df.index)
    for week, got in table.groupby("week_start")["incidents"]:
        start = pd.Timestamp(week)
        want = int((sel & (df["_date"] >= start) & (df["_date"] < start + pd.Timedelta(days=7))).sum())
        n = int(got.iloc[0])
        if not ((got == n).all() and n <= want and n >= 0.9 * want):
            raise CellFailure(f"week {week}: {n} incidents in the backtest, {want} of the type\n{text[-600:]}")


def _address_xy(w: World) -> pd.DataFrame:
    """The address points as the test reads them: pandas, the coordinate columns named in SOURCES.md."""
    path = w.files["addresses"]
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    xcol, ycol = ("longitude", "latitude") if "longitude" in df.columns else ("x", "y")
    return pd.DataFrame({"x": df[xcol].astype(float), "y": df[ycol].astype(float)})


def w_recipients(w: World) -> None:
    w.need("import")
    every = _address_xy(w)
    adr = every.sample(n=min(400, len(every)), random_state=1).reset_index(drop=True)
    members = pd.DataFrame(
        {
            "lidnummer": [f"M{i:05d}" for i in range(len(adr))],
            "naam": [f"Lid {i}" for i in range(len(adr))],
            "e-mail": [f"lid{i}@example.org" for i in range(len(adr))],
            "toestemming": "ja",
            "x": adr["x"].map(repr),
            "y": adr["y"].map(repr),
        }
    )
    mpath = w.path("members.csv")
    members.to_csv(mpath, index=False)
    cli("members", "import", mpath, "--store", w.store, *_crs_opt(w.files["addresses_crs"]))
    nets = w.networks()
    pts = gpd.GeoDataFrame(
        members[["lidnummer"]],
        geometry=gpd.points_from_xy(adr["x"], adr["y"]),
        crs=w.files["addresses_crs"],
    ).to_crs(nets.crs)
    inside = gpd.sjoin(pts, nets[["network_id", "geometry"]], predicate="intersects")
    if inside.empty:
        raise CellFailure("no synthetic member lies in a network (test data problem)")
    net = inside["network_id"].value_counts().index[0]
    want = set(inside.loc[inside["network_id"] == net, "lidnummer"])
    out = w.path("recipients.csv")
    cli(
        "recipients",
        "--store",
        w.store,
        "--network",
        net,
        "--network-rule",
        "location",
        "--output",
        out,
        "--operator",
        "matrix",
        "--reason",
        "test",
    )
    got = set(pd.read_csv(out, sep=";", dtype=str, encoding="utf-8-sig")["member_id"])
    if got != want:
        raise CellFailure(f"recipients of {net}: {len(got)} selected, brute force {len(want)}")


def w_map(w: World) -> None:
    w.need("hotspots")
    cli(
        "map",
        "--store",
        w.store,
        "--incidents",
        *w.inc(),
        "--hotspots",
        w.path("hotspots.gpkg"),
        "--output",
        w.path("map.html"),
    )


# --- issue 17: the planning commands ------------------------------------------------------------------------------


def _ref_points(w: World, crs) -> gpd.GeoDataFrame:
    """The incidents of the type as the test reads them (pandas/geopandas, never bingeo), in ``crs``.

    Rows without a usable location (empty, non-numeric, 0/0 privacy offsets) are left out: bingeo rejects them.
    """
    import numpy as np

    from tests.realdata.datasets import _xy

    if w.files["incidents"].endswith(".geojson"):
        pts = gpd.read_file(w.files["incidents"])
    else:
        df = w.incidents_frame()
        x, y = _xy(w.ds, df)
        keep = np.isfinite(x) & np.isfinite(y) & ~((x == 0) & (y == 0))
        pts = gpd.GeoDataFrame(df[keep], geometry=gpd.points_from_xy(x[keep], y[keep]), crs=w.ds.incidents_crs)
    if w.ds.incident_type:
        pts = pts[pts[w.ds.type_field] == w.ds.incident_type]
    return pts.to_crs(crs).reset_index(drop=True)


def _candidates(w: World) -> gpd.GeoDataFrame:
    """The variant's polygons read by geopandas; invalid rings (portal) repaired with ``make_valid`` as the
    reference reads them (a bow-tie's two lobes both belong to the area)."""
    import shapely

    path = w.files["networks"]
    cands = gpd.read_file(("zip://" + path) if path.endswith(".zip") else path).reset_index(drop=True)
    cands["geometry"] = [g if g.is_valid else shapely.make_valid(g) for g in cands.geometry]
    return cands


def w_plan(w: World) -> None:
    """The best 3 new areas among the dataset's own polygons, with 3 of them already networks.

    Reference: geopandas. The uncovered incidents are those of the type (pandas' reading) inside none of the 3
    existing networks; the reach of the chosen areas is the number of uncovered incidents inside their union
    (each incident once); no 3 candidates reach more (brute force over every triple when there are at most 60
    candidates, else the greedy choice as a lower bound); and every row of the file is an incident, a reject
    in the rejects file, or of another type (nothing silently dropped).
    """
    import itertools

    import numpy as np

    cands = _candidates(w)
    # three existing networks: the 2nd, middle and 2nd-last polygons by area (never the portal's bow-ties)
    order = cands.to_crs(cands.estimate_utm_crs()).area.sort_values(ascending=False).index
    pick = [order[3], order[len(order) // 2], order[-2]]
    existing = gpd.GeoDataFrame(
        {"network_id": [f"N{i}" for i in pick]}, geometry=list(cands.geometry[pick]), crs=cands.crs
    )
    nets_file = w.path("plan-networks.gpkg")
    existing.to_file(nets_file, layer="networks")
    store = w.path("plan-store.gpkg")
    if not store.exists():
        cli("networks", "import", nets_file, "--store", store, "--id-field", "network_id")
    out = w.path("plan.gpkg")
    text = cli("plan", "--candidates", w.files["networks"], "--incidents", *w.inc(), "--store", store, "--k", "3",
               *w.type_opts(), "--output", out)  # fmt: skip
    from bingeo import open_store

    with open_store(store) as st:
        crs = st.crs
    chosen = gpd.read_file(out, layer="plan")
    gains = pd.read_csv(out.with_suffix(".csv"))
    pts = _ref_points(w, crs)
    c = cands.to_crs(crs)
    covered = gpd.sjoin(pts[["geometry"]], existing.to_crs(crs), predicate="intersects").index.unique()
    free = pts.drop(index=covered)
    pairs = gpd.sjoin(free[["geometry"]], c[["geometry"]], predicate="intersects")
    inside = np.zeros((len(c), len(free)), dtype=bool)  # candidate x uncovered incident
    inside[pairs["index_right"].to_numpy(), free.index.get_indexer(pairs.index)] = True
    # the chosen areas, matched to the candidates by geometry (their ids may be numbers of rows)
    got = []
    for g in chosen.geometry.make_valid():
        j = int(np.argmax([g.intersection(h).area / max(g.union(h).area, 1e-9) for h in c.geometry]))
        got.append(j)
    reached = int(inside[got].any(axis=0).sum())
    m = re.search(r"reach ([\d,]+) of ([\d,]+) uncovered", text)
    if not m:
        raise CellFailure(f"plan printed no 'reach N of M':\n{text[-600:]}")
    said, total = (int(v.replace(",", "")) for v in m.groups())
    if said != reached or int(gains["cumulative"].iloc[-1]) != reached:
        raise CellFailure(f"plan says it reaches {said} (table {gains['cumulative'].iloc[-1]}); geopandas counts "
                          f"{reached} uncovered incidents in the union of {list(chosen['candidate_id'])}")  # fmt: skip
    # nothing silently dropped: every row of the type is uncovered, covered or a reject; a reject with a location
    # (outside the extent, swapped lat/lon) is one geopandas counts as uncovered
    n_rows, n_rej, n_rej_located = _rows_and_rejects(w, out)
    if total + len(covered) + n_rej != n_rows or not 0 <= len(free) - total <= n_rej_located:
        raise CellFailure(
            f"{n_rows} rows of the type: plan counts {total} uncovered, geopandas {len(free)} uncovered + "
            f"{len(covered)} covered, {n_rej} rejects ({n_rej_located} with a location)\n{text[-600:]}"
        )
    live = np.flatnonzero(inside.any(axis=1))
    # one column per distinct set of candidates, weighed by its incidents: the same unions, faster
    inside, n = np.unique(inside[live], axis=1, return_counts=True)
    if len(live) <= 60:
        best = max((int(n[inside[list(t)].any(axis=0)].sum()) for t in itertools.combinations(range(len(live)), 3)),
                   default=0)  # fmt: skip
    else:  # the greedy choice: a lower bound of the best
        acc = np.zeros(inside.shape[1], dtype=bool)
        for _ in range(3):
            acc |= inside[int(np.argmax((inside | acc) @ n))]
        best = int(n[acc].sum())
    if reached < best or (len(live) <= 60 and reached != best):
        raise CellFailure(f"plan reaches {reached}, brute force/greedy {best}")


def _rows_and_rejects(w: World, out: Path) -> tuple[int, int, int]:
    """Rows of the type in the incident file given; its rejects beside ``out``; those rejects with a location."""
    from bingeo.readers import rejects_path

    rows = gpd.read_file(w.files["incidents"]) if w.files["incidents"].endswith(".geojson") else w.incidents_frame()
    rej = rejects_path(out)
    bad = pd.read_csv(rej, dtype=str, keep_default_na=False) if rej.exists() else pd.DataFrame({"reject_reason": []})
    if w.ds.incident_type:
        rows = rows[rows[w.ds.type_field] == w.ds.incident_type]
        bad = bad[bad[w.ds.type_field] == w.ds.incident_type] if len(bad) else bad
    located = bad["reject_reason"].isin(["outside_extent", "swapped_lat_lon", "non_finite"])
    return len(rows), len(bad), int(located.sum())


def _addresses(w: World) -> tuple[str, str | None]:
    """The address file of the variant (as published / portal GeoJSON / Excel sheet) and the CRS to give."""
    if "addr_variant" not in w.files:
        from tests.realdata.datasets import address_inputs

        w.files["addr_variant"] = address_inputs(w.ds, w.variant, w.real, w.samples, w.folder)
    return w.files["addr_variant"]


def _address_points(w: World, crs) -> gpd.GeoDataFrame:
    """The address points as the test reads the CSV as published (pandas), with households (column, else 1)."""
    path = w.files["addresses"]
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    xy = _address_xy(w)
    hh = pd.to_numeric(df["huishoudens"], errors="coerce").fillna(1) if "huishoudens" in df else 1.0
    pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(xy["x"], xy["y"]), crs=w.files["addresses_crs"])
    pts["_hh"] = hh
    return pts.to_crs(crs)


def _area(w: World) -> tuple[Path, gpd.GeoDataFrame]:
    """One polygon of the variant's file as a user cuts it out (GeoJSON, in the file's CRS): the one with the
    fewest addresses above 300; in the portal variant with a bow-tie ring, as the portal publishes its largest
    polygons (those hold no address points here, so the portal's treatment is applied to this one).

    Returns the file and the polygon as the reference reads it (``make_valid``), in the file's CRS.
    """
    if "_area" in w.files:
        return w.files["_area"]
    import shapely

    from tests.realdata.datasets import bow_tie

    path = w.files["networks"]
    polys = gpd.read_file(("zip://" + path) if path.endswith(".zip") else path).reset_index(drop=True)
    polys["geometry"] = polys.geometry.make_valid()
    pts = _address_points(w, polys.crs)
    n = gpd.sjoin(pts[["geometry"]], polys[["geometry"]], predicate="intersects")["index_right"].value_counts()
    one = polys.loc[[int(n[n >= 300].idxmin())], ["geometry"]].reset_index(drop=True)
    if w.variant == "portal":
        one = one.to_crs(4326)
        one["geometry"] = [bow_tie(g) for g in one.geometry]
        if one.geometry.is_valid.all():
            raise CellFailure("the portal area should hold a bow-tie ring (test data problem)")
    text = one.to_json(drop_id=True)
    if one.crs.to_epsg() != 4326:  # a GeoJSON in another CRS names it (as QGIS writes it)
        data = json.loads(text)
        data["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{one.crs.to_epsg()}"}}
        text = json.dumps(data)
    out = w.path("area.geojson")
    out.write_text(text, encoding="utf-8")
    ref = gpd.GeoDataFrame(geometry=[shapely.make_valid(one.geometry[0])], crs=one.crs)
    w.files["_area"] = (out, ref)
    return out, ref


def _inside(pts: gpd.GeoDataFrame, area: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return pts[pts.intersects(area.to_crs(pts.crs).union_all())]


def _address_key(df: pd.DataFrame) -> pd.Series:
    """An address as `street|number` (upper case, no spaces or dashes in the number), from the columns SOURCES.md
    names: Vancouver's `address` (`number street, city`); BAG's street, number, letter and suffix."""
    if "address" in df.columns:
        first = df["address"].str.split(",").str[0].str.strip()
        street, number = first.str.split(" ", n=1).str[1], first.str.split(" ", n=1).str[0]
    else:
        street, number = df["straat"], df["huisnummer"] + df["huisletter"] + df["toevoeging"]
    return _key(street, number)


def _key(street: pd.Series, number: pd.Series) -> pd.Series:
    number = number.astype(str).str.upper().str.replace(r"[\s\-]", "", regex=True)
    return street.astype(str).str.strip() + "|" + number


def w_invitations(w: World) -> None:
    """Invitations to the addresses inside one area (a bow-tied one in the portal variant).

    Reference: the distinct addresses (text of SOURCES.md's columns) whose points intersect the area repaired by
    ``make_valid`` (geopandas); bingeo lists each once, as street + house number.
    """
    area, ref = _area(w)
    path, crs = _addresses(w)
    out = w.path("invite.csv")
    text = cli("invitations", "--area", area, "--addresses", path, *_crs_opt(crs), "--output", out)
    got = pd.read_csv(out, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    pts = _inside(_address_points(w, ref.crs), ref)
    want = set(_address_key(pts))
    have = set(_key(got["street"], got["house_number"]))
    if len(got) != len(have) or have != want:
        raise CellFailure(
            f"{len(got)} invitations ({len(have)} distinct), geopandas {len(want)} distinct addresses inside; e.g. "
            f"only bingeo {sorted(have - want)[:3]}, only geopandas {sorted(want - have)[:3]}\n{text[-400:]}"
        )


def w_streets(w: World) -> None:
    """The streets of the 3 areas `plan` chose (its output read by `networks streets --proposals`).

    Reference: per chosen area, the streets of the address points inside it (geopandas, `make_valid` areas) and
    their number: the list names the same streets and its ranges hold every address point inside once.
    """
    w.need("plan")
    path, crs = _addresses(w)
    out = w.path("streets.csv")
    text = cli("networks", "streets", "--proposals", w.path("plan.gpkg"), "--addresses", path, *_crs_opt(crs),
               "--output", out)  # fmt: skip
    got = pd.read_csv(out, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    chosen = gpd.read_file(w.path("plan.gpkg"), layer="plan")
    pts = _address_points(w, chosen.crs)
    pts = pts.assign(_street=_address_key(pts).str.split("|").str[0])
    for cid, geom in zip(chosen["candidate_id"].astype(str), chosen.geometry.make_valid(), strict=True):
        inside = pts[pts.intersects(geom)]
        mine = got[got["network_id"] == cid]
        if set(mine["street"]) != set(inside["_street"]) or mine["addresses"].astype(int).sum() != len(inside):
            raise CellFailure(
                f"{cid}: {mine['street'].nunique()} streets holding {mine['addresses'].astype(int).sum()} addresses; "
                f"geopandas {inside['_street'].nunique()} streets, {len(inside)} address points inside\n{text[-400:]}"
            )


def rate_differences(tif: Path, inc: gpd.GeoDataFrame, adr: gpd.GeoDataFrame, radius: float) -> tuple[int, int, str]:
    """Compare an incidents-per-1,000-households raster (quartic kernel) with brute force at 300 of its pixels.

    Brute force with scipy's cKDTree: 1,000 x the sum of the quartic weights (1 - d²/r²)² of the incidents within
    r of the pixel centre over the same sum for the households (``adr["_hh"]``; the kernel's constant cancels in
    the ratio), each point's kernel centred where QGIS's heat map centres it (up to a cell above or below the
    point: the quirk bingeo.density documents). ``inc`` and ``adr`` in any CRS. Returns (pixels that differ,
    pixels compared, an example).
    """
    import numpy as np
    import rasterio
    from scipy.spatial import cKDTree

    with rasterio.open(tif) as src:
        band = src.read(1, masked=True)
        tf, rcrs = src.transform, src.crs
    rows, cols = np.nonzero(~np.ma.getmaskarray(band))
    if len(rows) < 50:
        return len(rows), len(rows), f"only {len(rows)} pixels with a rate"
    pick = np.random.default_rng(1).choice(len(rows), size=min(300, len(rows)), replace=False)
    rr, cc = rows[pick], cols[pick]
    cx, cy = rasterio.transform.xy(tf, rr, cc)
    centres = np.column_stack([cx, cy])
    height, width = band.shape
    xmin, ymax, p = tf.c, tf.f, tf.a

    def on_grid(pts):  # rows bingeo rejects (outside the extent, swapped) lie far off the raster
        pts = pts.to_crs(rcrs)
        x, y = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
        return pts[(x >= xmin) & (x <= xmin + width * p) & (y <= ymax) & (y >= ymax - height * p)]

    inc, adr = on_grid(inc), on_grid(adr)
    ymin = min(inc.geometry.y.min(), adr.geometry.y.min()) - radius  # the grid of both layers, grown by r

    def kernel_sum(pts, weights):
        # QGIS's vertical quirk (bingeo.density's module docstring): the kernel of a point at y is centred at
        # y + (frac((ymax - y) / p) - frac((y - ymin) / p)) * p
        x, y = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
        yc = y + (np.modf((ymax - y) / p)[0] - np.modf((y - ymin) / p)[0]) * p
        tree = cKDTree(np.column_stack([x, yc]))
        out = np.zeros(len(centres))
        for i, near in enumerate(tree.query_ball_point(centres, radius)):
            if near:
                d2 = ((tree.data[near] - centres[i]) ** 2).sum(axis=1) / radius**2
                out[i] = (weights[near] * np.clip(1 - d2, 0, None) ** 2).sum()
        return out

    want = 1000 * kernel_sum(inc, np.ones(len(inc))) / kernel_sum(adr, adr["_hh"].to_numpy(float))
    have = np.asarray(band[rr, cc], dtype=float)
    bad = ~np.isclose(have, want, rtol=1e-4, atol=1e-6)
    i = int(np.flatnonzero(bad)[0]) if bad.any() else 0
    return int(bad.sum()), len(rr), f"pixel ({rr[i]}, {cc[i]}): {have[i]:.6g} vs brute force {want[i]:.6g}"


def w_densityper(w: World) -> None:
    """Incidents per 1,000 households (dual kernel density, quartic, 400 m) on 100 m pixels.

    Reference: :func:`rate_differences` (brute force at 300 pixels) with the incidents of the type as pandas reads
    them and the address points (households column, else 1).
    """
    w.need("import")
    path, crs = _addresses(w)
    out = w.path("per.tif")
    text = cli("density", *w.inc(), "--store", w.store, *w.type_opts(), "--cell-size", "100", "--radius", "400",
               "--per", path, *_crs_opt(crs, "--per-crs"), "--output", out)  # fmt: skip
    import rasterio

    with rasterio.open(out) as src:  # the points in the raster's CRS, as bingeo reprojects them (no round trip)
        crs = src.crs
    bad, n, example = rate_differences(out, _ref_points(w, crs), _address_points(w, crs), 400.0)
    if bad or n < 50:
        raise CellFailure(f"{bad} of {n} pixels differ from brute force, e.g. {example}\n{text[-400:]}")


def w_hotspotsper(w: World) -> None:
    """Gi* on incidents per 1,000 households per cell.

    Reference: the incidents of the type (pandas) and the households of the address points counted per cell
    by the cells' own grid (floor of the offset from the lower-left corner over the cell size), the rate =
    1,000 x incidents / households; cells with fewer than 10 households have no Gi* z.
    """
    import numpy as np

    w.need("import")
    path, crs = _addresses(w)
    out = w.path("hotper.gpkg")
    text = cli("hotspots", *w.inc(), "--store", w.store, *w.type_opts(), "--per", path,
               *_crs_opt(crs, "--addresses-crs"), "--output", out)  # fmt: skip
    cells_ = gpd.read_file(out, layer="cells")
    b = cells_.geometry.bounds
    size = float((b["maxx"] - b["minx"]).iloc[0])
    x0, ybottom = float(b["minx"].min()), float(b["miny"].min())
    nrows = int(cells_["row"].max()) + 1
    key = {(int(r), int(c)): i for i, (r, c) in enumerate(zip(cells_["row"], cells_["col"], strict=True))}

    def per_cell(pts, weights):
        # a cell holds its lower and left edges (half-open, counted from the lower-left corner)
        r = nrows - 1 - np.floor((pts.geometry.y.to_numpy() - ybottom) / size).astype(int)
        c = np.floor((pts.geometry.x.to_numpy() - x0) / size).astype(int)
        acc = np.zeros(len(cells_))
        for ri, ci, wi in zip(r, c, weights, strict=True):
            j = key.get((ri, ci))
            if j is not None:
                acc[j] += wi
        return acc

    inc = _ref_points(w, cells_.crs)
    adr = _address_points(w, cells_.crs)
    n = per_cell(inc, np.ones(len(inc)))
    hh = per_cell(adr, adr["_hh"].to_numpy(float))
    off_count = int((cells_["count"].to_numpy() != n).sum())
    off_hh = int((cells_["households"].to_numpy() != hh).sum())
    tested = cells_["gi_z"].notna().to_numpy()
    rate = np.where(hh > 0, 1000 * n / np.where(hh > 0, hh, 1), np.nan)
    off_rate = int((~np.isclose(cells_["rate"].to_numpy()[tested], rate[tested])).sum())
    if off_count or off_hh or off_rate or (tested & (hh < 10)).any() or not tested.any():
        raise CellFailure(
            f"cells unlike the reference: {off_count} counts, {off_hh} households, {off_rate} rates; "
            f"{int((tested & (hh < 10)).sum())} tested with < 10 households, {int(tested.sum())} tested\n{text[-400:]}"
        )


def w_regions(w: World) -> None:
    """Candidate BIN areas of 50-250 households in one area, part of which a network (300 m around its middle
    address) already covers.

    Reference: every region within the bounds; the households of the regions plus those of the islands (blocks
    in no region) equal the households of the address points inside the area and outside the network
    (geopandas; households column, else 1), so every household is in one region or reported.
    """
    area, ref = _area(w)
    path, crs = _addresses(w)
    pts = _inside(_address_points(w, ref.crs), ref)
    metric = pts.estimate_utm_crs() if pts.crs.is_geographic else pts.crs
    mid = pts.to_crs(metric).geometry.iloc[len(pts) // 2]
    nets = gpd.GeoDataFrame({"network_id": ["R0"]}, geometry=[mid.buffer(300)], crs=metric)
    nets.to_file(w.path("regions-networks.gpkg"))
    store = w.path("regions-store.gpkg")
    if not store.exists():
        cli("networks", "import", w.path("regions-networks.gpkg"), "--store", store, "--id-field", "network_id")
    out = w.path("regions.gpkg")
    text = cli("regions", "--store", store, "--area", area, "--addresses", path,
               *_crs_opt(crs), "--min-households", "50", "--max-households", "250", "--output", out)  # fmt: skip
    regions = gpd.read_file(out)
    isl_path = w.path("regions_islands.gpkg")
    islands = gpd.read_file(isl_path) if isl_path.exists() else pd.DataFrame({"households": []})
    pts = pts.to_crs(regions.crs)
    pts = pts[~pts.intersects(nets.to_crs(regions.crs).union_all())]
    want = float(pts["_hh"].sum())
    have = float(regions["households"].sum() + islands["households"].sum())
    hh = regions["households"]
    if not len(regions) or not hh.between(50, 250).all() or abs(have - want) > 1e-6:
        raise CellFailure(
            f"{len(regions)} regions of {hh.min()}-{hh.max()} households; regions + islands hold {have:g} "
            f"households, geopandas {want:g} inside the area and outside the networks\n{text[-400:]}"
        )


RUN: dict[str, Callable[[World], None]] = {
    "import": w_import,
    "check": w_check,
    "assign": w_assign,
    "counts": w_counts,
    "coverage": w_coverage,
    "hotspots": w_hotspots,
    "emerging": w_emerging,
    "density": w_density,
    "propose": w_propose,
    "pai": w_pai,
    "evaluate": w_evaluate,
    "nearrepeat": w_nearrepeat,
    "profile": w_profile,
    "forecast": w_forecast,
    "recipients": w_recipients,
    "map": w_map,
    "plan": w_plan,
    "invitations": w_invitations,
    "streets": w_streets,
    "densityper": w_densityper,
    "hotspotsper": w_hotspotsper,
    "regions": w_regions,
}


def make_world(name: str, variant: str, real: Path, samples: Path, base: Path) -> World:
    ds = BY_NAME[name]
    folder = base / f"{name}-{variant}"
    w = World(ds, variant, folder, real, samples)
    w.files = inputs(ds, variant, real, samples, folder)
    return w


def main(argv: list[str] | None = None) -> int:
    import os
    import tempfile

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", action="append")
    p.add_argument("--variant", action="append")
    p.add_argument("--workflow", action="append")
    p.add_argument("--keep", help="work folder to keep (default: a temporary one)")
    a = p.parse_args(argv)
    real = Path(os.environ.get("BINGEO_REAL_DATA") or ROOT.parent / "shared" / "data" / "real")
    samples = ROOT / "data" / "samples"
    base = Path(a.keep or tempfile.mkdtemp(prefix="bingeo-matrix-"))
    worlds: dict[tuple[str, str], World] = {}
    table: dict[tuple[str, str], dict[str, str]] = {}
    passed = total = 0
    for name, variant, wf in cells(a.dataset, a.variant, a.workflow):
        t0 = time.perf_counter()
        key = (name, variant)
        try:
            if key not in worlds:
                worlds[key] = make_world(name, variant, real, samples, base)
            worlds[key].run(wf)
            mark, detail = "ok", ""
            passed += 1
        except CellFailure as exc:
            mark, detail = "FAIL", str(exc).strip().splitlines()[-1][:160] if str(exc).strip() else ""
        except Exception as exc:  # a bug of the harness or its inputs: still a failed cell
            mark, detail = "ERROR", f"{type(exc).__name__}: {exc}"[:160]
        total += 1
        table.setdefault(key, {})[wf] = mark
        print(f"{name:22} {variant:7} {wf:11} {mark:5} {time.perf_counter() - t0:6.1f}s  {detail}", flush=True)
    print()
    print("dataset/variant".ljust(30) + " ".join(w[:6].ljust(6) for w in WORKFLOWS))
    for (name, variant), row in table.items():
        print(f"{name}/{variant}".ljust(30) + " ".join(row.get(w, "-").ljust(6) for w in WORKFLOWS))
    print(f"\ncells passed: {passed} / {total}")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
