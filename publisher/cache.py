"""A content-addressed cache on disk for what is slow to make and rarely changes.

Subsetting Amiri takes about half a second per style, drawing a cover a quarter, rendering ten
thousand pages seconds: all depend only on their inputs (the characters used, the cover's words,
the article and the configuration), so their bytes are kept under a hash of those inputs and of
the code that made them. A stale entry can never be used, only an unused one left behind, and
those are dropped: an entry no build has used in the last `KEEP_BUILDS` builds is deleted.
Deleting the folder is always safe.

The entries live in one SQLite database rather than a file each: a cold build of 10,000 articles
makes about 30,000 entries, and a file each (created, written, renamed) took 5.3 s of its
profiled 40 s.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import is_dataclass
from pathlib import Path
from types import TracebackType

from . import __version__
from .article import Article
from .parallel import MIN_JOBS, Results, run_each

logger = logging.getLogger(__name__)

CACHE_NAME = ".publisher-cache"
DATABASE_NAME = "entries.sqlite"
KEEP_BUILDS = 3
_ENTRIES_PER_TRANSACTION = 256
"""An entry survives until this many builds in a row have not used it."""
_LIBRARIES = ("lxml", "feedgen", "ebooklib", "babel", "pillow", "uharfbuzz", "fontpkg-amiri")
_SCHEMA_VERSION = 3
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (key BLOB PRIMARY KEY, kind TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS used (key BLOB PRIMARY KEY, build INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS used_by_build ON used (build);
CREATE TABLE IF NOT EXISTS builds (number INTEGER NOT NULL);
"""


@functools.cache
def code_fingerprint() -> str:
    """A hash of publisher's own files and its libraries' versions: what made the cached bytes.

    Of the files' contents, not their version number, so that an edited module (a developer's
    working copy) never picks up bytes its previous form made. The benchmark makes nothing the
    cache keeps, so editing it keeps the cache.
    """
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for path in sorted([*package.glob("*.py"), *package.glob("data/*")]):
        if path.name not in _NOT_MAKERS:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    versions = _installed_versions()
    for name in _LIBRARIES:
        digest.update(f"{name}={versions.get(name, '?')}".encode())
    return digest.hexdigest()


_NOT_MAKERS = frozenset({"bench.py"})


def _installed_versions() -> dict[str, str]:
    """The version of each of `_LIBRARIES` that imports would find, read from the names of their
    `*.dist-info` folders (`lxml-6.1.3.dist-info`), the first on the path winning as it does for
    imports. `importlib.metadata` would take 30 ms to import (its e-mail parser) and more to search:
    a tenth of a no-op rebuild. It still answers for a library installed some other way.
    """
    wanted = {_normalized(name): name for name in _LIBRARIES}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as listing:
                names = [item.name for item in listing if item.name.endswith(".dist-info")]
        except OSError:
            continue
        for folder in names:
            name, _, version = folder.removesuffix(".dist-info").partition("-")
            library = wanted.get(_normalized(name))
            if library is not None and version:
                found.setdefault(library, version)
    for library in set(_LIBRARIES) - set(found):
        from importlib import metadata  # noqa: PLC0415  # only for a library found no other way

        try:
            found[library] = metadata.version(library)
        except metadata.PackageNotFoundError:
            continue
    return found


