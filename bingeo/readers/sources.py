"""Where a source's rows come from: zip/gz, decoding, separator sniffing, text tables, vector layers."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import logging
import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from bingeo.errors import InputError

logger = logging.getLogger("bingeo.readers")


_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".tab"}


_VECTOR_SUFFIXES = {
    ".gpkg",
    ".shp",
    ".zip",
    ".geojson",
    ".json",
    ".kml",
    ".kmz",
    ".gml",
    ".fgb",
    ".sqlite",
    ".gdb",
    ".parquet",
    ".geoparquet",
}


_PARQUET_SUFFIXES = {".parquet", ".geoparquet"}


_SHEET_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}


_SEPARATORS = [";", ",", "\t", "|"]


_SEP_NAMES = {";": "semicolon (;)", ",": "comma (,)", "\t": "tab", "|": "pipe (|)"}


_KML_STYLE_FIELDS = {
    "id",
    "timestamp",
    "begin",
    "end",
    "altitudeMode",
    "tessellate",
    "extrude",
    "visibility",
    "drawOrder",
    "icon",
    "snippet",
}


_MAX_LISTED = 40


#: Largest cell the text reader accepts (characters): the csv module's default is 131,072.
_FIELD_SIZE_LIMIT = 2**31 - 1


class Notes(list):
    """List of notes that also logs each one at INFO level."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def add(self, text: str) -> None:
        """Add a note and log it."""
        self.append(text)
        logger.info("%s: %s", self.label, text)


def check_source(source: Any) -> Path:
    """Return ``source`` as an existing file path, or raise :class:`~bingeo.errors.InputError` naming it."""
    if not isinstance(source, (str, os.PathLike)):
        msg = f"`source` should be a path (str or os.PathLike), got {type(source).__name__}"
        raise TypeError(msg)
    path = Path(source)
    if not path.exists():
        msg = f"{source}: file not found. Check the path and the current folder ({Path.cwd()})."
        raise InputError(msg)
    if path.is_dir() and path.suffix.lower() != ".gdb":
        msg = f"{source}: is a folder, not a file. Give the file itself (e.g. a .csv, .gpkg or .shp)."
        raise InputError(msg)
    if path.is_file() and path.stat().st_size == 0:
        msg = f"{source}: the file is empty (0 bytes). Export it again from the source system."
        raise InputError(msg)
    return path


def _suffix(path: Path) -> tuple[str, bool]:
    """Return (last meaningful suffix, gzipped?) e.g. ``x.csv.gz`` -> (".csv", True)."""
    sfx = [s.lower() for s in path.suffixes]
    gz = bool(sfx) and sfx[-1] == ".gz"
    if gz:
        sfx = sfx[:-1]
    return (sfx[-1] if sfx else ""), gz


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def source_kind(path: Path) -> str:
    """'text', 'sheet', 'parquet', 'zip' or 'vector'."""
    if path.is_dir():
        return "vector"
    sfx, gz = _suffix(path)
    if sfx in _SHEET_SUFFIXES and not gz:
        return "sheet"
    if gz or sfx in _TEXT_SUFFIXES:
        return "text"
    if sfx in _PARQUET_SUFFIXES:
        return "parquet"
    if sfx == ".zip":
        return "zip"
    if sfx in _VECTOR_SUFFIXES:
        return "vector"
    # Unknown extension: gzip or plain text that is not JSON/XML is read as a table.
    if _is_gzip(path):
        return "text"
    with open(path, "rb") as fh:
        head = fh.read(4096)
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if b"\x00" not in head and not stripped.startswith((b"{", b"<", b"[")):
        try:
            head.decode("utf-8")
            return "text"
        except UnicodeDecodeError:
            pass
    return "vector"


def zip_target(path: Path, layer: str | None, label: str) -> tuple[str, str]:
    """Inspect a zip: return ('text', member) or ('vector', gdal_path)."""
    if not zipfile.is_zipfile(path):
        msg = f"{label}: not a valid zip archive (truncated or corrupt). Download or export it again."
        raise InputError(msg)
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/") and "__MACOSX" not in n]
    except (zipfile.BadZipFile, OSError) as exc:
        msg = f"{label}: the zip archive cannot be read ({exc}). Download or export it again."
        raise InputError(msg) from None
    shps = [n for n in names if n.lower().endswith(".shp")]
    vectors = [n for n in names if Path(n).suffix.lower() in _VECTOR_SUFFIXES - {".zip", ".shp"}]
    texts = [n for n in names if Path(n).suffix.lower() in _TEXT_SUFFIXES]
    vsi = f"/vsizip/{path.resolve()}"
    if shps:
        if layer is not None:
            hits = [n for n in shps if Path(n).stem == layer]
            if not hits:
                listed = ", ".join(Path(n).stem for n in shps)
                msg = f"{label}: no layer {layer!r} in the zip. Layers: {listed}. Pass one as `layer` (--layer)."
                raise InputError(msg)
            return "vector", f"{vsi}/{hits[0]}"
        if len(shps) > 1:
            listed = ", ".join(Path(n).stem for n in shps)
            msg = f"{label}: the zip holds {len(shps)} shapefiles ({listed}). Say which one with `layer` (--layer)."
            raise InputError(msg)
        return "vector", f"{vsi}/{shps[0]}"
    if len(vectors) == 1:
        return "vector", f"{vsi}/{vectors[0]}"
    if not vectors and len(texts) == 1:
        return "text", texts[0]
    found = ", ".join(names[:_MAX_LISTED]) + (" ..." if len(names) > _MAX_LISTED else "") or "nothing (it is empty)"
    if not vectors and not texts:
        msg = (
            f"{label}: the zip is intact but holds no shapefile, no other vector file and no table (it holds: "
            f"{found}). Give a zip with a shapefile (.shp with its .shx, .dbf and .prj), or the file itself."
        )
        raise InputError(msg)
    msg = f"{label}: cannot tell which file in the zip to read (it holds: {found}). Unzip it and pass the file itself."
    raise InputError(msg)


