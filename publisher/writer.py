"""The only module that writes to disk: whole files, replaced atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from .errors import OutputError


def write_atomically(path: Path, data: bytes) -> bool:
    """Write `data` to `path` through a temporary file and `os.replace`; False if it was already so.

    Readers (and a build killed half-way) see the old complete file or the new one, never a
    truncated one. An unchanged file is not rewritten, so its modification time stays.
    """
    try:
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(path, error.strerror or str(error)) from None
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.chmod(0o644)
        temporary.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise OutputError(path, error.strerror or str(error)) from None
    return True


def write_outputs(output: Path, files: Mapping[str, bytes], prune: Iterable[str] = ()) -> list[Path]:
    """Write `files` (names relative to `output`) and delete `prune`d leftovers; returns what changed."""
    changed = [output / name for name, data in sorted(files.items()) if write_atomically(output / name, data)]
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
