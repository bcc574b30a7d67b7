"""What the plugin needs in QGIS's Python, and how to install what is missing.

Nothing is installed silently: the plugin only says what is missing and gives the command.
This module imports nothing heavy at load time.
"""

from __future__ import annotations

import importlib
import os
import sys
import sysconfig

__all__ = ["REQUIRED", "missing_dependencies", "install_command", "missing_message"]

#: Modules the algorithms need, in the order they are checked; ``bingeo`` brings the others.
REQUIRED = ("numpy", "pandas", "shapely", "pyproj", "pyogrio", "geopandas", "scipy", "bingeo")


def missing_dependencies() -> list[str]:
    """Return the modules of :data:`REQUIRED` that cannot be imported (a broken install counts as missing)."""
    missing = []
    for name in REQUIRED:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 (ImportError, or a broken package raising anything)
            missing.append(name)
    return missing


def _python() -> str:
    if sys.platform == "win32":
        return "python"
    for candidate in (sys.executable, os.path.join(sys.exec_prefix, "bin", "python3")):
        if candidate and os.path.basename(candidate).startswith("python") and os.path.exists(candidate):
            return candidate
    if sys.platform == "darwin":
        return "/Applications/QGIS.app/Contents/MacOS/bin/python3"
    return "python3"


def install_command(missing: list[str], *, platform: str | None = None) -> str:
    """Return the command that installs ``missing`` into this QGIS's Python, for ``platform`` (default: this one)."""
    platform = platform or sys.platform
    packages = ["bingeo"] if "bingeo" in missing else list(missing)
    pkgs = " ".join(packages)
    if platform == "win32":
        return f"python -m pip install {pkgs}   (in the OSGeo4W Shell that comes with QGIS, as administrator)"
    python = _python()
    in_venv = sys.prefix != sys.base_prefix
    flags = "" if in_venv else " --user"
    if platform.startswith("linux") and not in_venv:
        marker = os.path.join(sysconfig.get_paths()["stdlib"], "EXTERNALLY-MANAGED")
        if os.path.exists(marker):  # Debian 12, Ubuntu 23.04+: pip refuses without it (PEP 668)
            flags += " --break-system-packages"
    return f"{python} -m pip install{flags} {pkgs}"


def missing_message(missing: list[str]) -> str:
    """One line for the message bar and the log: what is missing and the exact command."""
    from .translation import tr

    return tr("bingeo needs {missing} in QGIS's Python ({python}). Install with: {command} and restart QGIS.").format(
        missing=", ".join(missing), python=sys.executable, command=install_command(missing)
    )
