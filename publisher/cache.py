"""A content-addressed cache on disk for what is slow to make and rarely changes.

Subsetting Amiri takes about half a second per style, drawing a cover a quarter, rendering ten
thousand pages seconds: all depend only on their inputs (the characters used, the cover's words,
the article and the configuration), so their bytes are kept under a hash of those inputs and of
the code that made them. A stale entry can never be
used, only an unused one left behind; deleting the folder is always safe.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from . import __version__
from .writer import write_atomically

logger = logging.getLogger(__name__)

CACHE_NAME = ".publisher-cache"
_LIBRARIES = ("lxml", "feedgen", "ebooklib", "babel", "pillow", "fonttools", "fontpkg-amiri")


@functools.cache
def code_fingerprint() -> str:
    """A hash of publisher's own files and its libraries' versions: what made the cached bytes.

    Of the files' contents, not their version number, so that an edited module (a developer's
    working copy) never picks up bytes its previous form made.
    """
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for path in sorted([*package.glob("*.py"), *package.glob("data/*")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=?".encode())
    return digest.hexdigest()


class DiskCache:
    """Bytes by key in `folder`; with no folder, nothing is kept and everything is made."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._salt = code_fingerprint().encode()

    def get_or_make(self, kind: str, key: bytes, make: Callable[[], bytes]) -> bytes:
        if self.folder is None:
            return make()
        digest = hashlib.sha256(self._salt + b"\0" + kind.encode() + b"\0" + key).hexdigest()
        path = self.folder / kind / digest
        try:
            return path.read_bytes()
        except OSError:
            pass
        data = make()
        try:
            write_atomically(path, data, durable=False)
        except Exception:  # a cache that cannot be written only costs time, never the build
            logger.debug("could not keep %s in the cache", kind, exc_info=True)
        return data


NO_CACHE = DiskCache(None)
