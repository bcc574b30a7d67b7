"""bingeo:profile: hour-of-week profile (7 days x 24 hours) of the incidents in each network, aoristic."""

from __future__ import annotations

from typing import Any

from qgis.core import QgsProcessing, QgsProcessingParameterFeatureSink

from ..translation import tr
from .base import BingeoAlgorithm


class Profile(BingeoAlgorithm):
    """bingeo.aoristic.network_profiles on QGIS layers (``bingeo profile``)."""

    DATE_FIELD = "DATE_FIELD"
    END = "END"
    INPUT = "INPUT"
    OUTPUT = "OUTPUT"
    START = "START"
    TYPES = "TYPES"
    TYPE_FIELD = "TYPE_FIELD"

    AS_OF = "parameter"
    NAME = "profile"
    TITLE = "Hour-of-week profile per network"
    DESCRIPTION = (
        "A 7 x 24 table (day of week by hour) of the incidents in each network. An incident known by a time "
        "window (begin and end fields, e.g. Begin-pleegdatum/tijd and Eind-pleegdatum/tijd) adds to each hour the "
        "share of its window in that hour (aoristic, Ratcliffe 2002); without such fields each incident counts at "
        "its date and time. Incidents without a usable window (no begin, an impossible date, an end before its "
        "begin) go to the rejected points."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        self.add_layer(
            self.INPUT, "Incidents", [QgsProcessing.TypeVectorPoint], "Incident points with a time (any CRS)."
        )
        self.add_networks()
        self.add_time_options(self.INPUT)
        self.add_incident_filters(self.INPUT)  # type, date field (without windows), from/to
        self.add(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Hour-of-week profile"), QgsProcessing.TypeVector),
            "A table: network_id, network_name, day (Monday first), the weights of hours 00 to 23, total. "
            "Incidents outside every network are on the rows with an empty network_id.",
        )
        self.add_rejects()

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        from bingeo.aoristic import network_profiles
        from bingeo.incidents import period, select_types

        nets = self.networks(parameters, context, feedback)
        self.points(parameters, self.INPUT, context, feedback)
        timing = self.time_options(parameters, context)
        how, max_window = timing["how"], timing["max_window"]
        pts, windows = self.windows(
            feedback,
            begin_field=timing["begin_field"],
            end_field=timing["end_field"],
            date_field=self.parameterAsString(parameters, self.DATE_FIELD, context) or None,
            need="an hour-of-week profile needs",
        )
        self.check(feedback, 30)
        types = [t.strip() for t in self.parameterAsString(parameters, self.TYPES, context).split(",") if t.strip()]
        chosen, used_type = select_types(
            pts, types, type_field=self.parameterAsString(parameters, self.TYPE_FIELD, context) or None
        )
        if used_type is not None:
            windows = windows.take(pts.index.isin(chosen.index))
            feedback.pushInfo(
                tr("{n} incidents of type {types} (field {field}).").format(
                    n=len(chosen), types=", ".join(types), field=used_type
                )
            )
        span = period(
            self.parameterAsString(parameters, self.START, context).strip() or None,
            self.parameterAsString(parameters, self.END, context).strip() or None,
        )
        prof = network_profiles(
            self.to_crs(chosen, nets.crs),
            nets,
            windows,
            how=how,
            max_window=max_window,
            start=span.start,
            stop=span.stop,
        )
        if prof.long_windows:
            feedback.pushInfo(
                tr("{n} incidents have a window longer than {days:g} days and are counted at their midpoint.").format(
                    n=prof.long_windows, days=max_window.total_seconds() / 86400
                )
            )
        self.check(feedback, 90)
        return {self.OUTPUT: self.sink(parameters, self.OUTPUT, context, prof.table, feedback)}
