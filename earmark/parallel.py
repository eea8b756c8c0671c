"""Independent model fits (cross-fitting folds, final stages) on several cores, in worker processes.

Gradient boosting runs on one thread everywhere (earmark.uplift.tlearner.threads says why: its OpenMP
loops busy-wait on shared cores). The cores are used instead by fitting a model's independent parts, such
as the folds of a cross-fit, in separate processes (joblib's loky workers, each limited to one thread).
Each part is seeded and computed exactly as it would be in the calling process, so the results are the
same, bit for bit, whatever the number of workers (tests/python/test_parallel.py).

Workers pay a start-up (about a second, once per process that uses them) and a copy of their inputs
(arrays above 1 MB are shared through memory-mapped files), so small inputs, below `MIN_PARALLEL_ROWS`
rows, are fitted in the calling process. `EARMARK_JOBS` caps the workers (1: never start any); the
default is the cores this process may use.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from typing import Any

from threadpoolctl import threadpool_limits

# below this many rows a fit takes less than the workers' start-up and copies cost
MIN_PARALLEL_ROWS = 10_000
JOBS_VARIABLE = "EARMARK_JOBS"

Task = tuple[Callable[..., Any], tuple[Any, ...]]


def available_jobs() -> int:
    """How many worker processes to use at most: `EARMARK_JOBS`, else the cores this process may use."""
    value = os.environ.get(JOBS_VARIABLE)
    if value is not None and value.strip():
        try:
            jobs = int(value)
        except ValueError:
            raise ValueError(
                f"{JOBS_VARIABLE}={value!r}: expected a whole number of worker processes"
            ) from None
        if jobs < 1:
            raise ValueError(f"{JOBS_VARIABLE}={value!r}: expected at least 1 worker process")
        return jobs
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def jobs_for(rows: int, n_jobs: int | None = None) -> int:
    """The workers for a fit on `rows` rows: `n_jobs` when given, else available_jobs() from
    MIN_PARALLEL_ROWS rows up and 1 below."""
    if n_jobs is not None:
        return max(1, int(n_jobs))
    return available_jobs() if rows >= MIN_PARALLEL_ROWS else 1


def run_tasks(tasks: Sequence[Task], n_jobs: int, n_threads: int | None = 1) -> list[Any]:
    """function(*args) of every (function, args) task, results in task order: in this process when
    n_jobs is 1 or there is one task, else in up to n_jobs worker processes; either way with at most
    `n_threads` OpenMP/BLAS threads per fit. Functions must be importable (module level)."""
    jobs = min(n_jobs, len(tasks))
    if jobs <= 1:
        # the limit earmark.uplift.tlearner.threads sets (imported from there, this module would be circular)
        with threadpool_limits(limits=n_threads) if n_threads else contextlib.nullcontext():
            return [function(*args) for function, args in tasks]
    from joblib import Parallel, delayed, parallel_config

    with parallel_config(backend="loky", inner_max_num_threads=n_threads or 1):
        return Parallel(n_jobs=jobs)(delayed(function)(*args) for function, args in tasks)
