"""The plugin as a user gets it: the zip built by ``qgis_plugin/build.py``, unzipped into a fresh QGIS profile and
loaded by a fresh QGIS process (headless: ``loadPlugin`` + ``startProcessingPlugin``); in Dutch when QGIS's
locale is nl; and in a QGIS Python without bingeo/geopandas, where it still loads and says what to install.
"""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plugin_support import PLUGIN_DIR, expected_algorithms  # noqa: E402

PROBE = Path(__file__).resolve().parent / "plugin_probe.py"
DEBIAN_PYTHON = "/usr/bin/python3"

#: plugins.qgis.org refuses a plugin whose metadata.txt lacks one of these.
REQUIRED_METADATA = ("name", "qgisMinimumVersion", "description", "about", "version", "author", "email", "repository")


def build_module():
    sys.path.insert(0, str(PLUGIN_DIR))
    try:
        import build
    finally:
        sys.path.remove(str(PLUGIN_DIR))
    return build


@pytest.fixture(scope="module")
def plugin_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("zip") / "bingeo_qgis.zip"
    res = subprocess.run(
        [sys.executable, str(PLUGIN_DIR / "build.py"), "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    return out


@pytest.fixture(scope="module")
def profile(plugin_zip, tmp_path_factory):
    """A fresh QGIS profile folder with the zip unzipped into its python/plugins, as 'Install from ZIP' does."""
    root = tmp_path_factory.mktemp("qgis_profile")
    plugins = root / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(plugin_zip) as zf:
        zf.extractall(plugins)
    return root


def probe(python, profile_dir, *args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "QGIS_CUSTOM_CONFIG_PATH")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    res = subprocess.run(
        [python, str(PROBE), "--profile", str(profile_dir), *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env=env,
    )
    line = next((ln for ln in res.stdout.splitlines() if ln.startswith("PROBE-JSON ")), None)
    assert line is not None, f"rc={res.returncode}\nstdout:\n{res.stdout[-3000:]}\nstderr:\n{res.stderr[-3000:]}"
    return json.loads(line[len("PROBE-JSON ") :])


def test_zip_layout_and_metadata(plugin_zip):
    with zipfile.ZipFile(plugin_zip) as zf:
        names = zf.namelist()
        meta_text = zf.read("bingeo_qgis/metadata.txt").decode("utf-8")
    assert all(n.startswith("bingeo_qgis/") for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    for needed in (
        "__init__.py",
        "plugin.py",
        "provider.py",
        "adapter.py",
        "icon.png",
        "i18n/bingeo_qgis_nl.qm",
        "algorithms/__init__.py",
        "worker.py",
        "wheels/bingeo-0.1.0-py3-none-any.whl",
    ):
        assert f"bingeo_qgis/{needed}" in names, needed
    meta = configparser.ConfigParser()
    meta.read_string(meta_text)
    general = meta["general"]
    for key in REQUIRED_METADATA + ("tracker", "homepage", "tags", "category", "icon", "license"):
        assert general.get(key, "").strip(), key
    assert general["qgisMinimumVersion"] == "3.22"
    assert general["hasProcessingProvider"] == "yes"
    assert f"bingeo_qgis/{general['icon']}" in names
    assert len(general["about"]) > 200


@pytest.mark.requires("qgis")
def test_dutch_translation_is_complete_and_compiled():
    from qgis.PyQt.QtCore import QTranslator

    build = build_module()
    ts = PLUGIN_DIR / "bingeo_qgis" / "i18n" / "bingeo_qgis_nl.ts"
    _, messages = build.read_ts(ts)
    finished = {m["source"] for m in messages if m["finished"] and m["translation"]}
    missing = [s for s in build.source_strings() if s not in finished]
    assert not missing, f"untranslated strings (run qgis_plugin/build.py --update-ts, then translate): {missing}"
    qm = ts.with_suffix(".qm")
    assert qm.read_bytes() == build.qm_bytes(messages), "the .qm is stale: run python3 qgis_plugin/build.py"
    tr = QTranslator()
    assert tr.load(str(qm))
    for m in messages:  # Qt itself reads every translation back from our .qm
        assert tr.translate("bingeo", m["source"]) == m["translation"]
    assert tr.translate("bingeo", "no such text") == ""


@pytest.mark.requires("qgis")
def test_installed_zip_loads_headless_in_a_fresh_profile(profile, tmp_path):
    out = probe(sys.executable, profile, "--locale", "en_GB", cwd=tmp_path)
    assert "bingeo_qgis" in out["available"]
    assert out["loaded"] and out["started"]
    assert Path(out["plugin_file"]).resolve().is_relative_to(Path(profile).resolve())
    assert set(out["algorithms"]) == expected_algorithms()
    assert out["assign_name"] == "Assign points to networks"


@pytest.mark.requires("qgis")
def test_installed_zip_speaks_dutch_when_qgis_does(profile, tmp_path):
    out = probe(sys.executable, profile, "--locale", "nl_NL", cwd=tmp_path)
    assert set(out["algorithms"]) == expected_algorithms()
    assert out["assign_name"] == "Punten aan netwerken toewijzen"
    assert out["group"] == "Analyse"
    assert "Kolom met de netwerk-id" in out["help"]


@pytest.mark.requires("qgis")
def test_debian_python_without_bingeo_loads_and_says_what_to_install(profile, tmp_path):
    """Debian's own python3 has QGIS but neither geopandas nor bingeo: the plugin loads and explains."""
    if not Path(DEBIAN_PYTHON).exists():
        pytest.fail(f"{DEBIAN_PYTHON} (Debian's python3 with python3-qgis) is missing")
    out = probe(DEBIAN_PYTHON, profile, "--locale", "en_GB", cwd=tmp_path)
    assert not out["bingeo_importable"]
    assert out["loaded"] and out["started"]  # QGIS is not broken
    assert out["algorithms"] is None  # no provider without its dependencies
    msgs = [msg for tag, msg in out["logged"] if tag == "bingeo"]
    assert len(msgs) == 1, out["logged"]
    msg = msgs[0]
    assert "geopandas" in msg and "bingeo" in msg
    assert f"{DEBIAN_PYTHON} -m pip install --user" in msg and msg.rstrip(". ").endswith("restart QGIS")
    if (Path("/usr/lib/python3.11") / "EXTERNALLY-MANAGED").exists():
        assert "--break-system-packages" in msg
    # the command installs the wheel the plugin ships (bingeo is on no package index), and pip accepts it
    wheel = Path(out["home"]) / "bingeo_qgis" / "wheels" / "bingeo-0.1.0-py3-none-any.whl"
    command = msg.split("Install with: ")[1].rsplit(" and restart QGIS", 1)[0]
    assert command.endswith(str(wheel)) and wheel.exists()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONUSERBASE"] = str(tmp_path / "userbase")  # nothing lands in the real user site
    res = subprocess.run(
        command.split() + ["--dry-run", "--no-deps", "--no-index"], capture_output=True, text=True, env=env, timeout=120
    )
    assert res.returncode == 0 and "Would install bingeo-0.1.0" in res.stdout, res.stdout + res.stderr


@pytest.mark.requires("qgis")
def test_missing_bingeo_shows_message_bar_in_dutch(profile, tmp_path):
    out = probe(sys.executable, profile, "--gui", "--block", "bingeo", "--locale", "nl_NL", cwd=tmp_path)
    assert out["loaded"] and out["started"]
    assert out["algorithms"] is None
    from qgis.core import Qgis

    assert len(out["message_bar"]) == 1
    level, title, text = out["message_bar"][0]
    assert level == int(Qgis.Warning) and title == "bingeo"
    assert text.startswith("bingeo heeft bingeo nodig") and "-m pip install" in text
    assert text.split(" en start QGIS opnieuw")[0].endswith("/bingeo_qgis/wheels/bingeo-0.1.0-py3-none-any.whl")
    assert any(tag == "bingeo" and "Installeer met" in msg for tag, msg in out["logged"])


def test_install_command_per_platform():
    """The command names the packages and fits the platform (OSGeo4W shell on Windows, QGIS's python elsewhere)."""
    sys.path.insert(0, str(PLUGIN_DIR))
    try:
        from bingeo_qgis.deps import install_command
    finally:
        sys.path.remove(str(PLUGIN_DIR))
    wheel = Path("/opt/q gis/bingeo-0.1.0-py3-none-any.whl")
    win = install_command(["geopandas", "bingeo"], platform="win32", wheel=wheel)
    assert win.startswith(f'python -m pip install "{wheel}"') and "OSGeo4W Shell" in win
    assert install_command(["geopandas", "scipy"], platform="win32").startswith("python -m pip install geopandas scipy")
    mac = install_command(["bingeo"], platform="darwin", wheel=wheel)
    assert " -m pip install" in mac and mac.endswith(f" '{wheel}'") and "python" in mac.split(" -m ")[0]
    assert install_command(["bingeo"], platform="linux", wheel=None).endswith(" <folder of the bingeo source>")
    linux = install_command(["pyogrio"], platform="linux")
    python = linux.split(" -m pip install")[0]
    assert os.path.realpath(python) == os.path.realpath(sys.executable)  # this Python, not the first one on PATH
    assert linux.endswith(" pyogrio")
