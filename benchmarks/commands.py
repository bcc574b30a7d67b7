"""Benchmark: whole commands on a real-sized Dutch police export, against the script users would write.

Workload: a police export of ``--rows`` incidents (default 1,000,000) made from the sample export
``data/samples/incidents.csv`` (``;``, decimal commas, Windows-1252, CRLF, quoted multi-line descriptions, D-M-Y
dates): its 5,000 rows repeated with new registration numbers and the good coordinates moved by up to 50 m, its
planted bad rows kept (empty, 0/0, lat/lon, swapped, far away) and, per 100,000 rows, 3 impossible dates, 2 rows
with a wrong number of fields and 2 unreadable coordinates added. The 18 sample networks are imported into a
store. The same rows are also written as a GeoPackage, a GeoParquet file and an ``.xlsx`` sheet (the sheet has
``--sheet-rows`` rows, 200,000 by default: a naive ``pandas.read_excel`` of a million rows takes minutes).
Everything lives under ``--data`` (default ``/work/bench-data``), made once and reused.

In one run, for each input, it runs as subprocesses (so Python start-up and imports count for both):

(a) the naive script: ``pandas.read_csv(sep=";", decimal=",", encoding="cp1252")`` (or ``geopandas.read_file``,
    ``geopandas.read_parquet``, ``pandas.read_excel``) + ``geopandas.points_from_xy`` +
    ``geopandas.sjoin(predicate="within")`` + ``to_csv``;
(b) the whole command ``bingeo assign INPUT --store S --output out.csv`` (and ``out.gpkg``);

and prints wall time, peak RSS (of the child, from ``wait4``) and the ratio naive ÷ bingeo. It checks that
bingeo's output and rejects together hold every input row once.

``--before DIR`` also runs the command from another checkout (e.g. ``/work/main``, the code before this
benchmark's changes) and ``bingeo counts INPUT --by month`` from both (another command that reads points, with
its dates), to show the gain of every command that reads points.

``--stream-check`` runs only ``bingeo assign`` on the export (give ``--rows 10000000``) and reports its peak RSS
against the 1.5 GB target (a file over ``bingeo.readers.stream.STREAM_BYTES`` is streamed block by block).
``--stream-compare`` runs ``bingeo assign`` on the export twice, read whole and streamed (the block size forced
through ``BINGEO_STREAM_BLOCK_ROWS``, ``--block-rows``), and checks that output, rejects and printed lines are
byte for byte the same, with the peak RSS of both.

Examples
--------
python benchmarks/commands.py --rows 100000 --repeat 1
python benchmarks/commands.py --repeat 3
python benchmarks/commands.py --rows 10000000 --stream-check
python benchmarks/commands.py --inputs csv --outputs gpkg --also gpkg:gpkg,parquet:csv --repeat 3
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "incidents.csv"
NETWORKS = ROOT / "data" / "samples" / "networks.gpkg"
COLUMNS = ["registratienummer", "pleegdatum", "soort_delict", "straat", "plaats", "omschrijving", "X", "Y"]
CHUNK = 500_000
JITTER_M = 50.0
#: Extra bad rows planted per 100,000 rows: impossible dates, wrong field counts, unreadable coordinates.
PLANTED = {"bad_date": 3, "wrong_fields": 2, "bad_number": 2}
STREAM_LIMIT_GB = 1.5


def _sample() -> pd.DataFrame:
    return pd.read_csv(SAMPLE, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)


def _dec_comma(values: np.ndarray) -> pd.Series:
    return pd.Series(np.char.replace(np.char.mod("%.2f", values), ".", ","), dtype=object)


def _quoted(s: pd.Series) -> pd.Series:
    need = s.str.contains(r'[;"\n\r]', regex=True)
    q = '"' + s.str.replace('"', '""', regex=False) + '"'
    return s.where(~need, q)


def export_rows(start: int, n: int, seed: int) -> pd.DataFrame:
    """Rows ``start .. start+n`` of the export as text cells (the planted bad rows included)."""
    base = _sample()
    rng = np.random.default_rng(seed + start)
    take = np.arange(start, start + n) % len(base)
    df = base.iloc[take].reset_index(drop=True)
    df["registratienummer"] = [f"PL0100-{2021000000 + i}" for i in range(start, start + n)]
    x = pd.to_numeric(df["X"].str.replace(",", ".", regex=False), errors="coerce").to_numpy()
    y = pd.to_numeric(df["Y"].str.replace(",", ".", regex=False), errors="coerce").to_numpy()
    good = (x > 200_000) & (x < 260_000) & (y > 560_000) & (y < 600_000)
    jx = x + rng.uniform(-JITTER_M, JITTER_M, n)
    jy = y + rng.uniform(-JITTER_M, JITTER_M, n)
    df.loc[good, "X"] = _dec_comma(jx[good]).to_numpy()
    df.loc[good, "Y"] = _dec_comma(jy[good]).to_numpy()
    per = max(1, n // 100_000)
    rows = rng.choice(np.flatnonzero(good), size=per * sum(PLANTED.values()), replace=False)
    k = 0
    for what, count in PLANTED.items():
        sel = rows[k : k + per * count]
        k += per * count
        if what == "bad_date":
            df.loc[sel, "pleegdatum"] = "31-2-2022 10:00"
        elif what == "wrong_fields":
            df.loc[sel, "plaats"] = "Groningen;Stad"  # an unquoted separator: one field too many
        else:
            df.loc[sel, "X"] = "onbekend"
    return df


def write_export_csv(path: Path, rows: int, seed: int = 0) -> None:
    """Write the export as a Dutch police export: ``;``, CRLF, Windows-1252."""
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        fh.write((";".join(COLUMNS) + "\r\n").encode("cp1252"))
        for start in range(0, rows, CHUNK):
            df = export_rows(start, min(CHUNK, rows - start), seed)
            df["omschrijving"] = _quoted(df["omschrijving"])
            df["straat"] = _quoted(df["straat"])
            line = df[COLUMNS[0]]
            for c in COLUMNS[1:]:
                line = line + ";" + df[c]
            fh.write(("\r\n".join(line) + "\r\n").encode("cp1252"))
    os.replace(tmp, path)


def _as_points(path_csv: Path):
    """The export's usable rows as a GeoDataFrame (RD New), the way an export to GeoPackage would hold them."""
    import geopandas as gpd

    df = pd.read_csv(path_csv, sep=";", decimal=",", encoding="cp1252", on_bad_lines="skip", dtype={"X": str})
    x = pd.to_numeric(df["X"].str.replace(",", ".", regex=False), errors="coerce")
    df["X"] = x
    df = df.dropna(subset=["X", "Y"]).reset_index(drop=True)
    return gpd.GeoDataFrame(df.drop(columns=["X", "Y"]), geometry=gpd.points_from_xy(df["X"], df["Y"]), crs=28992)


