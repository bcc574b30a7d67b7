"""bingeo for QGIS: Processing algorithms for neighbourhood alert networks, and a draw-to-select alert tool."""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    """Return the plugin instance (QGIS calls this; ``iface`` is None in headless QGIS)."""
    from .plugin import BingeoPlugin

    return BingeoPlugin(iface)
