"""Charts as PNG without a plotting library: before/after per month, and the hour-of-week heat table.

A 3x5 pixel font draws the labels; :mod:`bingeo._png` encodes the image. ``bingeo evaluate --all`` writes one
chart per network with :func:`write_chart`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bingeo._png import png_bytes

if TYPE_CHECKING:
    from bingeo.evaluate import BeforeAfter

__all__ = ["write_chart", "write_hour_table", "write_gain_chart", "CHART_SIZE", "HOUR_CELL"]

# A 3x5 pixel font for chart labels (rows top to bottom, '#' = ink), so charts need no plotting library.
_GLYPHS = {
    "0": "###|#.#|#.#|#.#|###",
    "1": ".#.|##.|.#.|.#.|###",
    "2": "###|..#|###|#..|###",
    "3": "###|..#|.##|..#|###",
    "4": "#.#|#.#|###|..#|..#",
    "5": "###|#..|###|..#|###",
    "6": "###|#..|###|#.#|###",
    "7": "###|..#|..#|.#.|.#.",
    "8": "###|#.#|###|#.#|###",
    "9": "###|#.#|###|..#|###",
    "A": ".#.|#.#|###|#.#|#.#",
    "B": "##.|#.#|##.|#.#|##.",
    "C": "###|#..|#..|#..|###",
    "D": "##.|#.#|#.#|#.#|##.",
    "E": "###|#..|##.|#..|###",
    "F": "###|#..|##.|#..|#..",
    "G": "###|#..|#.#|#.#|###",
    "H": "#.#|#.#|###|#.#|#.#",
    "I": "###|.#.|.#.|.#.|###",
    "J": "..#|..#|..#|#.#|###",
    "K": "#.#|#.#|##.|#.#|#.#",
    "L": "#..|#..|#..|#..|###",
    "M": "#.#|###|###|#.#|#.#",
    "N": "##.|#.#|#.#|#.#|#.#",
    "O": "###|#.#|#.#|#.#|###",
    "P": "###|#.#|###|#..|#..",
    "Q": "###|#.#|#.#|###|..#",
    "R": "##.|#.#|##.|#.#|#.#",
    "S": "###|#..|###|..#|###",
    "T": "###|.#.|.#.|.#.|.#.",
    "U": "#.#|#.#|#.#|#.#|###",
    "V": "#.#|#.#|#.#|#.#|.#.",
    "W": "#.#|#.#|###|###|#.#",
    "X": "#.#|#.#|.#.|#.#|#.#",
    "Y": "#.#|#.#|.#.|.#.|.#.",
    "Z": "###|..#|.#.|#..|###",
    "-": "...|...|###|...|...",
    ".": "...|...|...|...|.#.",
    ":": "...|.#.|...|.#.|...",
    "/": "..#|..#|.#.|#..|#..",
    "(": ".#.|#..|#..|#..|.#.",
    ")": ".#.|..#|..#|..#|.#.",
    " ": "...|...|...|...|...",
    "=": "...|###|...|###|...",
}
_INK = (40, 40, 40)
_R_COLOUR = (31, 119, 180)
_B_COLOUR = (255, 127, 14)
_FOUNDED_COLOUR = (214, 39, 40)


def _text(img: np.ndarray, x: int, y: int, text: str, colour: tuple[int, int, int] = _INK, scale: int = 2) -> None:
    for ch in text.upper():
        glyph = _GLYPHS.get(ch, _GLYPHS[" "])
        for r, line in enumerate(glyph.split("|")):
            for c, px in enumerate(line):
                if px == "#":
                    y0, x0 = y + r * scale, x + c * scale
                    img[max(y0, 0) : y0 + scale, max(x0, 0) : x0 + scale] = colour
        x += 4 * scale


#: Chart geometry: size and margins in pixels.
CHART_SIZE = (480, 200)
_MARGIN = {"left": 44, "right": 10, "top": 26, "bottom": 24}


def _axes(peak: float) -> tuple[np.ndarray, tuple[int, int, int, int], Callable[[float], int]]:
    """Draw a blank chart of :data:`CHART_SIZE` with its axes; return the image, the plot box, value -> pixel row."""
    w, h = CHART_SIZE
    img = np.full((h, w, 3), 255, dtype=np.uint8)
    left, right, top, bottom = _MARGIN["left"], w - _MARGIN["right"], _MARGIN["top"], h - _MARGIN["bottom"]
    img[top : bottom + 1, left - 1] = _INK  # y axis
    img[bottom, left - 1 : right] = _INK  # x axis

    def ypix(v: float) -> int:
        return int(round(bottom - (bottom - top) * v / peak))

    return img, (left, right, top, bottom), ypix


def write_chart(result: BeforeAfter, path: str | Path, *, founded: dt.date | str | None = None) -> Path:
    """Write a small PNG chart: incidents per month in the network (bars) and buffer ring (dots).

    The start of the after period (the founding date with ``--around-founding``)
    is a red vertical line. Drawn with numpy only (no plotting library).

    Parameters
    ----------
    result : BeforeAfter
        An evaluation (its ``monthly`` table).
    path : str or Path
        The PNG file to write.
    founded : date, optional
        Date to mark; default: the start of the after period.

    Returns
    -------
    Path
        ``path``.
    """
    m = result.monthly
    n = max(len(m), 1)
    peak = int(max(m["R"].max() if len(m) else 0, m["B"].max() if len(m) else 0, 1))
    img, (left, right, top, bottom), ypix = _axes(peak)
    slot = (right - left) / n
    for i, rec in enumerate(m.itertuples()):
        x0 = int(round(left + i * slot + slot * 0.15))
        x1 = max(int(round(left + (i + 1) * slot - slot * 0.15)), x0 + 1)
        if rec.R > 0:
            img[ypix(rec.R) : bottom, x0:x1] = _R_COLOUR
        yb = ypix(rec.B)
        xc = (x0 + x1) // 2
        img[max(yb - 2, 0) : yb + 2, max(xc - 2, 0) : xc + 2] = _B_COLOUR
        # year labels at each January, and at the first month unless a January follows within 4 months
        if str(rec.month).endswith("-01") or (i == 0 and int(str(rec.month)[5:7]) < 9):
            _text(img, int(left + i * slot), bottom + 6, str(rec.month)[:4], scale=2)
    mark = pd.Timestamp(founded if founded is not None else result.after[0])
    if len(m):
        first = pd.Period(str(m["month"].iloc[0]), freq="M").start_time
        months_in = (mark.year - first.year) * 12 + (mark.month - first.month) + (mark.day - 1) / mark.days_in_month
        xf = int(round(left + months_in * slot))
        if left <= xf < right:
            img[top:bottom, xf : xf + 2] = _FOUNDED_COLOUR
    _text(img, 4, top - 2, str(peak), scale=2)
    _text(img, 4, bottom - 10, "0", scale=2)
    _text(img, left, 6, f"{result.network_id}", scale=2)
    _text(img, right - 4 * 2 * 19, 6, "NETWORK", _R_COLOUR, scale=2)
    _text(img, right - 4 * 2 * 11, 6, "BUFFER", _B_COLOUR, scale=2)
    _text(img, right - 4 * 2 * 4, 6, "START", _FOUNDED_COLOUR, scale=2)
    from bingeo.readers.write import write_text

    return write_text(path, png_bytes(img))


#: Side of one hour's cell in the hour-of-week heat table, pixels.
HOUR_CELL = 16

# light yellow -> orange -> dark red (ColorBrewer YlOrRd ends and middle)
_HEAT = np.array([(255, 255, 204), (253, 141, 60), (128, 0, 38)], dtype=np.float64)


def _heat(v: np.ndarray) -> np.ndarray:
    """RGB of values in 0..1 along :data:`_HEAT` (white for exactly 0)."""
    t = np.clip(v, 0.0, 1.0) * (len(_HEAT) - 1)
    i = np.minimum(t.astype(int), len(_HEAT) - 2)
    f = (t - i)[..., None]
    rgb = _HEAT[i] * (1 - f) + _HEAT[i + 1] * f
    rgb[v <= 0] = 255
    return rgb.astype(np.uint8)


def write_hour_table(weights: np.ndarray, path: str | Path, *, title: str = "") -> Path:
    """Write a 7 x 24 hour-of-week heat table as PNG: days down (Monday first), hours across.

    Parameters
    ----------
    weights : ndarray, shape (7, 24)
        Incidents per day and hour (aoristic weights allowed).
    path : str or Path
        The PNG file to write.
    title : str
        Written above the table (letters, digits and ``-./:()=`` only; others are left blank).

    Returns
    -------
    Path
        ``path``.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (7, 24):
        msg = f"`weights` must have shape (7, 24); got {w.shape}."
        raise ValueError(msg)
    c, left, top = HOUR_CELL, 36, 40
    img = np.full((top + 7 * c + 30, left + 24 * c + 10, 3), 255, dtype=np.uint8)
    peak = float(w.max())
    cells = _heat(w / peak if peak > 0 else w)
    img[top : top + 7 * c, left : left + 24 * c] = np.repeat(np.repeat(cells, c, axis=0), c, axis=1)
    img[top : top + 7 * c + 1 : c, left : left + 24 * c] = 235  # grid lines
    img[top : top + 7 * c, left : left + 24 * c + 1 : c] = 235
    for d, name in enumerate(("MO", "TU", "WE", "TH", "FR", "SA", "SU")):
        _text(img, 8, top + d * c + 3, name, scale=2)
    for h in range(0, 24, 3):
        _text(img, left + h * c + 2, top - 13, f"{h:02d}", scale=2)
    _text(img, 8, 6, title[:60], scale=2)
    _text(img, left, top + 7 * c + 8, f"MAX {peak:.1f} PER HOUR", scale=2)
    from bingeo.readers.write import write_text

    return write_text(path, png_bytes(img))


