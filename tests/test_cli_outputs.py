"""No input is ever lost, no output is ever half written, and every CSV bingeo writes is safe in a spreadsheet."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from bingeo.cli.main import cli
from bingeo.readers import excel_safe, replacing, write_csv

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def run(*args, code=0):
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert res.exit_code == code, res.output
    return res.output


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "bins.gpkg"
    run("networks", "import", SAMPLES / "networks.gpkg", "--store", path)
    return path


# ------------------------------------------------------------------ an output over an input


def test_output_that_is_the_input_is_refused_naming_both_options(store, tmp_path):
    same = tmp_path / "same.csv"
    same.write_bytes((SAMPLES / "incidents.csv").read_bytes())
    before = same.read_bytes()
    out = run("assign", same, "--store", store, "--crs", "28992", "--output", same, code=2)
    assert "--output" in out and "POINTS" in out and "same.csv" in out
    link = tmp_path / "link.csv"
    link.symlink_to(same)
    out = run("assign", same, "--store", store, "--crs", "28992", "--output", link, code=2)
    assert "--output" in out and "POINTS" in out
    assert same.read_bytes() == before


def test_output_over_the_store_or_another_input_is_refused(store, tmp_path):
    before = store.read_bytes()
    out = run("assign", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--output", store, code=2)
    assert "--output" in out and "--store" in out
    assert store.read_bytes() == before
    adr = tmp_path / "adr.csv"
    adr.write_bytes((SAMPLES / "addresses.csv").read_bytes())
    out = run("coverage", "--store", store, "--addresses", adr, "--crs", "28992", "--output", adr, code=2)
    assert "--addresses" in out and "--output" in out
    # the rejects file written beside --output may not be an input either
    rej = tmp_path / "inc.rejects.csv"
    rej.write_bytes((SAMPLES / "incidents.csv").read_bytes())
    out = run("assign", rej, "--store", store, "--crs", "28992", "--output", tmp_path / "inc.csv", code=2)
    assert "rejects file" in out


# ------------------------------------------------------------------ whole files or none


def test_replacing_leaves_the_old_file_on_an_error(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), replacing(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


KILLED_WRITER = """
import sys, time
import pandas as pd
from bingeo.readers import write_table

def half_then_hang(self, path, *args, **kwargs):
    with open(path, "w") as fh:
        fh.write("a\\n1")  # half of the new table is on disk
    print("writing", flush=True)
    time.sleep(60)  # killed here

