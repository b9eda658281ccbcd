"""The second core: independent jobs (reading, rendering) run in forked worker processes.

Measured on a cold build of 10,000 articles on a 2-core machine: reading went from 4.7 s to 2.5,
chapters from 2.2 to 1.6, archive documents from 2.7 to 1.9 and pages from 3.9 to 2.6 (the
build's own share, taking results and keeping them, stays on one core). Only worth it for enough
jobs: starting the workers costs about 20 ms, and each result comes back pickled. With fork
unavailable (Windows, macOS's default) or few jobs, everything runs in this process, in order.

A worker's log records (a warning about an article) are sent back with its result and handled
here, so they reach the same handlers, in job order, as if the job had run in this process.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from multiprocessing.pool import TERMINATE, AsyncResult, Pool
from typing import TypeVar

from .errors import WorkerError
from .interrupts import interrupts_held

Result = TypeVar("Result")

MIN_JOBS = 64
"""Below this, the workers' start-up costs more than they save."""

_WINDOW = 3
"""Chunks in flight per worker."""
_jobs: Sequence[Callable[[], object]] = ()
_Outcome = tuple[object, BaseException | None, list[logging.LogRecord]]
_in_worker = False


def workers() -> int:
    """How many worker processes to use: one per core; none where fork is unavailable, or away
    from the main thread (`serve --watch` rebuilds in a thread while others answer requests, and
    a process forked beside running threads can inherit a lock one of them holds)."""
    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    if threading.current_thread() is not threading.main_thread():
        return 0
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return cores if cores > 1 else 0


def run_all(jobs: Sequence[Callable[[], Result]], minimum: int = MIN_JOBS) -> list[Result]:
    """Each job's result, in order; a job's exception is raised here, as a loop would raise it.

    The jobs run in worker processes when there are at least `minimum` of them (a few large jobs,
    such as cutting the two font styles, pay sooner than many small ones).
    """
    return list(run_each(jobs, minimum))


class Results(Iterator[Result]):
    """A `run_each`'s results, in order; `close` ends its workers, even before a result is taken."""

    def __init__(self, results: Iterator[Result], workers: _Workers | None = None) -> None:
        self._results, self._workers = results, workers

    def __next__(self) -> Result:
        try:
            return next(self._results)
        except BaseException:  # the last result taken, or a job's error: the workers are done
            self.close()
            raise

    def close(self) -> None:
        if isinstance(self._results, Generator):
            self._results.close()
        if self._workers is not None:
            self._workers.end()


class _Workers:
    """A pool and the chunks handed to it whose results have not come back yet."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.in_flight: deque[AsyncResult[list[_Outcome]]] = deque()
        # The processes forked now (the pool replaces one that dies, in its own list): a chunk
        # handed to a worker that died (killed for memory, say) never comes back.
        self.forked: list[multiprocessing.process.BaseProcess] = list(pool._pool)  # type: ignore[attr-defined]
        _live.append(self)

    def next_chunk(self) -> list[_Outcome]:
        """The results of the oldest chunk in flight, or `WorkerError` once a worker has died."""
        pending = self.in_flight[0]
        while not pending.ready():
            pending.wait(_POLL)
            dead = next((worker.exitcode for worker in self.forked if worker.exitcode is not None), None)
            if dead is not None and not pending.ready():
                raise WorkerError(dead)
        self.in_flight.popleft()
        return pending.get()

    def end(self) -> None:
        """Kill the workers, and leave the pool's threads to end by themselves.

        The pool's own ending (`terminate`) waits on its queues' locks and reads what a worker
        was sending. A worker that died in the middle of either (ended by Ctrl-C or an error
        while busy, or killed for memory, even while idle: it waits for work holding the task
        queue's lock) holds them for good, and that ending then waits forever (measured: 2
        Ctrl-Cs in 56; a worker killed at random moments, 1 in 7). Nothing here waits on what a
        worker holds, so no Ctrl-C waits for the work in flight either.
        """
        if self not in _live:
            return
        with interrupts_held():  # a pool half ended is worse
            _kill_workers(self.pool)
            _live.remove(self)  # before a Ctrl-C held meanwhile is raised: it is ended once


def _kill_workers(pool: Pool) -> None:
    """Kill a pool's workers; its threads (daemons) end once they see that, or with the process.

    They end by themselves unless a killed worker left a lock held or a message half sent; then
    they wait, holding a few pipes, until the process ends. The pool's finalizer, which would
    join them, is cancelled.
    """
    pool._state = TERMINATE  # type: ignore[attr-defined]
    handler: threading.Thread = pool._worker_handler  # type: ignore[attr-defined]
    handler._state = TERMINATE  # type: ignore[attr-defined]  # replaces no worker from now on
    pool._change_notifier.put(None)  # type: ignore[attr-defined]  # wakes it to see that
    handler.join()  # it shares no lock with the workers, so it ends
    pool._result_handler._state = TERMINATE  # type: ignore[attr-defined]
    pool._terminate.cancel()  # type: ignore[attr-defined]
    for worker in pool._pool:  # type: ignore[attr-defined]
        worker.kill()
    for worker in pool._pool:  # type: ignore[attr-defined]
        worker.join()
        worker.close()  # its pipe, now rather than when the pool is collected


_POLL = 0.05
"""Seconds between looks at whether a worker died, while a chunk's results are awaited."""

