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
import signal
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import OutputError
from .interrupts import interrupts_held

logger = logging.getLogger(__name__)

LOCK_SUFFIX = ".publisher.lock"
LEGACY_LOCK_NAME = ".publisher.lock"
"""Where earlier builds kept the lock: inside the output folder, so every deploy uploaded it.
A build deletes one it finds there, as a file it no longer makes (see `pipeline._stale_files`)."""
_TEMPORARY_SUFFIX = ".tmp"
STAGING_THREADS = 4
"""Four, not sixteen: each takes the interpreter between its system calls, and sixteen kept the
build's own thread waiting for it (cold builds of 100 and 1,000 articles 4-5% slower, measured)."""
_STAGING_QUEUE = 256


def lock_path(output: Path) -> Path:
    """The lock of the output folder `output`: `.output.publisher.lock` beside `output/`.

    Beside, not inside: whatever copies the output folder to a web host (rsync, a CI artifact)
    would upload a lock inside it. It is named after the folder's real path (symbolic links and
    `./` resolved), so every spelling of one folder, relative or absolute, meets the same lock,
    and it depends on nothing else (not on the state file): two builds writing one folder always
    exclude each other. `.` is the folder's own name seen from its parent. A file-system root has
    no parent, so its lock has to be inside it, under a name no other folder's lock can have (a
    folder cannot be named ""); the build never prunes it.
    """
    folder = output.resolve()
    if folder.parent == folder:
        return folder / f".{LOCK_SUFFIX}"
    return folder.parent / f".{folder.name}{LOCK_SUFFIX}"


@contextlib.contextmanager
def locked(output: Path, wait: float) -> Iterator[None]:
    """Hold the output folder's lock (see `lock_path`): a second build waits up to `wait` seconds, then stops.

    The lock is an OS file lock (fcntl on Linux and macOS, msvcrt on Windows), so it dies with
    its process: a killed build never leaves the folder locked.
    """
    try:
        output.mkdir(parents=True, exist_ok=True)
        path = lock_path(output)  # after mkdir: resolve() follows links only along paths that exist
    except OSError as error:
        raise OutputError(output, error.strerror or str(error)) from None
    lock = FileLock(path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        logger.warning("another build is writing %s; waiting up to %g s for it to finish", output, wait)
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise OutputError(output, f"another build is still writing here after {wait:g} s") from None
    except OSError as error:
        raise OutputError(path, error.strerror or str(error)) from None
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


class Staging:
    """One build's files, staged on disk as they are made, put in place together by `commit`.

    Each file that differs from the one in `output` goes to a temporary file beside it, flushed
    to disk, at once: the build never holds all its outputs in memory. Nothing replaces an
    earlier output before `commit`, so a build that stops (a full disk, an error, Ctrl-C) leaves
    them all untouched; leaving the `with` block without committing removes the temporary files.

    An fsync per file, not one os.sync(): that would also wait for every other dirty page on the
    machine (measured: 15 s after a cold build had filled the cache), a cost not ours to pay. The
    fsyncs run on several threads because the file system commits concurrent ones together
    (10,000 files of 17 KB: 4.4 s on one thread, 2.6 s on sixteen, measured), while the build
    goes on making the next files.
    """

    def __init__(self, output: Path) -> None:
        self.output = output
        self.names: set[str] = set()
        self._pending: deque[tuple[Future[Path], Path]] = deque()
        self._staged: list[tuple[Path, Path]] = []
        # Every temporary file, recorded by the thread that made it the moment it exists, so none
        # escapes the clean-up, whenever a Ctrl-C comes (a record kept here, after the thread's
        # result was taken, lost one the interrupt came between).
        self._temporaries: set[Path] = set()
        self._pool = _started_pool(STAGING_THREADS)
        self._listings: dict[Path, frozenset[str]] = {}
        _remove_leftovers(output)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: object) -> None:
        # A second Ctrl-C waits for the clean-up (a few files' writes) rather than cut it short.
        with interrupts_held():
            self._pool.shutdown(wait=True, cancel_futures=True)
            for temporary in sorted(self._temporaries):  # none after a commit that ended
                with contextlib.suppress(OSError):
                    temporary.unlink()
            self._temporaries.clear()

    def add(self, name: str, data: bytes) -> None:
        """Stage `data` as `output/name`, unless that file already holds exactly these bytes
        (then it is not rewritten, so its modification time, and a reader's cache, stay)."""
        if name in self.names:
            raise ValueError(f"{name} was made twice in one build")
        self.names.add(name)
        path = self.output / name
        if path.name in self._present(path.parent) and _unchanged(path, data):
            return
        self._pending.append((self._pool.submit(_stage, path, data, durable=True, made=self._temporaries), path))
        # Bounded: the bytes of at most this many files wait in memory for their turn on disk.
        while len(self._pending) > _STAGING_QUEUE:
            self._settle_oldest()

    def _present(self, folder: Path) -> frozenset[str]:
        """The names in `folder` when the build began to write there: a file not among them is new.

        One listing per folder instead of a look at each file: in a cold build, looking for each
        of 1,000 pages that did not exist took 0.3 s, the folder busy with the files being staged.
        """
        present = self._listings.get(folder)
        if present is None:
            try:
                present = frozenset(os.listdir(folder))  # noqa: PTH208  # names as strings, no Path each
            except OSError:
                present = frozenset()
            self._listings[folder] = present
        return present

    def keep(self, name: str) -> None:
        """Count `output/name` among this build's files as it is, without its bytes."""
        if name in self.names:
            raise ValueError(f"{name} was made twice in one build")
        self.names.add(name)

    def settle(self) -> None:
        """Wait until every file added so far is staged.

        Not needed before forking the build's workers: the writing threads hold no lock a worker
        uses (they create, write and flush their own files), and waiting for them cost 0.5-1 s.
        """
        while self._pending:
            self._settle_oldest()

    def commit(self, prune: Iterable[str] = ()) -> list[Path]:
        """Put every staged file in place and delete `prune`d leftovers; returns what changed."""
        self.settle()
        changed = []
        for temporary, path in sorted(self._staged, key=lambda pair: pair[1]):
            _commit(temporary, path)
            self._temporaries.discard(temporary)
            changed.append(path)
        self._staged.clear()
        emptied: set[Path] = set()
        for name in sorted(prune):
            stale = self.output / name
            try:
                stale.unlink()
            except FileNotFoundError:
                continue
            except OSError as error:
                raise OutputError(stale, error.strerror or str(error)) from None
            changed.append(stale)
            if stale.parent != self.output:
                emptied.add(stale.parent)
        for folder in sorted(emptied, reverse=True):  # a folder the build no longer fills (fonts/ without embed_font)
            with contextlib.suppress(OSError):  # not empty: someone's own files are in it
                folder.rmdir()
        return changed

    def _settle_oldest(self) -> None:
        future, path = self._pending.popleft()
        self._staged.append((future.result(), path))  # an OutputError is raised here; __exit__ cleans up


