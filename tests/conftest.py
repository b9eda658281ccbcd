"""Every test runs in its own empty working folder, so nothing it does (a state file, a default
`publisher.toml`) can touch the repository; tests that need the repository say so with ROOT."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _in_an_empty_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(autouse=True)
def _logging_as_the_library_leaves_it() -> Iterator[None]:
    # `main()` points publisher's logger at stderr and stops propagation; undo that after each
    # test, or pytest's log capture would miss every later test's warnings.
    yield
    logger = logging.getLogger("publisher")
    logger.handlers.clear()
    logger.propagate = True
    logger.setLevel(logging.NOTSET)


def pytest_configure(config: pytest.Config) -> None:
    # Chromium and Ace may drop artifacts; keep them out of the repository's top level.
    Path(config.rootpath, "test-artifacts").mkdir(exist_ok=True)
