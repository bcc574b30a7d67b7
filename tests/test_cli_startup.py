"""Start-up: a command imports only what it needs (a behaviour test of the imports, not a timing test).

``python -X importtime`` lists every module a process imports. The help of the CLI and of the commands
users run many times a day (``recipients``, ``members import``) must not pull in the heavy libraries of
other workflows: an eager ``import geopandas`` (or folium, scipy, ...) added back at module level fails here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Libraries no help text and no ``import bingeo`` needs: each costs 0.1-0.5 s of start-up.
HEAVY = ("geopandas", "pandas", "folium", "scipy", "matplotlib", "pyogrio", "pyarrow", "tqdm", "branca", "jinja2")


def imported_by(*args: str) -> set[str]:
    """Top-level modules imported by ``python -X importtime ARGS`` (which must succeed)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    names = set()
    for line in res.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                names.add(name.split(".")[0])
    assert "bingeo" in names  # the listing was read
    return names


@pytest.mark.parametrize(
    "args",
    [
        ("-c", "import bingeo"),
        ("-m", "bingeo", "--help"),
        ("-m", "bingeo", "--version"),
        ("-m", "bingeo", "recipients", "--help"),
        ("-m", "bingeo", "members", "import", "--help"),
        ("-m", "bingeo", "audit", "list", "--help"),
    ],
    ids=["import-bingeo", "help", "version", "recipients-help", "members-import-help", "audit-help"],
)
def test_no_heavy_imports(args):
    heavy = sorted(set(HEAVY) & imported_by(*args))
    assert not heavy, f"{' '.join(args)} imports {heavy}: import them where they are used"


def test_the_check_sees_an_eager_import():
    # the same check, on a command that does import geopandas: it is seen (so the test above can fail)
    assert "geopandas" in imported_by("-c", "import bingeo; bingeo.assign")
