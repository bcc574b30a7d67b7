"""Work done beside the reader on the second core: a job whose answer is asked for later.

Reading a text table is a chain of steps, but a few of them do not need each other (checking the quotes while
Arrow splits the records; parsing the dates while the coordinates are parsed). Those run in a thread when more
than one worker is allowed (:func:`bingeo._workers.resolve_workers`: ``BINGEO_WORKERS=1`` keeps everything in
the calling thread); they are Arrow compute and numpy, which release the GIL. The answer, or the error, is the
one the job gives when called directly, so nothing depends on the number of workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from bingeo._workers import resolve_workers

__all__ = ["Beside"]


class Beside:
    """``fn(*args, **kwargs)``, run in a thread now (more than one worker) or in the caller when asked for.

    Examples
    --------
    >>> job = Beside(sum, [1, 2, 3])
    >>> job.result()
    6
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._call = (fn, args, kwargs)
        self._done = False
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if resolve_workers() > 1:
            self._thread = threading.Thread(target=self._run, name="bingeo-beside", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        fn, args, kwargs = self._call
        try:
            self._value = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - given back to the caller by result()
            self._error = exc
        self._done = True

    def result(self) -> Any:
        """Return the job's answer (or raise its error), waiting for the thread or running it now."""
        if self._thread is not None:
            self._thread.join()
        elif not self._done:
            self._run()
        if self._error is not None:
            raise self._error
        return self._value
