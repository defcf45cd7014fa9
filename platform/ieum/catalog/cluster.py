"""The simulation on a Dask cluster: one task per file of the population.

The scheduler hands each worker a :class:`~ieum.catalog.dataset.Part` (a path, not data);
the worker reads that file in batches and sends back its :class:`~ieum.catalog.simulate.Totals`
(a few hundred numbers). The client merges them in part order, exactly as the single-process
run does, so the two give identical figures. Every worker must reach the population's path
(the same folder on a shared file system, or an ``s3://`` location) and have ieum installed.

Without a scheduler address a :class:`distributed.LocalCluster` is started for the run (and
stopped after it).
"""

from __future__ import annotations

from typing import Any

from ieum.catalog.dataset import PopulationDataset
from ieum.catalog.definition import ProgramDefinition
from ieum.catalog.population import PopulationError
from ieum.catalog.simulate import (
    CHUNK_SIZE,
    Progress,
    ProgressTracker,
    SimulationResult,
    Totals,
    _prepared,
    result_of,
    simulate_part,
)


class ClusterError(RuntimeError):
    """The cluster cannot be reached or started; ``message`` is Korean."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _client(scheduler: str | None, workers: int, threads: int,
            processes: bool) -> tuple[Any, Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError("Dask가 설치되어 있지 않습니다: pip install 'ieum[cluster]'") from None
    try:
        if scheduler:
            return Client(scheduler, timeout="10s"), None
        cluster = LocalCluster(n_workers=workers, threads_per_worker=threads,
                               processes=processes, dashboard_address=":0")
        return Client(cluster), cluster
    except (OSError, TimeoutError) as error:
        where = scheduler or "LocalCluster"
        raise ClusterError(f"Dask 클러스터에 연결할 수 없습니다: {where} ({error})") from None


def simulate_on_dask(definition: ProgramDefinition, dataset: PopulationDataset,
                     year: int | None = None, progress: Progress | None = None, *,
                     scheduler: str | None = None, workers: int = 2, threads: int = 1,
                     processes: bool = True,
                     chunk_size: int = CHUNK_SIZE) -> SimulationResult:
    """Simulate ``definition`` over ``dataset`` with one Dask task per part (file).

    ``scheduler`` is the address of a running scheduler (``tcp://host:8786``); without it a
    LocalCluster of ``workers`` workers is started (``processes=False``: threads of this
    process). ``progress(percent, message)`` follows the parts as they finish. Raises
    :class:`PopulationError` (the first bad part, by part order) or :class:`ClusterError`."""
    from distributed import as_completed

    year = _prepared(definition, year)[0]  # a year without parameters fails here, not remotely
    client, cluster = _client(scheduler, workers, threads, processes)
    try:
        futures = [client.submit(simulate_part, definition, part, year,
                                 chunk_size=chunk_size, key=f"ieum-simulate-{index}-{part.name}",
                                 pure=False)
                   for index, part in enumerate(dataset.parts)]
        tracker = ProgressTracker(dataset, progress)
        index_of = {future.key: index for index, future in enumerate(futures)}
        for future in as_completed(futures):
            if future.status == "error":
                continue  # raised below, in part order
            tracker.part_done(dataset.parts[index_of[future.key]], future.result().households)
        totals = Totals()
        for future in futures:  # merge in part order, as the single-process run does
            totals.merge(future.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if totals.households == 0:
        raise PopulationError(f"{dataset.name}: 가구가 한 줄도 없습니다")
    return result_of(definition, year, totals)
