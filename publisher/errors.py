"""The one exception hierarchy of publisher; each error builds its own message."""

from __future__ import annotations

from pathlib import Path


class PublisherError(Exception):
    """Base of every error publisher reports to a user (never shown as a traceback)."""


class ConfigError(PublisherError):
    """The configuration file or a command-line option is unusable (exit status 2)."""

    def __init__(self, reason: str, path: Path | None = None, hint: str | None = None) -> None:
        self.reason = reason
        self.path = path
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{display_path(self.path)}: " if self.path is not None else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}{self.reason}{hint}"


class ArticleError(PublisherError):
    """One article cannot be read; the others are still published (exit status 1)."""

    def __init__(self, path: Path, line: int, reason: str, hint: str | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{display_path(self.path)}:{self.line}: {self.reason}{hint}"

    def __reduce__(self) -> tuple[type[ArticleError], tuple[Path, int, str, str | None]]:
        # Raised in a worker process, it crosses back pickled, by its fields rather than its message.
        return (ArticleError, (self.path, self.line, self.reason, self.hint))


class OutputError(PublisherError):
    """An output file could not be written; earlier outputs are left as they were."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{display_path(self.path)}: cannot write: {self.reason}"


class WorkerError(PublisherError):
    """A worker process died before handing back its work (killed for memory, say): the build stops."""

    def __init__(self, exit_code: int) -> None:
        self.exit_code = exit_code
        super().__init__(str(self))

    def __str__(self) -> str:
        how = f"killed by signal {-self.exit_code}" if self.exit_code < 0 else f"exit status {self.exit_code}"
        return f"a worker process died ({how}; out of memory?); nothing was published, the outputs are as they were"


def display_path(path: Path) -> str:
    """A path as the user most likely typed it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)
