"""Read incidents, addresses and network boundaries as NL/BE sources really export them.

Three public readers and two writers, in a package of one module per job:

* :mod:`~bingeo.readers.sources`: zip/gz, decoding, separators, text tables, vector layers;
* :mod:`~bingeo.readers.values`: THE number and date parsers;
* :mod:`~bingeo.readers.columns`: coordinate columns and the CRS guess;
* :mod:`~bingeo.readers.points`: :func:`read_points` (pipeline, rejects, extent);
* :mod:`~bingeo.readers.polygons`: :func:`read_polygons`;
* :mod:`~bingeo.readers.write`: :func:`write_table`, :func:`write_csv`, :func:`write_text`, :func:`replacing`
  (every output whole or not at all), :func:`excel_safe`, :func:`rejects_path`.

What each does:

* :func:`read_points` turns a table or vector file of incidents or addresses into
  a point :class:`geopandas.GeoDataFrame` plus a table of *rejected* rows. No row is
  ever dropped silently: every input row ends up either in ``points`` or in
  ``rejects`` (with a short reason code and a human explanation).
* :func:`read_polygons` reads network boundaries (GeoPackage, Shapefile, zipped
  Shapefile, GeoJSON, KML, GeoParquet) and refuses anything it would have to drop.
* :func:`write_table` writes a (Geo)DataFrame by extension; :func:`rejects_path`
  names the rejects file beside an output.

Privacy: member data may pass through these readers. Cell values never appear in
exception messages, log lines or notes; only file names, column names, row
numbers and counts do.
"""

from bingeo.readers.columns import GUESS_SHARE
from bingeo.readers.points import EXTENT_MARGIN_SHARE, REJECT_REASONS, ReadResult, points_from_frame, read_points
from bingeo.readers.polygons import read_polygons
from bingeo.readers.write import (
    SUPPORTED_OUTPUTS,
    excel_safe,
    rejects_path,
    replacing,
    write_csv,
    write_table,
    write_text,
)

__all__ = [
    "ReadResult",
    "read_points",
    "points_from_frame",
    "read_polygons",
    "write_table",
    "write_csv",
    "write_text",
    "replacing",
    "excel_safe",
    "rejects_path",
    "REJECT_REASONS",
    "SUPPORTED_OUTPUTS",
    "GUESS_SHARE",
    "EXTENT_MARGIN_SHARE",
]
