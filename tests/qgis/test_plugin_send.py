"""The alert dialog sends the e-mail part of the alert it just exported, in real QGIS, to a real SMTP server.

The expected recipients are the exported recipient list's e-mail rows (what `bingeo recipients` wrote for the
same alert); the server (aiosmtpd, STARTTLS + AUTH) must receive one mail for each and nothing else; the typed
password reaches neither the settings, the log, the worker's job file nor the store.
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plugin_support import PLUGIN_DIR, make_member_store  # noqa: E402

from tests.smtp_server import PASSWORD, USER, LocalSmtp  # noqa: E402

pytestmark = pytest.mark.requires("qgis")


def email_rows(path: Path) -> set[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {r["contact"] for r in csv.DictReader(fh, delimiter=";") if r["channel"] == "email"}


@pytest.mark.parametrize("worker", ["0", "1"], ids=["in-qgis", "worker-process"])
def test_alert_dialog_sends_the_email_part(qgis_app, tmp_path, monkeypatch, worker):
    import shapely
    from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsGeometry, QgsSettings

    import bingeo

    if str(PLUGIN_DIR) not in sys.path:
        sys.path.insert(0, str(PLUGIN_DIR))
    from bingeo_qgis.alert_dialog import AlertDialog
    from bingeo_qgis.alert_tool import AlertArea

    monkeypatch.setenv("BINGEO_QGIS_WORKER", worker)  # the desktop runs the work in a worker process
    store = make_member_store(tmp_path)
    with bingeo.open_store(store) as st:
        nets = st.networks()
    area = shapely.box(*nets.total_bounds)
    logged: list[str] = []
    log = QgsApplication.messageLog()

    def keep(msg, tag, level):
        logged.append(msg)

    log.messageReceived.connect(keep)
    try:
        with LocalSmtp(tmp_path) as server:
            dlg = AlertDialog(
                AlertArea(crs=QgsCoordinateReferenceSystem("EPSG:28992"), geometry=QgsGeometry.fromWkt(area.wkt)),
                store=str(store),
            )
            dlg.urgency.setCurrentIndex(dlg.urgency.findData("normal"))
            out = tmp_path / "alert.csv"
            dlg.output.setFilePath(str(out))
            dlg.operator.setText("agent 4321")
            dlg.reason.setText("PV 9")
            assert not dlg.send_button.isEnabled()
            assert dlg.export() is not None, dlg.summary.text()
            assert dlg.send_button.isEnabled()
            want = email_rows(out)
            assert len(want) > 10

            send = dlg.open_send()
            assert send.template.currentData() == "information"  # a normal alert
            for key, value in {"network": "Oosterpoort", "area": "Oosterpoort", "incident": "inbraak"}.items():
                send.values[key].setText(value)
            send.values["time"].setText("7 december")
            send.host.setText("127.0.0.1")
            send.port.setValue(server.port)
            send.user.setText(USER)
            send.password.setText(PASSWORD)
            send.sender.setText(USER)
            send.reply_to.setText("coordinator-oost@bin.example")
            send.ca_file.setFilePath(str(server.cert))
            checked = send.send(check=True)
            assert checked is not None and server.received == []
            assert checked["recipients"] == len(want), send.summary.text()
            res = send.send()
            assert res is not None, send.summary.text()
            got = [r[0] for r in server.received]
            assert all(len(r) == 1 for r in got)
            assert sorted(r[0] for r in got) == sorted(want)  # each once
            assert res["sent"] == len(want) and res["states"]["sent"] == len(want)
            assert send.send()["sent"] == 0 and len(server.received) == len(want)  # again: nobody twice
    finally:
        log.messageReceived.disconnect(keep)
    assert os.environ.get("BINGEO_SMTP_PASSWORD") is None
    settings = QgsSettings()
    saved = " ".join(str(settings.value(k)) for k in settings.allKeys())
    blob = store.read_bytes()
    assert PASSWORD not in saved and PASSWORD.encode() not in blob
    assert all(PASSWORD not in m and "zqxmail" not in m for m in logged)
    for job in Path(tempfile_root()).rglob("job.json"):
        assert PASSWORD not in job.read_text(encoding="utf-8")


def tempfile_root() -> str:
    from qgis.core import QgsProcessingUtils

    return QgsProcessingUtils.tempFolder()
