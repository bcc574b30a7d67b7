"""A text table streamed through ``bingeo assign`` block by block gives what the whole-file read gives.

The block size is forced tiny (:data:`bingeo.readers.stream.STREAM_ENV`) so that small files cut into many
blocks: the output CSV, the rejects CSV and every printed line must be byte for byte those of the in-memory
path, and the streamer must really have streamed (not given the file back to the whole read).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from click.testing import CliRunner

from bingeo.cli.main import cli
from bingeo.readers import read_points
from bingeo.readers.stream import STREAM_ENV, stream_points
from bingeo.stores import open_store

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


def _store(tmp: Path, networks: Path) -> Path:
    store = tmp / "s.gpkg"
    res = CliRunner().invoke(cli, ["networks", "import", str(networks), "--store", str(store)])
    assert res.exit_code == 0, res.output
    return store


def _assign(src: Path, store: Path, out: Path, rows: int | None, monkeypatch, more: tuple[str, ...] = ()) -> str:
    if rows is None:
        monkeypatch.delenv(STREAM_ENV, raising=False)
    else:
        monkeypatch.setenv(STREAM_ENV, str(rows))
    res = CliRunner().invoke(cli, ["assign", str(src), "--store", str(store), "-o", str(out), *more])
    assert res.exit_code == 0, res.output
    return res.output.replace(str(out.with_suffix("")), "OUT")


def _streams(src: Path, store: Path, out: Path, rows: int, x: str | None = None, y: str | None = None) -> bool:
    """Whether the streamer takes the file block by block (it returns None when it gives it back)."""
    from bingeo.assign import assign

    with open_store(store) as st:
        nets = st.networks()
        read = {"crs": None, "x_field": x, "y_field": y, "target_crs": st.crs, "extent": st.extent()}
        got = stream_points(src, out, lambda p: (assign(p, nets, store=st), {}), rows=rows, read=read)
    return got is not None


def _same(src: Path, store: Path, tmp: Path, rows: int, monkeypatch, more: tuple[str, ...] = ()) -> None:
    (tmp / "whole").mkdir()
    whole = _assign(src, store, tmp / "whole" / "out.csv", None, monkeypatch, more)
    (tmp / "blocks").mkdir()
    blocks = _assign(src, store, tmp / "blocks" / "out.csv", rows, monkeypatch, more)
    assert blocks == whole
    for name in ("out.csv", "out.rejects.csv"):
        a, b = tmp / "whole" / name, tmp / "blocks" / name
        assert a.exists() == b.exists()
        if a.exists():
            assert a.read_bytes() == b.read_bytes(), name


def test_sample_export_streams_like_the_whole_read(tmp_path, monkeypatch):
    src = SAMPLES / "incidents.csv"  # cp1252, ';', decimal commas, quoted multi-line cells, planted bad rows
    store = _store(tmp_path, SAMPLES / "networks.gpkg")
    assert _streams(src, store, tmp_path / "probe.csv", 700)
    _same(src, store, tmp_path, 700, monkeypatch)


def test_given_columns_stream_like_the_whole_read(tmp_path, monkeypatch):
    src = SAMPLES / "incidents.csv"
    store = _store(tmp_path, SAMPLES / "networks.gpkg")
    assert _streams(src, store, tmp_path / "probe.csv", 1500, "x", "y")
    _same(src, store, tmp_path, 1500, monkeypatch, ("--x-field", "x", "--y-field", "y"))


def test_real_chicago_export_streams_like_the_whole_read(tmp_path, monkeypatch):
    real = REAL / "chicago" / "chicago_aggravated_assaults_2010_2019.csv.gz"
    if not real.exists():
        pytest.skip("real data not beside the clone")
    with gzip.open(real, "rt", encoding="utf-8", newline="") as fh:
        lines = [next(fh) for _ in range(3001)]
    src = tmp_path / "chicago.csv"
    src.write_text("".join(lines), encoding="utf-8", newline="")
    store = _store(tmp_path, REAL / "chicago" / "chicago_police_districts.kml")
    assert _streams(src, store, tmp_path / "probe.csv", 500)
    _same(src, store, tmp_path, 500, monkeypatch)


def test_a_decision_is_taken_on_the_whole_column(tmp_path, monkeypatch):
    # the first block's dates all read either way (both parts <= 12); a later block shows they are month first
    head = "id;datum;X;Y\n"
    rows = [f"{i};{1 + i % 9}/{1 + i % 12}/2021;233{i:03d},5;582{i:03d},5\n" for i in range(40)]
    rows += [f"{i};{1 + i % 9}/{13 + i % 15}/2021;233{i:03d},5;582{i:03d},5\n" for i in range(40, 80)]
    src = tmp_path / "dates.csv"
    src.write_text(head + "".join(rows), encoding="utf-8")
    first = tmp_path / "first.csv"
    first.write_text(head + "".join(rows[:20]), encoding="utf-8")
    whole_note = [n for n in read_points(src, crs=28992).notes if "'datum'" in n]
    first_note = [n for n in read_points(first, crs=28992).notes if "'datum'" in n]
    assert whole_note != first_note  # a per-block decision would differ from the whole file's
    store = _store(tmp_path, SAMPLES / "networks.gpkg")
    _same(src, store, tmp_path, 20, monkeypatch)


def test_geopackage_output_streams_like_the_whole_write(tmp_path, monkeypatch):
    import geopandas as gpd
    from geopandas.testing import assert_geodataframe_equal

    src = SAMPLES / "incidents.csv"
    import pyogrio

    store = _store(tmp_path, SAMPLES / "networks.gpkg")
    assert _streams(src, store, tmp_path / "probe.gpkg", 1500)
    outs = {}
    for rows in (None, 1500):
        d = tmp_path / str(rows)
        d.mkdir()
        printed = _assign(src, store, d / "out.gpkg", rows, monkeypatch)
        outs[rows] = (printed, gpd.read_file(d / "out.gpkg", layer="out"), (d / "out.rejects.csv").read_bytes())
    assert outs[1500][0] == outs[None][0]
    assert_geodataframe_equal(outs[1500][1], outs[None][1], check_dtype=True)
    assert outs[1500][2] == outs[None][2]
    layers = [pyogrio.list_layers(tmp_path / str(r) / "out.gpkg").tolist() for r in (None, 1500)]
    assert layers[0] == layers[1]
    assert not list((tmp_path / "1500").glob("*.part*"))


def _vancouver(tmp: Path) -> Path:
    real = REAL / "vancouver" / "vpd_crimedata_AllNeighbourhoods_2023.csv.gz"
    with gzip.open(real, "rt", encoding="utf-8", newline="") as fh:
        lines = [next(fh) for _ in range(3001)]
    src = tmp / "vancouver.csv"
    src.write_text("".join(lines), encoding="utf-8", newline="")
    return src


def _planted(tmp: Path) -> Path:
    """A Dutch export (cp1252, ';', decimal commas) with bad dates, wrong field counts, unreadable coordinates."""
    lines = ["registratienummer;pleegdatum;plaats;omschrijving;X;Y"]
    for i in range(3000):
        date = "31-2-2022 10:00" if i % 500 == 7 else f"{1 + i % 28}-{1 + i % 12}-2021 {i % 24}:{i % 60:02d}"
        place = "Groningen;Stad" if i % 700 == 3 else "Groningen"
        x = "onbekend" if i % 900 == 5 else f"{229500 + i * 2.5:.2f}".replace(".", ",")
        text = '"=SOM(A1); ""cööp"""' if i % 11 == 0 else ("" if i % 3 else "Fiets weg")
        lines.append(f"PL-{i};{date};{place};{text};{x};{579500 + (i * 7) % 6000},5")
    src = tmp / "planted.csv"
    src.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return src


