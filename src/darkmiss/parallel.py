"""Run independent chunks of work, locally or on a dask.distributed cluster.

Chunk ``i`` always gets the random stream ``SeedSequence(seed).spawn(n)[i]``, so a result is
identical whatever the number of workers or where the chunks run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


def chunk_seeds(seed: int, n_chunks: int) -> list[np.random.SeedSequence]:
    """The per-chunk seed sequences of a production with master ``seed``."""
    return np.random.SeedSequence(int(seed)).spawn(int(n_chunks))


def map_chunks(
    fn: Callable[..., T],
    tasks: Sequence[tuple[Any, ...]],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[Iterable[Any], int], Iterable[Any]] | None = None,
) -> list[T]:
    """Apply ``fn(*task)`` to every task and return the results in task order.

    ``workers <= 1`` runs in this process; otherwise a process pool of ``workers``;
    ``scheduler`` (an address such as ``tcp://host:8786``) sends the tasks to a dask cluster.
    ``fn`` must be a module-level function (picklable).
    """
    n = len(tasks)
    results: list[Any] = [None] * n
    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_as_completed

        with Client(scheduler) as client:
            futures = [client.submit(fn, *t, pure=False) for t in tasks]
            index = {f.key: i for i, f in enumerate(futures)}
            it: Iterable[Any] = dask_as_completed(futures)
            if progress is not None:
                it = progress(it, n)
            for fut in it:
                results[index[fut.key]] = fut.result()
        return results
    if workers <= 1 or n <= 1:
        it2: Iterable[int] = range(n)
        if progress is not None:
            it2 = progress(it2, n)
        for i in it2:
            results[i] = fn(*tasks[i])
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futs = {pool.submit(fn, *t): i for i, t in enumerate(tasks)}
        it3: Iterable[Any] = as_completed(futs)
        if progress is not None:
            it3 = progress(it3, n)
        for fut in it3:
            results[futs[fut]] = fut.result()
    return results