def write_gain_chart(gains: pd.DataFrame, total: float, path: str | Path, *, title: str = "") -> Path:
    """Write the diminishing-returns curve of a plan as PNG: each next area's gain (bars), the total reached (dots).

    Parameters
    ----------
    gains : DataFrame
        :attr:`bingeo.plan.PlanResult.gains`: ``rank``, ``gain`` and ``cumulative``, one row per area.
    total : float
        Uncovered demand in all (written under the chart: "OF M UNCOVERED").
    path : str or Path
        The PNG file to write.
    title : str
        Written above the chart (letters, digits and ``-./:()=`` only).

    Returns
    -------
    Path
        ``path``.
    """
    n = max(len(gains), 1)
    peak = max(float(gains["cumulative"].max()) if len(gains) else 0.0, 1.0)
    img, (left, right, top, bottom), ypix = _axes(peak)
    slot = (right - left) / n
    for i, rec in enumerate(gains.itertuples()):
        x0 = int(round(left + i * slot + slot * 0.2))
        x1 = max(int(round(left + (i + 1) * slot - slot * 0.2)), x0 + 1)
        if rec.gain > 0:
            img[ypix(rec.gain) : bottom, x0:x1] = _R_COLOUR
        yc, xc = ypix(rec.cumulative), (x0 + x1) // 2
        img[max(yc - 3, 0) : yc + 3, max(xc - 3, 0) : xc + 3] = _B_COLOUR
        _text(img, xc - 4, bottom + 6, str(int(rec.rank)), scale=2)
    _text(img, left + 6, top + 2, f"OF {total:.0f} UNCOVERED", scale=2)
    _text(img, 4, top - 2, f"{peak:.0f}", scale=2)
    _text(img, 4, bottom - 10, "0", scale=2)
    _text(img, left, 6, title[:24], scale=2)
    _text(img, right - 4 * 2 * 18, 6, "GAIN", _R_COLOUR, scale=2)
    _text(img, right - 4 * 2 * 12, 6, "REACHED", _B_COLOUR, scale=2)
    from bingeo.readers.write import write_text

    return write_text(path, png_bytes(img))
