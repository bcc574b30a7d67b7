"""How many threads (or processes) bingeo's parallel work uses: one rule for every ``workers`` parameter.

``workers=None`` (the default) takes the environment variable ``BINGEO_WORKERS`` when it is set, else
every CPU this process may run on (``os.sched_getaffinity``, else ``os.cpu_count()``). A whole number
``>= 1`` is used as given; ``1`` runs everything in the calling thread. The work is split into pieces
whose size does not depend on the number of workers and the pieces are combined in a fixed order, so
results are identical whatever the number of workers.
"""

from __future__ import annotations

import collections
import operator
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bingeo.errors import InputError

__all__ = ["WORKERS_ENV", "cpu_count", "in_order", "resolve_workers"]

#: Environment variable giving the default number of workers (unset: every CPU).
WORKERS_ENV = "BINGEO_WORKERS"


def cpu_count() -> int:
    """Return the number of CPUs this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_workers(workers: int | None = None) -> int:
    """Return the number of workers to use for ``workers`` (see the module docstring for the rule).

    Raises
    ------
    TypeError
        ``workers`` is not a whole number or None.
    InputError
        ``workers`` < 1, or ``BINGEO_WORKERS`` is not a whole number >= 1.
    """
    if workers is None:
        env = os.environ.get(WORKERS_ENV, "").strip()
        if not env:
            return cpu_count()
        try:
            value = int(env)
        except ValueError:
            value = 0
        if value < 1:
            msg = (
                f"environment variable {WORKERS_ENV}={env!r} is not a whole number >= 1; set it to e.g. 2, or unset it"
            )
            raise InputError(msg)
        return value
    try:
        if isinstance(workers, bool):
            raise TypeError
        workers = operator.index(workers)
    except TypeError:
        msg = f"`workers` must be a whole number >= 1 or None; got {type(workers).__name__} {workers!r}"
        raise TypeError(msg) from None
    if workers < 1:
        msg = f"`workers` must be >= 1 (1: no threads; None: ${WORKERS_ENV} or every CPU); got {workers}"
        raise InputError(msg)
    return int(workers)


def in_order(fn: Callable[[Any], Any], items: Iterable[Any], *, workers: int | None = None) -> Iterator[Any]:
    """Yield ``fn(item)`` for each item in order, computed by up to ``workers`` threads a few items ahead.

    For work that releases the GIL (Arrow compute, numpy): the CSV writer renders its blocks of rows this way on
    every core while the file is written in order, so the bytes do not depend on the number of workers
    (:func:`bingeo._workers.resolve_workers`).
    """
    n = resolve_workers(workers)
    if n == 1:
        yield from map(fn, items)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="bingeo-render") as pool:
        pending: collections.deque[Any] = collections.deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) > n:  # a bounded look-ahead: at most n + 1 blocks in memory
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
