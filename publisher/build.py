"""One build's entry: hold the output folder's lock, skip a build that has nothing to do, else run the pipeline.

Only what a no-op rebuild needs is imported here; the rendering stack (lxml, feedgen, EbookLib,
Pillow, HarfBuzz, Babel) is imported by `pipeline`, the first time a build has work to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .cache import DiskCache
from .config import Config
from .errors import ArticleError, ConfigError
from .manifest import Ledger, Recorded, manifest_path, record, unchanged_since_last_build
from .parallel import ending_workers
from .progress import reporting
from .reader import SEED_SUFFIX, read_seeds, start_reading
from .state import build_clock
from .writer import locked, write_atomically

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildResult:
    published: int
    rejected: tuple[ArticleError, ...]
    outputs: tuple[Path, ...]
    """Every file this build produced, changed or not (nothing when no article could be read)."""
    changed: tuple[Path, ...]
    """The files whose bytes this build actually replaced or removed."""


def check(seeds: Path, config: Config) -> tuple[int, tuple[ArticleError, ...]]:
    """Read and validate every article without writing anything: (readable count, rejections)."""
    reading = read_seeds(seeds, config)
    if not reading.articles and not reading.rejected:
        raise ConfigError(f"no articles (*{SEED_SUFFIX} files) to publish", seeds)
    return len(reading.articles), reading.rejected


def build(
    seeds: Path,
    output: Path,
    config: Config,
    *,
    state_path: Path | None = None,
    clock: Callable[[], datetime] = build_clock,
    wait: float = 60.0,
    cache: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """Publish every readable article in `seeds` to `output`.

    Rejected articles are reported in the result and leave the others untouched; when none
    can be read, the previous outputs stay as they are. With a `state_path`, ids and `updated`
    times are remembered there across builds (see `state`); `clock` is read only for an edit.
    Builds on the same output folder run one at a time: a second one waits up to `wait` seconds.
    A `cache` folder keeps what is slow to make (see `cache`) and the last build's fingerprint,
    so that a rebuild with nothing changed does nothing. `progress` is told the name of each
    stage as it starts (the command line draws a progress bar with it).
    """
    with reporting(progress):
        return _build_locked(seeds, output, config, state_path, clock, wait, cache)


def _build_locked(  # noqa: PLR0917  # build()'s keyword-only arguments, passed on
    seeds: Path,
    output: Path,
    config: Config,
    state_path: Path | None,
    clock: Callable[[], datetime],
    wait: float,
    cache: Path | None,
) -> BuildResult:
    with locked(output, wait):
        manifest = manifest_path(cache, seeds, output) if cache is not None and seeds.is_dir() else None
        if manifest is not None:
            previous = unchanged_since_last_build(manifest, seeds, output, config, state_path)
            if previous is not None:
                logger.info("nothing changed since the last build of %s", output)
                rejected = tuple(
                    ArticleError(Path(path), line, reason, hint) for path, line, reason, hint in previous.rejected
                )
                return BuildResult(previous.published, rejected, tuple(output / n for n in previous.outputs), ())
        ledger = Ledger(output, manifest)
        # However the build stops, no worker outlives it (results it never took, after Ctrl-C).
        with DiskCache(cache) as store, ending_workers():
            reading = start_reading(seeds, config, store)  # the workers read while the stack is imported
            from .pipeline import run  # noqa: PLC0415  # the rendering stack, only when there is work to do

            result = run(seeds, reading, output, config, state_path, clock, store, ledger)
        if manifest is not None and result.outputs:
            rejected_rows = [(str(e.path), e.line, e.reason, e.hint) for e in result.rejected]
            names = [path.relative_to(output).as_posix() for path in result.outputs]
            recorded = Recorded(result.published, rejected_rows, names)
            write_atomically(manifest, record(seeds, output, config, state_path, recorded, keys=ledger.keys))
        return result
