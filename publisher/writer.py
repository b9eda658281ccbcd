"""The only module that writes files: whole files, staged then replaced atomically, under a lock.

A build killed at any moment (even by SIGKILL) leaves every output either its previous complete
version or its new one: new bytes go to a temporary file in the same folder, are flushed to disk,
and only then renamed over the old file. All of a build's files are staged before the first one
is renamed, so a full disk or a read-only folder stops the build with every previous output
untouched and no temporary file left behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import OutputError

logger = logging.getLogger(__name__)

LOCK_NAME = ".publisher.lock"
_TEMPORARY_SUFFIX = ".tmp"


@contextlib.contextmanager
def locked(output: Path, wait: float) -> Iterator[None]:
    """Hold the output folder's lock: a second build waits up to `wait` seconds, then stops.

    The lock is an OS file lock (fcntl on Linux and macOS, msvcrt on Windows), so it dies with
    its process: a killed build never leaves the folder locked.
    """
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(output, error.strerror or str(error)) from None
    lock = FileLock(output / LOCK_NAME)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        logger.warning("another build is writing %s; waiting up to %g s for it to finish", output, wait)
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise OutputError(output, f"another build is still writing here after {wait:g} s") from None
    except OSError as error:
        raise OutputError(output / LOCK_NAME, error.strerror or str(error)) from None
    try:
        yield
    finally:
        lock.release()


def write_atomically(path: Path, data: bytes, *, durable: bool = True) -> bool:
    """Write `data` to `path` through a temporary file and `os.replace`; False if it was already so.

    `durable=False` skips flushing to disk, for files whose loss costs only time (the cache).
    """
    if _unchanged(path, data):
        return False
    temporary = _stage(path, data, durable=durable)
    _commit(temporary, path)
    return True


def write_outputs(output: Path, files: Mapping[str, bytes], prune: Iterable[str] = ()) -> list[Path]:
    """Write `files` (names relative to `output`) and delete `prune`d leftovers; returns what changed.

    Unchanged files are not rewritten, so their modification time (and a reader's cache) stays.
    """
    _remove_leftovers(output)
    changed = [output / name for name, data in sorted(files.items()) if not _unchanged(output / name, data)]
    staged: list[tuple[Path, Path]] = []
    # An fsync per file, not one os.sync(): that would also wait for every other dirty page on
    # the machine (measured: 15 s after a cold build had filled the cache), a cost not ours to pay.
    try:
        for path in changed:
            staged.append((_stage(path, files[path.relative_to(output).as_posix()], durable=True), path))
    except OutputError:
        for temporary, _ in staged:
            with contextlib.suppress(OSError):
                temporary.unlink()
        raise
    for temporary, path in staged:
        _commit(temporary, path)
    for name in sorted(prune):
        stale = output / name
        try:
            stale.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise OutputError(stale, error.strerror or str(error)) from None
        changed.append(stale)
    return changed


def _unchanged(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _stage(path: Path, data: bytes, *, durable: bool) -> Path:
    """`data` in a temporary file beside `path` (same folder, so the rename is atomic), on disk if `durable`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_TEMPORARY_SUFFIX)
    except OSError as error:
        raise OutputError(path, error.strerror or str(error)) from None
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        temporary.chmod(0o644)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise OutputError(path, error.strerror or str(error)) from None
    return temporary


def _commit(temporary: Path, path: Path) -> None:
    try:
        temporary.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise OutputError(path, error.strerror or str(error)) from None


def _remove_leftovers(output: Path) -> None:
    """Temporary files of a build that was killed before it could rename or remove them."""
    if not output.is_dir():
        return
    for leftover in output.rglob(f".*{_TEMPORARY_SUFFIX}"):
        with contextlib.suppress(OSError):
            leftover.unlink()
            logger.info("removed %s, left by an interrupted build", leftover)
