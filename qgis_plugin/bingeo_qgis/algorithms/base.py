"""Shared parts of the bingeo algorithms: parameters with help, layer -> frame, frame -> sink, errors."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from .. import adapter
from ..translation import tr
from ..worker import SINK_FIELDS, WORKER_FID

__all__ = ["BingeoAlgorithm", "Progress", "REPAIRS_SHOWN"]

#: How many repair notes of a networks layer the log lists (the rest are counted).
REPAIRS_SHOWN = 20


class Progress:
    """bingeo's ``progress``/``is_cancelled`` callbacks mapped to a QgsProcessingFeedback, over a span of 0-100 %."""

    def __init__(self, feedback: Any, start: float = 0.0, end: float = 100.0) -> None:
        self.feedback, self.start, self.end = feedback, start, end

    def __call__(self, fraction: float) -> None:
        """Report ``fraction`` (0-1) of this span as done."""
        if self.feedback is not None:
            self.feedback.setProgress(self.start + (self.end - self.start) * max(0.0, min(1.0, float(fraction))))

    def is_cancelled(self) -> bool:
        """Return True when the user cancelled."""
        return bool(self.feedback is not None and self.feedback.isCanceled())

    def kwargs(self, func: Any) -> dict[str, Any]:
        """Return ``progress=``/``is_cancelled=`` for ``func``, for those of the two keywords it takes."""
        import inspect

        try:
            names = inspect.signature(func).parameters
        except (TypeError, ValueError):
            return {}
        given = {"progress": self, "is_cancelled": self.is_cancelled}
        return {k: v for k, v in given.items() if k in names}


