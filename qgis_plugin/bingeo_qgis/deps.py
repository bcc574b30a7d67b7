"""What the plugin needs in QGIS's Python, and how to install what is missing.

Nothing is installed silently: the plugin only says what is missing and gives the command.
This module imports nothing heavy at load time.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import shlex
import sys
import sysconfig
from pathlib import Path
from types import SimpleNamespace

__all__ = [
    "REQUIRED",
    "missing_dependencies",
    "install_command",
    "missing_message",
    "qgis_python",
    "shipped_wheel",
    "library_constants",
]

#: Folder of the plugin that holds the bingeo wheel (see ``qgis_plugin/build.py``).
WHEELS = "wheels"
#: Modules the algorithms need, in the order they are checked; ``bingeo`` brings the others.
REQUIRED = ("numpy", "pandas", "shapely", "pyproj", "pyogrio", "geopandas", "scipy", "bingeo")


def missing_dependencies(*, import_them: bool = True) -> list[str]:
    """Return the modules of :data:`REQUIRED` that cannot be imported (a broken install counts as missing).

    ``import_them=False`` only looks them up without importing (inside the QGIS desktop, where bingeo's
    libraries run in a worker process and must not be loaded, see :mod:`.worker`).
    """
    missing = []
    for name in REQUIRED:
        try:
            if import_them:
                importlib.import_module(name)
            elif importlib.util.find_spec(name) is None:
                missing.append(name)
        except Exception:  # noqa: BLE001 (ImportError, or a broken package raising anything)
            missing.append(name)
    return missing


def qgis_python() -> str:
    """Return the Python interpreter of this QGIS (the one whose packages QGIS imports).

    Inside the QGIS application ``sys.executable`` is not reliable (Debian's QGIS reports the first
    ``python3`` on PATH, e.g. a pyenv shim): the interpreter of QGIS's own prefix comes first.
    """
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if sys.platform == "win32":
        names = [os.path.join(sys.exec_prefix, "python.exe"), os.path.join(sys.exec_prefix, "python3.exe")]
    else:
        exact, short = (
            os.path.join(sys.exec_prefix, "bin", f"python{version}"),
            os.path.join(sys.exec_prefix, "bin", "python3"),
        )
        same = os.path.exists(short) and os.path.realpath(short) == os.path.realpath(exact)
        names = [short, exact] if same or not os.path.exists(exact) else [exact, short]
    names.append(sys.executable)
    for candidate in names:
        if candidate and os.path.basename(candidate).lower().startswith("python") and os.path.exists(candidate):
            return candidate
    if sys.platform == "darwin":
        return "/Applications/QGIS.app/Contents/MacOS/bin/python3"
    return "python" if sys.platform == "win32" else "python3"


def library_constants(module: str) -> SimpleNamespace:
    """Return the literal UPPER_CASE constants of ``bingeo.<module>`` read from its source, without importing it.

    The algorithms take their defaults from the library (``hotspots.RINGS``, ...). Reading them this way keeps
    bingeo's libraries (shapely, pyproj, GDAL) out of the QGIS desktop's process (see :mod:`.worker`).
    """
    spec = importlib.util.find_spec("bingeo")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("No module named 'bingeo'", name="bingeo")
    path = Path(next(iter(spec.submodule_search_locations))) / f"{module.replace('.', '/')}.py"
    values = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = value = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and target.id.isupper():
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError:
                continue
    return SimpleNamespace(**values)


def shipped_wheel() -> Path | None:
    """Return the bingeo wheel shipped in the plugin's ``wheels/`` folder (``build.py`` puts it there), if any."""
    wheels = sorted((Path(__file__).resolve().parent / WHEELS).glob("bingeo-*.whl"))
    return wheels[-1] if wheels else None


def install_command(missing: list[str], *, platform: str | None = None, wheel: Path | None | bool = True) -> str:
    """Return the command that installs ``missing`` into this QGIS's Python, for ``platform`` (default: this one).

    bingeo is not on a package index: it is installed from the wheel the plugin ships (``wheel=True``: the
    one in ``wheels/``; a path: that one), which brings its dependencies from PyPI. Without a wheel the
    command names bingeo's source folder (a clone or an unpacked release).
    """
    platform = platform or sys.platform
    if wheel is True:
        wheel = shipped_wheel()
    quote = (lambda t: f'"{t}"' if " " in t else t) if platform == "win32" else shlex.quote
    if "bingeo" in missing:
        packages = [quote(str(wheel)) if wheel else "<folder of the bingeo source>"]
    else:
        packages = list(missing)
    pkgs = " ".join(packages)
    if platform == "win32":
        return f"python -m pip install {pkgs}   (in the OSGeo4W Shell that comes with QGIS, as administrator)"
    python = qgis_python()
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
        missing=", ".join(missing), python=qgis_python(), command=install_command(missing)
    )
