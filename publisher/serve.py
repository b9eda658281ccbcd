"""`publisher serve`: the output folder over HTTP, for local subscription and preview.

Only files under the output folder are served (no `..`, no symlink leading out, no directory
listings); every response names its type and charset; `ETag` and `Last-Modified` let feed readers
poll with conditional requests and get `304 Not Modified`.
"""

from __future__ import annotations

import email.utils
import fnmatch
import hashlib
import http.server
import logging
import posixpath
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ConfigError

logger = logging.getLogger(__name__)

_TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".xhtml": "application/xhtml+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".epub": "application/epub+zip",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".jpg": "image/jpeg",
}
_CATALOG_TYPES = {
    "opds.xml": "application/atom+xml;profile=opds-catalog;kind=navigation; charset=utf-8",
    "opds-*.xml": "application/atom+xml;profile=opds-catalog;kind=acquisition; charset=utf-8",
}
"""The OPDS catalog (see `opds`): its navigation feed, and an acquisition feed for each kind of book."""


def content_type(path: Path) -> str:
    for pattern, media_type in _CATALOG_TYPES.items():
        if fnmatch.fnmatchcase(path.name, pattern):
            return media_type
    return _TYPES.get(path.suffix.lower(), "application/octet-stream")


class OutputHandler(http.server.BaseHTTPRequestHandler):
    """GET and HEAD for files under `root`; everything else is refused."""

    root: Path
    server_version = "publisher"

    def do_GET(self) -> None:
        self._respond(body=True)

    def do_HEAD(self) -> None:
        self._respond(body=False)

    def _respond(self, *, body: bool) -> None:
        path = self._resolve()
        if path is None:
            self.send_error(404, "Not Found")
            return
        data = path.read_bytes()
        modified = int(path.stat().st_mtime)
        tag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        if self._not_modified(tag, modified):
            self.send_response(304)
            self._validators(tag, modified)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type(path))
        self.send_header("Content-Length", str(len(data)))
        self._validators(tag, modified)
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _resolve(self) -> Path | None:
        """The file a request path names, or None when it names nothing servable inside the root."""
        raw = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        if "\x00" in raw or "\\" in raw:
            return None
        relative = posixpath.normpath("/" + raw).lstrip("/")
        if any(part.startswith(".") for part in relative.split("/")):
            return None  # hidden files: staging files, editors' backups, an old build's lock
        root = self.root.resolve()
        try:
            # resolve() follows symlinks: a link that leads out of the root fails the check below.
            candidate = (root / relative).resolve()
        except (OSError, RuntimeError):
            return None
        if not candidate.is_relative_to(root):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def _not_modified(self, tag: str, modified: int) -> bool:
        # If-None-Match wins over If-Modified-Since (RFC 9110, 13.2.2).
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return tag in {candidate.strip() for candidate in if_none_match.split(",")} or if_none_match.strip() == "*"
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = email.utils.parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False
            return since.timestamp() >= modified
        return False

    def _validators(self, tag: str, modified: int) -> None:
        self.send_header("ETag", tag)
        self.send_header("Last-Modified", email.utils.formatdate(modified, usegmt=True))
        self.send_header("Cache-Control", "no-cache")

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s - %s", self.address_string(), format % args)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up or sends garbage must not print a traceback or stop the server.
        logger.warning("request from %s failed", client_address[0], exc_info=logger.isEnabledFor(logging.DEBUG))


def make_server(output: Path, bind: str = "127.0.0.1", port: int = 8000) -> http.server.ThreadingHTTPServer:
    handler = type("BoundOutputHandler", (OutputHandler,), {"root": output})
    try:
        return _Server((bind, port), handler)
    except OSError as error:
        raise ConfigError(f"cannot listen on {bind}:{port}: {error.strerror or error}") from None


def _snapshot(paths: list[Path]) -> tuple[tuple[str, int, int], ...]:
    entries = []
    for path in paths:
        candidates = sorted(path.iterdir()) if path.is_dir() else [path]
        for candidate in candidates:
            try:
                status = candidate.stat()
            except OSError:
                continue
            entries.append((str(candidate), status.st_mtime_ns, status.st_size))
    return tuple(entries)


def watch(paths: list[Path], rebuild: Callable[[], None], stop: threading.Event, interval: float = 0.5) -> None:
    """Call `rebuild` whenever a file in `paths` (folders or files) appears, changes or goes."""
    seen = _snapshot(paths)
    while not stop.wait(interval):
        current = _snapshot(paths)
        if current != seen:
            seen = current
            logger.warning("change seen; rebuilding")
            rebuild()
            time.sleep(0)  # let the request threads run between a rebuild and the next poll
