"""Web maps (Folium / Leaflet): networks, incident density, hot spots, proposals and a draw tool.

:func:`web_map` returns a :class:`folium.Map`; :func:`save_map` writes it as
one HTML file that anyone can open by double-clicking it.

What the map holds
------------------
Base maps
    OpenStreetMap and a light grey map (CARTO Positron); offline maps start
    on "No base map" (a closed network cannot reach a tile server) and still
    offer the two for when a network is there.
Networks
    Active networks (shown) and retired ones (a second layer, hidden at
    start), coloured by kind, retired ones dashed. The popup lists name, id,
    kind, status, founding and end dates, and the number of incidents,
    addresses and members inside. The members count is a **count only**:
    active members who joined the network or live inside it, each person
    once; no member name, contact or location reaches the HTML.
Incident density
    bingeo's own :func:`bingeo.kernel_density` (quartic kernel, radius in
    **metres**) on the incidents' projected CRS, warped to Web Mercator and
    embedded as one PNG image: the radius is a distance on the ground at
    every zoom level, not a number of screen pixels (as with Leaflet.heat),
    and 100,000 incidents cost one image, not 100,000 points.
Incidents
    Clustered points (Leaflet.markercluster) from zoom :data:`POINTS_MIN_ZOOM`
    on: only the incidents in and around the view are turned into markers,
    from a compact delta-encoded array of coordinates rounded to 1e-5
    degrees (about 1 m). Popups show only the fields named in ``fields``.
Hot spots
    Gi* hot spots (:func:`bingeo.find_hotspots`), uncovered ones in red with
    their rank as a label.
Proposals
    Proposed new areas (:func:`bingeo.propose_areas`).
Draw tool
    Leaflet.draw: a polygon, rectangle or circle, and an "Export area" button
    that downloads ``alert-area.geojson`` for ``bingeo recipients --area``.
    A circle is exported as a GeoJSON Point feature with
    ``properties.radius`` in metres (and ``properties.shape = "circle"``),
    which :func:`bingeo.area_from_file` reads as a disc in the members' CRS.

Size
----
Geometry is simplified to :data:`SIMPLIFY_M` (1 m, below a screen pixel
up to zoom 17) and every coordinate is rounded to 1e-5 degrees; styles
are shared per kind and status; attribute values of incidents are stored
once per distinct value.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bingeo._png import png_bytes
from bingeo.errors import InputError

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    import pyproj

    from bingeo._pip import PolygonLocator
    from bingeo.aoristic import Windows

__all__ = [
    "ALL_INCIDENTS",
    "DENSITY_RADIUS",
    "EMERGING_COLOURS",
    "KIND_COLOURS",
    "POINTS_MIN_ZOOM",
    "SIMPLIFY_M",
    "save_map",
    "web_map",
]

log = logging.getLogger(__name__)

#: Default radius (metres) of the incident density layer.
DENSITY_RADIUS = 250.0
#: Zoom level from which incidents are drawn as (clustered) points.
POINTS_MIN_ZOOM = 15
#: At most this many incidents become markers at once; beyond it the map asks to zoom in.
MAX_POINTS = 20_000
#: Simplification tolerance of polygons, metres.
SIMPLIFY_M = 1.0
#: Largest side of the density raster, cells.
MAX_DENSITY_SIDE = 1200
#: Colour of each network kind.
KIND_COLOURS = {"bin": "#1f78b4", "zbin": "#33a02c", "whatsapp": "#ff7f00"}
_OTHER_KIND = "#6a3d9a"
_DENSITY_STOPS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
_DECIMALS = 5
_SCALE = 10**_DECIMALS

_OSM = (
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
_GREY = (
    "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
    '&copy; <a href="https://carto.com/attributions">CARTO</a>',
)

# ----------------------------------------------------------------------------------------------- JavaScript


def _static(name: str) -> str:
    """Return a file of ``bingeo/static/`` (package data: the map's own JavaScript and CSS)."""
    from importlib.resources import files

    return files("bingeo").joinpath("static", name).read_text(encoding="utf-8")


#: The map's own JavaScript (helpers for layers, popups, the draw tool) and CSS, kept as files of their own.
_HELPERS_JS = _static("webmap.js")
_CSS = _static("webmap.css")
#: Shows a message in the page when the map libraries did not load (online map, blocked CDN).
_LOAD_CHECK_JS = _static("loadcheck.js")


def _json_for_html(obj: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>``, no HTML comment openers)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ----------------------------------------------------------------------------------------------- folium elements


def _elements() -> dict[str, type]:
    """Folium element classes, built on first use (folium is imported lazily)."""
    global _ELEMENTS
    if _ELEMENTS:
        return _ELEMENTS
    from branca.element import MacroElement
    from folium.map import Layer
    from folium.template import Template

    class Snippet(MacroElement):
        """Free HTML/CSS in the header, HTML in the body and JavaScript in the script."""

        _template = Template(
            "{% macro header(this, kwargs) %}{{ this.head }}{% endmacro %}"
            "{% macro html(this, kwargs) %}{{ this.body }}{% endmacro %}"
            "{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}"
        )

        def __init__(self, *, head: str = "", body: str = "", code: str = "") -> None:
            super().__init__()
            self._name = "BingeoSnippet"
            self.head, self.body, self.code = head, body, code

    class JsLayer(Layer):
        """A layer made by a JavaScript expression, switchable in the layer control."""

        _template = Template(
            "{% macro html(this, kwargs) %}{{ this.body }}{% endmacro %}"
            "{% macro script(this, kwargs) %}var {{ this.get_name() }} = {{ this.expression }};{% endmacro %}"
        )

        def __init__(
            self, expression: str, *, name: str, overlay: bool = True, show: bool = True, body: str = ""
        ) -> None:
            super().__init__(name=name, overlay=overlay, control=True, show=show)
            self._name = "BingeoLayer"
            self.expression, self.body = expression, body

    _ELEMENTS.update(Snippet=Snippet, JsLayer=JsLayer)
    return _ELEMENTS


_ELEMENTS: dict[str, type] = {}


def _data_block(element_id: str, obj: Any) -> str:
    return f'<script type="application/json" id="{element_id}">{_json_for_html(obj)}</script>'


# ----------------------------------------------------------------------------------------------- inputs


def _is_store(obj: Any) -> bool:
    return hasattr(obj, "networks") and callable(obj.networks) and hasattr(obj, "crs")


def _check_frame(frame: Any, name: str) -> None:
    import geopandas as gpd

    if frame is not None and not isinstance(frame, gpd.GeoDataFrame):
        msg = f"`{name}` should be a GeoDataFrame, got {type(frame).__name__}."
        raise TypeError(msg)


def _to(frame: gpd.GeoDataFrame, crs: pyproj.CRS | None, name: str) -> gpd.GeoDataFrame:
    from bingeo._crs import same_crs

    if frame.crs is None:
        msg = f"`{name}` has no CRS. Cannot transform naive geometries. Please set a crs on the object first."
        raise InputError(msg)
    if crs is not None and not same_crs(frame.crs, crs):
        log.info("%s reprojected to the networks' CRS for the map", name)
        return frame.to_crs(crs)
    return frame


def _valid_geoms(frame: gpd.GeoDataFrame) -> np.ndarray:
    import shapely

    geoms = frame.geometry.to_numpy()
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def _person_counts(
    members: gpd.GeoDataFrame | None, nets: gpd.GeoDataFrame, locator: PolygonLocator | None = None
) -> np.ndarray:
    """Active members per network (membership or location), each person once; counts only."""
    import pandas as pd
    import shapely

    n = len(nets)
    if members is None or len(members) == 0 or n == 0:
        return np.zeros(n, dtype=np.int64)
    if "status" in members:
        active = members["status"].astype(str).eq("active").to_numpy()
    else:
        active = np.ones(len(members), dtype=bool)
    person = (
        (
            members["person_id"].where(members["person_id"].notna(), members["member_id"])
            if "person_id" in members
            else members["member_id"]
        )
        .astype(str)
        .to_numpy()
    )
    # (network position, member row) pairs: by membership ...
    net_pos: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    if "networks" in members:
        joined = pd.Series(members["networks"].to_numpy()[active], index=np.flatnonzero(active)).dropna()
        tokens = joined.astype(str).str.split(";").explode().str.strip()
        pos = dict(zip(nets["network_id"].astype(str), range(n)))  # a repeated id: its last network, as before
        k = tokens.map(pos).dropna()
        net_pos.append(k.to_numpy(dtype=np.int64))
        rows.append(k.index.to_numpy(dtype=np.int64))
    # ... and by location
    idx = np.flatnonzero(active & _valid_geoms(members))
    if len(idx):
        geoms = members.geometry.to_numpy()[idx]
        loc = locator if locator is not None else _locator(nets, len(idx))
        pi, gi = loc.locate(shapely.get_x(geoms), shapely.get_y(geoms))
        net_pos.append(gi.astype(np.int64))
        rows.append(idx[pi])
    if not rows:
        return np.zeros(n, dtype=np.int64)
    # each person once per network
    codes, uniques = pd.factorize(person)
    width = max(len(uniques), 1)
    key = np.concatenate(net_pos) * width + codes[np.concatenate(rows)]
    return np.bincount(pd.unique(key) // width, minlength=n).astype(np.int64)


def _locator(nets: gpd.GeoDataFrame, expected_points: int | None = None) -> PolygonLocator:
    """One point-in-polygon locator over the networks, for every count."""
    from bingeo._pip import PolygonLocator

    return PolygonLocator(nets.geometry.to_numpy(), expected_points=expected_points)


def _points_in(points: gpd.GeoDataFrame | None, locator: PolygonLocator | None, n: int) -> np.ndarray | None:
    """Points covered by each of the ``n`` networks (every covering network counts the point).

    ``points`` hold valid geometries only (filtered once in :func:`web_map`).
    """
    import shapely

    if points is None:
        return None
    counts = np.zeros(n, dtype=np.int64)
    if len(points) and n and locator is not None:
        geoms = points.geometry.to_numpy()
        _, gi = locator.locate(shapely.get_x(geoms), shapely.get_y(geoms))
        counts += np.bincount(gi, minlength=n)
    return counts


# ----------------------------------------------------------------------------------------------- geometry


def _simplified_wgs84(frame: gpd.GeoDataFrame, tolerance_m: float) -> np.ndarray:
    """Geometries simplified to ``tolerance_m`` metres, in WGS84, coordinates rounded to 1e-5 degrees."""
    import shapely

    geoms = frame.geometry.to_numpy()
    crs = frame.crs
    if tolerance_m > 0:
        tol = tolerance_m if crs.is_projected else tolerance_m / 111_320.0
        geoms = shapely.simplify(geoms, tol, preserve_topology=True)
    import geopandas as gpd

    wgs = gpd.GeoSeries(geoms, crs=crs).to_crs(4326).to_numpy()
    wgs = shapely.transform(wgs, lambda c: np.round(c, _DECIMALS))
    return shapely.remove_repeated_points(wgs)


def _feature_collection(geoms: np.ndarray, props: list[dict[str, Any]]) -> dict[str, Any]:
    import shapely

    texts = shapely.to_geojson(geoms)
    feats = []
    for g, t, p in zip(geoms, texts, props):
        if g is None or t is None or g.is_empty:
            continue
        feats.append({"type": "Feature", "geometry": json.loads(t), "properties": p})
    return {"type": "FeatureCollection", "features": feats}


def _bounds_wgs84(frames: list[gpd.GeoDataFrame]) -> list[list[float]] | None:
    import geopandas as gpd
    import pyproj

    boxes = []
    for f in frames:
        if f is None or len(f) == 0:
            continue
        ok = _valid_geoms(f)
        if not ok.any():
            continue
        b = gpd.GeoSeries(f.geometry[ok], crs=f.crs).total_bounds
        b = pyproj.Transformer.from_crs(f.crs, 4326, always_xy=True).transform_bounds(*b, densify_pts=21)
        if np.isfinite(b).all():
            boxes.append(b)
    if not boxes:
        return None
    arr = np.array(boxes)
    return [[float(arr[:, 1].min()), float(arr[:, 0].min())], [float(arr[:, 3].max()), float(arr[:, 2].max())]]


# ----------------------------------------------------------------------------------------------- values


def _plain(value: Any) -> Any:
    """Return a JSON-safe scalar for popups (None for missing)."""
    import datetime as dt

    import pandas as pd

    if value is None:
        return None
    if isinstance(value, (np.datetime64, dt.datetime)):
        value = pd.Timestamp(value)
    elif isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else round(float(value), 3)
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return int(value)
    if value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        if not (value.hour or value.minute or value.second):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M" + (":%S" if value.second else ""))
    text = str(value)
    return text if text else None


# ----------------------------------------------------------------------------------------------- layers


_EVALUATION_LABELS = ["Before → after (in network)", "WDQ", "Net effect", "Evaluation"]


def _evaluation_values(p: Mapping[str, Any] | None) -> list[Any]:
    """Popup values of one network's before/after evaluation (counts and measures only)."""
    if not p:
        return [None, None, None, "not evaluated"]
    if not p.get("evaluated", True):
        return [None, None, None, _plain(p.get("reason")) or "not evaluated"]
    undefined = "undefined"
    wdq, tne = p.get("wdq"), p.get("total_net_effect")
    return [
        f"{p.get('R_before')} → {p.get('R_after')} ({p.get('before')} / {p.get('after')})",
        undefined if wdq is None else wdq,
        undefined if tne is None else tne,
        _plain(p.get("interpretation")),
    ]


#: Column of each incident's row number while incidents are selected (dropped before anything is drawn).
_ROW = "__bingeo_row"


def _hour_profiles(
    incidents: gpd.GeoDataFrame,
    nets: gpd.GeoDataFrame,
    *,
    windows: Windows | None,
    date_field: str | None,
    begin_field: str | None,
    end_field: str | None,
    how: str,
    max_window: Any,
) -> tuple[np.ndarray | None, str]:
    """Hour-of-week weights (n_networks, 7, 24) of the incidents with times, or None (and why) without times."""
    from bingeo.aoristic import find_windows, network_profiles

    w = windows
    if w is None:
        try:
            w = find_windows(
                incidents, begin_field=begin_field, end_field=end_field, date_field=date_field, need="profiles need"
            )
        except InputError as exc:
            return None, str(exc)
    if w.whole_days:
        return None, f"{w.begin_field!r} holds dates without times"
    ok = w.ok
    if not ok.any():
        return None, "no incident has a usable time"
    try:
        prof = network_profiles(incidents[ok], nets, w.take(ok), how=how, max_window=max_window)
    except InputError as exc:
        return None, str(exc)
    left = int((~ok).sum())
    return prof.weights[: len(nets)], (
        f"from {w.begin_field!r} to {w.end_field!r}" if w.begin_field != w.end_field else f"at {w.begin_field!r}"
    ) + (f"; {left:,} incidents without a usable time left out" if left else "")


#: Popup labels of a network's activity (:func:`bingeo.activity.activity_popups`: counts only) and their keys.
_ACTIVITY_LABELS = [
    ("alerts", "Alerts (12 months)"),
    ("recipients", "Recipients (12 months)"),
    ("answers", "Answers (12 months)"),
    ("answer_rate", "Answer rate"),
    ("members_joined", "Members joined (12 months)"),
    ("members_left", "Members left (12 months)"),
]


def _network_layer_data(
    nets: gpd.GeoDataFrame,
    counts: dict[str, np.ndarray | None],
    simplify_m: float,
    evaluation: Mapping[str, Mapping[str, Any]] | None = None,
    profiles: np.ndarray | None = None,
    activity: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    labels = [
        "Network id",
        "Kind",
        "Status",
        "Founded",
        "Ended",
        "Incidents inside",
        "Addresses inside",
        "Members (count)",
    ] + (_EVALUATION_LABELS if evaluation is not None else [])
    labels += [label for _, label in _ACTIVITY_LABELS] if activity is not None else []
    geoms = _simplified_wgs84(nets, simplify_m)
    styles: dict[str, dict[str, Any]] = {}
    props = []
    col = {
        c: nets[c].to_numpy() if c in nets else np.full(len(nets), None)
        for c in ("network_id", "name", "kind", "status", "founded", "valid_from", "valid_to")
    }
    for i in range(len(nets)):
        kind = _plain(col["kind"][i]) or ""
        status = _plain(col["status"][i]) or "active"
        key = f"{kind}|{status}"
        if key not in styles:
            colour = KIND_COLOURS.get(kind, _OTHER_KIND)
            retired = status != "active"
            styles[key] = {
                "color": colour,
                "weight": 1.5 if retired else 2,
                "opacity": 0.7 if retired else 0.9,
                "fillColor": colour,
                "fillOpacity": 0.03 if retired else 0.12,
                "dashArray": "6 4" if retired else None,
            }
        founded = _plain(col["founded"][i]) or _plain(col["valid_from"][i])
        vals = [_plain(col["network_id"][i]), kind, status, founded, _plain(col["valid_to"][i])]
        for what in ("incidents", "addresses", "members"):
            arr = counts.get(what)
            vals.append(None if arr is None else int(arr[i]))
        if evaluation is not None:
            vals.extend(_evaluation_values(evaluation.get(str(_plain(col["network_id"][i])))))
        if activity is not None:
            act = activity.get(str(_plain(col["network_id"][i]))) or {}
            vals.extend(_plain(act.get(k, 0 if k != "answer_rate" else None)) for k, _ in _ACTIVITY_LABELS)
        prop = {"s": key, "t": _plain(col["name"][i]) or _plain(col["network_id"][i]), "v": vals}
        if profiles is not None and profiles[i].sum() > 0:  # 168 weights, Monday 00:00 first (no personal data)
            prop["h"] = [round(float(v), 3) for v in profiles[i].ravel()]
        props.append(prop)
    return {"labels": labels, "styles": styles, "geojson": _feature_collection(geoms, props)}


_HOTSPOT_COLUMNS = [
    ("rank", "Rank"),
    ("hotspot_id", "Hot spot"),
    ("incidents", "Incidents"),
    ("addresses", "Addresses"),
    ("area_m2", "Area (m²)"),
    ("max_z", "Largest Gi* z"),
    ("covered_share", "Share inside networks"),
    ("network_ids", "Networks"),
    ("uncovered", "Uncovered"),
]
_EMERGING_COLUMNS = [
    ("category", "Category"),
    ("count", "Incidents"),
    ("hot_steps", "Hot steps"),
    ("cold_steps", "Cold steps"),
    ("trend_z", "Trend of Gi* z (Mann-Kendall z)"),
    ("trend_p", "Trend p"),
    ("covered_share", "Share inside networks"),
    ("network_id", "Network"),
]
#: Fill colours of the emerging hot-spot categories, in ArcGIS's convention (hot in reds, cold in blues, the
#: categories of the final step strongest, historical palest); "No Pattern Detected" is not drawn.
EMERGING_COLOURS = {
    "New Hot Spot": "#b2182b",
    "Consecutive Hot Spot": "#d6604d",
    "Intensifying Hot Spot": "#e31a1c",
    "Persistent Hot Spot": "#fb6a4a",
    "Diminishing Hot Spot": "#fc9272",
    "Sporadic Hot Spot": "#fdae6b",
    "Oscillating Hot Spot": "#f768a1",
    "Historical Hot Spot": "#fcbba1",
    "New Cold Spot": "#2166ac",
    "Consecutive Cold Spot": "#4393c3",
    "Intensifying Cold Spot": "#08519c",
    "Persistent Cold Spot": "#6baed6",
    "Diminishing Cold Spot": "#9ecae1",
    "Sporadic Cold Spot": "#a6bddb",
    "Oscillating Cold Spot": "#8c96c6",
    "Historical Cold Spot": "#c6dbef",
}
_PROPOSAL_COLUMNS = [
    ("proposal_id", "Proposal"),
    ("hotspot_id", "For hot spot"),
    ("households", "Households"),
    ("addresses", "Addresses"),
    ("incidents", "Incidents"),
    ("streets", "Streets"),
    ("area_m2", "Area (m²)"),
]


def _table_layer_data(
    frame: gpd.GeoDataFrame,
    columns: list[tuple[str, str]],
    style_of: Any,
    title_of: Any,
    label_of: Any,
    simplify_m: float,
) -> dict[str, Any]:
    cols = [(c, label) for c, label in columns if c in frame.columns]
    geoms = _simplified_wgs84(frame, simplify_m)
    styles: dict[str, dict[str, Any]] = {}
    props = []
    for i, row in enumerate(frame.itertuples(index=False)):
        rec = row._asdict()
        key, style = style_of(rec)
        styles.setdefault(key, style)
        vals = [_plain(rec[c]) for c, _ in cols]
        if "covered_share" in rec and "covered_share" in dict(cols):
            k = [c for c, _ in cols].index("covered_share")
            vals[k] = None if vals[k] is None else f"{float(rec['covered_share']):.0%}"
        p: dict[str, Any] = {"s": key, "t": title_of(rec, i), "v": vals}
        label = label_of(rec)
        if label:
            p["label"] = label
        props.append(p)
    return {"labels": [label for _, label in cols], "styles": styles, "geojson": _feature_collection(geoms, props)}


def _hotspot_style(rec: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    if bool(rec.get("uncovered", False)):
        return "uncovered", {"color": "#e31a1c", "weight": 3, "opacity": 1, "fillColor": "#e31a1c", "fillOpacity": 0.35}
    return "covered", {"color": "#fd8d3c", "weight": 1.5, "opacity": 0.9, "fillColor": "#fd8d3c", "fillOpacity": 0.2}


def _emerging_style(rec: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    cat = str(rec.get("category", ""))
    colour = EMERGING_COLOURS.get(cat, "#888888")
    strong = cat in ("New Hot Spot", "Intensifying Hot Spot") and bool(rec.get("uncovered", False))
    return cat + (" (no network)" if strong else ""), {
        "color": "#000000" if strong else colour,
        "weight": 2 if strong else 0.5,
        "opacity": 1,
        "fillColor": colour,
        "fillOpacity": 0.6,
    }


def _proposal_style(rec: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    return "proposal", {
        "color": "#6a3d9a",
        "weight": 2.5,
        "opacity": 1,
        "dashArray": "8 5",
        "fillColor": "#cab2d6",
        "fillOpacity": 0.3,
    }


def _points_data(incidents: gpd.GeoDataFrame, fields: Sequence[str]) -> dict[str, Any]:
    """Incidents as delta-encoded integer coordinates (1e-5 degrees) and coded field values."""
    import pandas as pd
    import shapely

    pts = incidents  # valid geometries only (filtered once in web_map)
    wgs = pts.geometry.to_crs(4326).to_numpy() if len(pts) else np.array([], dtype=object)
    lon = np.round(shapely.get_x(wgs) * _SCALE).astype(np.int64) if len(pts) else np.zeros(0, np.int64)
    lat = np.round(shapely.get_y(wgs) * _SCALE).astype(np.int64) if len(pts) else np.zeros(0, np.int64)
    order = np.lexsort((lon, lat))
    lat, lon = lat[order], lon[order]
    lat0 = int(lat[0]) if len(lat) else 0
    lon0 = int(lon[0]) if len(lon) else 0
    dlat = np.diff(lat, prepend=lat0)
    dlon = np.diff(lon, prepend=lon0)
    codes: list[list[int]] = []
    values: list[list[Any]] = []
    for f in fields:
        c, uniques = pd.factorize(pts[f].iloc[order], use_na_sentinel=True)
        plain = [_plain(u) for u in np.asarray(uniques, dtype=object)]
        codes.append([-1 if k < 0 or plain[k] is None else int(k) for k in c.tolist()])
        values.append(plain)
    return {
        "n": int(len(lat)),
        "scale": _SCALE,
        "lat0": lat0,
        "lon0": lon0,
        "dlat": dlat.tolist(),
        "dlon": dlon.tolist(),
        "fields": list(fields),
        "codes": codes,
        "values": values,
    }


def _colourise(values: np.ndarray, top: float) -> np.ndarray:
    stops = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in _DENSITY_STOPS], dtype=float)
    t = np.clip(values / top, 0.0, 1.0) if top > 0 else np.zeros_like(values)
    pos = t * (len(stops) - 1)
    lo = np.floor(pos).astype(int).clip(0, len(stops) - 2)
    frac = (pos - lo)[..., None]
    rgb = stops[lo] * (1 - frac) + stops[lo + 1] * frac
    alpha = np.where(values > 0, 40 + 180 * np.sqrt(t), 0)
    out = np.empty(values.shape + (4,), np.uint8)
    out[..., :3] = np.round(rgb).astype(np.uint8)
    out[..., 3] = np.round(alpha).astype(np.uint8)
    return out


def _density_data(incidents: gpd.GeoDataFrame, radius: float, cell_size: float | None) -> dict[str, Any] | None:
    """Kernel density in metres, warped to Web Mercator, as a PNG data URL with its WGS84 bounds."""
    import base64

    import pyproj
    from rasterio.crs import CRS as RioCRS
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    from bingeo.density import kernel_density

    pts = incidents  # valid geometries only (filtered once in web_map)
    if len(pts) == 0:
        return None
    if not pts.crs.is_projected:
        from bingeo._crs import to_metric

        pts, note = to_metric(pts, what="the incidents")
        log.info("density: %s", note)
    x0, y0, x1, y1 = pts.total_bounds
    side = max(x1 - x0, y1 - y0) + 2 * radius
    cell = float(cell_size) if cell_size else max(radius / 5.0, side / MAX_DENSITY_SIDE)
    cell = max(cell, radius / 50.0, side / 4000.0)
    kde = kernel_density(pts, cell_size=cell, radius=radius, kernel="quartic", output="raw")
    src_crs = RioCRS.from_wkt(kde.crs.to_wkt())
    dst_crs = RioCRS.from_epsg(3857)
    rows, cols = kde.shape
    left, bottom, right, top = kde.bounds
    transform, width, height = calculate_default_transform(src_crs, dst_crs, cols, rows, left, bottom, right, top)
    out = np.zeros((height, width), dtype="float64")
    # kde.values is 0 where no kernel reaches (DensityRaster): no mask needed
    reproject(
        kde.values,
        out,
        src_transform=kde.transform,
        src_crs=src_crs,
        dst_transform=transform,
        dst_crs=dst_crs,
        resampling=Resampling.bilinear,
        src_nodata=None,
        dst_nodata=0.0,
    )
    positive = out[out > 0]
    peak = float(np.quantile(positive, 0.995)) if positive.size else 0.0
    png = png_bytes(_colourise(out, peak))
    xmin, ymax = transform.c, transform.f
    xmax, ymin = xmin + width * transform.a, ymax + height * transform.e
    tr = pyproj.Transformer.from_crs(3857, 4326, always_xy=True)
    (w_, e_), (s_, n_) = tr.transform([xmin, xmax], [ymin, ymax])
    return {
        "url": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        "bounds": [[round(s_, 7), round(w_, 7)], [round(n_, 7), round(e_, 7)]],
        "radius": radius,
        "cell_size": cell,
        "peak": peak,
    }


# ----------------------------------------------------------------------------------------------- the map


#: What the legend says the map shows when no type or period was given.
ALL_INCIDENTS = "all incidents"
_PERIOD_NOTE = re.compile(r"Date filter (.+?): [\d,]+ of ")


def _incidents_label(types: Sequence[str] | None, notes: Sequence[str], start: Any, end: Any) -> str:
    """Say which incidents the map shows: their types and period, as the selection's notes state them."""
    parts = [("type " if len(types) == 1 else "types ") + ", ".join(map(str, types))] if types else []
    found = [m.group(1) for m in (_PERIOD_NOTE.match(n) for n in notes) if m]
    period = found[0] if found else None
    if period is None and (start is not None or end is not None):
        period = f"{start if start is not None else '…'} to {end if end is not None else '…'}"
    if period:
        parts.append(period)
    return "; ".join(parts) if parts else ALL_INCIDENTS


def _layer_note(shows: str) -> str:
    """Return the selection for a layer name: only when some incidents were left out."""
    return f"; {html.escape(shows)}" if shows and shows != ALL_INCIDENTS else ""


def _legend_html(
    kinds: list[str], has: dict[str, bool], radius: float | None, shows: str = "", emerging: Sequence[str] = ()
) -> str:
    def sw(style: str) -> str:
        return f'<span class="sw" style="{style}"></span>'

    parts = ["<b>Legend</b><br>"]
    for k in kinds:
        c = KIND_COLOURS.get(k, _OTHER_KIND)
        parts.append(f"{sw(f'background:{c}33;border:2px solid {c}')}{html.escape(k)} network<br>")
    if has.get("retired"):
        parts.append(f"{sw('border:2px dashed #888')}retired network<br>")
    if has.get("density") and radius:
        ramp = "linear-gradient(to right," + ",".join(_DENSITY_STOPS) + ")"
        parts.append(f'<span class="ramp" style="background:{ramp}"></span> incident density (radius {radius:g} m)<br>')
    if has.get("points"):
        parts.append(f"{sw('background:#b10026;border-radius:50%')}incidents (from zoom {POINTS_MIN_ZOOM})<br>")
    if shows and (has.get("density") or has.get("points")):
        parts.append(f"<i>Incidents: {html.escape(shows)}</i><br>")
    if has.get("hotspots"):
        parts.append(f"{sw('background:#e31a1c88;border:3px solid #e31a1c')}uncovered hot spot (rank)<br>")
        parts.append(f"{sw('background:#fd8d3c44;border:2px solid #fd8d3c')}hot spot inside networks<br>")
    for cat in emerging:
        c = EMERGING_COLOURS[cat]
        parts.append(f"{sw(f'background:{c}99;border:1px solid {c}')}{html.escape(cat)}<br>")
    if emerging:
        parts.append(f"{sw('border:2px solid #000')}new/intensifying, no network<br>")
    if has.get("proposals"):
        parts.append(f"{sw('background:#cab2d688;border:2px dashed #6a3d9a')}proposed new area<br>")
    parts.append("Draw a polygon or circle, then <i>Export area</i>.")
    return "".join(parts)


def web_map(
    store_or_networks: Any = None,
    *,
    incidents: gpd.GeoDataFrame | None = None,
    hotspots: Any = None,
    emerging: Any = None,
    addresses: gpd.GeoDataFrame | None = None,
    proposals: gpd.GeoDataFrame | None = None,
    fields: Sequence[str] = (),
    title: str | None = None,
    offline: bool = False,
    at: Any = None,
    member_counts: Mapping[str, int] | None = None,
    evaluation: Mapping[str, Mapping[str, Any]] | None = None,
    density_radius: float = DENSITY_RADIUS,
    density_cell_size: float | None = None,
    simplify_m: float = SIMPLIFY_M,
    draw: bool = True,
    type_field: str | None = None,
    types: str | Sequence[str] | None = None,
    date_field: str | None = None,
    start: Any = None,
    end: Any = None,
    how: str = "aoristic",
    max_window: Any = None,
    begin_field: str | None = None,
    end_field: str | None = None,
    windows: Windows | None = None,
    activity: Mapping[str, Mapping[str, Any]] | None = None,
) -> folium.Map:
    """Build the web map of networks, incidents, hot spots and proposals, with a draw tool.

    Parameters
    ----------
    store_or_networks : Store, path, GeoDataFrame or None
        A store (or the path of one): its networks (today's active and the
        retired ones, or those of ``at``) and its members, counted per
        network. Or a GeoDataFrame of networks (``network_id``, ``name``,
        ``kind``, ``status``, ...). None: a map without networks.
    incidents : GeoDataFrame, optional
        Incident points: the density layer, the clustered points and the
        counts per network.
    hotspots : HotspotResult or GeoDataFrame, optional
        :func:`bingeo.find_hotspots` result, or its ``hotspots`` layer.
    emerging : EmergingResult or GeoDataFrame, optional
        :func:`bingeo.find_emerging` result, or its ``locations`` layer: the cells with a category, coloured
        by it (:data:`EMERGING_COLOURS`, with a legend); new and intensifying hot spots outside the networks
        outlined in black.
    addresses : GeoDataFrame, optional
        Address points, counted per network (not drawn).
    proposals : GeoDataFrame, optional
        :func:`bingeo.propose_areas` result.
    fields : sequence of str
        Incident columns shown in the incident popups; no other incident
        column reaches the map.
    title : str, optional
        Title shown on the map and as the page title.
    offline : bool, default False
        Start on "No base map" (nothing is fetched from a tile server until
        the user picks OpenStreetMap or the grey map). Use
        :func:`save_map` with ``offline=True`` to inline the JavaScript/CSS.
    at : date or ISO string, optional
        Draw the networks as they were on that date.
    member_counts : mapping, optional
        Members per ``network_id`` when ``store_or_networks`` is a
        GeoDataFrame (a store counts its own).
    evaluation : mapping, optional
        Before/after evaluation per ``network_id``, shown in the network
        popups: :meth:`bingeo.evaluate.NetworkEvaluations.popups` (counts and
        measures only).
    density_radius : float, default 250
        Kernel radius in metres (on the ground, at every zoom level).
    density_cell_size : float, optional
        Density cell size in metres (default: radius / 5, at most
        :data:`MAX_DENSITY_SIDE` cells across).
    simplify_m : float, default 1
        Polygon simplification tolerance, metres (0: none).
    draw : bool, default True
        Add the draw tool with its "Export area" button.
    type_field, types, date_field, start, end : optional
        Which incidents the map shows (density, points and the counts per network), selected exactly as
        :func:`bingeo.find_hotspots` selects them (:func:`bingeo.hotspots.select_incidents`): give the
        options of the hot spots on the map. The title and the legend say which types and period are shown.
    how, max_window, begin_field, end_field : optional
        When the incidents have times (a begin/end window, found by name or given as ``begin_field`` and
        ``end_field``, or a date column with times of day), each network's popup shows its hour-of-week profile
        as a small 7 x 24 heat table (:func:`bingeo.aoristic.network_profiles`, ``how`` and ``max_window``
        as there; weights only, no incident data). Without times (no dates, or dates without a time of day)
        there is no profile.
    windows : Windows, optional
        The incidents' windows, row for row as given (:func:`bingeo.aoristic.read_windows`: rows with an
        impossible date are left out of the profiles); default: found from the columns.
    activity : mapping, optional
        Alerts, recipients, answers, answer rate and members joined and left per ``network_id`` over the last
        12 months, shown in the network popups (counts only); a store gives its own
        (:func:`bingeo.activity.activity_popups`).

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`.

    Raises
    ------
    InputError
        Unknown ``fields``; an input without CRS; a radius <= 0.
    TypeError
        An input of the wrong type.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> nets = gpd.GeoDataFrame({"network_id": ["A"], "name": ["Oost"], "kind": ["bin"], "status": ["active"]},
    ...                         geometry=[shapely.box(233000, 582000, 234000, 583000)], crs=28992)
    >>> m = web_map(nets, title="Demo", member_counts={"A": 12})
    >>> type(m).__name__
    'Map'
    >>> web_map(nets, fields=["x"])
    Traceback (most recent call last):
    ...
    bingeo.errors.InputError: `fields` names columns of `incidents`, but no incidents were given.
    """
    import folium
    import geopandas as gpd

    from bingeo import _webassets

    if isinstance(density_radius, bool) or not isinstance(density_radius, (int, float)) or not density_radius > 0:
        msg = f"`density_radius` must be a positive number of metres, got {density_radius!r}."
        raise InputError(msg)
    fields = [fields] if isinstance(fields, str) else list(fields)
    if fields and incidents is None:
        msg = "`fields` names columns of `incidents`, but no incidents were given."
        raise InputError(msg)

    # -- networks, and the members to count (counts only: member rows are dropped once counted)
    members: gpd.GeoDataFrame | None = None
    nets: gpd.GeoDataFrame | None
    if store_or_networks is None:
        nets = None
    elif isinstance(store_or_networks, gpd.GeoDataFrame):
        nets = store_or_networks
    elif _is_store(store_or_networks) or isinstance(store_or_networks, (str, os.PathLike)):
        from contextlib import nullcontext

        from bingeo.stores import open_store

        ctx = nullcontext(store_or_networks) if _is_store(store_or_networks) else open_store(store_or_networks)
        with ctx as st:
            nets = st.networks(at=at) if at is not None else st.networks(include_retired=True)
            if hasattr(st, "members") and member_counts is None:
                # counts only: contacts and names are not even read
                members = st.members(columns=["member_id", "person_id", "networks", "status"])
            from bingeo.stores.base import Store

            if activity is None and isinstance(st, Store):
                from bingeo.activity import activity_popups

                activity = activity_popups(st)  # counts only
    else:
        msg = (
            f"`store_or_networks` should be a store, a store path or a GeoDataFrame, "
            f"got {type(store_or_networks).__name__}."
        )
        raise TypeError(msg)
    if nets is not None:
        if "network_id" not in nets.columns:
            msg = f"the networks need a 'network_id' column; they have: {', '.join(map(str, nets.columns))}"
            raise InputError(msg)
        if nets.crs is None:
            msg = "the networks have no CRS. Cannot transform naive geometries. Please set a crs on the object first."
            raise InputError(msg)
        nets = nets[_valid_geoms(nets)].reset_index(drop=True)
        if at is not None and isinstance(store_or_networks, gpd.GeoDataFrame):
            from bingeo.assign import select_valid

            nets = select_valid(nets, at).reset_index(drop=True)
    crs = nets.crs if nets is not None else None

    _check_frame(incidents, "incidents")
    _check_frame(addresses, "addresses")
    _check_frame(proposals, "proposals")
    if hotspots is not None and not isinstance(hotspots, gpd.GeoDataFrame):
        if hasattr(hotspots, "hotspots"):
            hotspots = hotspots.hotspots
        else:
            msg = f"`hotspots` should be a HotspotResult or a GeoDataFrame, got {type(hotspots).__name__}."
            raise TypeError(msg)
    if emerging is not None and not isinstance(emerging, gpd.GeoDataFrame):
        if hasattr(emerging, "locations"):
            emerging = emerging.locations
        else:
            msg = f"`emerging` should be an EmergingResult or a GeoDataFrame, got {type(emerging).__name__}."
            raise TypeError(msg)
    if emerging is not None:
        if "category" not in emerging.columns:
            msg = "`emerging` needs a 'category' column: give the locations layer of `bingeo emerging`."
            raise InputError(msg)
        emerging = _to(emerging[emerging["category"].isin(list(EMERGING_COLOURS))], crs, "emerging")
    shows = ""
    if incidents is not None and windows is not None:  # carried through the selection below as a row number
        if len(windows.begin) != len(incidents):
            msg = f"`windows` has {len(windows.begin)} rows for {len(incidents)} incidents."
            raise ValueError(msg)
        incidents = incidents.assign(**{_ROW: np.arange(len(incidents))})
    if incidents is not None:
        filtered = bool(types) or start is not None or end is not None
        if filtered:
            from bingeo.hotspots import select_incidents

            incidents, filter_notes = select_incidents(
                incidents, type_field=type_field, types=types or None, date_field=date_field, start=start, end=end
            )
            for note in filter_notes:
                log.info("web map: %s", note)
        types_list = [types] if isinstance(types, str) else list(types or [])
        shows = _incidents_label(types_list, filter_notes if filtered else [], start, end)
        incidents = _to(incidents, crs, "incidents")
        incidents = incidents[_valid_geoms(incidents)]  # once: density, points and counts use valid ones only
        if windows is not None:
            windows = windows.take(incidents[_ROW].to_numpy())
            incidents = incidents.drop(columns=_ROW)
        unknown = [f for f in fields if f not in incidents.columns]
        if unknown:
            cols = [str(c) for c in incidents.columns if c != incidents.geometry.name]
            msg = f"`fields` {unknown} are not columns of the incidents; they have: {', '.join(cols)}."
            raise InputError(msg)
    if addresses is not None:
        addresses = _to(addresses, crs, "addresses")
        addresses = addresses[_valid_geoms(addresses)]
    if hotspots is not None:
        hotspots = _to(hotspots, crs, "hotspots")
    if proposals is not None:
        proposals = _to(proposals, crs, "proposals")

    # -- the folium map, with only bingeo's pinned Leaflet links (no jQuery/Bootstrap/awesome-markers CDNs)
    m = folium.Map(location=None, tiles=None, zoom_control=True, control_scale=False)
    m.options["maxZoom"] = 19  # the map's own limit (markercluster needs one even without a tile layer)
    js_links, css_links = _webassets.cdn_links()
    m.default_js = js_links
    m.default_css = css_links
    m._bingeo_offline = bool(offline)  # noqa: SLF001 (read by save_map)
    el = _elements()
    snippet, js_layer = el["Snippet"], el["JsLayer"]
    mapname = m.get_name()
    page_title = title or "bingeo map"
    m.get_root().header.add_child(
        folium.Element(
            f"<title>{html.escape(page_title)}</title><style>{_CSS}</style><script>{_LOAD_CHECK_JS}</script>"
        ),
        name="bingeo_head",
    )
    snippet(code=_HELPERS_JS).add_to(m)

    # base maps: an empty one (offline default), OpenStreetMap, light grey
    if offline:
        js_layer("L.layerGroup()", name="No base map (offline)", overlay=False, show=True).add_to(m)
    folium.TileLayer(
        _GREY[0],
        attr=_GREY[1],
        name="Light grey (CARTO)",
        max_zoom=20,
        overlay=False,
        show=not offline,
        subdomains="abcd",
    ).add_to(m)
    folium.TileLayer(_OSM[0], attr=_OSM[1], name="OpenStreetMap", max_zoom=19, overlay=False, show=False).add_to(m)

    has: dict[str, bool] = {}
    info: dict[str, Any] = {"density_radius_m": float(density_radius), "fields": list(fields)}
    if shows:
        info["incidents_shown"] = shows
    # density under everything else
    if incidents is not None:
        dens = _density_data(incidents, float(density_radius), density_cell_size)
        if dens is not None:
            has["density"] = True
            dens_js = (
                "(function (d) { return L.imageOverlay(d.url, d.bounds, "
                "{opacity: 1, interactive: false, className: 'bingeo-density'}); })(bingeo.data('bingeo-density'))"
            )
            js_layer(
                dens_js,
                name=f"Incident density (radius {density_radius:g} m{_layer_note(shows)})",
                body=_data_block("bingeo-density", dens),
            ).add_to(m)
    if nets is not None and len(nets):
        members_count: np.ndarray | None = None
        points = [f for f in (incidents, addresses, members) if f is not None]
        locator = _locator(nets, sum(len(f) for f in points)) if any(len(f) for f in points) else None
        if member_counts is not None:
            members_count = np.array([int(member_counts.get(str(i), 0)) for i in nets["network_id"]], dtype=np.int64)
        elif members is not None:
            members_count = _person_counts(members, nets, locator)
        del members, points
        profiles = None
        if incidents is not None and len(incidents):
            from bingeo.aoristic import MAX_WINDOW

            profiles, why = _hour_profiles(
                incidents,
                nets,
                windows=windows,
                date_field=date_field,
                begin_field=begin_field,
                end_field=end_field,
                how=how,
                max_window=MAX_WINDOW if max_window is None else max_window,
            )
            if profiles is not None:
                info["hour_profiles"] = f"{how}, {why}"
            else:
                log.info("web map: no hour-of-week profiles in the network popups (%s)", why)
        counts = {
            "incidents": _points_in(incidents, locator, len(nets)),
            "addresses": _points_in(addresses, locator, len(nets)),
            "members": members_count,
        }
        active = (nets["status"].astype(str) == "active").to_numpy() if "status" in nets else np.ones(len(nets), bool)
        for label, mask, show, key in (
            ("Networks (active)", active, True, "active"),
            ("Networks (retired)", ~active, False, "retired"),
        ):
            if not mask.any():
                continue
            sub = nets[mask].reset_index(drop=True)
            sub_counts = {k: (None if v is None else v[mask]) for k, v in counts.items()}
            data = _network_layer_data(
                sub, sub_counts, simplify_m, evaluation, None if profiles is None else profiles[mask], activity
            )
            has[key] = True
            info[f"networks_{key}"] = len(data["geojson"]["features"])
            js_layer(
                f"bingeo.polygons('bingeo-networks-{key}', 'bingeo-network bingeo-network-{key}')",
                name=label,
                show=show,
                body=_data_block(f"bingeo-networks-{key}", data),
            ).add_to(m)
    if proposals is not None and len(proposals):
        has["proposals"] = True
        info["proposals"] = len(proposals)
        data = _table_layer_data(
            proposals,
            _PROPOSAL_COLUMNS,
            _proposal_style,
            lambda r, i: f"Proposed area {r.get('proposal_id', i + 1)}",
            lambda r: None,
            simplify_m,
        )
        js_layer(
            "bingeo.polygons('bingeo-proposals', 'bingeo-proposal')",
            name="Proposed new areas",
            body=_data_block("bingeo-proposals", data),
        ).add_to(m)
    if hotspots is not None and len(hotspots):
        has["hotspots"] = True
        info["hotspots"] = len(hotspots)
        info["uncovered_hotspots"] = int(hotspots["uncovered"].astype(bool).sum()) if "uncovered" in hotspots else 0
        data = _table_layer_data(
            hotspots,
            _HOTSPOT_COLUMNS,
            _hotspot_style,
            lambda r, i: f"Hot spot {r.get('hotspot_id', i + 1)}" + (" (uncovered)" if r.get("uncovered") else ""),
            lambda r: f"#{int(r['rank'])}" if r.get("uncovered") and r.get("rank") is not None else None,
            simplify_m,
        )
        js_layer(
            "bingeo.polygons('bingeo-hotspots', 'bingeo-hotspot')",
            name="Hot spots (Gi*)",
            body=_data_block("bingeo-hotspots", data),
        ).add_to(m)
    present: list[str] = []
    if emerging is not None and len(emerging):
        present = [c for c in EMERGING_COLOURS if (emerging["category"] == c).any()]
        info["emerging"] = len(emerging)
        data = _table_layer_data(
            emerging,
            _EMERGING_COLUMNS,
            _emerging_style,
            lambda r, i: f"{r.get('category')} (cell {r.get('row')}, {r.get('col')})",
            lambda r: None,
            simplify_m,
        )
        js_layer(
            "bingeo.polygons('bingeo-emerging', 'bingeo-emerging')",
            name="Emerging hot spots (categories)",
            body=_data_block("bingeo-emerging", data),
        ).add_to(m)
    if incidents is not None and len(incidents):
        has["points"] = True
        data = _points_data(incidents, fields)
        info["incidents"] = data["n"]
        js_layer(
            f"bingeo.points('bingeo-incidents', {mapname}, {POINTS_MIN_ZOOM}, {MAX_POINTS})",
            name=f"Incidents (points from zoom {POINTS_MIN_ZOOM}{_layer_note(shows)})",
            body=_data_block("bingeo-incidents", data),
        ).add_to(m)

    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    kinds = sorted({str(k) for k in nets["kind"].dropna()}) if nets is not None and "kind" in nets else []
    legend = _legend_html(kinds, has, float(density_radius), shows, present)
    code = [
        f"L.control.scale({{imperial: false, maxWidth: 200}}).addTo({mapname});",
        "(function () { var lg = L.control({position: 'bottomright'});",
        "  lg.onAdd = function () { var d = L.DomUtil.create('div', 'bingeo-legend');"
        f"  d.innerHTML = {_json_for_html(legend)}; return d; }};",
        f"  lg.addTo({mapname}); }})();",
    ]
    if draw:
        code.append(f"bingeo.drawTool({mapname});")
    bounds = _bounds_wgs84([f for f in (nets, incidents, hotspots, emerging, proposals) if f is not None])
    if bounds is not None:
        code.append(f"{mapname}.fitBounds({json.dumps(bounds)});")
    else:
        code.append(f"{mapname}.setView([52.1, 5.3], 7);")
    code.append(f"bingeo.map = {mapname}; window.bingeoReady = performance.now();")
    heading = html.escape(page_title) if title else ""
    if shows and shows != ALL_INCIDENTS and ("density" in has or "points" in has):
        heading += ("<br>" if heading else "") + f'<span class="bingeo-shows">Incidents: {html.escape(shows)}</span>'
    snippet(body=f'<div class="bingeo-title">{heading}</div>' if heading else "", code="\n".join(code)).add_to(m)
    m._bingeo_info = info  # noqa: SLF001 (what the map holds, for summaries)
    log.info("web map: %s", info)
    return m


# ----------------------------------------------------------------------------------------------- saving

_EXTERNAL_RE = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)


def _no_close(script: str) -> str:
    return script.replace("</script", "<\\/script")


def save_map(m: folium.Map, path: str | os.PathLike[str], *, offline: bool | None = None) -> Path:
    """Write a map as one HTML file.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`web_map` (any folium map works online).
    path : str or os.PathLike
        The ``.html`` file; its folder must exist.
    offline : bool, optional
        Inline every JavaScript and CSS file (Leaflet, Leaflet.draw,
        Leaflet.markercluster, images as ``data:`` URIs) from the local cache
        filled by ``bingeo assets fetch``, so the map works without any
        network. Default: as the map was built (``web_map(offline=...)``).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    AssetsMissingError
        Offline, and the cache lacks a file: the message says to run
        ``bingeo assets fetch``.
    InputError
        The folder does not exist; or, offline, the page would still load a
        script or style sheet from the network (e.g. a folium plugin added
        to the map afterwards).
    """
    from bingeo import _webassets

    out = Path(path)
    if not out.parent.is_dir():
        msg = f"cannot write {str(out)!r}: folder {str(out.parent)!r} does not exist. Create it first."
        raise InputError(msg)
    if offline is None:
        offline = bool(getattr(m, "_bingeo_offline", False))
    from bingeo.readers.write import write_text

    if not offline:
        return write_text(out, m.get_root().render())
    js = _webassets.offline_js()
    css = _webassets.offline_css()
    saved = m.default_js, m.default_css
    cdn_js, cdn_css = _webassets.cdn_links()
    names = {n for n, _ in cdn_js} | {n for n, _ in cdn_css}
    m.default_js = [(n, u) for n, u in m.default_js if n not in names]
    m.default_css = [(n, u) for n, u in m.default_css if n not in names]
    header = m.get_root().header
    for n in names:  # links added to the page by an earlier (online) render
        header._children.pop(n, None)  # noqa: SLF001
    try:
        page = m.get_root().render()
    finally:
        m.default_js, m.default_css = saved
    inline = "".join(f"\n<style>/* {n} */\n{t}\n</style>" for n, t in css)
    inline += "".join(f"\n<script>/* {n} */\n{_no_close(t)}\n</script>" for n, t in js)
    head = re.search(r"<head[^>]*>", page, re.I)
    if head is None:
        msg = "the rendered page has no <head>: cannot inline the scripts."
        raise InputError(msg)
    page = page[: head.end()] + inline + page[head.end() :]
    bad = _EXTERNAL_RE.findall(page)
    if bad:
        msg = (
            f"an offline map would still load {len(bad)} file(s) from the network (first: {bad[0][:80]!r}); "
            "remove the element that adds it, or save the map online."
        )
        raise InputError(msg)
    return write_text(out, page)