def write_export_gpkg(path_csv: Path, path: Path) -> None:
    pts = _as_points(path_csv)
    tmp = path.with_name(".tmp" + path.name)
    pts.to_file(tmp, layer="incidenten", driver="GPKG", engine="pyogrio", use_arrow=True)
    os.replace(tmp, path)


def write_export_parquet(path_csv: Path, path: Path) -> None:
    pts = _as_points(path_csv)
    tmp = path.with_name(".tmp" + path.name)
    pts.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def write_export_xlsx(path: Path, rows: int, seed: int = 0) -> None:
    """The first ``rows`` rows as an Excel sheet (text cells as the CSV holds them, dates as date cells)."""
    import openpyxl

    df = export_rows(0, rows, seed)
    when = pd.to_datetime(df["pleegdatum"], format="%d-%m-%Y %H:%M", errors="coerce")
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Incidenten")
    ws.append(COLUMNS)
    dates = [None if pd.isna(t) else t.to_pydatetime() for t in when]
    for i, row in enumerate(df[COLUMNS].itertuples(index=False)):
        cells = list(row)
        cells[1] = dates[i] if dates[i] is not None else row[1]
        for j in (6, 7):
            v = row[j].replace(",", ".")
            try:
                cells[j] = float(v) if v else None
            except ValueError:
                pass
        ws.append(cells)
    tmp = path.with_name(".tmp" + path.name)
    wb.save(tmp)
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------------------ the runs

