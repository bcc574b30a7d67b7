"""Open GeoPackages in the real QGIS and report what it (and GDAL) complain about.

Importable without QGIS: ``qgis`` and ``osgeo`` are imported only inside the
functions.  Two ways to use it:

* in pytest, through the ``qgis_app`` fixture of ``tests/conftest.py``::

      from qgis_check import assert_opens_cleanly_in_qgis
      assert_opens_cleanly_in_qgis(path)

* as a script with the Python that has QGIS (Debian's ``/usr/bin/python3``),
  e.g. from a developer's pyenv Python through a subprocess::

      QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis/qgis_check.py a.gpkg [b.gpkg ...]

  prints a JSON report per file and exits 1 when any file has a problem.

What is caught, and how (QGIS 3.22, GDAL 3.6 as in Debian bookworm):

* ``QgsApplication.messageLog().messageReceived`` (message, tag, level): the
  OGR provider logs there with tag ``'OGR'`` (e.g. "Cannot open X.()",
  "Cannot find layer x.()", level Warning).
* GDAL's own CPLError messages (e.g. ``This version of GeoPackage
  user_version=0x000028A0 (10400, v1.4.0) on 'x.gpkg' may only be partially
  supported``) do NOT reach QGIS's message log in a headless QgsApplication:
  they go to GDAL's default handler (stderr, as ``Warning 1: ...``).  They are
  caught by pushing a Python CPL error handler with ``osgeo.gdal`` (Debian's
  python3-gdal, which is the same libgdal that QGIS's OGR provider uses), and,
  as a fallback for messages raised on other threads, by reading file
  descriptor 2 for ``Warning N:`` / ``ERROR N:`` lines.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import sqlite3
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

# GDAL CPLErr classes
_CE_NONE, _CE_DEBUG, _CE_WARNING, _CE_FAILURE, _CE_FATAL = range(5)
_CPL_CLASS = {0: "None", 1: "Debug", 2: "Warning", 3: "Failure", 4: "Fatal"}
# Qgis.MessageLevel: Info=0, Warning=1, Critical=2, Success=3, NoLevel=4
_QGIS_LEVEL = {0: "Info", 1: "Warning", 2: "Critical", 3: "Success", 4: "NoLevel"}
_STDERR_GDAL = re.compile(r"^(Warning|ERROR) \d+: .*$", re.MULTILINE)


@dataclass
class Message:
    source: str  # 'qgis-log' | 'gdal' | 'stderr'
    level: str  # 'Info' | 'Warning' | 'Critical' | 'Failure' | ...
    tag: str  # QGIS log tag, or 'CPLE_<errno>' for GDAL
    text: str

    @property
    def is_problem(self) -> bool:
        return self.level not in ("Info", "Success", "NoLevel", "Debug", "None")

    def __str__(self) -> str:
        return f"[{self.source} {self.level} {self.tag}] {self.text}"


@dataclass
class LayerReport:
    name: str
    data_type: str  # 'features' | 'attributes'
    valid: bool = False
    sqlite_count: int | None = None
    qgis_count: int | None = None
    iterated: int = 0
    sqlite_geoms: int | None = None  # non-NULL geometry values in sqlite
    qgis_geoms: int = 0  # features whose geometry QGIS read (not null)
    authid: str = ""
    provider_error: str = ""
    extent: list[float] | None = None  # QGIS layer extent (from gpkg_contents or computed)
    data_bbox: list[float] | None = None  # bbox of the geometries QGIS read
    bbox_filter_hits: int | None = None  # features returned for a filter on data_bbox
    nonempty_geoms: int = 0
    fids_missed_by_own_bbox: list[int] = field(default_factory=list)
    blob_problems: list[str] = field(default_factory=list)  # GeoPackage geometry header vs WKB


@dataclass
class GpkgReport:
    path: str
    sqlite_layers: list[str] = field(default_factory=list)
    qgis_sublayers: list[str] = field(default_factory=list)
    layers: list[LayerReport] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)

    def problems(self) -> list[str]:
        out: list[str] = []
        if not self.sqlite_layers:
            out.append("gpkg_contents lists no features/attributes table")
        if self.qgis_sublayers and sorted(self.qgis_sublayers) != sorted(self.sqlite_layers):
            out.append(
                f"QGIS lists sublayers {sorted(self.qgis_sublayers)}, gpkg_contents has {sorted(self.sqlite_layers)}"
            )
        for lr in self.layers:
            where = f"layer {lr.name!r}"
            if not lr.valid:
                out.append(f"{where}: not valid in QGIS ({lr.provider_error or 'no provider error'})")
                continue
            if lr.qgis_count != lr.sqlite_count:
                out.append(f"{where}: QGIS featureCount {lr.qgis_count} != sqlite count {lr.sqlite_count}")
            if lr.iterated != lr.sqlite_count:
                out.append(f"{where}: QGIS iterated {lr.iterated} features, sqlite has {lr.sqlite_count}")
            if lr.data_type == "features":
                if not lr.authid:
                    out.append(f"{where}: CRS not recognised by QGIS (empty authid)")
                if lr.qgis_geoms != lr.sqlite_geoms:
                    out.append(
                        f"{where}: QGIS read {lr.qgis_geoms} geometries, "
                        f"sqlite has {lr.sqlite_geoms} non-NULL geometry values"
                    )
                if lr.data_bbox is not None:
                    if lr.extent is None or not _contains(lr.extent, lr.data_bbox):
                        out.append(
                            f"{where}: QGIS layer extent {lr.extent} does not contain the data "
                            f"{lr.data_bbox} (stale gpkg_contents min_x/min_y/max_x/max_y?)"
                        )
                    if lr.bbox_filter_hits != lr.nonempty_geoms:
                        out.append(
                            f"{where}: a spatial filter on the data's bbox returns {lr.bbox_filter_hits} "
                            f"of {lr.nonempty_geoms} features (R-tree index empty or stale?)"
                        )
                out.extend(f"{where}: {b}" for b in lr.blob_problems)
                if lr.fids_missed_by_own_bbox:
                    out.append(
                        f"{where}: features {lr.fids_missed_by_own_bbox[:10]} are not found by a spatial "
                        "filter on their own bounding box (R-tree or blob envelope wrong?)"
                    )
        seen: set[str] = set()
        for m in self.messages:
            if m.is_problem and str(m) not in seen:
                seen.add(str(m))
                out.append(f"message while opening/reading: {m}")
        return out

    def as_dict(self) -> dict:
        d = asdict(self)
        d["problems"] = self.problems()
        return d


def _contains(outer: list[float], inner: list[float]) -> bool:
    """xmin, ymin, xmax, ymax boxes; tolerant to float rounding of the stored extent."""
    tol = 1e-9 * max(1.0, *(abs(v) for v in outer + inner))
    return (
        outer[0] <= inner[0] + tol
        and outer[1] <= inner[1] + tol
        and outer[2] >= inner[2] - tol
        and outer[3] >= inner[3] - tol
    )


# --------------------------------------------------------------------------
# sqlite ground truth


def sqlite_layers(path: str | os.PathLike) -> list[dict]:
    """Tables in gpkg_contents (features and attributes), with counts from sqlite."""
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    con = sqlite3.connect(uri, uri=True)
    try:
        rows = con.execute(
            "SELECT table_name, data_type FROM gpkg_contents "
            "WHERE data_type IN ('features', 'attributes') ORDER BY table_name"
        ).fetchall()
        geomcol = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
        out = []
        for name, dtype in rows:
            q = '"' + name.replace('"', '""') + '"'
            (count,) = con.execute(f"SELECT count(*) FROM {q}").fetchone()
            geoms = None
            if dtype == "features" and name in geomcol:
                g = '"' + geomcol[name].replace('"', '""') + '"'
                (geoms,) = con.execute(f"SELECT count(*) FROM {q} WHERE {g} IS NOT NULL").fetchone()
            out.append({"name": name, "data_type": dtype, "count": count, "geoms": geoms})
        return out
    finally:
        con.close()


_ENV_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}


def blob_header_problems(path: str | os.PathLike, table: str, limit: int = 10) -> list[str]:
    """Check the GeoPackage binary header of every geometry against its WKB.

    QGIS reads only the WKB, but GDAL's R-tree triggers (ST_MinX...) and the
    GeoPackage spec use the header: magic, version 0, envelope code, the
    empty flag (bit 4), the srs_id, and the envelope order minx, maxx, miny,
    maxy.  WKB parsing goes through QgsGeometry, so QGIS must be importable.
    """
    import struct

    from qgis.core import QgsGeometry

    uri = Path(path).resolve().as_uri() + "?mode=ro"
    con = sqlite3.connect(uri, uri=True)
    out: list[str] = []
    try:
        row = con.execute(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?", (table,)
        ).fetchone()
        if row is None:
            return []
        col, srs_id = row
        pk = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")') if r[5] == 1]
        key = f'"{pk[0]}"' if len(pk) == 1 else "rowid"
        q = f'SELECT {key}, "{col}" FROM "{table}" WHERE "{col}" IS NOT NULL'
        for fid, blob in con.execute(q):
            if len(out) >= limit:
                out.append("... (more geometry header problems not listed)")
                break
            blob = bytes(blob)
            if len(blob) < 8 or blob[:2] != b"GP" or blob[2] != 0:
                out.append(f"fid {fid}: geometry blob does not start with 'GP', version 0")
                continue
            flags = blob[3]
            order = "<" if flags & 1 else ">"
            env_code = (flags >> 1) & 0b111
            empty_flag = bool((flags >> 4) & 1)
            if flags >> 5:
                out.append(f"fid {fid}: flags 0x{flags:02x}: extended blob or reserved bits set")
            if env_code not in _ENV_DOUBLES:
                out.append(f"fid {fid}: invalid envelope code {env_code}")
                continue
            (blob_srs,) = struct.unpack(order + "i", blob[4:8])
            if blob_srs != srs_id:
                out.append(f"fid {fid}: srs_id {blob_srs} in the blob, {srs_id} in gpkg_geometry_columns")
            n = _ENV_DOUBLES[env_code]
            env = struct.unpack_from(order + f"{n}d", blob, 8) if n else ()
            geom = QgsGeometry()
            geom.fromWkb(blob[8 + 8 * n :])
            if geom.isNull():
                out.append(f"fid {fid}: WKB after the header could not be parsed")
                continue
            if empty_flag != geom.isEmpty():
                out.append(f"fid {fid}: empty flag {empty_flag} but the WKB is {'' if geom.isEmpty() else 'not '}empty")
            if n and not geom.isEmpty():
                r = geom.boundingBox()
                want = (r.xMinimum(), r.xMaximum(), r.yMinimum(), r.yMaximum())
                tol = 1e-9 * max(1.0, *(abs(v) for v in want))
                if any(abs(a - b) > tol for a, b in zip(env[:4], want)):
                    out.append(
                        f"fid {fid}: header envelope {tuple(env[:4])} != WKB bounds (minx, maxx, miny, maxy) {want}"
                    )
    finally:
        con.close()
    return out


# --------------------------------------------------------------------------
# message capture


@contextlib.contextmanager
def _stderr_fd_capture():
    """Collect what is written to fd 2 (GDAL's default handler writes there)."""
    box: dict[str, str] = {"text": ""}
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable fd 2
        yield box
        return
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield box
        finally:
            try:
                sys.stderr.flush()
            except ValueError:
                pass
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            box["text"] = tmp.read().decode("utf-8", "replace")
    # pass it on, so nothing is hidden from the person reading the output
    if box["text"]:
        try:
            os.write(2, box["text"].encode())
        except OSError:
            pass


@contextlib.contextmanager
def capture_qgis_messages(messages: list[Message] | None = None):
    """Collect QGIS message-log entries and GDAL CPL errors/warnings.

    Yields the list the messages are appended to.
    """
    from qgis.core import QgsApplication

    msgs: list[Message] = [] if messages is None else messages

    def on_log(message, tag, level):
        msgs.append(Message("qgis-log", _QGIS_LEVEL.get(int(level), str(int(level))), tag, message))

    def on_cpl(err_class, err_no, text):
        if err_class >= _CE_WARNING:
            msgs.append(Message("gdal", _CPL_CLASS.get(err_class, str(err_class)), f"CPLE_{err_no}", text))

    log = QgsApplication.messageLog()
    log.messageReceived.connect(on_log)
    gdal = None
    try:
        from osgeo import gdal  # Debian's python3-gdal: same libgdal as QGIS
    except ImportError:  # pragma: no cover - python3-gdal is a python3-qgis dependency
        gdal = None
    if gdal is not None:
        gdal.PushErrorHandler(on_cpl)
    try:
        with _stderr_fd_capture() as err:
            yield msgs
            QgsApplication.processEvents()
    finally:
        if gdal is not None:
            gdal.PopErrorHandler()
        QgsApplication.processEvents()
        try:
            log.messageReceived.disconnect(on_log)
        except TypeError:
            pass
    seen = {m.text for m in msgs}
    for m in _STDERR_GDAL.finditer(err["text"]):
        line = m.group(0)
        kind, _, text = line.partition(": ")
        if text not in seen:
            msgs.append(Message("stderr", "Warning" if kind.startswith("Warning") else "Failure", kind, text))


# --------------------------------------------------------------------------
# the check


def _rect(box: list[float], grow: bool = True):
    from qgis.core import QgsRectangle

    d = 1e-7 * max(1.0, *(abs(v) for v in box)) if grow else 0.0
    return QgsRectangle(box[0] - d, box[1] - d, box[2] + d, box[3] + d)


def _check_spatial(layer, lr: LayerReport, boxes: list[tuple[int, list[float]]], max_own: int) -> None:
    """Extent and spatial-filter reads: what a map canvas and 'zoom to layer' rely on."""
    from qgis.core import QgsFeatureRequest

    ext = layer.extent()
    if not ext.isNull():
        lr.extent = [ext.xMinimum(), ext.yMinimum(), ext.xMaximum(), ext.yMaximum()]
    bb = [
        min(b[0] for _, b in boxes),
        min(b[1] for _, b in boxes),
        max(b[2] for _, b in boxes),
        max(b[3] for _, b in boxes),
    ]
    lr.data_bbox = bb
    req = QgsFeatureRequest().setFilterRect(_rect(bb)).setNoAttributes()
    lr.bbox_filter_hits = sum(1 for _ in layer.getFeatures(req))
    step = max(1, len(boxes) // max_own) if max_own > 0 else len(boxes) + 1
    for fid, b in boxes[::step][:max_own]:
        req = QgsFeatureRequest().setFilterRect(_rect(b)).setNoAttributes()
        if fid not in {f.id() for f in layer.getFeatures(req)}:
            lr.fids_missed_by_own_bbox.append(fid)


def check_gpkg_in_qgis(path: str | os.PathLike, max_own_bbox_checks: int = 200) -> GpkgReport:
    """Open every features/attributes layer of ``path`` in QGIS; needs a running QgsApplication.

    ``max_own_bbox_checks``: how many features (spread over the layer) are
    looked up with a spatial filter on their own bounding box.
    """
    from qgis.core import QgsFeatureRequest, QgsProviderRegistry, QgsVectorLayer

    path = str(Path(path).resolve())
    truth = sqlite_layers(path)
    rep = GpkgReport(path=path, sqlite_layers=[t["name"] for t in truth])
    with capture_qgis_messages(rep.messages):
        reg = QgsProviderRegistry.instance()
        if hasattr(reg, "querySublayers"):  # QGIS >= 3.22
            rep.qgis_sublayers = [s.name() for s in reg.querySublayers(path)]
        for t in truth:
            lr = LayerReport(name=t["name"], data_type=t["data_type"], sqlite_count=t["count"], sqlite_geoms=t["geoms"])
            rep.layers.append(lr)
            layer = QgsVectorLayer(f"{path}|layername={t['name']}", t["name"], "ogr")
            try:
                lr.valid = layer.isValid()
                dp = layer.dataProvider()
                if dp is not None and not dp.error().isEmpty():
                    lr.provider_error = dp.error().message()
                if not lr.valid:
                    continue
                lr.qgis_count = int(layer.featureCount())
                lr.authid = layer.crs().authid() if layer.crs().isValid() else ""
                boxes: list[tuple[int, list[float]]] = []
                for feat in layer.getFeatures(QgsFeatureRequest()):
                    lr.iterated += 1
                    geom = feat.geometry()
                    if feat.hasGeometry() and not geom.isNull():
                        # touch the geometry so QGIS really parses the blob
                        geom.asWkb()
                        lr.qgis_geoms += 1
                        if not geom.isEmpty():
                            r = geom.boundingBox()
                            boxes.append((feat.id(), [r.xMinimum(), r.yMinimum(), r.xMaximum(), r.yMaximum()]))
                lr.nonempty_geoms = len(boxes)
                if lr.data_type == "features" and boxes:
                    _check_spatial(layer, lr, boxes, max_own_bbox_checks)
                if lr.data_type == "features":
                    lr.blob_problems = blob_header_problems(path, t["name"])
            finally:
                # QGIS 3.22 segfaults at exitQgis() if layers outlive it
                del layer
                gc.collect()
    return rep


def assert_opens_cleanly_in_qgis(path: str | os.PathLike, max_own_bbox_checks: int = 200) -> GpkgReport:
    """Assert every layer of the GeoPackage opens in QGIS without any warning.

    Checks per layer (every features/attributes table in gpkg_contents, and
    QGIS's sublayer list must match them): valid, featureCount == sqlite
    count, all features iterate, CRS recognised (authid non-empty, features
    tables), every non-NULL geometry read; the layer extent contains the data
    (gpkg_contents extent not stale); spatial filters find the features (R-tree
    filled by its triggers); the geometry blob headers match their WKB; and no
    Warning/Critical in QGIS's message log nor any GDAL warning/error while
    opening and reading.  Needs a running QgsApplication (the ``qgis_app``
    fixture).  Returns the report; raises AssertionError listing every problem.
    """
    rep = check_gpkg_in_qgis(path, max_own_bbox_checks)
    problems = rep.problems()
    if problems:
        raise AssertionError(f"{path} does not open cleanly in QGIS:\n  - " + "\n  - ".join(problems))
    return rep


def gpkg_spec_problems(path: str | os.PathLike) -> list[str]:
    """Problems found by GDAL's own GeoPackage validator (osgeo_utils validate_gpkg).

    Stricter than QGIS: it checks the OGC requirements (triggers, extensions,
    srs rows, geometry blobs, ...).  Needs Debian's python3-gdal.
    """
    from osgeo_utils.samples import validate_gpkg

    try:
        errors = validate_gpkg.check(
            str(path), abort_at_first_error=False, extra_checks=True, warning_msg=False, warning_as_error=True
        )
    except Exception as exc:  # the validator itself trips on some broken files
        return [f"validate_gpkg crashed: {type(exc).__name__}: {exc}"]
    return [
        f"Req {req}: {msg}" if req else str(msg)
        for req, msg in errors
        # GDAL 3.6's validator reads the empty flag from bit 3 instead of bit 4 of
        # the blob header flags, so it flags every correct empty geometry
        # (GDAL itself writes 0x11 for an empty one): ignore that false positive.
        if not (req == 152 and "Inconsistent empty_flag" in str(msg))
    ]


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    spec = "--spec" in argv
    files = [a for a in argv if a != "--spec"]
    if not files:
        print(__doc__)
        return 2
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    bad = 0
    try:
        for f in files:
            rep = check_gpkg_in_qgis(f)
            d = rep.as_dict()
            if spec:
                d["spec_problems"] = gpkg_spec_problems(f)
            print(json.dumps(d, indent=2, default=str))
            bad += bool(d["problems"] or d.get("spec_problems"))
    finally:
        gc.collect()
        app.exitQgis()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