def _read_bytes(path: Path, label: str, member: str | None = None) -> bytes:
    try:
        if member is not None:
            with zipfile.ZipFile(path) as zf:
                data = zf.read(member)
        elif _is_gzip(path):
            with gzip.open(path, "rb") as fh:
                data = fh.read()
        else:
            data = path.read_bytes()
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
        msg = f"{label}: the file cannot be read or decompressed ({type(exc).__name__}). Export it again."
        raise InputError(msg) from None
    return data


def _decode(data: bytes, encoding: str | None, label: str, notes: Notes) -> str:
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except LookupError:
            msg = f"`encoding` {encoding!r} is not an encoding Python knows. Try 'utf-8' or 'cp1252'."
            raise InputError(msg) from None
        except UnicodeDecodeError as exc:
            msg = (
                f"{label}: cannot be decoded as {encoding} (first bad byte at offset "
                f"{exc.start}). "
                "Leave out `encoding` (--encoding) to let bingeo detect it, or try "
                "'cp1252'."
            )
            raise InputError(msg) from None
        notes.add(f"Encoding {encoding} (as given).")
        return text.removeprefix("\ufeff")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        notes.add("Encoding UTF-16 (byte order mark found; Excel 'Unicode text').")
        return data.decode("utf-16").removeprefix("\ufeff")
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        notes.add(f"Encoding {utf16.upper()} without a byte order mark (detected from its zero bytes).")
        return data.decode(utf16).removeprefix("\ufeff")
    if b"\x00" in data[:8192]:
        msg = (
            f"{label}: does not look like a text table (it contains binary data). "
            "Give a CSV/TXT file or a vector file (.gpkg, .shp, .geojson)."
        )
        raise InputError(msg)
    if data.startswith(codecs.BOM_UTF8):
        try:
            text = data.decode("utf-8-sig")
            notes.add("Encoding UTF-8 with byte order mark (BOM).")
            return text
        except UnicodeDecodeError:
            data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
        notes.add("Encoding UTF-8.")
        return text
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        notes.add("Not valid UTF-8: read as Windows-1252 (cp1252). Pass `encoding` (--encoding) if that is wrong.")
        return text
    except UnicodeDecodeError:
        notes.add("Neither UTF-8 nor Windows-1252: read as Latin-1. Pass `encoding` (--encoding) to be sure.")
        return data.decode("latin-1")


#: The bytes Windows-1252 does not define.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _utf8(data: bytes, encoding: str | None, label: str, notes: Notes) -> bytes:
    """Return the UTF-8 bytes of the text :func:`_decode` reads from ``data``, with the same notes and errors.

    The usual files are never held as a Python string: UTF-8 is checked by Arrow and kept as it is, and
    Windows-1252 (or Latin-1) text with few non-ASCII bytes is turned into UTF-8 byte by byte (the ASCII runs
    kept). Every other case (an encoding given, UTF-16, binary data) decodes as :func:`_decode`.
    """
    if encoding is not None or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        return _decode(data, encoding, label, notes).encode("utf-8")
    if data.startswith(codecs.BOM_UTF8):
        if _valid_utf8(data, len(codecs.BOM_UTF8)):
            notes.add("Encoding UTF-8 with byte order mark (BOM).")
            return data[len(codecs.BOM_UTF8) :]
        data = data[len(codecs.BOM_UTF8) :]
    if _valid_utf8(data, 0):
        notes.add("Encoding UTF-8.")
        return data
    at = _high_bytes(data)  # where the non-ASCII bytes are
    high = set(np.unique(np.frombuffer(data, dtype=np.uint8)[at]).tolist())
    latin1 = bool(high & _CP1252_UNDEFINED)
    if latin1:
        notes.add("Neither UTF-8 nor Windows-1252: read as Latin-1. Pass `encoding` (--encoding) to be sure.")
    else:
        notes.add("Not valid UTF-8: read as Windows-1252 (cp1252). Pass `encoding` (--encoding) if that is wrong.")
    table = _LATIN1_UTF8 if latin1 else _CP1252_UTF8
    if len(at) * _FEW_HIGH > len(data):  # much text beyond ASCII: Python's codecs, whole
        return data.decode("latin-1" if latin1 else "cp1252").encode("utf-8")
    # few: the ASCII runs between them kept as they are, each other byte replaced by its UTF-8
    pieces, prev = [], 0
    for i in at.tolist():
        pieces.append(data[prev:i])
        pieces.append(table[data[i]])
        prev = i + 1
    pieces.append(data[prev:])
    return b"".join(pieces)


