"""Stream a large text table of points through a per-block job (``bingeo assign``) in bounded memory.

The file is cut into blocks of whole records (a cut never falls inside a quoted field), each block is read by
:func:`~bingeo.readers.read_points` exactly like the whole file, and the job's output and the rejects are
appended block by block. Several of the reader's decisions depend on a whole column (number or text, decimal
comma, day or month first, which columns are dates, the CRS guess, dates-only datetimes, the encoding): the
blocks must all take the SAME decisions, which the streamer checks (column dtypes, CRS, every decision note);
when any block decides otherwise, or a block fails, the streamed output is discarded and None is returned, so
that the caller reads the file whole: the output is then the in-memory one by construction. Counting notes
(reprojected points, bad dates with their first rows, skipped blank lines) are summed over the blocks into
the text the whole-file read prints.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bingeo._crs import to_crs
from bingeo.errors import InputError
from bingeo.readers.columns import _find_column, _guess_crs, coordinate_pairs
from bingeo.readers.points import _ROWS_LISTED, ReadResult, _guessed_note, read_points
from bingeo.readers.sources import Notes, _is_gzip, check_source, read_text_table, source_kind
from bingeo.readers.values import parse_numbers
from bingeo.readers.write import append_csv, append_gpkg, rejects_path

#: Text tables larger than this many bytes are streamed by ``bingeo assign`` (CSV output).
STREAM_BYTES = 200 * 2**20

#: Data lines per block of a streamed file.
STREAM_BLOCK_ROWS = 200_000

#: Environment variable that forces streaming with this many lines per block, whatever the file size (tests).
STREAM_ENV = "BINGEO_STREAM_BLOCK_ROWS"

#: Output formats the streamer appends to.
STREAM_OUTPUTS = (".csv", ".gpkg")

_SUMS = {
    "reproj": re.compile(r"^Reprojected ([\d,]+) (points from .*)$", re.S),
    "far": re.compile(r"^([\d,]+) (point\(s\) outside the area of use of .*)$", re.S),
    "blank": re.compile(r"^Skipped ([\d,]+) (blank line\(s\).*)$", re.S),
    "parts": re.compile(r"^([\d,]+) (row\(s\) have .*)$", re.S),
}
_BAD_DATES = re.compile(
    r"^([\d,]+) value\(s\) of (.*) are impossible or unreadable dates \(rows ([\d, ]+?)( \.\.\.)?\)(; .*)$", re.S
)
_PARSED = re.compile(r"^(Column .* parsed as dates \(.*?)(?:; ([\d,]+) value\(s\) are not dates)?\)\.$", re.S)
_NO_ROWS = "No usable rows:"


def block_rows(path: str | os.PathLike[str], output: str | os.PathLike[str]) -> int | None:
    """Lines per block when ``path`` is to be streamed into ``output``; None to read it whole."""
    forced = os.environ.get(STREAM_ENV)
    if Path(output).suffix.lower() not in STREAM_OUTPUTS:
        return None
    try:
        p = check_source(path)
    except Exception:  # noqa: BLE001 - the whole-file read gives the error
        return None
    if source_kind(p) != "text" or _is_gzip(p):
        return None
    with open(p, "rb") as fh:
        head = fh.read(4096)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head:  # UTF-16: not cut by lines
        return None
    if forced:
        return max(1, int(forced))
    return STREAM_BLOCK_ROWS if p.stat().st_size > STREAM_BYTES else None


def _blocks(path: Path, rows: int) -> Iterator[bytes]:
    """Yield the file as blocks of about ``rows`` lines of whole records, each after the header line(s)."""
    with open(path, "rb") as fh:
        header = fh.readline()
        if header.lstrip(b"\xef\xbb\xbf").startswith(b"sep="):
            header += fh.readline()
        buf: list[bytes] = []
        odd = False  # inside a quoted field
        for line in fh:
            buf.append(line)
            if line.count(b'"') % 2:
                odd = not odd
            if not odd and len(buf) >= rows:
                yield header + b"".join(buf)
                buf = []
        if buf:
            yield header + b"".join(buf)


@dataclass
class _Merged:
    keys: list[Any] = field(default_factory=list)
    seen: dict[Any, int] = field(default_factory=dict)
    sums: dict[Any, int] = field(default_factory=dict)
    rows: dict[Any, list[int]] = field(default_factory=dict)
    required: set[Any] = field(default_factory=set)

    def add(self, notes: list[str], offset: int) -> None:
        prev = -1
        for note in notes:
            if note.startswith(_NO_ROWS):
                continue
            key, n, rows = _key(note)
            if key[0] in ("exact", "parsed"):
                self.required.add(key)
            if key not in self.seen:
                self.keys.insert(prev + 1, key)
                self.seen[key] = 0
            self.seen[key] += 1
            self.sums[key] = self.sums.get(key, 0) + n
            if rows:
                self.rows.setdefault(key, []).extend(r + offset for r in rows)
            prev = self.keys.index(key)

    def notes(self, blocks: int) -> list[str] | None:
        if any(self.seen[k] != blocks for k in self.required):
            return None  # a decision taken in some blocks only
        return [_text(k, self.sums[k], self.rows.get(k, [])) for k in self.keys]


def _num(text: str) -> int:
    return int(text.replace(",", ""))


def _key(note: str) -> tuple[tuple[str, ...], int, list[int]]:
    for name, rx in _SUMS.items():
        m = rx.match(note)
        if m:
            return (name, m.group(2)), _num(m.group(1)), []
    m = _BAD_DATES.match(note)
    if m:
        rows = [int(r) for r in m.group(3).split(", ")]
        return ("bad", m.group(2), m.group(5)), _num(m.group(1)), rows
    m = _PARSED.match(note)
    if m:
        return ("parsed", m.group(1)), _num(m.group(2)) if m.group(2) else 0, []
    return ("exact", note), 0, []


def _text(key: tuple[str, ...], n: int, rows: list[int]) -> str:
    kind = key[0]
    if kind == "exact":
        return key[1]
    if kind == "reproj":
        return f"Reprojected {n:,} {key[1]}"
    if kind == "blank":
        return f"Skipped {n:,} {key[1]}"
    if kind in ("far", "parts"):
        return f"{n:,} {key[1]}"
    if kind == "parsed":
        return key[1] + (f"; {n:,} value(s) are not dates" if n else "") + ")."
    more = " ..." if n > _ROWS_LISTED else ""
    listed = ", ".join(map(str, rows[:_ROWS_LISTED]))
    return f"{n:,} value(s) of {key[1]} are impossible or unreadable dates (rows {listed}{more}){key[2]}"


def _guess_whole(path: Path, rows: int, label: str, read: dict[str, Any]) -> tuple[int, str, list[str]] | None:
    """Pass 1 for a file without ``crs``: guess its CRS from ALL its coordinates, as the whole-file read does.

    Returns (EPSG, the guess note, the coordinate columns) or None (several detected coordinate pairs, WKT, no
    guess: the whole-file read decides and reports).
    """
    x_all: list[np.ndarray] = []
    y_all: list[np.ndarray] = []
    kind = "projected"
    with tempfile.TemporaryDirectory(prefix="bingeo-stream-") as tmpdir:
        block_file = Path(tmpdir) / path.name
        for data in _blocks(path, rows):
            block_file.write_bytes(data)
            try:
                raw, bad, _ = read_text_table(
                    block_file, label, sep=None, encoding=None, member=None, notes=Notes(label)
                )
            except Exception:  # noqa: BLE001 - the whole-file read reports it
                return None
            cols = list(raw.columns)
            xf, yf = read.get("x_field"), read.get("y_field")
            if xf is not None and yf is not None:
                try:
                    xc, yc = _find_column(xf, cols, label, "`x_field`"), _find_column(yf, cols, label, "`y_field`")
                except InputError:
                    return None
                kind = next((k for a, b, k in coordinate_pairs(cols) if (a, b) == (xc, yc)), "projected")
            elif xf is not None or yf is not None:
                return None  # a WKT column, or a mistake the whole-file read reports
            else:
                pairs = coordinate_pairs(cols)
                if len(pairs) != 1:
                    return None
                xc, yc, kind = pairs[0]
            x, xe, xb, _ = parse_numbers(raw[xc])
            y, ye, yb, _ = parse_numbers(raw[yc])
            ok = ~(xe | ye | xb | yb) & ~((x == 0) & (y == 0))
            if bad:
                ok[np.fromiter(bad.keys(), dtype=int)] = False
            x_all.append(x[ok])
            y_all.append(y[ok])
    x = np.concatenate(x_all)
    x_all.clear()  # one copy at a time: 8 bytes a coordinate
    y = np.concatenate(y_all)
    y_all.clear()
    epsg, why = _guess_crs(x, y, geographic_names=(kind == "geographic"))
    if epsg is None:
        return None
    return epsg, _guessed_note(to_crs(epsg), why), [xc, yc]


def _with_guess(notes: list[str], note: str, coords: list[str]) -> list[str]:
    """Return a block's notes (read with the guessed CRS given) with the guess note where the whole read has it."""
    i = next((k + 1 for k, n in enumerate(notes) if n.startswith("Coordinate columns ")), None)
    if i is None:
        return notes
    conv = tuple(f"Column {c!r} {w}" for c in coords for w in ("uses a decimal comma", "mixes decimal"))
    while i < len(notes) and notes[i].startswith(conv):
        i += 1
    return [*notes[:i], note, *notes[i:]]


