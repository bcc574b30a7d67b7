"""The alert dialog: counts per channel and per network for a drawn area, then the export with its audit entry.

Only counts are shown and logged; member data goes only into the exported recipient files.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from qgis.core import Qgis, QgsMessageLog, QgsSettings
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from .alert_tool import AlertArea
from .translation import tr

__all__ = ["AlertDialog"]

URGENCIES = ("urgent", "normal")
SETTINGS_STORE = "bingeo/alert/store"
SETTINGS_OPERATOR = "bingeo/alert/operator"


class AlertDialog(QDialog):
    """Preview (counts) and export of the recipients of an alert area."""

    def __init__(self, area: AlertArea, parent: Any = None, *, store: str | None = None) -> None:
        super().__init__(parent)
        self.area = area
        self.selection: Any = None
        self.alert: Any = None
        self.setWindowTitle(tr("bingeo: alert recipients"))
        settings = QgsSettings()

        self.store = QgsFileWidget()
        self.store.setFilter(tr("bingeo store (*.gpkg)"))
        self.store.setFilePath(store or str(settings.value(SETTINGS_STORE, "") or ""))
        self.urgency = QComboBox()
        self.urgency.addItem(tr("urgent (SMS, else voice, else e-mail)"), "urgent")
        self.urgency.addItem(tr("normal (e-mail, else SMS)"), "normal")
        self.operator = QLineEdit(str(settings.value(SETTINGS_OPERATOR, "") or ""))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(tr("e.g. a case number"))
        self.coordinators = QCheckBox(tr("Also list the coordinators of the networks touched"))
        self.output = QgsFileWidget()
        self.output.setStorageMode(QgsFileWidget.SaveFile)
        self.output.setFilter(tr("CSV (*.csv)"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([tr("Channel / network"), tr("Recipients")])

        form = QFormLayout()
        form.addRow(tr("Store"), self.store)
        area_text = tr("circle of {r:,.0f} m").format(r=area.radius) if area.kind == "circle" else tr("drawn polygon")
        self.area_label = QLabel(area_text)
        form.addRow(tr("Area"), self.area_label)
        form.addRow(tr("Urgency"), self.urgency)
        form.addRow(tr("Operator"), self.operator)
        form.addRow(tr("Reason"), self.reason)
        form.addRow("", self.coordinators)
        form.addRow(tr("Recipient list"), self.output)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Close)
        self.buttons.button(QDialogButtonBox.Save).setText(tr("Export"))
        self.buttons.accepted.connect(self.export)
        # the e-mail part of the alert just exported, through the coordinator's mail server (send_dialog.py)
        self.send_button = self.buttons.addButton(tr("Send e-mail..."), QDialogButtonBox.ActionRole)
        self.send_button.setEnabled(False)
        self.send_button.clicked.connect(self.open_send)
        self.send_dialog: Any = None
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(self.buttons)

        self.store.fileChanged.connect(self.preview)
        self.urgency.currentIndexChanged.connect(self.preview)
        self.coordinators.toggled.connect(self.preview)
        if self.store.filePath():
            self.preview()

    # ---- the work
    def _options(self) -> dict[str, Any]:
        return {"urgency": self.urgency.currentData(), "coordinators": self.coordinators.isChecked()}

    def _call(self, name: str, *args: Any) -> dict[str, Any]:
        """Run ``worker_functions.<name>``: here, or in a worker process inside the QGIS desktop."""
        from . import worker, worker_functions

        if worker.needed():
            from qgis.core import QgsProcessingException
            from qgis.PyQt.QtWidgets import QApplication

            QApplication.setOverrideCursor(Qt.WaitCursor)  # a worker process takes a few seconds to start
            try:
                return worker.run_function(name, *args)
            except QgsProcessingException as exc:
                return {"error": str(exc)}
            finally:
                QApplication.restoreOverrideCursor()
        return getattr(worker_functions, name)(*args)

    def preview(self, *_args: Any) -> Any:
        """Count the recipients (nothing written, nothing logged); return the counts or None."""
        from .worker_functions import area_to_json

        path = self.store.filePath()
        self.selection = None
        if not path:
            self.summary.setText(tr("Choose the store that holds the members."))
            return None
        opts = self._options()
        res = self._call("count_recipients", path, area_to_json(self.area), opts["urgency"], opts["coordinators"])
        if "error" in res:
            self.summary.setText(tr("Cannot count the recipients: {error}").format(error=res["error"]))
            return None
        if res.get("radius") is not None:  # the radius as the store measures it
            self.area_label.setText(tr("circle of {r:,.0f} m").format(r=res["radius"]))
        self.selection = SimpleNamespace(**res)
        self._show_counts(res)
        return self.selection

    def _show_counts(self, counts: dict[str, Any]) -> None:
        rows = [("channel", c, tr("channel: {c}").format(c=c), n) for c, n in counts["channel"].items()]
        rows += [("network", k, tr("network: {n}").format(n=k), v) for k, v in counts["network"].items()]
        rows += [("excluded", k, tr("excluded: {r}").format(r=k), v) for k, v in counts["excluded"].items()]
        self.table.setRowCount(len(rows))
        for i, (group, key, label, n) in enumerate(rows):
            item = QTableWidgetItem(label)
            item.setData(Qt.UserRole, (group, key))
            self.table.setItem(i, 0, item)
            self.table.setItem(i, 1, QTableWidgetItem(str(int(n))))
        self.summary.setText(tr("{n} recipients").format(n=counts["recipients"]))

    def counts(self) -> dict[str, dict[str, int]]:
        """Return the counts shown in the table: per channel, per network and excluded."""
        out: dict[str, dict[str, int]] = {}
        for i in range(self.table.rowCount()):
            group, key = self.table.item(i, 0).data(Qt.UserRole)
            out.setdefault(group, {})[key] = int(self.table.item(i, 1).text())
        return out

    def export(self) -> Any:
        """Select, export and log the alert (same code path and audit entry as ``bingeo recipients``)."""
        operator, reason, output = self.operator.text().strip(), self.reason.text().strip(), self.output.filePath()
        missing = [
            name
            for name, value in (
                (tr("operator"), operator),
                (tr("reason"), reason),
                (tr("recipient list"), output),
                (tr("store"), self.store.filePath()),
            )
            if not value
        ]
        if missing:
            self.summary.setText(tr("Fill in: {fields}.").format(fields=", ".join(missing)))
            return None
        if not output.lower().endswith(".csv"):
            output += ".csv"
        from .worker_functions import area_to_json

        opts = self._options()
        res = self._call(
            "export_alert",
            self.store.filePath(),
            output,
            area_to_json(self.area),
            opts["urgency"],
            opts["coordinators"],
            operator,
            reason,
        )
        if "error" in res:
            self.summary.setText(tr("The alert was not exported: {error}").format(error=res["error"]))
            QgsMessageLog.logMessage(
                tr("alert not exported: {error}").format(error=res["error"]), "bingeo", Qgis.Warning
            )
            return None
        self.alert = SimpleNamespace(**res)
        settings = QgsSettings()
        settings.setValue(SETTINGS_STORE, self.store.filePath())
        settings.setValue(SETTINGS_OPERATOR, operator)
        self._show_counts(res)
        n = res["recipients"]
        text = tr("Alert {id}: {n} recipients exported.").format(id=self.alert.alert_id, n=n)
        self.summary.setText(text)
        QgsMessageLog.logMessage(text, "bingeo", Qgis.Info)
        self.send_button.setEnabled(True)
        return self.alert

    def open_send(self) -> Any:
        """Open the dialog that sends the e-mail part of the alert just exported; return it."""
        from .send_dialog import SendDialog

        if self.alert is None:
            return None
        urgent = self.urgency.currentData() == "urgent"
        self.send_dialog = SendDialog(self.store.filePath(), self.alert.alert_id, self._call, self, urgent=urgent)
        self.send_dialog.show()
        return self.send_dialog
