"""bingeo:evaluate: before/after evaluation of networks with a buffer ring and a control area (WDQ, net effect)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..deps import library_constants
from ..translation import tr
from .base import BingeoAlgorithm, Progress

Number = QgsProcessingParameterNumber

#: MODE values: one network with the periods given, one network around its founding, every network.
MODES = ["periods", "founding", "all"]
COUNTS = [f"{k}_{p}" for k in "RBC" for p in ("before", "after")]
MEASURES = ["success_measure", "buffer_displacement_measure", "wdq", "total_net_effect", "relative_change"]
#: Columns of the output table, in order.
COLUMNS = (
    ["network_id", "name", "founded", "evaluated", "reason", "before_from", "before_to", "after_from", "after_to"]
    + COUNTS
    + MEASURES
    + ["undefined", "interpretation"]
)


def _period(text: str, label: str) -> tuple[Any, Any]:
    from bingeo.errors import InputError
    from bingeo.incidents import parse_period

    try:
        got = parse_period((text or "").strip(), name=label)
        return got.first, got.last
    except InputError:
        msg = tr("{label}: give FROM/TO dates, e.g. 2023-01-01/2023-12-31 (both days included); got '{text}'.")
        raise QgsProcessingException(msg.format(label=label, text=text)) from None


def _row(res: Any, *, name: Any = None, founded: str | None = None) -> dict[str, Any]:
    """One row of the output table from a bingeo BeforeAfter (undefined figures stay None, reasons joined)."""
    row: dict[str, Any] = {
        "network_id": res.network_id,
        "name": name,
        "founded": founded,
        "evaluated": True,
        "reason": "",
        "before_from": res.before[0].isoformat(),
        "before_to": res.before[1].isoformat(),
        "after_from": res.after[0].isoformat(),
        "after_to": res.after[1].isoformat(),
    }
    for k in "RBC":
        for p in ("before", "after"):
            row[f"{k}_{p}"] = res.counts[k][p]
    for m in MEASURES:
        row[m] = getattr(res, m)
    row["undefined"] = "; ".join(f"{k}: {v}" for k, v in res.undefined.items())
    row["interpretation"] = res.interpretation
    return row


def _table(rows: list[dict[str, Any]]) -> Any:
    """Return the output table with stable types: integer counts, real measures (None -> NULL), text."""
    import pandas as pd

    frame = pd.DataFrame(rows).reindex(columns=COLUMNS)
    for col in COUNTS:
        frame[col] = pd.array([None if v is None or pd.isna(v) else int(v) for v in frame[col]], dtype="Int64")
    for col in MEASURES:
        frame[col] = pd.to_numeric(frame[col].astype(object).where(frame[col].notna(), None), errors="coerce")
        frame[col] = frame[col].astype(float)
    frame["evaluated"] = frame["evaluated"].astype(bool)
    for col in (
        "network_id",
        "name",
        "founded",
        "reason",
        "before_from",
        "before_to",
        "after_from",
        "after_to",
        "undefined",
        "interpretation",
    ):
        frame[col] = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in frame[col]]
    return frame


class Evaluate(BingeoAlgorithm):
    """bingeo.before_after (one network) or bingeo.evaluate_networks (all) on QGIS layers."""

    # parameter and output names (QuickOSM's pattern: one constant each, used everywhere below)
    AFTER = "AFTER"
    BEFORE = "BEFORE"
    BUFFER = "BUFFER"
    CONTROL = "CONTROL"
    DATE_FIELD = "DATE_FIELD"
    EVALUATED = "EVALUATED"
    INPUT = "INPUT"
    JSON = "JSON"
    MIN_INCIDENTS = "MIN_INCIDENTS"
    MODE = "MODE"
    MONTHS = "MONTHS"
    NETWORK = "NETWORK"
    OUTPUT = "OUTPUT"
    REJECTS = "REJECTS"
    STUDY_AREA = "STUDY_AREA"
    TYPES = "TYPES"
    TYPE_FIELD = "TYPE_FIELD"

    NAME = "evaluate"
    TITLE = "Evaluate networks before/after (WDQ)"
    DESCRIPTION = (
        "Does a network help? Counts incidents before and after in the network (R), a buffer ring "
        "around it (B, without other networks) and a control area (C), and computes the success "
        "measure, the buffer displacement measure, the weighted displacement quotient (WDQ, Bowers & "
        "Johnson 2003) and the total net effect, with a sentence that interprets them. Evaluate one "
        "network over given periods or around its founding date, or every network around its own "
        "founding date. Figures that a zero count makes undefined are left empty (NULL), with the "
        "reason in the 'undefined' column."
    )

    def initAlgorithm(self, config: Any = None) -> None:  # noqa: D102, N802
        evaluate = library_constants("evaluate")

        self.add_layer(
            self.INPUT,
            "Incidents",
            [QgsProcessing.TypeVectorPoint],
            "Incident points with a date (any CRS; reprojected to the networks' CRS).",
        )
        self.add(
            QgsProcessingParameterField(self.DATE_FIELD, tr("Date field"), None, self.INPUT, optional=True),
            "Date of the incident (default: the first date/time field).",
        )
        self.add(
            QgsProcessingParameterField(self.TYPE_FIELD, tr("Type field"), None, self.INPUT, optional=True),
            "Incident type field, to evaluate only some types (default: found from the types given).",
        )
        self.add(
            QgsProcessingParameterString(self.TYPES, tr("Types to keep (comma separated)"), optional=True),
            "Incident types to keep (exact text), e.g. woninginbraak. Empty: every incident.",
        )
        self.add_networks(
            "Network boundaries (polygons, in a projected CRS in metres): the store's networks layer, "
            "or any polygon layer with an id column. The founding date comes from valid_from or "
            "founded (or opgericht, oprichtingsdatum... in a layer without a network_id column). "
            "Networks whose lifetime does not overlap the periods are ignored."
        )
        self.add(
            QgsProcessingParameterEnum(
                self.MODE,
                tr("Evaluate"),
                [
                    tr("one network, periods given"),
                    tr("one network, around its founding date"),
                    tr("all networks, around their founding dates"),
                ],
                defaultValue=0,
            ),
            "One network over the before and after periods given, one network N months either side of its "
            "founding date, or every network with enough data N months either side of its own founding date.",
        )
        self.add(
            QgsProcessingParameterString(self.NETWORK, tr("Network id"), optional=True),
            "The network evaluated (response area R); not used for all networks.",
        )
        self.add(
            QgsProcessingParameterString(self.BEFORE, tr("Before period (FROM/TO)"), optional=True),
            "Before period as FROM/TO dates, e.g. 2023-01-01/2023-12-31 (FROM and TO both included).",
        )
        self.add(
            QgsProcessingParameterString(self.AFTER, tr("After period (FROM/TO)"), optional=True),
            "After period as FROM/TO dates, e.g. 2024-01-01/2024-12-31; it may differ in length from the "
            "before period (the figures compare areas within a period).",
        )
        self.add(
            Number(
                self.MONTHS,
                tr("Months around founding"),
                Number.Integer,
                defaultValue=evaluate.AROUND_FOUNDING_MONTHS,
                minValue=1,
            ),
            "Around the founding date: the before period is this many months before it, the after period "
            "this many months from it.",
        )
        self.add(
            Number(self.BUFFER, tr("Buffer width (m)"), Number.Double, defaultValue=evaluate.BUFFER, minValue=0.01),
            "Width of the buffer ring B around the network, in metres, where crime may be displaced to or "
            "benefits may spread to.",
        )
        self.add_layer(
            self.CONTROL,
            "Control area",
            [QgsProcessing.TypeVectorPolygon],
            "Polygons of the control area C (one network only; parts inside the network or its buffer "
            "ring are removed). Default: the study area minus the network, its ring and the other "
            "networks.",
            optional=True,
        )
        self.add_layer(
            self.STUDY_AREA,
            "Study area",
            [QgsProcessing.TypeVectorPolygon],
            "Polygons of the study area for the default control area. Default: the convex hull of the incidents.",
            optional=True,
        )
        self.add(
            Number(
                self.MIN_INCIDENTS,
                tr("Minimum incidents in a network"),
                Number.Integer,
                defaultValue=evaluate.MIN_INCIDENTS,
                minValue=0,
            ),
            "All networks: a network needs at least this many incidents (before and after together) to be evaluated.",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Evaluation"), QgsProcessing.TypeVector),
            "A table, one row per network: network_id, name, founded, evaluated, reason (why not), the "
            "periods, the counts R/B/C before and after, success_measure, buffer_displacement_measure, wdq, "
            "total_net_effect, relative_change, undefined (why a figure is empty) and interpretation.",
        )
        self.add(
            QgsProcessingParameterFileDestination(
                self.JSON, tr("Figures (JSON)"), tr("JSON (*.json)"), optional=True, createByDefault=False
            ),
            "Optional JSON file with every figure under stable keys (counts, success_measure, "
            "buffer_displacement_measure, wdq, total_net_effect, the areas' definitions...), as "
            "`bingeo evaluate --output` writes it.",
        )
        self.add(
            QgsProcessingParameterFeatureSink(
                self.REJECTS,
                tr("Unusable incidents"),
                QgsProcessing.TypeVectorPoint,
                optional=True,
                createByDefault=False,
            ),
            "Optional: the incidents that could not be used (no location or no date), with reject_reason.",
        )
        self.addOutput(QgsProcessingOutputNumber(self.EVALUATED, tr("Networks evaluated")))

    def process(self, parameters: dict, context: Any, feedback: Any) -> dict:  # noqa: D102
        import pandas as pd

        from bingeo import incident_days, run_evaluation, select_types
        from bingeo.evaluate import founding_date

        from ..adapter import polygon_union

        mode = MODES[self.parameterAsEnum(parameters, self.MODE, context)]
        network_id = self.parameterAsString(parameters, self.NETWORK, context).strip()
        if mode != "all" and not network_id:
            raise QgsProcessingException(tr("Give the network id to evaluate, or choose all networks."))
        nets = self.networks(parameters, context, feedback)
        if nets.crs is None:  # in degrees, bingeo works in the national grid of the place itself
            raise QgsProcessingException(tr("The networks layer has no CRS: set it in the layer properties."))
        # the command line's reading rules: 0/0 and empty geometries rejected, text and split dates read as dates
        inc = self.to_crs(self.points(parameters, self.INPUT, context, feedback), nets.crs)
        unread = self.rejects  # the features the reading rejected (reject_reason as from the command line)
        control = self.to_crs(self.frame(parameters, self.CONTROL, context, feedback, optional=True), nets.crs)
        study = self.to_crs(self.frame(parameters, self.STUDY_AREA, context, feedback, optional=True), nets.crs)
        self.check(feedback, 20)
        if control is not None:
            if mode == "all":
                raise QgsProcessingException(
                    tr(
                        "All networks are evaluated each around its own founding date "
                        "against the default control area: leave the control area empty."
                    )
                )
            control = polygon_union(control)
            if control is None:
                raise QgsProcessingException(tr("The control area layer holds no polygon (check the selection)."))
        if study is not None:
            study = polygon_union(study)
            if study is None:
                raise QgsProcessingException(tr("The study area layer holds no polygon (check the selection)."))

        types = [t.strip() for t in self.parameterAsString(parameters, self.TYPES, context).split(",") if t.strip()]
        inc, type_field = select_types(
            inc, types or None, type_field=self.parameterAsString(parameters, self.TYPE_FIELD, context) or None
        )
        if type_field:
            feedback.pushInfo(
                tr("{n} incidents of type {types} (field {field}).").format(
                    n=len(inc), types=", ".join(types), field=type_field
                )
            )
        # incidents the evaluation cannot use are kept in REJECTS, never silently dropped
        date_field = self.parameterAsString(parameters, self.DATE_FIELD, context) or None
        located = (inc.geometry.notna() & ~inc.geometry.is_empty).to_numpy()
        no_date = incident_days(inc, date_field=date_field).isna().to_numpy()
        rejects = inc[~located | no_date].copy()
        rejects["reject_reason"] = ["no_location" if not ok else "no_date" for ok in located[~located | no_date]]
        if unread is not None and len(unread):
            rejects = pd.concat([unread.to_crs(rejects.crs), rejects], ignore_index=True)
        if len(rejects):
            text = tr("{n} incidents cannot be used (no location or no date): see the Unusable incidents output.")
            feedback.pushInfo(text.format(n=len(rejects)))
        pts = inc[located]
        buffer = self.parameterAsDouble(parameters, self.BUFFER, context)
        months = self.parameterAsInt(parameters, self.MONTHS, context)
        periods_given = any(self.parameterAsString(parameters, p, context).strip() for p in (self.BEFORE, self.AFTER))
        if mode != "periods" and periods_given:
            feedback.pushWarning(
                tr(
                    "The before and after periods given are not used: the periods are the months "
                    "around the founding date."
                )
            )
        self.check(feedback, 30)

        network = None
        if mode != "all":
            network = network_id
            mine = nets[nets["network_id"].astype(str) == network_id]
            if mine.empty:
                known = ", ".join(sorted(nets["network_id"].astype(str).unique())[:20])
                raise QgsProcessingException(
                    tr("No network '{id}' in the networks layer (known: {known}).").format(id=network_id, known=known)
                )
            if mode == "founding" and founding_date(mine.iloc[0]) is None:
                raise QgsProcessingException(
                    tr(
                        "Network {id} has no founding date (valid_from or founded): give the before and after periods."
                    ).format(id=network_id)
                )
        before = after = None
        if mode == "periods":
            before = _period(self.parameterAsString(parameters, self.BEFORE, context), tr("Before period"))
            after = _period(self.parameterAsString(parameters, self.AFTER, context), tr("After period"))
        evaluation = run_evaluation(
            pts,
            nets,
            network_id=network,
            before=before,
            after=after,
            months=None if mode == "periods" else months,
            buffer=buffer,
            control=control,
            study_area=study,
            date_field=date_field,
            min_incidents=self.parameterAsInt(parameters, self.MIN_INCIDENTS, context),
            **Progress(feedback, 30, 90).kwargs(run_evaluation),
        )
        payload = evaluation.payload()
        if evaluation.networks is not None:
            ev = evaluation.networks
            rows = []
            for rec in ev.table.to_dict("records"):
                res = ev.results.get(str(rec["network_id"]))
                rows.append(_row(res, name=rec["name"], founded=rec["founded"]) if res is not None else rec)
                if res is not None:
                    feedback.pushInfo(f"{res.network_id}: {res.interpretation}")
                else:
                    feedback.pushInfo(
                        tr("not evaluated: {id}: {reason}").format(id=rec["network_id"], reason=rec["reason"])
                    )
            evaluated = len(ev.results)
        else:
            res = evaluation.result
            feedback.pushInfo(res.summary())
            founded = evaluation.founded.isoformat() if evaluation.founded else None
            rows = [_row(res, name=mine.iloc[0].get("name"), founded=founded)]
            evaluated = 1
        self.check(feedback, 80)

        out = {
            self.OUTPUT: self.sink(parameters, self.OUTPUT, context, _table(rows), feedback),
            self.EVALUATED: evaluated,
        }
        json_path = self.parameterAsFileOutput(parameters, self.JSON, context)
        if json_path:
            Path(json_path).write_text(
                json.dumps(payload, indent=2, ensure_ascii=False, default=str, allow_nan=False), encoding="utf-8"
            )
            out["JSON"] = json_path
        if parameters.get(self.REJECTS) not in (None, ""):
            out["REJECTS"] = self.sink(parameters, self.REJECTS, context, rejects, feedback)
        return out