#: Bytes scanned at a time for non-ASCII bytes (no mask as large as the file).
SCAN_BYTES = 1 << 22


def _high_bytes(data: bytes) -> np.ndarray:
    """Return the positions of the bytes >= 0x80 of ``data``, scanned :data:`SCAN_BYTES` at a time."""
    return _positions(np.frombuffer(data, dtype=np.uint8), np.greater_equal, 0x80)


def _positions(b: np.ndarray, test: Any, value: int) -> np.ndarray:
    """``np.flatnonzero(test(b, value))`` for bytes ``b``, scanned :data:`SCAN_BYTES` at a time."""
    found = [np.flatnonzero(test(b[i : i + SCAN_BYTES], value)) + i for i in range(0, len(b), SCAN_BYTES)]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.intp)


#: UTF-8 of each byte read as Latin-1 / as Windows-1252 (its 5 undefined bytes never looked up).
_LATIN1_UTF8 = tuple(bytes([b]).decode("latin-1").encode("utf-8") for b in range(256))
_CP1252_UTF8 = tuple(
    bytes([b]).decode("cp1252").encode("utf-8") if b not in _CP1252_UNDEFINED else b"" for b in range(256)
)
#: Below one non-ASCII byte in this many, text is turned into UTF-8 run by run rather than by the codecs.
_FEW_HIGH = 64


def _valid_utf8(data: bytes, start: int) -> bool:
    """Tell whether ``data[start:]`` is valid UTF-8 (checked by Arrow, without making a string)."""
    import pyarrow as pa

    offsets = pa.py_buffer(np.array([start, len(data)], dtype=np.int64))
    arr = pa.LargeBinaryArray.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        arr.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


#: Characters of a text table decoded for sniffing and the first record (at least; 4 bytes hold a character).
_HEAD_CHARS = 1 << 20


