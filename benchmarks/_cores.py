"""What this machine gives to several threads right now: the ceiling of any speed-up per core.

On a shared machine (other jobs, a VM's stolen time) a second thread may get little or no CPU. A
workload that certainly runs in parallel (numpy square roots in threads, which release the GIL) is timed
on 1 and on ``workers`` threads; its speed-up is the most a parallel bingeo function can show in the
same conditions, and benchmarks print it beside their own.
"""

from __future__ import annotations

import threading
import time

import numpy as np


def parallel_ceiling(workers: int, seconds: float = 0.5) -> float:
    """Return the speed-up of ``workers`` threads over one on a GIL-free numpy workload (about ``seconds``)."""
    a = np.random.default_rng(0).random(1_000_000)

    def work(rounds: int) -> None:
        out = np.empty_like(a)
        for _ in range(rounds):
            np.sqrt(a, out=out)
            out *= 1.0001

    t0 = time.perf_counter()
    work(5)
    rounds = max(5, int(5 * seconds / max(time.perf_counter() - t0, 1e-6)))
    t0 = time.perf_counter()
    work(rounds)
    one = time.perf_counter() - t0
    threads = [threading.Thread(target=work, args=(rounds,)) for _ in range(workers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return workers * one / (time.perf_counter() - t0)
