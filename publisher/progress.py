"""Stage reports: the command line's progress bar is told each stage's name, `-v` logs its time."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Iterator

logger = logging.getLogger(__name__)

_progress: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar("progress", default=None)


@contextlib.contextmanager
def reporting(progress: Callable[[str], None] | None) -> Iterator[None]:
    """Tell `progress` the name of each stage that starts in this block."""
    token = _progress.set(progress)
    try:
        yield
    finally:
        _progress.reset(token)


@contextlib.contextmanager
def timed(stage: str) -> Iterator[None]:
    """Report the stage to the progress display, and log how long it took (shown with -v)."""
    report = _progress.get()
    if report is not None:
        report(stage)
    started = time.perf_counter()
    yield
    logger.info("%s: %.2f s", stage, time.perf_counter() - started)
