"""Load the installed bingeo_qgis plugin in a fresh QGIS process and print what happened as JSON.

Run by tests/qgis/test_plugin_install.py as a subprocess, so that each QGIS Python is a clean one:

    python plugin_probe.py --profile DIR [--locale nl] [--block bingeo,geopandas] [--gui]

``--profile``: QGIS_CUSTOM_CONFIG_PATH; the plugin must be unzipped in DIR/profiles/default/python/plugins.
``--block``: these top-level modules cannot be imported in this process (a QGIS Python without them).
``--gui``: a GUI QgsApplication and a minimal iface with a real QgsMessageBar, so that initGui runs.
"""

from __future__ import annotations

import argparse
import importlib.abc
import json
import os
import sys


class _Blocker(importlib.abc.MetaPathFinder):
    def __init__(self, names):
        self.names = set(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", required=True)
    ap.add_argument("--locale")
    ap.add_argument("--block", default="")
    ap.add_argument("--gui", action="store_true")
    args = ap.parse_args()
    blocked = [b for b in args.block.split(",") if b]
    if blocked:
        for name in list(sys.modules):
            if name.split(".")[0] in blocked:
                del sys.modules[name]
        sys.meta_path.insert(0, _Blocker(blocked))
    os.environ["QGIS_CUSTOM_CONFIG_PATH"] = args.profile
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.append("/usr/share/qgis/python/plugins")

    from qgis.core import QgsApplication, QgsSettings

    app = QgsApplication([], args.gui)
    app.initQgis()
    logged = []
    QgsApplication.messageLog().messageReceived.connect(lambda msg, tag, level: logged.append([tag, msg]))
    if args.locale:
        settings = QgsSettings()
        settings.setValue("locale/userLocale", args.locale)
        settings.setValue("locale/overrideFlag", True)
        settings.sync()

    import qgis.utils

    home = os.path.join(QgsApplication.qgisSettingsDirPath(), "python", "plugins")
    qgis.utils.plugin_paths[:] = [home]
    sys.path.insert(0, home)
    qgis.utils.updateAvailablePlugins()
    out = {"home": home, "available": sorted(qgis.utils.available_plugins), "python": sys.executable}
    iface = None
    if args.gui:
        from qgis.gui import QgsMapCanvas, QgsMessageBar
        from qgis.PyQt.QtWidgets import QMainWindow

        class Iface:  # the part of QgisInterface a plugin with missing dependencies touches
            def __init__(self):
                self.window = QMainWindow()
                self.canvas = QgsMapCanvas(self.window)
                self.bar = QgsMessageBar(self.window)

            def mainWindow(self):  # noqa: N802
                return self.window

            def mapCanvas(self):  # noqa: N802
                return self.canvas

            def messageBar(self):  # noqa: N802
                return self.bar

        iface = Iface()
        qgis.utils.iface = iface
    out["loaded"] = qgis.utils.loadPlugin("bingeo_qgis")
    if args.gui:
        out["started"] = qgis.utils.startPlugin("bingeo_qgis")
        out["message_bar"] = [[int(item.level()), item.title(), item.text()] for item in iface.bar.items()]
    else:
        out["started"] = qgis.utils.startProcessingPlugin("bingeo_qgis")
    mod = sys.modules.get("bingeo_qgis")
    out["plugin_file"] = getattr(mod, "__file__", None)
    provider = QgsApplication.processingRegistry().providerById("bingeo")
    out["algorithms"] = sorted(a.id() for a in provider.algorithms()) if provider else None
    if provider:
        alg = QgsApplication.processingRegistry().algorithmById("bingeo:assignpoints")
        out["assign_name"] = alg.displayName()
        out["group"] = alg.group()
        out["help"] = alg.shortHelpString()
    out["logged"] = logged
    out["bingeo_importable"] = "bingeo" in sys.modules
    print("PROBE-JSON " + json.dumps(out))
    sys.stdout.flush()
    if provider is not None:
        qgis.utils.unloadPlugin("bingeo_qgis")
    app.exitQgis()


if __name__ == "__main__":
    main()
