"""Commands that do not render import nothing that renders: `--help`, `check` and a no-op rebuild
start in a fraction of the time the library stack takes to import (0.3-0.5 s, measured)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import make_seeds

RENDERING_LIBRARIES = ("lxml", "feedgen", "ebooklib", "PIL", "fontTools", "uharfbuzz", "babel")
_REPORT = (
    "import sys; from publisher.cli import main; code = main(sys.argv[1:]); "
    "print('\\n'.join(sorted({name.split('.')[0] for name in sys.modules}))); sys.exit(code)"
)


def imported_by(arguments: list[str], folder: Path) -> set[str]:
    """The top-level modules a fresh interpreter has imported after running `publisher ARGUMENTS`."""
    finished = subprocess.run(
        [sys.executable, "-c", _REPORT, *arguments], cwd=folder, capture_output=True, text=True, check=False
    )
    assert finished.returncode == 0, finished.stderr
    return set(finished.stdout.split())


@pytest.mark.parametrize("arguments", [["--help"], ["build", "--help"], ["--version"]])
def test_help_imports_no_rendering_library(tmp_path: Path, arguments: list[str]) -> None:
    imported = imported_by(arguments, tmp_path)
    assert "publisher" in imported
    assert imported.isdisjoint(RENDERING_LIBRARIES), imported & set(RENDERING_LIBRARIES)


def test_check_imports_no_rendering_library(tmp_path: Path) -> None:
    make_seeds(tmp_path / "seeds")
    assert imported_by(["check"], tmp_path).isdisjoint(RENDERING_LIBRARIES)


def test_a_no_op_rebuild_imports_no_rendering_library_but_a_real_build_does(tmp_path: Path) -> None:
    make_seeds(tmp_path / "seeds")
    first = imported_by(["build", "-q"], tmp_path)
    assert {"lxml", "feedgen", "ebooklib", "PIL", "uharfbuzz", "babel"} <= first  # the check can see them
    assert "fontTools" not in first  # HarfBuzz subsets the font and reads its character map
    assert imported_by(["build", "-q"], tmp_path).isdisjoint(RENDERING_LIBRARIES)


@pytest.mark.parametrize("arguments", [["--help"], ["build", "--help"], ["--version"]])
def test_help_imports_not_even_the_build_machinery(tmp_path: Path, arguments: list[str]) -> None:
    # cli.py imports each command's modules only when it runs: `--help` pays for none of the
    # build's own (its lock, its cache, the no-op check), about 80 ms more at every start (measured).
    script = (
        "import sys; from publisher.cli import main; code = main(sys.argv[1:]); "
        "print('\\n'.join(sorted(sys.modules))); sys.exit(code)"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script, *arguments], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert finished.returncode == 0, finished.stderr
    imported = set(finished.stdout.split())
    unwanted = {"publisher.build", "publisher.cache", "publisher.writer", "sqlite3", "filelock"}
    assert imported.isdisjoint(unwanted), imported & unwanted
