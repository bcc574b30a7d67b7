"""The house rules of the package layout (issue 12), checked on the tree itself.

- every ``bingeo`` module imports with ``qgis`` (and PyQt) made unimportable: the core never needs QGIS;
- no module imports a private name (``_x``) of another module, except inside its own sub-package;
- the whole tree has one format (``ruff format --check``) and passes ``ruff check``.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bingeo"

_NO_QGIS = r"""
import importlib, importlib.abc, json, pkgutil, sys

class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("qgis", "PyQt5", "PyQt6", "processing"):
            raise ImportError(f"{name} blocked by the test")
        return None

sys.meta_path.insert(0, _Block())
import bingeo
failed, names = {}, []
for info in pkgutil.walk_packages(bingeo.__path__, "bingeo."):
    if info.name.endswith("__main__"):
        continue
    names.append(info.name)
    try:
        importlib.import_module(info.name)
    except Exception as exc:  # report every module, not only the first
        failed[info.name] = repr(exc)
for name in bingeo.__all__:
    try:
        getattr(bingeo, name)
    except Exception as exc:
        failed["bingeo." + name] = repr(exc)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("qgis", "PyQt5", "PyQt6", "processing"))
print(json.dumps({"names": names, "failed": failed, "loaded": loaded}))
"""


def test_every_module_imports_without_qgis():
    out = subprocess.run([sys.executable, "-c", _NO_QGIS], capture_output=True, text=True, cwd=ROOT, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(got["names"]) > 30, got["names"]  # the walk really saw the package
    assert "bingeo.cli.main" in got["names"]
    assert got["failed"] == {}
    assert got["loaded"] == []


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _private_reach_ins(root: Path, files: list[Path]) -> list[str]:
    """Imports of another module's private names.

    Inside ``bingeo``: ``from bingeo.x import _y`` is allowed only when the importer lives in the same
    sub-package as ``x`` (``bingeo.readers.*``, ``bingeo.stores.*``, ``bingeo.cli.*``); underscore helper
    modules (``bingeo._crs``) are part of the package and their public names may be used.
    Outside it (the QGIS plugin): nothing private at all, helper modules included.
    """
    found = []
    for path in files:
        rel = path.relative_to(root)
        inside = rel.parts[0] == "bingeo"
        here = ".".join(rel.with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.level or not (node.module or "").startswith("bingeo"):
                continue
            for alias in node.names:
                target = f"{node.module}.{alias.name}".split(".")
                if not any(p.startswith("_") and not p.startswith("__") for p in target):
                    continue
                if inside:
                    is_module = (root / Path(*target)).with_suffix(".py").exists() or (root / Path(*target)).is_dir()
                    if is_module or not alias.name.startswith("_"):
                        continue  # a helper module, or a public name of one
                    owner = node.module.split(".")[:-1] if len(node.module.split(".")) > 1 else ["bingeo"]
                    if len(owner) > 1 and here.split(".")[: len(owner)] == owner:
                        continue  # inside the same sub-package
                found.append(f"{rel}:{node.lineno}: from {node.module} import {alias.name}")
    return found


def test_no_private_names_imported_across_modules():
    files = sorted(PACKAGE.rglob("*.py")) + sorted((ROOT / "qgis_plugin").rglob("*.py"))
    assert len(files) > 40
    assert _private_reach_ins(ROOT, files) == []


def test_private_reach_in_check_can_fail(tmp_path):
    (tmp_path / "bingeo" / "stores").mkdir(parents=True)
    (tmp_path / "bingeo" / "_crs.py").write_text("", encoding="utf-8")
    (tmp_path / "plugin").mkdir()
    lines = [
        "from bingeo.readers import _squash",  # a private name of another module: bad
        "from bingeo._crs import to_crs",  # a helper module's public name: fine inside bingeo
        "from bingeo import _crs",  # a helper module: fine inside bingeo
        "from bingeo.stores.base import _now",  # fine only inside bingeo.stores
    ]
    core = tmp_path / "bingeo" / "counts.py"
    core.write_text("\n".join(lines), encoding="utf-8")
    store = tmp_path / "bingeo" / "stores" / "gpkg.py"
    store.write_text(lines[3], encoding="utf-8")
    plugin = tmp_path / "plugin" / "tool.py"
    plugin.write_text("\n".join(lines[1:3]), encoding="utf-8")
    found = _private_reach_ins(tmp_path, [core, store, plugin])
    assert [f.split(": ", 1)[1] for f in found] == [lines[0], lines[3], lines[1], lines[2]], found


def _ruff() -> list[str]:
    exe = shutil.which("ruff")
    if exe:
        return [exe]
    try:
        import ruff  # noqa: F401
    except ImportError:
        need("ruff", "pip install -e '.[test]' installs it")
    return [sys.executable, "-m", "ruff"]


@pytest.mark.parametrize(
    "args",
    [["format", "--check", "."], ["check", "bingeo", "tests", "benchmarks", "qgis_plugin", "data"]],
    ids=["format", "lint"],
)
def test_ruff(args):
    out = subprocess.run(_ruff() + args, capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_static_files_are_package_data_and_in_every_map():
    """The map's JavaScript/CSS live in bingeo/static/, are declared package data, and end up in the HTML."""
    import fnmatch
    import re

    import geopandas as gpd
    import shapely

    import bingeo

    toml = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    line = re.search(r"^\[tool\.setuptools\.package-data\]\s*\nbingeo = \[(.*)\]$", toml, re.M)
    globs = {"bingeo": re.findall(r'"([^"]+)"', line.group(1))}
    static = sorted((PACKAGE / "static").iterdir())
    assert {p.suffix for p in static} == {".js", ".css"}
    for path in static:
        rel = path.relative_to(PACKAGE).as_posix()
        assert any(fnmatch.fnmatch(rel, g) for g in globs["bingeo"]), rel
    nets = gpd.GeoDataFrame(
        {"network_id": ["A"], "name": ["A"], "kind": ["bin"]},
        geometry=[shapely.box(233_000, 582_000, 234_000, 583_000)],
        crs=28992,
    )
    html = bingeo.web_map(nets).get_root().render()
    for path in static:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if len(ln.strip()) > 20]
        assert lines and all(ln in html for ln in lines[:5] + lines[-5:]), path.name
