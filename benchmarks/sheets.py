"""Benchmark: reading a 100,000-row police export sheet (.xlsx) with python-calamine and with openpyxl.

Workload: one ``.xlsx`` sheet of ``--rows`` rows (default 100,000) and the columns of a Dutch police export
(registration number, date cell, type, street, X/Y in RD New with decimals, postcode with a leading zero),
written once by openpyxl (write-only). In the same process, best of ``--repeat`` runs, it times getting every
cell value as Python objects:

(a) ``python_calamine.CalamineWorkbook.from_path(...).get_sheet_by_name(...).to_python()``;
(b) ``openpyxl.load_workbook(..., read_only=True, data_only=True)`` and ``ws.iter_rows(values_only=True)``
    (its fastest mode);
(c) bingeo's whole reader, ``bingeo.read_points`` on the sheet (python-calamine, then the CSV pipeline);

checks that (a) and (b) give the same cells (as text: calamine gives whole numbers as floats), and
prints the times and the ratio openpyxl ÷ calamine.

Examples
--------
python3 benchmarks/sheets.py
python3 benchmarks/sheets.py --rows 20000 --repeat 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path


def write_sheet(path: Path, rows: int) -> None:
    """Write the workload sheet with openpyxl's write-only mode."""
    import numpy as np
    import openpyxl

    rng = np.random.default_rng(0)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Incidenten")
    ws.append(["Registratienummer", "Pleegdatum", "Soort delict", "Straat", "X", "Y", "Postcode"])
    start = dt.datetime(2021, 1, 1)
    kinds = ["woninginbraak", "fietsdiefstal", "vernieling", "autokraak"]
    xs = rng.uniform(225000, 240000, rows).round(2)
    ys = rng.uniform(575000, 590000, rows).round(2)
    minutes = rng.integers(0, 4 * 365 * 24 * 60, rows)
    for i in range(rows):
        ws.append(
            [
                2021000000 + i,
                start + dt.timedelta(minutes=int(minutes[i])),
                kinds[i % 4],
                f"Straat {i % 500}",
                float(xs[i]),
                float(ys[i]),
                f"0{9700 + i % 300} AB",
            ]
        )
    wb.save(path)


def read_calamine(path: Path) -> list[list[object]]:
    """Every cell of the first sheet with python-calamine."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return wb.get_sheet_by_name(wb.sheet_names[0]).to_python()


def read_openpyxl(path: Path) -> list[list[object]]:
    """Every cell of the first sheet with openpyxl in read-only mode."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()


def best(fn, repeat: int) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    import bingeo

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.xlsx"
        t0 = time.perf_counter()
        write_sheet(path, args.rows)
        print(f"wrote {args.rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
        t_cal, cal = best(lambda: read_calamine(path), args.repeat)
        t_opx, opx = best(lambda: read_openpyxl(path), args.repeat)
        from bingeo.readers.sheets import cell_text

        # the same cells as text (calamine gives whole numbers as float, openpyxl as int)
        same = len(cal) == len(opx) and all(  # type: ignore[arg-type]
            [cell_text(v) for v in a] == [cell_text(v) for v in b]
            for a, b in zip(cal, opx)  # type: ignore[arg-type]
        )
        t_bg, res = best(lambda: bingeo.read_points(path, crs=28992), args.repeat)
        print(f"{'reader':<48}{'best of ' + str(args.repeat):>14}")
        print(f"{'python-calamine to_python()':<48}{t_cal:>12.3f} s")
        print(f"{'openpyxl read_only iter_rows(values_only)':<48}{t_opx:>12.3f} s")
        print(f"{'bingeo.read_points (calamine + CSV pipeline)':<48}{t_bg:>12.3f} s")
        print(f"ratio openpyxl / calamine: {t_opx / t_cal:.1f}x; identical cell values: {same}")
        print(res.summary())  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