def _decisions(res: ReadResult) -> tuple[Any, ...]:
    """Return what a block decided that the whole file must decide alike: dtypes, dates-only datetimes, the CRS."""
    cols = []
    for c in res.points.columns:
        s = res.points[c]
        dates_only = None
        if pd.api.types.is_datetime64_any_dtype(s):
            v = s.dropna()
            dates_only = bool((v == v.dt.normalize()).all()) if len(v) else None
        cols.append((c, str(s.dtype), dates_only))
    return tuple(cols), tuple(res.rejects.columns), res.crs.to_wkt()


@dataclass
class StreamResult:
    """What a streamed run printed and wrote: the read's summary and notes, and the job's counts."""

    summary: str
    notes: list[str]
    rows_out: int
    counts: dict[str, int]
    rejects: str | None


def stream_points(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    job: Callable[[Any], tuple[Any, dict[str, int]]],
    *,
    rows: int,
    read: dict[str, Any],
    progress: Callable[[float], None] | None = None,
) -> StreamResult | None:
    """Read ``source`` by blocks of ``rows`` lines, run ``job(points)`` on each and append its output.

    ``job`` returns (output frame, counts to sum). ``read`` holds :func:`read_points`'s keyword arguments.
    Returns None (and leaves no output) when a block decides differently from the others (the caller then
    reads the file whole), or when a block cannot be read, or no row is usable.
    """
    path = check_source(source)
    label = str(source)
    out_p, rej_p = Path(output), rejects_path(output)
    gpkg = out_p.suffix.lower() == ".gpkg"
    if gpkg and out_p.exists():
        return None  # the whole-file write replaces only its layer of an existing GeoPackage
    out_tmp = out_p.with_name(out_p.stem + ".part" + out_p.suffix)
    rej_tmp = rej_p.with_name(rej_p.name + ".part")
    merged = _Merged()
    decided: tuple[Any, ...] | None = None
    out_kinds: tuple[Any, ...] | None = None
    n_ok = n_bad = blocks = 0
    reasons: list[pd.Series] = []
    counts: dict[str, int] = {}
    size = max(path.stat().st_size, 1)
    done = 0
    ok = False
    guess = None
    if read.get("crs") is None:
        guess = _guess_whole(path, rows, label, read)
        if guess is None:
            return None
        read = {**read, "crs": guess[0]}
    try:
        with (
            tempfile.TemporaryDirectory(prefix="bingeo-stream-") as tmpdir,
            open(os.devnull if gpkg else out_tmp, "wb") as fo,
            open(rej_tmp, "wb") as fr,
        ):
            block_file = Path(tmpdir) / path.name
            for data in _blocks(path, rows):
                block_file.write_bytes(data)
                done += len(data)
                try:
                    res = read_points(block_file, **read)
                except Exception:  # noqa: BLE001 - the whole-file read reports it, with the right row
                    return None
                if res.crs_hint:
                    return None
                d = _decisions(res)
                if decided is None:
                    decided = d
                elif d != decided:
                    return None
                offset = n_ok + n_bad
                res.points["source_row"] += offset
                res.rejects["source_row"] += offset
                block_notes = [n.replace(str(block_file), label) for n in res.notes]
                if guess is not None:
                    block_notes = _with_guess(block_notes, guess[1], guess[2])
                merged.add(block_notes, offset)
                out, c = job(res.points)
                kinds = tuple((str(k), str(t)) for k, t in out.dtypes.items())  # the job's columns decide alike too
                if out_kinds is None:
                    out_kinds = kinds
                elif kinds != out_kinds:
                    return None
                if not gpkg:
                    append_csv(out, fo, header=blocks == 0)
                elif blocks == 0 and len(out) == 0:
                    return None  # the layer's geometry type comes from the first rows
                else:
                    append_gpkg(out, out_tmp, layer=out_p.stem, first=blocks == 0)
                if len(res.rejects):
                    append_csv(res.rejects, fr, header=fr.tell() == 0)
                    reasons.append(res.rejects["reject_reason"])
                for k, v in c.items():
                    counts[k] = counts.get(k, 0) + v
                n_ok += len(res.points)
                n_bad += len(res.rejects)
                blocks += 1
                if progress is not None:
                    progress(done / size)
        notes = merged.notes(blocks)
        if notes is None or n_ok == 0:
            return None
        summary = ReadResult(
            points=pd.DataFrame(index=pd.RangeIndex(n_ok)),
            rejects=pd.DataFrame({"reject_reason": pd.concat(reasons, ignore_index=True) if reasons else []}),
            crs=None,
            source=label,
        ).summary()
        os.replace(out_tmp, out_p)
        if n_bad:
            os.replace(rej_tmp, rej_p)
        else:
            rej_p.unlink(missing_ok=True)
        ok = True
        return StreamResult(summary, notes, n_ok, counts, str(rej_p) if n_bad else None)
    finally:
        if not ok:
            out_tmp.unlink(missing_ok=True)
        rej_tmp.unlink(missing_ok=True)


__all__ = ["STREAM_BYTES", "STREAM_BLOCK_ROWS", "STREAM_ENV", "StreamResult", "block_rows", "stream_points"]
