"""A store with networks, addresses, members (with planted personal-data markers), hot spots and
proposals, and the web maps of it, all made through the CLI. Built once per test session and shared
by tests/test_webmap.py and tests/browser/test_webmap_browser.py."""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
N_MEMBERS = 60
FIELDS = ["soort_delict", "pleegdatum"]

_CACHE: dict[str, dict] = {}


def marker(i: int) -> dict[str, str]:
    """Marker strings planted in member fields (they must never reach a map)."""
    return {
        "name": f"ZQWNAAM{i:03d} de Kaartlezer",
        "email": f"zqwmail{i:03d}@example.org",
        "channels": f"ZQWKANAAL{i:03d}",
    }


def run(args, ok: bool = True, outputs: list[str] | None = None) -> str:
    from bingeo.cli.main import cli

    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    if outputs is not None:
        outputs.append(res.output)
    assert (res.exit_code == 0) == ok, res.output
    return res.output


def _members_csv(path: Path) -> list[dict[str, str]]:
    adr = pd.read_csv(SAMPLES / "addresses.csv", dtype=str)
    rng = np.random.default_rng(11)
    picks = adr.iloc[rng.choice(len(adr), N_MEMBERS, replace=False)].reset_index(drop=True)
    rows = []
    for i, a in picks.iterrows():
        m = marker(i)
        rows.append(
            {
                "lidnummer": f"W{i:03d}",
                # two rows share a person (same name, e-mail and phone): the count must see one person
                "naam": m["name"] if i != 1 else marker(0)["name"],
                "email": m["email"] if i != 1 else marker(0)["email"],
                "telefoon": f"06-{23000000 + 7919 * i:08d}" if i != 1 else f"06-{23000000:08d}",
                "kanalen": m["channels"],
                "toestemming": "nee" if i % 7 == 0 else "ja",
                "rol": "coördinator" if i % 13 == 0 else "lid",
                "netwerken": "GR-BIN-001;GR-BIN-003" if i % 4 in (0, 1) else ("GR-BIN-002" if i % 5 == 0 else ""),
                "status": "afgemeld" if i % 9 == 4 else "actief",
                "x": a["x"],
                "y": a["y"],
            }
        )
    pd.DataFrame(rows).to_csv(path, sep=";", index=False, encoding="utf-8")
    return rows


def build_world(tmp_path_factory) -> dict:
    """Build (once per session) the store, the analysis outputs and the maps; return paths and texts."""
    if "world" in _CACHE:
        return _CACHE["world"]
    from bingeo import _webassets

    tmp = tmp_path_factory.mktemp("webmap")
    store = tmp / "bins.gpkg"
    outputs: list[str] = []
    run(["networks", "import", SAMPLES / "networks.gpkg", "--store", store], outputs=outputs)
    run(["addresses", "import", SAMPLES / "addresses.csv", "--store", store, "--crs", "28992"], outputs=outputs)
    rows = _members_csv(tmp / "leden.csv")
    run(["members", "import", tmp / "leden.csv", "--store", store, "--crs", "28992"], outputs=outputs)
    inc = SAMPLES / "incidents.csv"
    run(
        [
            "hotspots",
            inc,
            "--store",
            store,
            "--crs",
            "28992",
            "--output",
            tmp / "hs.gpkg",
            "--addresses",
            SAMPLES / "addresses.csv",
        ],
        outputs=outputs,
    )
    run(
        [
            "propose",
            "--store",
            store,
            "--hotspots",
            tmp / "hs.gpkg",
            "--addresses",
            SAMPLES / "addresses.csv",
            "--incidents",
            inc,
            "--crs",
            "28992",
            "--output",
            tmp / "proposals.gpkg",
        ],
        outputs=outputs,
    )
    maps = tmp / "maps"
    maps.mkdir()
    common = [
        "map",
        "--store",
        store,
        "--incidents",
        inc,
        "--crs",
        "28992",
        "--hotspots",
        tmp / "hs.gpkg",
        "--addresses",
        SAMPLES / "addresses.csv",
        "--proposals",
        tmp / "proposals.gpkg",
        "--fields",
        ",".join(FIELDS),
        "--title",
        "Groningen <BIN> & co",
    ]
    map_outputs: list[str] = []
    run(common + ["--output", maps / "online.html"], outputs=map_outputs)
    offline = None
    if not _webassets.missing_assets():
        run(common + ["--output", maps / "offline.html", "--offline"], outputs=map_outputs)
        offline = maps / "offline.html"
    world = {
        "tmp": tmp,
        "store": store,
        "rows": rows,
        "maps": maps,
        "online": maps / "online.html",
        "offline": offline,
        "outputs": outputs,
        "map_outputs": map_outputs,
        "hotspots": tmp / "hs.gpkg",
        "proposals": tmp / "proposals.gpkg",
    }
    _CACHE["world"] = world
    return world


def data_block(html: str, element_id: str):
    """The JSON of ``<script type="application/json" id=element_id>``."""
    m = re.search(rf'<script type="application/json" id="{re.escape(element_id)}">(.*?)</script>', html, re.S)
    assert m, f"no data block {element_id}"
    return json.loads(m.group(1))


def decode_points(d: dict) -> np.ndarray:
    """(n, 2) int64 array of [lat, lon] in units of 1/scale degrees."""
    lat = d["lat0"] + np.cumsum(np.asarray(d["dlat"], dtype=np.int64))
    lon = d["lon0"] + np.cumsum(np.asarray(d["dlon"], dtype=np.int64))
    return np.column_stack([lat, lon])


def decode_png(data_url: str) -> np.ndarray:
    """RGBA array of a PNG data URL (8-bit RGBA, no interlace; any PNG row filter)."""
    raw = base64.b64decode(data_url.split(",", 1)[1])
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(raw):
        (n,) = struct.unpack(">I", raw[pos : pos + 4])
        kind, body = raw[pos + 4 : pos + 8], raw[pos + 8 : pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 6)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    data = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + 4 * w)
    out = np.zeros((h, 4 * w), np.int32)
    for r in range(h):
        f, line = data[r, 0], data[r, 1:].astype(np.int32)
        prev = out[r - 1] if r else np.zeros(4 * w, np.int32)
        if f == 0:
            out[r] = line
        elif f == 2:
            out[r] = (line + prev) % 256
        else:  # filters 1, 3, 4 need the left neighbour: pixel by pixel
            cur = np.zeros(4 * w, np.int32)
            for i in range(4 * w):
                a = cur[i - 4] if i >= 4 else 0
                b = prev[i]
                c = prev[i - 4] if i >= 4 else 0
                if f == 1:
                    pred = a
                elif f == 3:
                    pred = (a + b) // 2
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[i] = (line[i] + pred) % 256
            out[r] = cur
    return out.reshape(h, w, 4).astype(np.uint8)