#: Share of the zero bytes that must sit on one side of the byte pairs to read text as UTF-16 without a BOM.
UTF16_ZERO_SHARE = 0.9


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when ``data`` is UTF-16 text without a BOM (Latin text: every other byte 0)."""
    head = data[:8192]
    head = head[: len(head) // 2 * 2]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    n = len(head) // 2
    zero_even, zero_odd = even.count(0) / n, odd.count(0) / n
    for enc, zeros, other in (("utf-16-le", zero_odd, zero_even), ("utf-16-be", zero_even, zero_odd)):
        if zeros >= UTF16_ZERO_SHARE and other <= 1 - UTF16_ZERO_SHARE:
            try:
                data.decode(enc)
            except UnicodeDecodeError:
                continue
            return enc
    return None


def _sniff_separator(text: str, notes: Notes) -> str:
    sample = text[:262_144]
    truncated = len(text) > len(sample)
    best: tuple[Any, ...] | None = None
    best_sep = ","
    for cand in _SEPARATORS:
        try:
            rows = list(itertools.islice(csv.reader(io.StringIO(sample, newline=""), delimiter=cand), 202))
        except csv.Error:
            continue
        rows = [r for r in rows if r and any(c.strip() for c in r)]
        if not rows:
            continue
        width = len(rows[0])
        data = rows[1:-1] if truncated or len(rows) > 201 else rows[1:]
        share = sum(len(r) == width for r in data) / len(data) if data else 1.0
        score = (width > 1, share, width)
        if best is None or score > best:
            best, best_sep = score, cand
    if best is None or not best[0]:
        notes.add("Only one column found; assuming comma-separated. Pass `sep` (--sep) if that is wrong.")
        return ","
    notes.add(f"Separator: {_SEP_NAMES[best_sep]} (detected).")
    return best_sep


def _unique_names(header: list[str], notes: Notes) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    changed = False
    for i, raw in enumerate(header):
        name = raw.strip().removeprefix("\ufeff").strip()
        if not name:
            name = f"column_{i + 1}"
            changed = True
        base, k = name, 2
        while name in seen:
            name = f"{base}_{k}"
            k += 1
            changed = True
        seen.add(name)
        names.append(name)
    if changed:
        notes.add("Empty or repeated column names were renamed (column_<n>, <name>_<k>).")
    return names


def _head(data: bytes) -> str:
    """Decode the start of UTF-8 ``data``: all of it, or over :data:`_HEAD_CHARS` characters (a cut one dropped)."""
    return data[: 4 * _HEAD_CHARS + 8].decode("utf-8", errors="ignore")


#: Arrow's memory pool for the big tables bingeo reads and writes. Arrow's default (mimalloc) hands freed pages
#: back to the system at once and faults them in again: in ``bingeo assign`` of a 1 M-row export that cost
#: 1.2-1.5 s of system time more than jemalloc (measured, same run).
ARROW_POOL = "jemalloc"

#: The environment variable through which a user chooses Arrow's pool; bingeo then leaves it as chosen.
ARROW_POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"


def use_arrow_pool() -> None:
    """Make :data:`ARROW_POOL` Arrow's default memory pool, unless the user chose one or Arrow lacks it.

    Only where memory comes from changes, never a value. Called before the text reader and the CSV writer.
    """
    if os.environ.get(ARROW_POOL_ENV):
        return
    import pyarrow as pa

    if pa.default_memory_pool().backend_name == ARROW_POOL:
        return
    try:
        pool = getattr(pa, f"{ARROW_POOL}_memory_pool")()
    except (AttributeError, NotImplementedError):  # a pyarrow built without it
        return
    pa.set_memory_pool(pool)


def read_text_table(
    path: Path,
    label: str,
    *,
    sep: str | None,
    encoding: str | None,
    member: str | None,
    notes: Notes,
) -> tuple[pd.DataFrame, dict[int, int], int]:
    """Read a text table as strings.

    Returns (raw string frame, {row index: field count} of bad records, header width).
    """
    # no limit on a cell's size: the csv module refuses cells over 131,072 characters by default (long
    # descriptions, WKT polygons)
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_SIZE_LIMIT))
    use_arrow_pool()
    data = _utf8(_read_bytes(path, label, member), encoding, label, notes)
    head = _head(data)
    if not head or (head.isspace() and data.decode("utf-8").isspace()):  # (no copy of a large text)
        msg = f"{label}: the file is empty. Export it again from the source system."
        raise InputError(msg)
    hint = re.match(r"sep=(.)\r?\n", head[:8])
    if hint:
        # Excel's "sep=;" first line names the separator; it is not a record.
        data = data[len(head[: hint.end()].encode("utf-8")) :]
        head = head[hint.end() :]
        if sep is None:
            sep = hint.group(1)
            notes.add(f"Separator: {_SEP_NAMES.get(sep, repr(sep))} (from Excel's 'sep=' line).")
    if sep is None:
        sep = _sniff_separator(head, notes)
    else:
        if not isinstance(sep, str) or len(sep) != 1:
            msg = f"`sep` should be one character such as ';', ',' or '\\t', got {sep!r}"
            raise InputError(msg)
        notes.add(f"Separator: {_SEP_NAMES.get(sep, repr(sep))} (as given).")
    fast = _arrow_records(data, sep)
    if fast is not None:
        frame, bad, width, blank = fast
        if blank:
            notes.add(f"Skipped {blank:,} blank line(s); they are not counted in `source_row`.")
        frame.columns = _unique_names(list(frame.columns), notes)
        return frame, bad, width
    text = data.decode("utf-8")
    del data
    # strict: an unclosed quote must not silently swallow the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    records: list[list[str]] = []
    bad: dict[int, int] = {}
    blank = 0
    header: list[str] | None = None
    try:
        for rec in reader:
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                blank += 1
                continue
            if header is None:
                header = rec
                width = len(header)
                continue
            if len(rec) != width:
                bad[len(records)] = len(rec)
                rec = (rec + [""] * width)[:width]
            records.append(rec)
    except csv.Error as exc:
        msg = (
            f"{label}: the text cannot be split into records at data record "
            f"{len(records) + 1} (line {reader.line_num}: {exc}). "
            'Check that record for an unclosed or stray quote (").'
        )
        raise InputError(msg) from None
    if header is None:
        msg = f"{label}: the file is empty. Export it again from the source system."
        raise InputError(msg)
    if not records:
        msg = f"{label}: the file has a header but no data rows."
        raise InputError(msg)
    if blank:
        notes.add(f"Skipped {blank:,} blank line(s); they are not counted in `source_row`.")
    names = _unique_names(header, notes)
    frame = pd.DataFrame(records, columns=names, dtype=str)
    return frame, bad, width


def _quotes_plain(data: bytes, sep: str) -> bool:
    """Tell whether every quote of ``data`` opens, closes or doubles inside a field (RFC 4180).

    Then pyarrow's parser and the csv module split the text alike. A quote inside an unquoted field, text
    after a closing quote or an unclosed quote (which the csv module refuses) says no: the careful path.
    """
    b = np.frombuffer(data, dtype=np.uint8)
    q = _positions(b, np.equal, 34)
    if len(q) == 0:
        return True
    if len(q) % 2:
        return False
    ends = np.array([ord(sep), 10, 13], dtype=np.uint8)
    before = np.where(q > 0, b[np.maximum(q - 1, 0)], 10)
    after = np.where(q + 1 < len(b), b[np.minimum(q + 1, len(b) - 1)], 10)
    prev_adjacent = np.zeros(len(q), dtype=bool)
    prev_adjacent[1:] = q[1:] == q[:-1] + 1
    next_adjacent = np.zeros(len(q), dtype=bool)
    next_adjacent[:-1] = q[1:] == q[:-1] + 1
    k = np.arange(len(q))
    opening = (k % 2 == 0) & (np.isin(before, ends) | prev_adjacent)
    closing = (k % 2 == 1) & (np.isin(after, ends) | next_adjacent)
    return bool((opening | closing).all())


def _empty_lines(data: bytes) -> int:
    """Count the empty lines outside quoted fields (quotes checked by :func:`_quotes_plain`), as pyarrow skips them."""
    if b"\n\n" not in data and b"\r\r" not in data and b"\n\r" not in data:  # no line break follows another
        return 0
    b = np.frombuffer(data, dtype=np.uint8)
    lf = _positions(b, np.equal, 10)
    cr = _positions(b, np.equal, 13)
    cr_alone = cr[(cr + 1 >= len(b)) | (b[np.minimum(cr + 1, len(b) - 1)] != 10)]
    lf_start = np.where((lf > 0) & (b[np.maximum(lf - 1, 0)] == 13), lf - 1, lf)
    if len(cr_alone):
        start = np.concatenate([lf_start, cr_alone])
        end = np.concatenate([lf + 1, cr_alone + 1])
        order = np.argsort(start, kind="stable")
        start, end = start[order], end[order]
    else:  # LF or CRLF line ends only: already in order
        start, end = lf_start, lf + 1
    empty = start[1:][start[1:] == end[:-1]]
    quotes = _positions(b, np.equal, 34)
    return int((np.searchsorted(quotes, empty) % 2 == 0).sum())


#: Text tables of this many bytes or more are split by Arrow in two halves at once (two workers or more).
SPLIT_BYTES = 8 << 20


def _arrow_split(data: bytes, sep: str, head: str, guess: int) -> tuple[Any, list[tuple[int, int, str]]]:
    """Arrow's records of ``data`` (header first) and its odd rows (number from 1 with the header, fields, text).

    A large text is cut at a line end outside quotes into two halves read at once (:class:`Beside`); the odd
    rows of the second half are numbered on from the first's, so both together are the records of one read.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from bingeo._workers import resolve_workers
    from bingeo.readers.overlap import Beside

    def parse(buf: Any, names: list[str] | None) -> tuple[Any, list[tuple[int, int, str]]]:
        odd: list[tuple[int, int, str]] = []

        def keep(row: Any) -> str:
            odd.append((row.number, row.actual_columns, row.text))
            return "skip"

        table = pacsv.read_csv(
            pa.BufferReader(buf),
            read_options=pacsv.ReadOptions(
                use_threads=False, autogenerate_column_names=names is None, column_names=names, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True, invalid_row_handler=keep),
            convert_options=pacsv.ConvertOptions(
                # large strings: what pandas' text columns hold, taken without a copy
                column_types={f"f{i}": pa.large_string() for i in range(max(guess, len(names or ())))},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        return table, odd

    whole = pa.py_buffer(data)
    cut = _half_cut(data) if len(data) >= SPLIT_BYTES and resolve_workers() > 1 else None
    header = next(csv.reader(io.StringIO(head, newline=""), delimiter=sep), []) if cut is not None else []
    if cut is None or len(header) < 2:
        return parse(whole, None)
    names = [f"f{i}" for i in range(len(header))]
    second = Beside(parse, whole.slice(cut), names)
    try:
        first, odd = parse(whole.slice(0, cut), None)
    finally:
        later, odd2 = second.result()
    if first.num_columns != len(names) or first.schema != later.schema:
        return parse(whole, None)
    before = first.num_rows + len(odd)  # records of the first half, its header included
    return pa.concat_tables([first, later]), odd + [(None if n is None else n + before, k, t) for n, k, t in odd2]


def _half_cut(data: bytes) -> int | None:
    """Where to cut ``data`` in two: just after a line feed near the middle outside quoted fields; or None."""
    at = len(data) // 2
    quotes = data.count(b'"', 0, at)
    while True:
        nl = data.find(b"\n", at)
        if nl < 0 or nl + 1 >= len(data):
            return None
        quotes += data.count(b'"', at, nl)
        if quotes % 2 == 0:
            return nl + 1
        at = nl + 1


def _quote_check(data: bytes, sep: str) -> int | None:
    """None when the quotes of ``data`` are not RFC 4180 (:func:`_quotes_plain`), else its empty lines."""
    return _empty_lines(data) if _quotes_plain(data, sep) else None


def _blank(rec: list[str]) -> bool:
    """Tell whether the csv path skips this record as a blank line: nothing, or one field of spaces."""
    return not rec or (len(rec) == 1 and not rec[0].strip())


def _arrow_records(data: bytes, sep: str) -> tuple[pd.DataFrame, dict[int, int], int, int] | None:
    """Split ``data`` (UTF-8) into records with pyarrow's CSV parser: the frame of strings, bad records, width, blanks.

    The same records as the csv module's (the careful path), or None where they might differ (no pyarrow, a
    separator that is not one ASCII character, quotes that are not RFC 4180, a blank first line, one column).
    Records with a wrong number of fields are split again by the csv module, padded or cut to the header.
    """
    if len(sep) != 1 or ord(sep) > 127 or sep in '"\r\n':
        return None
    import pyarrow as pa

    head = _head(data)[:_HEAD_CHARS]
    end = head.find("\n")
    first = head[: end if end >= 0 else _HEAD_CHARS].strip()
    if not first:
        return None
    # the quotes are checked and the empty lines counted on the second core while Arrow splits the records
    from bingeo.readers.overlap import Beside

    checked = Beside(_quote_check, data, sep)
    try:
        table, odd = _arrow_split(data, sep, head, first.count(sep) + 1)
    except (pa.ArrowInvalid, pa.ArrowException):
        checked.result()
        return None
    empty_lines = checked.result()
    if empty_lines is None:  # quotes that are not RFC 4180: the careful path
        return None
    del data
    width = table.num_columns
    if not all(pa.types.is_large_string(t) for t in table.schema.types):
        return None
    if width < 2 or table.num_rows == 0 or any(n is None for n, _, _ in odd):
        return None
    header = [str(v) for v in table.slice(0, 1).to_pylist()[0].values()]
    body = table.slice(1)
    # pyarrow numbers rows from 1 with the header and counts blank and odd rows; the csv path does not count blanks
    split = [(n, next(csv.reader(io.StringIO(t, newline=""), delimiter=sep), [])) for n, _, t in odd]
    blank_rows = sorted(n for n, rec in split if _blank(rec))
    bad: dict[int, int] = {}
    cells: list[list[str]] = []
    for n, rec in split:
        if _blank(rec):
            continue
        idx = n - 2 - int(np.searchsorted(blank_rows, n))
        bad[idx] = len(rec)
        cells.append((rec + [""] * width)[:width])
    if not body.num_rows and not cells:
        return None
    dtype = pd.Series([""], dtype=str).dtype
    as_object = pd.api.types.is_object_dtype(dtype)  # pandas 2: text columns are object columns
    if cells:  # the re-split records go back in their places: runs of good rows between them, copied once
        at = sorted(bad)
        by_pos = dict(zip(bad, cells))
        columns = {}
        for i in range(width):
            col, pieces, done = body.column(i), [], 0
            for k, pos in enumerate(at):  # pos: the row in the whole table; pos - k good rows come before it
                pieces.extend(col.slice(done, pos - k - done).chunks)
                pieces.append(pa.array([by_pos[pos][i]], type=col.type))
                done = pos - k
            pieces.extend(col.slice(done).chunks)
            columns[i] = pa.concat_arrays(pieces)
    else:
        columns = {i: body.column(i) for i in range(width)}
    frame = pd.DataFrame(
        {i: col.to_pandas() if as_object else col.to_pandas(types_mapper=lambda _: dtype) for i, col in columns.items()}
    )
    frame.columns = header
    return frame, bad, width, len(blank_rows) + empty_lines


def _layer_error(label: str, layers: np.ndarray, why: str) -> InputError:
    listed = ", ".join(f"{n} ({t})" for n, t in layers) or "none"
    return InputError(f"{label}: {why}. Layers: {listed}. Pass one as `layer` (--layer).")


def _open_layers(gdal_path: str, label: str) -> np.ndarray:
    try:
        return pyogrio.list_layers(gdal_path)
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        OSError,
    ) as exc:
        reason = str(exc).replace(gdal_path, "the file")[:200]
        msg = (
            f"{label}: cannot be opened as a vector file; it may be corrupt, "
            f"truncated or in an "
            f"unsupported format ({reason}). Export it again, e.g. as GeoPackage."
        )
        raise InputError(msg) from None


def _choose_layer(gdal_path: str, label: str, layer: str | None, *, want: str) -> str | None:
    """Pick the layer to read; ``want`` is 'point' or 'polygon'."""
    layers = _open_layers(gdal_path, label)
    if len(layers) == 0:
        msg = f"{label}: the file holds no layers (no data)."
        raise InputError(msg)
    names = [str(n) for n in layers[:, 0]]
    if layer is not None:
        if layer not in names:
            raise _layer_error(label, layers, f"has no layer {layer!r}")
        return layer
    if len(names) == 1:
        return names[0]
    fitting = [str(n) for n, t in layers if want in str(t).lower()]
    if len(fitting) == 1:
        logger.info(
            "%s: %d layers; using the only %s layer %r",
            label,
            len(names),
            want,
            fitting[0],
        )
        return fitting[0]
    raise _layer_error(label, layers, f"has {len(names)} layers and {len(fitting)} are {want} layers")


def _drop_kml_styling(frame: pd.DataFrame, driver: str, label: str) -> pd.DataFrame:
    if driver not in ("LIBKML", "KML"):
        return frame
    drop = []
    for c in frame.columns:
        if c in _KML_STYLE_FIELDS and c != getattr(frame, "_geometry_column_name", None):
            if frame[c].nunique(dropna=True) <= 1:
                drop.append(c)
    if drop:
        logger.info(
            "%s: dropped %d empty KML styling field(s): %s",
            label,
            len(drop),
            ", ".join(drop),
        )
        frame = frame.drop(columns=drop)
    return frame


#: Vector formats whose points are read through Arrow.
_ARROW_SUFFIXES = (".gpkg", ".shp")
#: A 2-D point as little-endian WKB: byte order 1, type 1 (Point), x, y.
_WKB_POINT_BYTES = 21
#: The same as a record: byte order, type (1: a 2-D point, little endian), x, y.
_WKB_POINT_RECORD = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


class PlainPoints:
    """A point layer whose every geometry is a 2-D point with finite coordinates, read without geometry objects.

    ``attributes`` is the frame ``geopandas.read_file`` gives without its geometry column (the same Arrow
    conversion), ``x`` and ``y`` the coordinates, ``crs`` the layer's CRS as pyogrio reports it (or None).
    """

    def __init__(self, attributes: pd.DataFrame, x: np.ndarray, y: np.ndarray, crs: Any) -> None:
        self.attributes, self.x, self.y, self.crs = attributes, x, y, crs

    def __len__(self) -> int:
        """Return the number of points."""
        return len(self.x)


def wkb_points_xy(column: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Return (x, y) of an Arrow column of WKB when every value is a 2-D point with finite coordinates, else None.

    Decoded from the Arrow buffers without making geometry objects. Anything else (a null, another geometry
    type, Z or M, big-endian WKB, an empty point, a non-finite coordinate) gives None: the caller then reads the
    geometries one by one, with their rejects.
    """
    import pyarrow as pa

    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if isinstance(arr.type, pa.BaseExtensionType):
        arr = arr.storage
    if arr.null_count or not (pa.types.is_binary(arr.type) or pa.types.is_large_binary(arr.type)):
        return None
    n = len(arr)
    width = np.int64 if pa.types.is_large_binary(arr.type) else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=width)[arr.offset : arr.offset + n + 1].astype(np.int64)
    if n == 0 or not (np.diff(offsets) == _WKB_POINT_BYTES).all():
        return None
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[0] + n * _WKB_POINT_BYTES]
    rec = data.view(_WKB_POINT_RECORD)  # one record a point: no copy, each field read in one strided pass
    if not ((rec["order"] == 1).all() and (rec["type"] == 1).all()):
        return None
    x, y = rec["x"].astype("float64"), rec["y"].astype("float64")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return None
    return x, y


def _read_plain_points(gdal_path: str, layer: str, kwargs: dict[str, Any], *, has_fields: bool) -> PlainPoints | None:
    """Read a point layer as :class:`PlainPoints` (coordinates from the WKB, attributes as read_file's), or None.

    One pass of GDAL gives the geometries and the attributes; the attributes become the frame
    ``pyogrio.read_dataframe`` makes of the same Arrow table (:func:`_arrow_attributes`), or, for fields it
    converts further (date-times, JSON), are read again by it.
    """
    from pyogrio.raw import read_arrow

    use_arrow_pool()  # the tables converted here: see ARROW_POOL
    opts = {k: v for k, v in kwargs.items() if k != "use_arrow"}
    meta, table = read_arrow(
        gdal_path, layer=layer, columns=None if has_fields else [], datetime_as_string=True, **opts
    )
    name = meta["geometry_name"] or "wkb_geometry"
    if name not in table.column_names:
        return None
    xy = wkb_points_xy(table.column(name))
    if xy is None:
        return None
    n = len(xy[0])
    attrs = _arrow_attributes(meta, table.drop_columns([name])) if has_fields else pd.DataFrame()
    del table
    if attrs is None:
        attrs = pyogrio.read_dataframe(gdal_path, layer=layer, read_geometry=False, use_arrow=True, **opts)
    if len(attrs.columns) == 0:
        attrs = pd.DataFrame(index=pd.RangeIndex(n))
    if len(attrs) != n or "geometry" in attrs.columns:
        return None
    return PlainPoints(attrs, xy[0], xy[1], meta["crs"])


def _arrow_attributes(meta: dict[str, Any], table: Any) -> pd.DataFrame | None:
    """Return the frame ``pyogrio.read_dataframe(read_geometry=False, use_arrow=True)`` makes of ``table``, or None.

    pyogrio converts the table with ``to_pandas(self_destruct=True)`` (pyarrow >= 19 maps text to pandas' string
    dtype itself) and then parses date-time and JSON fields further: a layer with such fields, an older pyarrow,
    or text that is no UTF-8, gives None (read by pyogrio).
    """
    import pyarrow as pa

    if int(pa.__version__.split(".")[0]) < 19:
        return None
    dtypes = [str(d) for d in meta.get("dtypes", ()) if d is not None]
    if any(d.startswith("datetime") and d != "datetime64[D]" for d in dtypes) or "OFSTJSON" in meta.get(
        "ogr_subtypes", ()
    ):
        return None
    try:
        return table.to_pandas(self_destruct=True)
    except UnicodeDecodeError:
        return None


def _read_plain_parquet(path: Path) -> PlainPoints | None:
    """Read a GeoParquet file of plain 2-D points as :class:`PlainPoints` (coordinates from the WKB), or None.

    The attributes are the frame ``geopandas.read_parquet`` gives without its geometry (the same table, the same
    conversion) and the CRS is the one it reads from the ``geo`` metadata (OGC:CRS84 when none is written).
    None for anything else: several geometry columns, a bbox covering column, GeoArrow encodings, odd or missing
    metadata, a geometry that is not a plain point, an unreadable file (then geopandas reads it, with its errors).
    """
    import json

    import pyarrow.parquet as pq

    try:
        geo = json.loads((pq.read_schema(path).metadata or {}).get(b"geo", b"null"))
        columns, name = geo["columns"], geo["primary_column"]
        meta = columns[name]
        if len(columns) != 1 or meta.get("encoding") != "WKB" or "covering" in meta:
            return None
        table = pq.read_table(path)
    except Exception:  # noqa: BLE001 - anything odd: geopandas reads the file and says what is wrong
        return None
    if name not in table.column_names:
        return None
    xy = wkb_points_xy(table.column(name))
    if xy is None:
        return None
    crs = meta["crs"] if "crs" in meta else "OGC:CRS84"
    if isinstance(crs, dict):
        _drop_ensemble_member_ids(crs)
    attrs = table.drop_columns([name]).to_pandas().reset_index(drop=True)
    return PlainPoints(attrs, xy[0], xy[1], crs)


def _drop_ensemble_member_ids(projjson: dict[str, Any]) -> None:
    """Remove the ids of datum ensemble members from PROJJSON in place, as geopandas does before reading it."""
    for key, value in projjson.items():
        if isinstance(value, dict):
            _drop_ensemble_member_ids(value)
        elif key == "members" and isinstance(value, list):
            for member in value:
                if isinstance(member, dict):
                    member.pop("id", None)


def _read_vector(
    path: Path,
    label: str,
    layer: str | None,
    *,
    want: str,
    encoding: str | None = None,
    on_invalid: str = "raise",
    plain_points: bool = False,
) -> tuple[Any, str]:
    """Read a vector (or parquet) source; return (GeoDataFrame or DataFrame, driver).

    With ``plain_points``, a GeoPackage or shapefile point layer whose geometries are all plain 2-D points
    comes back as :class:`PlainPoints` (no geometry objects made); any other layer as before.
    """
    kind = source_kind(path)
    if kind == "parquet":
        plain = _read_plain_parquet(path) if plain_points and want == "point" else None
        if plain is not None:
            return plain, "Parquet"
        try:
            return gpd.read_parquet(path), "Parquet"
        except ValueError as exc:
            if "geo" not in str(exc).lower():
                raise InputError(f"{label}: cannot be read as Parquet ({str(exc)[:200]}).") from None
        except Exception as exc:  # pyarrow raises its own error types
            msg = f"{label}: cannot be read as (Geo)Parquet; it may be corrupt ({type(exc).__name__})."
            raise InputError(msg) from None
        try:
            return pd.read_parquet(path), "Parquet"
        except Exception as exc:
            msg = f"{label}: cannot be read as Parquet; it may be corrupt ({type(exc).__name__})."
            raise InputError(msg) from None
    gdal_path = str(path)
    if kind == "zip":
        zkind, gdal_path = zip_target(path, layer, label)
        if zkind == "text":
            msg = (
                f"{label}: the zip holds no shapefile or other vector file, only the table {gdal_path!r}. Give a "
                f"zip with a shapefile (.shp with its .shx, .dbf and .prj)"
                + (", or read the table as points." if want == "polygon" else ".")
            )
            raise InputError(msg)
        layer = None
    chosen = _choose_layer(gdal_path, label, layer, want=want)
    kwargs: dict[str, Any] = {} if on_invalid == "raise" else {"on_invalid": on_invalid}
    if encoding is not None:
        kwargs["encoding"] = encoding
    if want == "point" and gdal_path.lower().endswith(_ARROW_SUFFIXES):
        # features cross as Arrow batches, not one by one (4x faster); the same frame from these formats (other
        # drivers give date fields as date objects through Arrow, as datetimes without)
        kwargs["use_arrow"] = True
    try:
        info = pyogrio.read_info(gdal_path, layer=chosen)
        frame = None
        if plain_points and kwargs.get("use_arrow"):
            frame = _read_plain_points(gdal_path, chosen, kwargs, has_fields=len(info.get("fields", ())) > 0)
        if frame is None:
            frame = gpd.read_file(gdal_path, layer=chosen, engine="pyogrio", **kwargs)
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
    ) as exc:
        reason = str(exc).replace(gdal_path, "the file")[:200]
        msg = f"{label}: layer {chosen!r} cannot be read ({reason}). Export it again, e.g. as GeoPackage."
        raise InputError(msg) from None
    driver = str(info.get("driver", ""))
    if not isinstance(frame, PlainPoints):  # (KML is never read as plain points)
        frame = _drop_kml_styling(frame, driver, label)
    logger.info("%s: read %d feature(s) from layer %r (%s)", label, len(frame), chosen, driver)
    return frame, driver