_live: list[_Workers] = []
"""Workers that may still run: `ending_workers` ends those its block started."""


@contextlib.contextmanager
def ending_workers() -> Iterator[None]:
    """End, on leaving the block however it is left, the workers of every pool it started.

    A build stopped by an error or Ctrl-C leaves results it never took: their pools, left to the
    garbage collector and the interpreter's exit, printed "Exception ignored in Pool.__del__" or
    hung in the pool's finalizer (a third of 56 interrupts, measured).
    """
    already = len(_live)
    try:
        yield
    finally:
        while len(_live) > already:
            _live[-1].end()


def run_each(
    jobs: Sequence[Callable[[], Result]],
    minimum: int = MIN_JOBS,
    *,
    window: int | None = None,
    together: int = 1,
) -> Results[Result]:
    """`run_all`, one result at a time as soon as it and those before it are ready.

    What has been handed on is not kept, so ten thousand pages are never all in memory at once:
    the workers run ahead of the results taken by a few chunks each, or by `window` jobs. Each
    run of `together` jobs from the start goes to one worker (they share what one of them made).
    """
    count = 0 if _in_worker else min(workers(), len(jobs))
    if count == 0 or len(jobs) < minimum:
        return Results(job() for job in jobs)
    # Frozen, the objects the workers inherit are never visited by their garbage collector,
    # which would otherwise write to (and so copy) every page holding one.
    gc.freeze()
    # Ctrl-C is held back while the workers are forked: one that reached a new worker before it
    # could ignore it (in an at-fork hook) left the pool waiting for it, and the build hanging.
    try:
        with interrupts_held():  # a Ctrl-C that came meanwhile is raised as it ends
            try:
                # Forked, the workers inherit the jobs rather than unpickle them.
                pool = multiprocessing.get_context("fork").Pool(count, initializer=_adopt, initargs=(jobs,))
                started = _Workers(pool)  # before Ctrl-C is let through: one raised then would leave it running
            except OSError as error:  # no process to spare (a container's limit, say): one core it is
                logging.getLogger(__name__).info("no worker processes (%s); building on one core", error)
                return Results(job() for job in jobs)
    finally:
        gc.unfreeze()
    size = max(1, min(64, len(jobs) // (count * 16)) // together) * together
    chunks = iter([(start, min(start + size, len(jobs))) for start in range(0, len(jobs), size)])
    # A window of chunks in flight, not all of them: results the workers make faster than this
    # process takes them would otherwise pile up here (170 MB of pages, measured).
    ahead = count * _WINDOW if window is None else -(-window // size)
    for chunk in itertools.islice(chunks, max(1, ahead)):
        started.in_flight.append(pool.apply_async(_run_chunk, chunk))
    return Results(_results(started, chunks), started)


def _results(workers: _Workers, chunks: Iterator[tuple[int, int]]) -> Iterator[Result]:
    in_flight = workers.in_flight
    try:
        while in_flight:
            outcomes = workers.next_chunk()
            following = next(chunks, None)
            if following is not None:
                in_flight.append(workers.pool.apply_async(_run_chunk, following))
            for value, error, records in outcomes:
                for record in records:
                    logging.getLogger(record.name).handle(record)
                if error is not None:
                    raise error
                yield value  # type: ignore[misc]  # the job's own result
    finally:
        workers.end()


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args, record.exc_info = record.getMessage(), None, None  # picklable
        self.records.append(record)


def _adopt(jobs: Sequence[Callable[[], object]]) -> None:
    """In a new worker: the jobs it will be given by number."""
    global _jobs  # noqa: PLW0603  # a worker's own copy, set once as it starts
    _jobs = jobs
    # Ctrl-C reaches every process of the terminal's group: a worker it stopped in the middle of
    # the pool's queue left the build hanging at exit (the pool's lock never released). The build
    # process alone takes the interrupt, and its pools end their workers as it leaves.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # held back while it was forked


def _run_chunk(start: int, stop: int) -> list[_Outcome]:
    return [_run(index) for index in range(start, stop)]


def _run(index: int) -> _Outcome:
    """In a worker: one job, with what it logged kept for the parent rather than written."""
    global _in_worker  # noqa: PLW0603  # a worker's jobs run their own inner jobs in order
    _in_worker = True
    logger = logging.getLogger("publisher")
    collector = _Collector()
    saved = logger.handlers[:], logger.propagate
    logger.handlers, logger.propagate = [collector], False
    try:
        return _jobs[index](), None, collector.records
    except Exception as error:  # handed to the parent, which raises it
        return None, error, collector.records
    finally:
        logger.handlers, logger.propagate = saved