class BingeoAlgorithm(QgsProcessingAlgorithm):
    """Base class: a thin adapter from Processing parameters to one bingeo function."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    AT = "AT"
    INPUT = "INPUT"
    REJECTS = "REJECTS"
    NETWORKS = "NETWORKS"
    NETWORK_ID_FIELD = "NETWORK_ID_FIELD"

    #: Which networks of the layer are used, as bingeo's command line does with ``--store``: ``None`` every
    #: feature given; ``"today"`` the networks active today; ``"parameter"`` those active on the AT date
    #: (empty: today), as ``--at``.
    AS_OF: str | None = None

    NAME = ""
    TITLE = ""
    GROUP = "analysis"
    DESCRIPTION = ""
    GROUPS = {"networks": "Networks", "analysis": "Analysis", "alerts": "Alerts", "maps": "Maps"}

    def __init__(self) -> None:
        super().__init__()
        self._help: list[tuple[str, str]] = []
        self.rejects: Any = None  # INPUT's features without a usable geometry, set by frame()
        self.read: Any = None  # INPUT as bingeo read it (a ReadResult), set by points()
        self._input: Any = None  # INPUT's features as given, for the rejects

    # ---- identity
    def name(self) -> str:  # noqa: D102
        return self.NAME

    def displayName(self) -> str:  # noqa: D102, N802
        return tr(self.TITLE)

    def group(self) -> str:  # noqa: D102
        return tr(self.GROUPS[self.GROUP])

    def groupId(self) -> str:  # noqa: D102, N802
        return self.GROUP

    def createInstance(self) -> BingeoAlgorithm:  # noqa: D102, N802
        from .. import worker

        worker.prestart()  # a dialog is opening or a run starting: the worker starts up meanwhile (desktop only)
        return type(self)()

    def tr(self, text: str) -> str:  # noqa: D102
        return tr(text)

    def shortHelpString(self) -> str:  # noqa: D102, N802
        lines = [tr(self.DESCRIPTION), ""]
        lines += [f"<b>{label}</b>: {text}" for label, text in self._help]
        return "<br>".join(lines)

    # ---- parameters
    def add(self, param: Any, help_text: str, *, advanced: bool = False) -> Any:
        """Add a parameter with its help (tooltip in the dialog, and a line of the help panel)."""
        text = tr(help_text)
        param.setHelp(text)
        if advanced:
            param.setFlags(param.flags() | param.FlagAdvanced)
        self.addParameter(param)
        self._help.append((param.description(), text))
        return param

    def add_incident_filters(self, parent: str) -> None:
        """Add TYPE_FIELD, TYPES, DATE_FIELD, START and END: which incidents of the layer ``parent`` are used.

        The same choice, with the same texts, as the command line's --type-field, --type, --date-field, --from
        and --to (both days included), for every algorithm that filters incidents.
        """
        self.add(
            QgsProcessingParameterField("TYPE_FIELD", tr("Type field"), None, parent, optional=True),
            "Incident type field, to keep only some types.",
        )
        self.add(
            QgsProcessingParameterString("TYPES", tr("Types to keep (comma separated)"), optional=True),
            "Incident types to keep (exact text), e.g. woninginbraak.",
        )
        self.add(
            QgsProcessingParameterField("DATE_FIELD", tr("Date field"), None, parent, optional=True),
            "Date of the incident (default: the first date/time field).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterString("START", tr("From (YYYY-MM-DD, included)"), optional=True),
            "Keep incidents from this date (included).",
        )
        self.add(
            QgsProcessingParameterString("END", tr("To (YYYY-MM-DD, included)"), optional=True),
            "Keep incidents up to this day (included).",
        )

    def add_time_options(self, parent: str) -> None:
        """Add TIME, MAX_WINDOW, BEGIN_FIELD and END_FIELD (as --time, --max-window, --begin-field, --end-field).

        For incidents known by a time window: the same choices, with the same texts, as the command line.
        """
        from ..deps import library_constants

        aoristic = library_constants("aoristic")
        self.time_modes = list(aoristic.TIME_MODES)
        self.add(
            QgsProcessingParameterEnum(
                "TIME", tr("Time of an incident"), options=[tr(m) for m in self.time_modes], defaultValue=0
            ),
            "aoristic: spread each incident over its time window (begin and end fields); begin, midpoint, end: "
            "count it at that instant.",
        )
        self.add(
            QgsProcessingParameterNumber(
                "MAX_WINDOW",
                tr("Longest window spread (days)"),
                QgsProcessingParameterNumber.Double,
                defaultValue=aoristic.MAX_WINDOW_DAYS,
                minValue=0,
            ),
            "Windows longer than this are counted at their midpoint (and reported).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterField("BEGIN_FIELD", tr("Window begin field"), None, parent, optional=True),
            "Begin of each incident's time window (default: found by name, e.g. Begin-pleegdatum/tijd).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterField("END_FIELD", tr("Window end field"), None, parent, optional=True),
            "End of each incident's time window (default: found by name, e.g. Eind-pleegdatum/tijd).",
            advanced=True,
        )

    def time_options(self, parameters: dict, context: Any) -> dict[str, Any]:
        """Return ``how``, ``max_window``, ``begin_field`` and ``end_field`` of :meth:`add_time_options`."""
        import pandas as pd

        begin = self.parameterAsString(parameters, "BEGIN_FIELD", context) or None
        end = self.parameterAsString(parameters, "END_FIELD", context) or None
        if (begin is None) != (end is None):
            raise QgsProcessingException(tr("Give both the window begin and end fields, or neither."))
        return {
            "how": self.time_modes[self.parameterAsEnum(parameters, "TIME", context)],
            "max_window": pd.Timedelta(days=self.parameterAsDouble(parameters, "MAX_WINDOW", context)),
            "begin_field": begin,
            "end_field": end,
        }

    def timed(
        self, parameters: dict, context: Any, feedback: Any, points: Any, *, date_field: str | None, need: str
    ) -> tuple[Any, dict[str, Any]]:
        """Return INPUT's points and the ``windows``/``how``/``max_window`` keywords of a library call.

        Windows when the layer has them (named in BEGIN_FIELD/END_FIELD, or a pair found by name, and no
        ``date_field`` chosen instead); then the points are those with a usable window (:meth:`windows`).
        """
        from bingeo.aoristic import has_windows

        timing = self.time_options(parameters, context)
        kwargs: dict[str, Any] = {"how": timing["how"], "max_window": timing["max_window"]}
        if has_windows(points, begin_field=timing["begin_field"], date_field=date_field):
            points, kwargs["windows"] = self.windows(
                feedback, begin_field=timing["begin_field"], end_field=timing["end_field"], date_field=None, need=need
            )
        return points, kwargs

    def windows(
        self, feedback: Any, *, begin_field: str | None, end_field: str | None, date_field: str | None, need: str
    ) -> tuple[Any, Any]:
        """Return INPUT's usable incidents and their time windows (:func:`bingeo.aoristic.require_windows`).

        Rows without a usable window (no begin, an impossible date, an end before its begin) go to REJECTS.
        """
        from bingeo.aoristic import require_windows

        before = len(self.read.notes)
        read, windows = require_windows(
            self.read, begin_field=begin_field, end_field=end_field, date_field=date_field, need=need
        )
        for note in read.notes[before:]:
            feedback.pushInfo(note)
        self.keep_rejects(read)
        return read.points, windows

    def keep_rejects(self, res: Any) -> None:
        """Keep the rejects of a reading of INPUT (``res.rejects``, by source row) as the REJECTS output."""
        if len(res.rejects):
            rejected = self._input.iloc[res.rejects["source_row"].to_numpy(dtype="int64") - 1].copy()
            rejected["reject_reason"] = res.rejects["reject_reason"].to_numpy()
            self.rejects = rejected

    def add_layer(self, name: str, label: str, types: list[int], help_text: str, *, optional: bool = False) -> Any:
        """Add a vector layer input (any provider and CRS; 'selected features only' is offered by the dialog)."""
        return self.add(QgsProcessingParameterFeatureSource(name, tr(label), types, optional=optional), help_text)

    def add_networks(self, help_text: str = "", *, optional: bool = False) -> None:
        """Add the NETWORKS polygon layer and its NETWORK_ID field."""
        self.add_layer(
            self.NETWORKS,
            "Networks",
            [QgsProcessing.TypeVectorPolygon],
            help_text
            or "Network boundaries (polygons): the store's networks layer, or any polygon layer "
            "with an id column. Only the features given are used (e.g. only the selected ones).",
            optional=optional,
        )
        self.add(
            QgsProcessingParameterField(
                self.NETWORK_ID_FIELD, tr("Network id field"), None, self.NETWORKS, optional=True
            ),
            "Column with the network id. Default: network_id, or found automatically (bin_code, code, id, ...).",
            advanced=True,
        )
        if self.AS_OF == "parameter":
            self.add(
                QgsProcessingParameterString(self.AT, tr("Networks as of (YYYY-MM-DD)"), optional=True),
                "Use the networks active on this date (their lifetime valid_from/valid_to), as bingeo's --at. "
                "Empty: the networks active today; retired ones are left out, as on the command line.",
            )

    def add_rejects(self) -> None:
        """Add the optional REJECTS output: the features of INPUT without a usable geometry, with reject_reason."""
        self.add(
            QgsProcessingParameterFeatureSink(
                self.REJECTS,
                tr("Rejected points"),
                QgsProcessing.TypeVectorPoint,
                optional=True,
                createByDefault=False,
            ),
            "Optional: the input features without a usable geometry (reject_reason: no_location, "
            "invalid_coordinates), with all their fields.",
        )

    # ---- inputs
    def frame(
        self, parameters: dict, name: str, context: Any, feedback: Any, *, optional: bool = False, check: bool = True
    ) -> Any:
        """Return the layer parameter ``name`` (selected features when asked) as a GeoDataFrame in its own CRS.

        With ``check``, features without a usable geometry are counted in the log (and, for INPUT, kept as
        REJECTS); :meth:`points` leaves that to the reading rules instead.
        """
        source = self.parameterAsSource(parameters, name, context)
        if source is None:
            if optional:
                return None
            raise QgsProcessingException(self.invalidSourceError(parameters, name))
        frame = adapter.frame_from_source(source, feedback=feedback)
        if WORKER_FID in frame.columns:  # the key of the file QGIS handed to this worker: not the user's data
            frame = frame.drop(columns=WORKER_FID)
        if not check:
            return frame
        import numpy as np
        import shapely

        geoms = frame.geometry.to_numpy()
        unusable = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        points = shapely.get_type_id(geoms) == 0  # a point with NaN or infinite coordinates is not usable either
        if points.any():
            xy = np.column_stack([shapely.get_x(geoms[points]), shapely.get_y(geoms[points])])
            unusable[points] |= ~np.isfinite(xy).all(axis=1)
        missing = int(unusable.sum())
        if missing:
            text = tr(
                "{n} features of '{layer}' have no usable geometry (empty, or coordinates that are not numbers): "
                "rejected from the analysis; they are kept in the output, but match nothing."
            )
            feedback.pushInfo(text.format(n=missing, layer=self.parameterDefinition(name).description()))
        if name == self.INPUT:  # the main points: their rejects go to the REJECTS output, when asked
            rejects = frame[unusable].copy()
            empty = shapely.is_missing(geoms[unusable]) | shapely.is_empty(geoms[unusable])
            rejects["reject_reason"] = np.where(empty, "no_location", "invalid_coordinates")
            self.rejects = rejects
        return frame

    def points(self, parameters: dict, name: str, context: Any, feedback: Any, *, optional: bool = False) -> Any:
        """Return the usable points of the layer parameter ``name``, by the command line's reading rules.

        :func:`bingeo.readers.points_from_frame` applies :func:`bingeo.read_points`' rejects (empty or non-finite
        geometry, 0/0 placeholders, outside the CRS's area of use) and date reading (text dates, split
        YEAR/MONTH/DAY columns) to the layer, so an analysis here sees the incidents the command line sees.
        The rejected features (with ``reject_reason``) go to the REJECTS output when asked.
        """
        from bingeo.readers import points_from_frame

        frame = self.frame(parameters, name, context, feedback, optional=optional, check=False)
        if frame is None:
            return None
        label = self.parameterDefinition(name).description()
        res = points_from_frame(frame, label=label)
        if len(res.rejects):
            feedback.pushInfo(res.summary())
        if name == self.INPUT:
            self.read, self._input = res, frame
            self.keep_rejects(res)
        for note in res.notes:
            feedback.pushInfo(note)
        if len(res.points) == 0:
            raise QgsProcessingException(
                tr("No usable point in '{layer}': {summary}").format(layer=label, summary=res.summary())
            )
        return res.points

    def source_name(self, parameters: dict, name: str, context: Any) -> str:
        """Return where the layer parameter ``name`` comes from (its data source), for a store's import log.

        In a worker (see ``worker.py``) the layer is a temporary file: the name QGIS saw is handed over.
        """
        given = getattr(self, "source_names", {}).get(name)
        if given:
            return given
        lyr = self.parameterAsVectorLayer(parameters, name, context)
        return lyr.source() if lyr is not None else str(parameters.get(name))

    def networks(self, parameters: dict, context: Any, feedback: Any, *, optional: bool = False) -> Any:
        """Return the networks layer as bingeo's networks frame (``network_id``, ``name``, ``kind``)."""
        from bingeo.registry import networks_from_frame

        frame = self.frame(parameters, self.NETWORKS, context, feedback, optional=optional)
        if frame is None:
            return None
        id_field = self.parameterAsString(parameters, self.NETWORK_ID_FIELD, context) or None
        if "network_id" in frame.columns and id_field in (None, "network_id"):
            nets = frame
        else:
            nets, repairs, notes = networks_from_frame(frame, source=tr("the networks layer"), id_field=id_field)
            for note in notes:
                feedback.pushInfo(note)
            if repairs:  # QGIS's invalid-geometry check is skipped for these: bingeo repairs, and says so
                feedback.pushInfo(tr("Repaired {n} invalid network polygons:").format(n=len(repairs)))
                for note in repairs[:REPAIRS_SHOWN]:
                    feedback.pushInfo(f"  - {note}")
                if len(repairs) > REPAIRS_SHOWN:
                    feedback.pushInfo(tr("  ... and {n} more.").format(n=len(repairs) - REPAIRS_SHOWN))
        if self.AS_OF is None:
            return nets
        at = self.parameterAsString(parameters, self.AT, context).strip() if self.AS_OF == "parameter" else ""
        return self.active_networks(nets, at, feedback)

    @staticmethod
    def active_networks(nets: Any, at: str, feedback: Any) -> Any:
        """Return the networks active today (``at`` empty) or on date ``at``: the rule of bingeo's command line.

        Today: status ``active`` and no retirement date up to today (``Store.networks()``). On a date: founded
        on or before it and not retired on or before it (``bingeo.select_valid``, ``--at``). A layer without
        these columns (not from a store) is used whole. The log says how many networks were left out.
        """
        import datetime as dt

        import numpy as np

        from bingeo import select_valid

        total = len(nets)
        if at:
            try:
                day = dt.date.fromisoformat(at)
            except ValueError:
                msg = tr("Networks as of: give a date as YYYY-MM-DD, e.g. 2024-06-01; got '{text}'.")
                raise QgsProcessingException(msg.format(text=at)) from None
            if not {"valid_from", "valid_to"} <= set(nets.columns):
                msg = tr(
                    "Networks as of {date}: the networks layer has no lifetimes (valid_from, valid_to). "
                    "Use the store's networks layer, or leave the date empty."
                )
                raise QgsProcessingException(msg.format(date=at))
            kept = select_valid(nets, day)
            if "version_from" in kept.columns:
                newer = sum(
                    v is not None and str(v)[:10] > at
                    for v in kept["version_from"].where(kept["version_from"].notna(), None)
                )
                if newer:
                    msg = tr(
                        "{n} networks were redrawn after {date}: their current boundary is used. For the boundary "
                        "they had then, run bingeo on the store (command line --at {date})."
                    )
                    feedback.reportError(msg.format(n=newer, date=at), False)
        else:
            day = dt.date.today()
            keep = np.ones(total, dtype=bool)
            if "status" in nets.columns:
                keep &= (nets["status"].astype("object") == "active").to_numpy()
            if "valid_to" in nets.columns:
                ends = nets["valid_to"].astype("object").where(nets["valid_to"].notna(), None)
                keep &= np.array([e is None or str(e)[:10] > day.isoformat() for e in ends], dtype=bool)
            kept = nets[keep]
        text = tr(
            "Networks active on {date}: {n} of {total} used; {left} retired or not yet founded then are left out "
            "(the rule of bingeo's command line)."
        )
        feedback.pushInfo(text.format(date=day.isoformat(), n=len(kept), total=total, left=total - len(kept)))
        return kept.reset_index(drop=True)

    @staticmethod
    def to_crs(frame: Any, crs: Any) -> Any:
        """``frame`` reprojected to ``crs`` (unchanged when already there)."""
        from bingeo import same_crs

        if frame is None or crs is None or frame.crs is None or same_crs(frame.crs, crs):
            return frame
        return frame.to_crs(crs)

    # ---- outputs
    def sink(
        self, parameters: dict, name: str, context: Any, frame: Any, feedback: Any, *, style: str | None = None
    ) -> str:
        """Write ``frame`` to the sink parameter ``name`` (styled with ``styles.STYLES[style]``); return its id."""
        fields = adapter.fields_for(frame)
        crs = adapter.crs_to_qgis(getattr(frame, "crs", None)) if adapter._geometry_name(frame) else None
        wkb_type = adapter.wkb_type_for(frame)
        sink, dest = self.parameterAsSink(
            parameters, name, context, fields, wkb_type, crs if crs is not None else adapter.crs_to_qgis(None)
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, name))
        SINK_FIELDS[dest] = [f.name() for f in fields]
        adapter.write_frame(frame, sink, fields, feedback=feedback, wkb_type=wkb_type)
        if style is not None:
            from ..styles import attach_style

            attach_style(context, dest, style)
        return dest

    # ---- running
    def processAlgorithm(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102, N802
        from .. import worker

        if worker.needed():  # inside the QGIS desktop: bingeo's GEOS/GDAL/PROJ must not meet QGIS's
            return worker.run_algorithm(self, parameters, context, feedback)
        from bingeo import BingeoError

        self.rejects = None
        try:
            out = self.process(parameters, context, feedback)
            wanted = self.parameterDefinition(self.REJECTS) is not None and parameters.get(self.REJECTS) is not None
            if wanted and self.REJECTS not in out and self.rejects is not None:
                out[self.REJECTS] = self.sink(parameters, self.REJECTS, context, self.rejects, feedback)
            return out
        except QgsProcessingException:
            raise
        except (BingeoError, ValueError, TypeError, OSError) as exc:
            raise QgsProcessingException(f"{type(exc).__name__}: {exc}") from exc

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:
        """Read the parameters, call one bingeo function, write the outputs."""
        raise NotImplementedError

    def check(self, feedback: Any, progress: float | None = None) -> None:
        """Stop when the user cancelled; report progress."""
        if feedback.isCanceled():
            raise QgsProcessingException(tr("Cancelled."))
        if progress is not None:
            feedback.setProgress(progress)
