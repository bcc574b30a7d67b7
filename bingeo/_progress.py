"""Progress and cancellation of long work, as STYLE.md section 7 sets them (for the CLI's bar and QGIS's feedback).

Long functions take ``progress: Callable[[float], None] | None`` (called with the share done, 0 to 1) and
``is_cancelled: Callable[[], bool] | None`` (polled between steps; True stops the work with
:class:`bingeo.errors.CancelledError`). The QGIS plugin maps them to ``feedback.setProgress(100 * share)`` and
``feedback.isCanceled``; the command line to a progress bar.
"""

from __future__ import annotations

from collections.abc import Callable

from bingeo.errors import CancelledError

__all__ = ["Progress", "Cancel", "check_cancelled", "part", "report"]

Progress = Callable[[float], None]
Cancel = Callable[[], bool]


def report(progress: Progress | None, share: float) -> None:
    """Call ``progress(share)`` (clipped to 0..1) if there is a callback."""
    if progress is not None:
        progress(min(max(float(share), 0.0), 1.0))


def check_cancelled(is_cancelled: Cancel | None, what: str) -> None:
    """Raise :class:`~bingeo.errors.CancelledError` naming ``what`` when ``is_cancelled()`` says so."""
    if is_cancelled is not None and is_cancelled():
        msg = f"{what} was cancelled; nothing was written."
        raise CancelledError(msg)


def part(progress: Progress | None, start: float, end: float) -> Progress | None:
    """Return a callback that maps a step's own 0..1 onto ``start..end`` of the whole (None stays None).

    Examples
    --------
    >>> seen = []
    >>> part(seen.append, 0.5, 1.0)(0.5)
    >>> seen
    [0.75]
    """
    if progress is None:
        return None
    return lambda share: report(progress, start + (end - start) * share)