def _started_pool(threads: int) -> ThreadPoolExecutor:
    """A pool whose threads are all running already.

    A pool starts a thread when a task finds none idle, and the starting thread waits until the
    new one runs: in the middle of a build, with the workers on both cores and the other writing
    threads taking the interpreter in turn, sixteen starts cost 90-130 ms of a one-second build of
    100 articles (measured), against about 2 ms here, before anything else runs.
    """
    pool = ThreadPoolExecutor(max_workers=threads, initializer=_interrupts_left_to_the_main_thread)
    all_started = threading.Barrier(threads + 1)
    try:
        for _ in range(threads):
            pool.submit(all_started.wait)  # each waits for the rest, so every submit starts a thread
        all_started.wait()
    except BaseException:  # a thread that could not start, or Ctrl-C: the others must not wait on
        all_started.abort()
        pool.shutdown(wait=False)
        raise
    return pool


def _interrupts_left_to_the_main_thread() -> None:
    """Ctrl-C, taken by a writing thread, would reach Python while the main thread forks workers
    with it held back (see `parallel.run_each`); Python raises it in the main thread in any case."""
    if hasattr(signal, "pthread_sigmask"):  # not on Windows, which has no such signals
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _unchanged(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _stage(path: Path, data: bytes, *, durable: bool, made: set[Path] | None = None) -> Path:
    """`data` in a temporary file beside `path` (same folder, so the rename is atomic), on disk if
    `durable`; its name is added to `made` as soon as it exists."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_TEMPORARY_SUFFIX)
    except OSError as error:
        raise OutputError(path, error.strerror or str(error)) from None
    temporary = Path(name)
    if made is not None:
        made.add(temporary)
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