pd.DataFrame.to_csv = half_then_hang
write_table(pd.DataFrame({"a": range(10)}), sys.argv[1])
"""


def test_a_killed_write_leaves_the_old_file_whole(tmp_path):
    target = tmp_path / "counts.csv"
    target.write_text("a\n1\n")
    script = tmp_path / "writer.py"
    script.write_text(KILLED_WRITER)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    with subprocess.Popen(
        [sys.executable, str(script), str(target)], stdout=subprocess.PIPE, env=env, text=True
    ) as proc:
        assert proc.stdout.readline().strip() == "writing"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert target.read_text() == "a\n1\n"


def test_every_output_format_is_written_through_a_temporary_file(store, tmp_path, monkeypatch):
    """Watch the folder while a command writes: the final name appears only complete (by rename)."""
    from bingeo.readers import write as write_module

    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append((Path(src).name, Path(dst).name))
        return real_replace(src, dst)

    monkeypatch.setattr(write_module.os, "replace", spy)
    for ext in (".csv", ".gpkg", ".geojson", ".parquet"):
        run("assign", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--output", tmp_path / f"a{ext}")
    run("hotspots", SAMPLES / "incidents.csv", "--store", store, "--crs", "28992", "--output", tmp_path / "h.gpkg")
    run(
        "density", SAMPLES / "incidents.csv", "--crs", "28992", "--cell-size", "200", "--radius", "500",
        "--output", tmp_path / "d.tif",
    )  # fmt: skip
    run("map", "--store", store, "--output", tmp_path / "m.html")
    targets = {dst for _, dst in seen}
    assert {"a.csv", "a.gpkg", "a.geojson", "a.parquet", "a.rejects.csv", "h.gpkg", "d.tif", "m.html"} <= targets
    assert all(src.startswith(".") and ".part" in src for src, _ in seen)
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


# ------------------------------------------------------------------ spreadsheet-safe CSV


def _cells(path: Path, sep: str = ",") -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=sep))


def _no_formula(rows: list[list[str]], numeric_columns: set[str] = frozenset()) -> None:
    header = rows[0]
    for row in rows:
        for name, cell in zip(header, row, strict=False):
            if name in numeric_columns and row is not header:
                float(cell or "nan")  # a number stays a number
                continue
            assert not cell.lstrip(" ").startswith(FORMULA_START), (name, cell)


@pytest.fixture
def hostile_incidents(tmp_path):
    raw = pd.read_csv(SAMPLES / "incidents.csv", sep=";", encoding="cp1252", dtype=str).head(200)
    raw.loc[0, "omschrijving"] = '=HYPERLINK("http://evil.example","klik")'
    raw.loc[1, "omschrijving"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    raw.loc[2, "straat"] = "+31 6 1234"
    raw.loc[3, "omschrijving"] = "\t=1+1"
    raw.loc[4, "X"] = "-inf"  # rejected: the rejects file echoes the raw text
    raw = raw.rename(columns={"plaats": "=plaats"})
    path = tmp_path / "hostile.csv"
    raw.to_csv(path, sep=";", index=False, encoding="cp1252")
    return path


def test_assign_and_rejects_csv_are_neutralised_numbers_stay_numbers(store, tmp_path, hostile_incidents):
    out = tmp_path / "out.csv"
    run("assign", hostile_incidents, "--store", store, "--crs", "28992", "--output", out)
    rows = _cells(out)
    _no_formula(rows, numeric_columns={"x", "y"})
    flat = [c for r in rows for c in r]
    assert '\'=HYPERLINK("http://evil.example","klik")' in flat and "'=plaats" in rows[0]
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in flat
    rejects = _cells(tmp_path / "out.rejects.csv")
    _no_formula(rejects)
    assert "'-inf" in [c for r in rejects for c in r]
    # pandas reads the numeric columns back as numbers
    back = pd.read_csv(out)
    assert pd.api.types.is_float_dtype(back["x"]) and pd.api.types.is_float_dtype(back["y"])


def test_networks_list_counts_and_coverage_csv_are_neutralised(store, tmp_path, hostile_incidents):
    bad = tmp_path / "bad_names.geojson"
    import geopandas as gpd

    nets = gpd.read_file(SAMPLES / "networks.gpkg").head(3)
    nets["naam"] = ["=cmd|' /C calc'!A0", "-2+3", "@x"]
    nets.to_file(bad, driver="GeoJSON")
    s2 = tmp_path / "s2.gpkg"
    run("networks", "import", bad, "--store", s2)
    run("networks", "list", "--store", s2, "--output", tmp_path / "nets.csv")
    rows = _cells(tmp_path / "nets.csv")
    _no_formula(rows, numeric_columns={"version", "area_m2"})
    assert "'=cmd|' /C calc'!A0" in [c for r in rows for c in r]
    run("counts", hostile_incidents, "--store", store, "--crs", "28992", "--output", tmp_path / "c.csv")
    _no_formula(_cells(tmp_path / "c.csv"), numeric_columns={"incidents"})
    run(
        "coverage", "--store", s2, "--addresses", SAMPLES / "addresses.csv", "--crs", "28992",
        "--output", tmp_path / "cov.csv",
    )  # fmt: skip
    _no_formula(_cells(tmp_path / "cov.csv"), numeric_columns={"addresses", "households", "exclusive_addresses"})


def test_excel_safe_rule():
    df = pd.DataFrame(
        {
            "text": ["=1+1", " -2", "ok", None, "+316"],
            "num": [-1.5, 2.0, float("-inf"), float("nan"), float("inf")],
            "int": [-1, 0, 1, 2, 3],
            "mixed": [-3, "=x", 1.5, float("-inf"), "a"],
        }
    )
    out = excel_safe(df)
    assert out["text"].tolist()[:3] == ["'=1+1", "' -2", "ok"] and out["text"].iloc[4] == "'+316"
    assert out["num"].tolist()[:2] == [-1.5, 2.0] and out["num"].iloc[2] == "'-inf" and out["num"].iloc[4] == "'inf"
    assert out["int"].tolist() == [-1, 0, 1, 2, 3] and pd.api.types.is_integer_dtype(out["int"])
    assert out["mixed"].tolist()[:3] == [-3, "'=x", 1.5] and out["mixed"].iloc[3] == "'-inf"
    assert df["text"].iloc[0] == "=1+1"  # the input is not changed


def test_recipient_export_uses_the_same_writer(tmp_path):
    path = tmp_path / "r.csv"
    write_csv(pd.DataFrame({"=a": ["+31612345678", "x"]}), path, sep=";", encoding="utf-8-sig", lineterminator="\r\n")
    assert path.read_bytes() == "\ufeff'=a\r\n'+31612345678\r\nx\r\n".encode()
    import inspect

    from bingeo import recipients

    assert "write_csv" in inspect.getsource(recipients._write_csv)


def _read_only(path: Path) -> list[str]:
    """Make a file or folder read-only even for root (immutable); return the command that undoes it."""
    if os.geteuid() == 0:  # root writes anything but an immutable file
        made = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
        assert made.returncode == 0, made.stderr
        return ["chattr", "-i", str(path)]
    path.chmod(0o555 if path.is_dir() else 0o444)
    return ["chmod", "755" if path.is_dir() else "644", str(path)]


@pytest.mark.parametrize("where", ["file", "folder"])
def test_a_read_only_store_is_a_message(store, tmp_path, where):
    """sqlite3's OperationalError for a store nobody may write becomes a StoreError message."""
    folder = tmp_path / "locked"
    folder.mkdir()
    target = store if where == "file" else folder / "new.gpkg"
    undo = _read_only(store if where == "file" else folder)
    try:
        out = run("networks", "import", SAMPLES / "networks_update.geojson", "--store", target, code=1)
        assert "read-only" in out and str(target) in out and "Traceback" not in out
    finally:
        subprocess.run(undo, check=True)


# ------------------------------------------------------------------ store init|info --store


def test_store_init_and_info_take_store_like_every_other_command(tmp_path):
    path = tmp_path / "s.gpkg"
    out = run("store", "init", "--store", path, "--crs", "28992")
    assert "ready" in out and "EPSG:28992" in out and path.exists()
    by_option = run("store", "info", "--store", path)
    assert by_option == run("store", "info", path)
    assert "EPSG:28992" in by_option
    assert "give the store" in run("store", "info", code=2)
    assert "differ" in run("store", "info", path, "--store", tmp_path / "other.gpkg", code=2)
    run("store", "info", path, "--store", path)  # the same store both ways is fine
