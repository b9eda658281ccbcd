"""A no-op rebuild in the time it takes to look at the files: the last build's fingerprint.

After a build, the cache keeps what it read (the seeds' names, sizes and modification times, the
configuration, the state file) and what it wrote (each output's size and modification time). When
the next build finds all of that unchanged, nothing it would make can differ, so it reports the
previous result and writes nothing, without reading or rendering a single article. Any change,
a touched seed, an edited or deleted output included, falls back to a full build.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .cache import code_fingerprint

MANIFEST_FOLDER = "manifests"


@dataclass(frozen=True, slots=True)
class Recorded:
    published: int
    rejected: list[tuple[str, int, str, str | None]]
    outputs: list[str]
    """Relative to the output folder."""


# Output names are joined as strings here, not as Paths: pathlib's parsing of 10,000 names cost
# 0.3 s of a rebuild after one edit (measured).
def _stat(path: Path | str) -> list[int] | None:
    try:
        status = os.stat(path)  # noqa: PTH116  # strings, see above
    except OSError:
        return None
    return [status.st_size, status.st_mtime_ns]


def _inputs(seeds: Path, config: Any, state_path: Path | None) -> dict[str, Any]:
    entries: list[list[Any]] = []
    with os.scandir(seeds) as listing:
        for entry in listing:
            try:
                status = entry.stat()
            except OSError:
                entries.append([entry.name, None])
                continue
            entries.append([entry.name, entry.is_symlink(), status.st_size, status.st_mtime_ns])
    return {
        "version": __version__,
        "code": code_fingerprint(),
        "config": repr(config),
        "seeds": sorted(entries, key=lambda item: str(item[0])),
        "state": _stat(state_path) if state_path is not None else None,
        "epoch": os.environ.get("SOURCE_DATE_EPOCH"),
    }


def manifest_path(cache: Path, seeds: Path, output: Path) -> Path:
    key = f"{seeds.resolve()}\0{output.resolve()}".encode()
    return cache / MANIFEST_FOLDER / f"{hashlib.sha256(key).hexdigest()[:32]}.json"


def unchanged_since_last_build(
    path: Path, seeds: Path, output: Path, config: Any, state_path: Path | None
) -> Recorded | None:
    """The last build's result when nothing it depends on has changed since; else None."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stored.get("inputs") != _inputs(seeds, config, state_path):
        return None
    outputs: dict[str, list[Any]] = stored.get("outputs", {})
    if any(_stat(output / name) != (status[:2] if status else None) for name, status in outputs.items()):
        return None
    rejected = [(str(r[0]), int(r[1]), str(r[2]), r[3]) for r in stored.get("rejected", [])]
    return Recorded(int(stored["published"]), rejected, sorted(outputs))


class Ledger:
    """Which outputs are still exactly what the last build made from the same inputs.

    The last build kept, for each output it made, the key of what it was made from and the
    file's size and modification time. An output whose key is the same again, and whose file
    nobody has touched since, need not be made, fetched from the cache or compared: the file on
    disk is already right. A rebuild of 10,000 articles after one edit skips 10,000 pages and
    400 archive documents (160 MB) this way.
    """

    def __init__(self, output: Path, manifest: Path | None) -> None:
        self.output = output
        self._folder = str(output)
        self.keys: dict[str, str] = {}
        self._previous: dict[str, list[Any]] = {}
        if manifest is not None:
            try:
                self._previous = json.loads(manifest.read_text(encoding="utf-8")).get("outputs", {})
            except (OSError, ValueError, AttributeError):
                self._previous = {}

    def unchanged(self, name: str, key: str) -> bool:
        """Whether `output/name` is what `key` made last time; `key` is remembered for the next build."""
        self.keys[name] = key
        previous = self._previous.get(name)
        return (
            isinstance(previous, list)
            and len(previous) == 3  # size, time, key
            and previous[2] == key
            and _stat(os.path.join(self._folder, name)) == previous[:2]  # noqa: PTH118  # strings, see _stat
        )


def record(
    seeds: Path,
    output: Path,
    config: Any,
    state_path: Path | None,
    result: Recorded,
    *,
    keys: dict[str, str] | None = None,
) -> bytes:
    """The manifest to keep after a build (taken after every file was written), with each output's key."""
    keys = keys or {}
    outputs: dict[str, list[Any] | None] = {}
    folder = str(output)
    for name in result.outputs:
        status = _stat(os.path.join(folder, name))  # noqa: PTH118  # strings, see _stat
        outputs[name] = None if status is None else [*status, keys[name]] if name in keys else status
    document = {
        "inputs": _inputs(seeds, config, state_path),
        "published": result.published,
        "rejected": result.rejected,
        "outputs": outputs,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