NAIVE_READ = {
    "csv": """
df = pd.read_csv(src, sep=";", decimal=",", encoding="cp1252", on_bad_lines="skip")
for c in ("X", "Y"):  # one cell that is no number ("onbekend") leaves the column as text
    if not pd.api.types.is_numeric_dtype(df[c]):
        df[c] = pd.to_numeric(df[c].str.replace(",", ".", regex=False), errors="coerce")
pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["X"], df["Y"]), crs=28992)
""",
    "xlsx": """
df = pd.read_excel(src)
for c in ("X", "Y"):  # one cell that is no number ("onbekend") leaves the column as text
    df[c] = pd.to_numeric(df[c], errors="coerce")
pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["X"], df["Y"]), crs=28992)
""",
    "gpkg": """
pts = gpd.read_file(src)
""",
    "parquet": """
pts = gpd.read_parquet(src)
""",
}

NAIVE_WRITE = {
    "csv": """
out = out.assign(x=out.geometry.x, y=out.geometry.y).drop(columns="geometry")
out.to_csv(dst, index=False)
""",
    "gpkg": """
out.to_file(dst, driver="GPKG")
""",
}

NAIVE_HEAD = """
import sys
import geopandas as gpd
import pandas as pd
src, store, dst = sys.argv[1:4]
"""

NAIVE_JOIN = """
nets = gpd.read_file(store, layer="networks")
out = gpd.sjoin(pts, nets[["network_id", "name", "geometry"]], predicate="within", how="left")
"""


def naive_script(kind: str, out: str) -> str:
    """The script a user writes: read, points, ``sjoin(within)``, write."""
    return NAIVE_HEAD + NAIVE_READ[kind] + NAIVE_JOIN + NAIVE_WRITE[out]


def run(cmd: list[str], env: dict[str, str] | None = None, stdout: Path | None = None) -> tuple[float, float, float]:
    """Run ``cmd``; return (wall seconds, peak RSS in GB, CPU seconds) of the child (``wait4``); fail loudly.

    Its standard output goes to the file ``stdout`` when given.
    """
    with open(stdout or os.devnull, "wb") as devnull:
        t0 = time.perf_counter()
        # cwd: not a checkout, whose bingeo `python -m` would import before PYTHONPATH's
        proc = subprocess.Popen(cmd, stdout=devnull, stderr=subprocess.PIPE, env=env, cwd=tempfile.gettempdir())
        err = proc.stderr.read() if proc.stderr else b""
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"failed ({status}): {' '.join(cmd)}\n{err.decode(errors='replace')[-3000:]}")
    return seconds, usage.ru_maxrss * 1024 / 1e9, usage.ru_utime + usage.ru_stime


def count_rows(path: Path) -> int:
    import pyarrow.csv as pacsv

    if path.suffix == ".gpkg":
        import pyogrio

        return int(pyogrio.read_info(path)["features"])
    opts = pacsv.ParseOptions(newlines_in_values=True)
    return pacsv.read_csv(path, parse_options=opts).num_rows