def _normalized(name: str) -> str:
    """A distribution's name as its dist-info folder spells it (PEP 503, with underscores)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def article_digest(article: Article) -> str:
    """A hash of every field of `article`, made once per article however many keys name it.

    Remembered by the object's identity: hashing an article to look it up would hash its whole
    text, and it is looked up about four times per article in each build.
    """
    remembered = _digests.get(id(article))
    if remembered is not None and remembered[0] is article:
        return remembered[1]
    if len(_digests) >= _MAX_DIGESTS:  # a long-running `serve --watch`: forget the oldest builds
        _digests.clear()
    # Every field; the texts hashed as they are rather than through repr(), which copied them
    # (half the time, measured). Each block's kind, line and length make the joining unambiguous.
    shape = tuple((block.kind.value, block.line, len(block.text)) for block in article.blocks)
    fields = (article.id, article.slug, article.title, article.published, article.updated)
    derived = (article.characters, article.heading_characters)  # from the text, but a field like any other
    hashed = hashlib.sha256(
        repr((*fields, article.language, article.direction, article.source, shape, derived)).encode()
    )
    hashed.update("".join(block.text for block in article.blocks).encode())
    digest = hashed.hexdigest()
    _digests[id(article)] = (article, digest)
    return digest


_MAX_DIGESTS = 1 << 17
_digests: dict[int, tuple[Article, str]] = {}
"""The article itself is kept beside its digest, so that its id cannot be reused by another."""


@functools.lru_cache(maxsize=64)
def _frozen_repr(part: Hashable) -> str:
    return repr(part)


def cache_key(*parts: object) -> bytes:
    """A key naming every input: articles by their digest, everything else by its repr.

    The repr of frozen dataclasses names every field, so any change makes a new key.
    """
    return repr(tuple(_keyed(part) for part in parts)).encode()


def _keyed(part: object) -> object:
    if isinstance(part, Article):
        return article_digest(part)
    if isinstance(part, (tuple, list)) and part and isinstance(part[0], Article):
        return tuple(_keyed(item) for item in part)
    if is_dataclass(part) and isinstance(part, Hashable):  # the configuration, the site links: in every key
        return _frozen_repr(part)
    return part


class DiskCache:
    """Bytes by key in `folder`; with no folder, nothing is kept and everything is made.

    Use it as a context manager: leaving it records which entries this build used and drops the
    ones no recent build has.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._salt = code_fingerprint().encode()
        self._database: sqlite3.Connection | None = None
        self._opened = False
        self._build = 0
        self._used: set[bytes] = set()
        self._pending: dict[bytes, tuple[str, bytes]] = {}
        self._owner = os.getpid()

    def __enter__(self) -> DiskCache:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def get_or_make(self, kind: str, key: bytes, make: Callable[[], bytes]) -> bytes:
        return self.get_or_make_all(kind, [(key, make)])[0]

    def get_or_make_all(
        self, kind: str, jobs: Sequence[tuple[bytes, Callable[[], bytes]]], minimum: int = MIN_JOBS
    ) -> list[bytes]:
        """Each job's bytes, from the cache by its key or made, the missing ones on every core."""
        return list(self.get_or_make_each(kind, jobs, minimum))

    def get_or_make_each(
        self,
        kind: str,
        jobs: Sequence[tuple[bytes, Callable[[], bytes]]],
        minimum: int = MIN_JOBS,
        together: int = 1,
    ) -> Iterator[bytes]:
        """`get_or_make_all`, one job's bytes at a time, in order, none of them kept here.

        The missing jobs are made on every core when there are at least `minimum` of them (see
        `parallel.run_each` for `together`).
        """
        missing = [number for number, (key, _) in enumerate(jobs) if not self.has(kind, key)]
        made = run_each([jobs[number][1] for number in missing], minimum, together=together)
        return self._deliver(kind, jobs, set(missing), made)

    def _deliver(
        self,
        kind: str,
        jobs: Sequence[tuple[bytes, Callable[[], bytes]]],
        missing: set[int],
        made: Results[bytes],
    ) -> Iterator[bytes]:
        try:
            for number, (key, make) in enumerate(jobs):
                data = None if number in missing else self.get(kind, key)
                if data is None:  # missing, or gone since (another build dropped it): made here
                    data = next(made) if number in missing else make()
                    self.put(kind, key, data)
                yield data
        finally:  # here, not when it is collected: a Ctrl-C as its workers end must reach the build
            made.close()

    def fill(self, kind: str, jobs: Sequence[tuple[bytes, Callable[[], bytes]]]) -> None:
        """Make and keep the jobs' bytes that the cache lacks, on every core; nothing is returned.

        Without a cache folder there is nowhere to keep them, and nothing is made.
        """
        if self.folder is None or self._connection() is None:
            return
        missing = [(key, make) for key, make in jobs if not self.has(kind, key)]
        for _ in self.get_or_make_each(kind, missing):
            pass

    def has(self, kind: str, key: bytes) -> bool:
        database = self._connection()
        if database is None:
            return False
        digest = self.fingerprint(kind, key)
        if digest in self._pending:
            return True
        try:
            row = database.execute("SELECT 1 FROM entries WHERE key = ?", (digest,)).fetchone()
        except sqlite3.Error:
            return False
        if row is not None:
            self._used.add(digest)
        return row is not None

    def fingerprint(self, kind: str, key: bytes) -> bytes:
        """What names an entry: a hash of the code, the kind and the key."""
        return hashlib.sha256(self._salt + b"\0" + kind.encode() + b"\0" + key).digest()

    def get(self, kind: str, key: bytes) -> bytes | None:
        database = self._connection()
        if database is None:
            return None
        digest = self.fingerprint(kind, key)
        pending = self._pending.get(digest)
        if pending is not None:
            return pending[1]
        try:
            row = database.execute("SELECT data FROM entries WHERE key = ?", (digest,)).fetchone()
        except sqlite3.Error:
            logger.debug("could not read the cache", exc_info=True)
            return None
        if row is None:
            return None
        self._used.add(digest)
        return bytes(row[0])

    def put(self, kind: str, key: bytes, data: bytes) -> None:
        if self._connection() is None:
            return
        digest = self.fingerprint(kind, key)
        # Kept here and written a few hundred at a time, in one statement: two statements each
        # (the entry, and its use) took 57 µs per entry of a cold build (measured).
        self._pending[digest] = (kind, data)
        self._used.add(digest)
        if len(self._pending) >= _ENTRIES_PER_TRANSACTION:
            self.commit()

    def commit(self) -> None:
        """Write what this build has kept so far, and make it visible to other processes."""
        pending, self._pending = self._pending, {}
        database = self._database
        if database is None or not pending:
            return
        try:
            database.execute("BEGIN")
            database.executemany(
                "INSERT OR REPLACE INTO entries (key, kind, data) VALUES (?, ?, ?)",
                [(digest, kind, data) for digest, (kind, data) in pending.items()],
            )
            database.execute("COMMIT")
        except sqlite3.Error:  # a cache that cannot be written only costs time, never the build
            logger.info("could not keep entries in the cache; going on without it", exc_info=True)
            self._give_up(database)

    def _give_up(self, database: sqlite3.Connection) -> None:
        with contextlib.suppress(sqlite3.Error):
            database.close()
        self._database = None

    def close(self) -> None:
        """Mark what this build used, forget what recent builds have not, and commit."""
        if self._owner != os.getpid():
            return
        self.commit()
        database, self._database = self._database, None
        if database is None:
            return
        try:
            # Usage lives in a table of its own: updating a row of `entries` would rewrite its data.
            used = [(digest, self._build) for digest in self._used]
            forgotten = (self._build - KEEP_BUILDS,)
            if not database.in_transaction:
                database.execute("BEGIN")
            database.executemany("INSERT OR REPLACE INTO used (key, build) VALUES (?, ?)", used)
            dropped = database.execute(
                "DELETE FROM entries WHERE key IN (SELECT key FROM used WHERE build <= ?)", forgotten
            ).rowcount
            database.execute("DELETE FROM used WHERE build <= ?", forgotten)
            database.execute("COMMIT")
            _reclaim(database)
            if dropped:
                logger.info("dropped %d cache entries no recent build used", dropped)
        except sqlite3.Error:
            logger.debug("could not update the cache", exc_info=True)
        finally:
            database.close()
            self._used.clear()

    def _connection(self) -> sqlite3.Connection | None:
        if self.folder is None or self._owner != os.getpid():
            # In a forked worker there is no cache: SQLite's connections, and its record of the
            # locks this process holds, must not cross a fork (sqlite.org/howtocorrupt.html).
            return None
        if self._opened:
            return self._database
        self._opened = True
        path = self.folder / DATABASE_NAME
        try:
            self._database = _open(path)
        except sqlite3.OperationalError:  # locked by another build for too long, or unopenable
            logger.info("the cache in %s could not be used; building without it", self.folder, exc_info=True)
        except sqlite3.DatabaseError:  # damaged (a disk that filled up, a copy cut short): start again
            logger.info("the cache in %s was unreadable; starting a new one", self.folder)
            with contextlib.suppress(OSError):
                path.unlink()
            try:
                self._database = _open(path)
            except (OSError, sqlite3.Error):
                logger.debug("no cache this build", exc_info=True)
        except OSError:
            logger.debug("no cache this build", exc_info=True)
        if self._database is not None:
            self._build = self._begin_build(self._database)
        return self._database

    @staticmethod
    def _begin_build(database: sqlite3.Connection) -> int:
        try:
            (last,) = database.execute("SELECT COALESCE(MAX(number), 0) FROM builds").fetchone()
            database.execute("DELETE FROM builds")
            database.execute("INSERT INTO builds (number) VALUES (?)", (last + 1,))
            return int(last) + 1
        except sqlite3.Error:
            logger.debug("could not number this build in the cache", exc_info=True)
            return 0


