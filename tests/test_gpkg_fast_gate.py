"""The gate of the R-tree's second process: cores idle while the command ran (bingeo.readers.idle)."""

from __future__ import annotations

import os

import pytest

import bingeo.readers.gpkg_points as gpkg_points
import bingeo.readers.idle as idle


def _clock(monkeypatch, *readings):
    """Feed (monotonic seconds, idle CPU seconds) readings to idle_cores, the first as the command's start."""
    monkeypatch.setattr(idle, "_last", readings[0])
    left = list(readings[1:])
    monkeypatch.setattr(idle, "_idle_now", lambda: left.pop(0))


@pytest.mark.parametrize(
    ("start", "now", "want"),
    [
        ((10.0, 100.0), (12.0, 101.6), 0.8),  # 1.6 s idle in 2 s: 0.8 of a core
        ((10.0, 100.0), (12.0, 100.0), 0.0),
        ((10.0, 100.0), (10.1, 100.1), None),  # too short to say
        ((10.0, 100.0), (100.0, 180.0), None),  # too long ago to say
        (None, (12.0, 101.0), None),  # no /proc/stat
    ],
)
def test_idle_cores_over_the_window(monkeypatch, start, now, want):
    _clock(monkeypatch, start, now)
    got = idle.idle_cores()
    assert got == pytest.approx(want) if want is not None else got is None
    assert idle._last == now  # the next window starts here


@pytest.mark.parametrize(("idle_share", "load", "want"), [(0.8, 9.0, True), (0.1, 0.0, False), (None, 0.5, True)])
def test_second_process_only_with_an_idle_core(monkeypatch, idle_share, load, want):
    """Idle time decides when known (whatever the load average says); else the load average."""
    if not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2:
        pytest.fail("this test needs a machine with 2 cores or more")
    monkeypatch.setattr(idle, "idle_cores", lambda: idle_share)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert gpkg_points._core_free() is want


def test_idle_cores_reads_the_kernel():
    """On Linux two readings a second apart give a share between 0 and the cores."""
    import time

    if idle._idle_now() is None:
        pytest.fail("no /proc/stat on this machine")
    idle.idle_cores()
    time.sleep(0.6)
    got = idle.idle_cores()
    assert got is not None and 0 <= got <= os.cpu_count() + 0.5