def prepare(data: Path, rows: int, sheet_rows: int, kinds: list[str]) -> dict[str, Path]:
    """Make (once) the store and the inputs; return them by kind."""
    data.mkdir(parents=True, exist_ok=True)
    store = data / "commands-store.gpkg"
    if not store.exists():
        subprocess.run(
            [sys.executable, "-m", "bingeo", "networks", "import", str(NETWORKS), "--store", str(store)],
            check=True,
            stdout=subprocess.DEVNULL,
            env=_env(),
        )
    paths = {"store": store, "csv": data / f"dutch-export-{rows}.csv"}
    if not paths["csv"].exists():
        print(f"writing {paths['csv']} ...", flush=True)
        write_export_csv(paths["csv"], rows)
    if "gpkg" in kinds:
        paths["gpkg"] = data / f"dutch-export-{rows}.gpkg"
        if not paths["gpkg"].exists():
            print(f"writing {paths['gpkg']} ...", flush=True)
            write_export_gpkg(paths["csv"], paths["gpkg"])
    if "parquet" in kinds:
        paths["parquet"] = data / f"dutch-export-{rows}.parquet"
        if not paths["parquet"].exists():
            print(f"writing {paths['parquet']} ...", flush=True)
            write_export_parquet(paths["csv"], paths["parquet"])
    if "xlsx" in kinds:
        paths["xlsx"] = data / f"dutch-export-{sheet_rows}.xlsx"
        if not paths["xlsx"].exists():
            print(f"writing {paths['xlsx']} ...", flush=True)
            write_export_xlsx(paths["xlsx"], sheet_rows)
    return paths


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def stream_compare(paths: dict[str, Path], work: Path, env: dict[str, str], rows: int, block_rows: int) -> int:
    """``bingeo assign`` of the CSV export read whole and streamed: same output bytes; wall time and peak RSS."""
    printed, files = {}, {}
    for how in ("whole", "streamed"):
        out = work / how / "out.csv"
        out.parent.mkdir(exist_ok=True)
        run_env = dict(env)
        run_env.pop("BINGEO_STREAM_BLOCK_ROWS", None)
        if how == "streamed":
            run_env["BINGEO_STREAM_BLOCK_ROWS"] = str(block_rows)
        cmd = [sys.executable, "-m", "bingeo", "assign", str(paths["csv"]), "--store", str(paths["store"])]
        secs, gb, _ = run([*cmd, "--output", str(out)], run_env, stdout=work / how / "printed.txt")
        printed[how] = (work / how / "printed.txt").read_text().replace(str(out.parent), "DIR")
        files[how] = [out.read_bytes(), out.with_name("out.rejects.csv").read_bytes()]
        print(f"bingeo assign, {rows:,} rows, {how}: {secs:.1f} s, peak RSS {gb:.2f} GB")
    same = printed["whole"] == printed["streamed"] and files["whole"] == files["streamed"]
    print(f"streamed output, rejects and printed lines {'IDENTICAL' if same else 'DIFFERENT'} to the whole read")
    return 0 if same else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--sheet-rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--inputs", default="csv,gpkg,parquet,xlsx", help="comma-separated: csv, gpkg, parquet, xlsx")
    ap.add_argument("--outputs", default="csv,gpkg", help="outputs for the CSV input: csv, gpkg")
    ap.add_argument("--also", default="", help="more input:output pairs, comma-separated (e.g. gpkg:gpkg)")
    ap.add_argument("--data", type=Path, default=Path("/work/bench-data"))
    ap.add_argument("--stream-check", action="store_true", help="only bingeo assign on the CSV: peak RSS")
    ap.add_argument("--stream-compare", action="store_true", help="bingeo assign read whole vs streamed: same bytes")
    ap.add_argument("--block-rows", type=int, default=200_000, help="with --stream-compare: lines per block")
    ap.add_argument("--before", type=Path, help="another checkout to compare with (e.g. /work/main)")
    args = ap.parse_args(argv)
    kinds = [k.strip() for k in args.inputs.split(",") if k.strip()]
    outs = [k.strip() for k in args.outputs.split(",") if k.strip()]
    only_csv = args.stream_check or args.stream_compare
    also_inputs = [pair.split(":")[0].strip() for pair in args.also.split(",") if pair.strip()]
    paths = prepare(args.data, args.rows, args.sheet_rows, [] if only_csv else sorted(set(kinds + also_inputs)))
    work = Path(tempfile_dir(args.data))
    env = _env()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; load {os.getloadavg()}")
    if args.stream_compare:
        return stream_compare(paths, work, env, args.rows, args.block_rows)
    if args.stream_check:
        out = work / "stream.csv"
        cmd = [sys.executable, "-m", "bingeo", "assign", str(paths["csv"]), "--store", str(paths["store"])]
        secs, gb, _ = run([*cmd, "--output", str(out)], env)
        n = count_rows(out) + count_rows(out.with_name("stream.rejects.csv"))
        verdict = "OK" if gb < STREAM_LIMIT_GB else "ABOVE"
        print(f"bingeo assign, {args.rows:,} rows: {secs:.1f} s, peak RSS {gb:.2f} GB ({verdict} {STREAM_LIMIT_GB} GB)")
        print(f"output + rejects rows: {n:,} (input {args.rows:,})")
        return 0 if gb < STREAM_LIMIT_GB and n == args.rows else 1
    cases = [("csv", o) for o in outs if "csv" in kinds] + [(k, "csv") for k in kinds if k != "csv"]
    cases += [tuple(pair.strip().split(":")) for pair in args.also.split(",") if pair.strip()]
    print(
        f"{'input':8} {'output':6} {'naive s':>8} {'(cpu)':>7} {'GB':>5} {'bingeo s':>9} {'(cpu)':>7} {'GB':>5}"
        f" {'ratio':>6} {'(cpu)':>6}"
    )
    for kind, fmt in cases:
        src = paths[kind]
        script = work / f"naive_{kind}_{fmt}.py"
        script.write_text(naive_script(kind, fmt))
        for _ in range(args.repeat):
            naive_out = work / f"naive.{fmt}"
            bingeo_out = work / f"bingeo.{fmt}"
            for p in (naive_out, bingeo_out):
                p.unlink(missing_ok=True)
            n_s, n_gb, n_cpu = run([sys.executable, str(script), str(src), str(paths["store"]), str(naive_out)], env)
            cmd = [sys.executable, "-m", "bingeo", "assign", str(src), "--store", str(paths["store"])]
            b_s, b_gb, b_cpu = run([*cmd, "--output", str(bingeo_out)], env)
            rej = work / "bingeo.rejects.csv"
            n_rows = count_rows(bingeo_out) + (count_rows(rej) if rej.exists() else 0)
            rej.unlink(missing_ok=True)
            print(
                f"{kind:8} {fmt:6} {n_s:8.2f} {n_cpu:7.2f} {n_gb:5.2f} {b_s:9.2f} {b_cpu:7.2f} {b_gb:5.2f}"
                f" {n_s / b_s:5.1f}x {n_cpu / b_cpu:5.1f}x"
                f"   (bingeo rows + rejects: {n_rows:,})",
                flush=True,
            )
    if args.before is not None:
        print(f"\nthe same commands from {args.before} (before) and from this checkout (after):")
        old_env = dict(env, PYTHONPATH=str(args.before))
        base = [str(paths["csv"]), "--store", str(paths["store"])]
        for name, extra in (("assign", ["--output", str(work / "ba.csv")]), ("counts", ["--by", "month", "-o"])):
            argv = [sys.executable, "-m", "bingeo", name, *base, *extra]
            if name == "counts":
                argv.append(str(work / "bc.csv"))
            o_s, o_gb, o_cpu = run(argv, old_env)
            n_s, n_gb, n_cpu = run(argv, env)
            print(
                f"bingeo {name:7} before {o_s:7.2f} s (cpu {o_cpu:6.2f}, {o_gb:4.2f} GB)  after {n_s:7.2f} s "
                f"(cpu {n_cpu:6.2f}, {n_gb:4.2f} GB)  {o_s / n_s:4.1f}x (cpu {o_cpu / n_cpu:4.1f}x)",
                flush=True,
            )
    return 0


def tempfile_dir(data: Path) -> str:
    return tempfile.mkdtemp(prefix="commands-bench-", dir=data)


if __name__ == "__main__":
    sys.exit(main())