def _reclaim(database: sqlite3.Connection) -> None:
    """Give the space of dropped entries back to the disk once it is a quarter of the file."""
    (free,) = database.execute("PRAGMA freelist_count").fetchone()
    (total,) = database.execute("PRAGMA page_count").fetchone()
    if free > max(total // 4, 256):
        database.execute("PRAGMA incremental_vacuum")


def _open(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    database = sqlite3.connect(path, timeout=5, isolation_level=None)
    # The cache's loss only costs time, so nothing waits for the disk; WAL keeps it consistent.
    # Unsynchronised first: creating the file and its tables then flushed the disk at each step
    # (35 ms of a one-article build, against 1 ms, measured).
    database.execute("PRAGMA synchronous = OFF")
    # Both take effect when the file is new. Pages of 16 KB, not 4: most entries are pages and
    # chapters of 10-20 KB, and 36 MB of them took 0.09 s to write instead of 0.15 (measured).
    database.execute("PRAGMA page_size = 16384")
    database.execute("PRAGMA auto_vacuum = INCREMENTAL")
    database.execute("PRAGMA journal_mode = WAL")
    (version,) = database.execute("PRAGMA user_version").fetchone()
    if version != _SCHEMA_VERSION:  # made by another version of this module: start afresh
        database.executescript("DROP TABLE IF EXISTS entries; DROP TABLE IF EXISTS used; DROP TABLE IF EXISTS builds;")
        database.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
    database.executescript(_SCHEMA)
    return database


NO_CACHE = DiskCache(None)
