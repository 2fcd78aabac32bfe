"""Each replication's numpy linear algebra runs on one thread, in the main process and in
each worker: OpenBLAS's threads, left spinning after a call on several, took the cores the
other workers needed (``runner._on_one_thread``)."""

from __future__ import annotations

from typing import Any

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from simulator.runner import Backend, _map_tasks


def blas_threads(scenario: Any, rep: int) -> list[int]:
    """A replication's work that reports the BLAS threads it would use."""
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_replication_s_linear_algebra_runs_on_one_thread(workers: int):
    tasks = [(None, rep) for rep in range(4)]
    with threadpool_limits(limits=2, user_api="blas"):  # as a 2-core machine has it
        outside = blas_threads(None, 0)
        inside = _map_tasks(blas_threads, tasks, Backend(workers=workers), None)  # type: ignore[arg-type]
        after = blas_threads(None, 0)
    assert outside and set(outside) == {2}
    assert inside == [[1] * len(outside)] * len(tasks)
    assert after == outside  # the caller's own limit is back
