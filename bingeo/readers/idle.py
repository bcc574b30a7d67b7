"""Whether another core sat idle while this command ran: the machine's idle CPU time since the last look.

The second process that packs a GeoPackage's R-tree (:mod:`bingeo.readers.gpkg_points`) shortens a command only
when a core is free for it. The 1-minute load average answers late: a run that starts right after another
program (a benchmark's reference script, a previous command) sees that program's load for a minute after it
ended, and a run that starts on a busy machine sees the load of a minute ago. The idle time the kernel counts
(``/proc/stat``) over the seconds this command has run so far is what the next seconds will most likely be.
"""

from __future__ import annotations

import os
import time

__all__ = ["FREE_CORE", "IDLE_SPAN", "idle_cores"]

#: A core counts as free for a second process when at least this many cores were idle on average.
FREE_CORE = 0.5

#: The window (seconds) over which idle time is averaged: at least the first, at most the second; else None.
IDLE_SPAN = (0.5, 60.0)


def _idle_now() -> tuple[float, float] | None:
    """Return (monotonic seconds, CPU seconds all cores were idle since boot), or None where unknown."""
    try:
        with open("/proc/stat", "rb") as fh:
            fields = fh.readline().split()
        ticks = os.sysconf("SC_CLK_TCK")
        return time.monotonic(), (int(fields[4]) + int(fields[5])) / ticks  # idle + waiting for I/O
    except (OSError, ValueError, IndexError, AttributeError):  # no /proc (Windows, macOS): unknown
        return None


_last = _idle_now()  # when this module was imported: the command's start


def idle_cores() -> float | None:
    """Return how many cores were idle on average since the last call (or the import), or None when unknown.

    None when the kernel does not tell (no ``/proc/stat``) or the window lies outside :data:`IDLE_SPAN` (too short
    to say, or so long ago that it says nothing about now); the caller then asks the load average.

    Examples
    --------
    >>> got = idle_cores()
    >>> got is None or got >= 0
    True
    """
    global _last
    now, then = _idle_now(), _last
    _last = now
    if now is None or then is None or not IDLE_SPAN[0] <= now[0] - then[0] <= IDLE_SPAN[1]:
        return None
    return max(0.0, (now[1] - then[1]) / (now[0] - then[0]))
