"""Progress: a bar on a terminal, nothing in a pipe or with --quiet; the library's progress/is_cancelled hooks."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

import bingeo
from bingeo.errors import CancelledError

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


def _stderr_of(args: list[str], *, terminal: bool) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    if not terminal:
        res = subprocess.run([sys.executable, "-m", "bingeo", *args], capture_output=True, text=True, env=env)
        assert res.returncode == 0, res.stderr
        return res.stderr
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))  # a 100-column terminal
    with subprocess.Popen(
        [sys.executable, "-m", "bingeo", *args], stdout=subprocess.DEVNULL, stderr=slave, env=env
    ) as proc:
        os.close(slave)
        chunks = []
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                break
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        assert proc.wait(timeout=120) == 0
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("progress") / "bins.gpkg"
    bingeo.import_networks(SAMPLES / "networks.gpkg", path)
    return path


def test_a_bar_on_a_terminal_none_in_a_pipe_or_quiet(store, tmp_path):
    args = ["assign", str(SAMPLES / "incidents.csv"), "--store", str(store), "--crs", "28992"]
    shown = _stderr_of([*args, "--output", str(tmp_path / "a.csv")], terminal=True)
    assert "assigning:" in shown and "%|" in shown
    piped = _stderr_of([*args, "--output", str(tmp_path / "b.csv")], terminal=False)
    assert "assigning" not in piped and "%|" not in piped
    quiet = _stderr_of(["--quiet", *args, "--output", str(tmp_path / "c.csv")], terminal=True)
    assert "assigning" not in quiet and "%|" not in quiet


@pytest.fixture(scope="module")
def incidents(store):
    with bingeo.open_store(store) as st:
        return bingeo.read_points(SAMPLES / "incidents.csv", crs=28992, target_crs=st.crs).points, st.networks()


def _calls(fn):
    seen = []
    fn(seen.append)
    assert seen and seen[-1] == pytest.approx(1.0)
    assert all(0 <= a <= b <= 1 for a, b in zip(seen, seen[1:], strict=False))
    return seen


def test_long_functions_report_progress_and_stop_when_cancelled(incidents, store, tmp_path):
    from bingeo.nearrepeat import suggest_alert
    from bingeo.stores import copy_store

    pts, nets = incidents
    _calls(lambda p: bingeo.assign(pts, nets, progress=p))
    with pytest.raises(CancelledError):
        bingeo.assign(pts, nets, is_cancelled=lambda: True)

    _calls(lambda p: bingeo.find_hotspots(pts, networks=nets, progress=p))
    with pytest.raises(CancelledError):
        bingeo.find_hotspots(pts, networks=nets, is_cancelled=lambda: True)

    _calls(lambda p: suggest_alert(pts, permutations=19, progress=p))
    with pytest.raises(bingeo.BingeoError):
        suggest_alert(pts, permutations=19, is_cancelled=lambda: True)

    from bingeo.members import members_from_file

    adr = bingeo.read_points(SAMPLES / "addresses.csv", crs=28992).points
    _calls(lambda p: members_from_file(SAMPLES / "members.csv", crs=28992, addresses=adr, progress=p))
    with pytest.raises(CancelledError):
        members_from_file(SAMPLES / "members.csv", crs=28992, addresses=adr, is_cancelled=lambda: True)

    _calls(lambda p: copy_store(store, tmp_path / "copy.gpkg", progress=p))
    with pytest.raises(CancelledError):
        copy_store(store, tmp_path / "copy2.gpkg", is_cancelled=lambda: True)
    with bingeo.open_store(tmp_path / "copy2.gpkg") as st:  # a cancelled copy wrote nothing
        assert len(st.networks(include_retired=True)) == 0