@pytest.mark.parametrize("case", ["sample", "planted", "chicago", "vancouver", "geopackage"])
def test_assign_to_csv_without_point_objects_writes_the_same(tmp_path, monkeypatch, case):
    """``bingeo assign`` to CSV keeps the points as numbers (``read_points(geometry=False)``, ``assign_xy``,
    ``write_points_csv``): output, rejects and printed lines are byte for byte those of the GeoDataFrame path."""
    import bingeo.cli.main as cli_main

    networks = SAMPLES / "networks.gpkg"
    if case == "sample":
        src = SAMPLES / "incidents.csv"
    elif case == "planted":
        src = _planted(tmp_path)
    elif case == "geopackage":
        src = tmp_path / "points.gpkg"
        read_points(SAMPLES / "incidents.csv", crs=28992).points.to_file(src, engine="pyogrio")
    else:
        if not REAL.exists():
            pytest.skip("real data not beside the clone")
        if case == "chicago":
            with gzip.open(REAL / "chicago" / "chicago_aggravated_assaults_2010_2019.csv.gz", "rt", newline="") as fh:
                src = tmp_path / "chicago.csv"
                src.write_text("".join(next(fh) for _ in range(3001)), encoding="utf-8", newline="")
            networks = REAL / "chicago" / "chicago_police_districts.kml"
        else:
            src = _vancouver(tmp_path)
            networks = REAL / "vancouver" / "vancouver_local_areas.geojson"
    store = _store(tmp_path, networks)
    more = ("--crs", "26910") if case == "vancouver" else ()
    printed, files = {}, {}
    for how, outputs in (("numbers", (".csv",)), ("objects", ())):
        monkeypatch.setattr(cli_main, "XY_OUTPUTS", outputs)
        (tmp_path / how).mkdir()
        printed[how] = _assign(src, store, tmp_path / how / "out.csv", None, monkeypatch, more)
        files[how] = [p.read_bytes() for p in sorted((tmp_path / how).glob("out*.csv"))]  # rejects when any
    assert printed["numbers"] == printed["objects"]
    assert files["numbers"] == files["objects"]
    out = (tmp_path / "numbers" / "out.csv").read_bytes()
    assert b"network_id" in out.split(b"\n")[0] and out.count(b"\n") > 1000
    if case == "planted":
        rejects = (tmp_path / "numbers" / "out.rejects.csv").read_bytes()
        assert b"wrong_field_count" in rejects and b"unparseable_coordinates" in rejects
