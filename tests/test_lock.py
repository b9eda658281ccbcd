"""The build lock: beside the output folder (never published), one per folder whatever the state file."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from publisher.build import build
from publisher.cli import main
from publisher.config import Config
from publisher.writer import LEGACY_LOCK_NAME, lock_path

from .helpers import make_seeds

CONFIG = Config(volumes="none", embed_font=False)


@contextmanager
def build_holding_the_lock(seeds: Path, output: Path, state: Path) -> Iterator[None]:
    """A real build of `output` in a thread, paused inside its lock until the block ends."""
    inside, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def pause(stage: str) -> None:  # told each stage's name, from inside the lock
        inside.set()
        release.wait(30)

    def run() -> None:
        try:
            build(seeds, output, CONFIG, state_path=state, progress=pause)
        except BaseException as error:  # handed to the test's thread below
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert inside.wait(30), "the first build never started"
        yield
    finally:
        release.set()
        thread.join(60)
    assert failures == []


def test_the_lock_lives_beside_the_output_folder_and_nothing_of_it_is_published(tmp_path: Path) -> None:
    output = tmp_path / "output"
    build(make_seeds(tmp_path / "seeds"), output, CONFIG)
    assert [path for path in output.rglob("*") if path.name.startswith(".publisher")] == []
    assert list(output.rglob(".*")) == []
    assert (tmp_path / ".output.publisher.lock").is_file()


def test_a_lock_left_inside_by_an_older_build_is_removed(tmp_path: Path) -> None:
    output = tmp_path / "output"
    output.mkdir()
    (output / LEGACY_LOCK_NAME).write_bytes(b"")
    (output / "articles").mkdir()
    (output / "articles" / LEGACY_LOCK_NAME).write_bytes(b"")  # not ours: only the top-level one was
    result = build(make_seeds(tmp_path / "seeds"), output, CONFIG)
    assert not (output / LEGACY_LOCK_NAME).exists()
    assert output / LEGACY_LOCK_NAME in result.changed
    assert (output / "articles" / LEGACY_LOCK_NAME).exists()


def test_every_spelling_of_a_folder_names_the_same_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output = tmp_path / "output"
    output.mkdir()
    (tmp_path / "link").symlink_to(output)
    monkeypatch.chdir(tmp_path)
    expected = tmp_path / ".output.publisher.lock"
    for spelling in ("output", "./output", "output/", "output/.", "link", str(output), str(tmp_path / "link")):
        assert lock_path(Path(spelling)) == expected, spelling
    monkeypatch.chdir(output)
    assert lock_path(Path()) == lock_path(Path("../output")) == expected
    # A file-system root has no parent: its lock stays inside, named as no folder's lock can be.
    assert lock_path(Path("/")) == Path("/..publisher.lock")


def test_two_builds_with_different_state_files_exclude_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds, output = make_seeds(tmp_path / "seeds"), tmp_path / "output"
    second = ["build", "--seeds", str(seeds), "--output", str(output), "--state", str(tmp_path / "b.json")]
    with build_holding_the_lock(seeds, output, tmp_path / "a.json"):
        status = main([*second, "--wait", "0.3"])
        _, err = capsys.readouterr()
        assert status == 3
        assert "waiting up to 0.3 s" in err
        assert f"error: {output}: cannot write: another build is still writing here after 0.3 s" in err
        assert not (tmp_path / "b.json").exists()
    # Once the first build is done the lock is free again.
    assert main(second) == 0


def test_a_waiting_build_goes_on_once_the_first_is_done(tmp_path: Path) -> None:
    seeds, output = make_seeds(tmp_path / "seeds"), tmp_path / "output"
    results: list[int] = []
    with build_holding_the_lock(seeds, output, tmp_path / "a.json"):
        waiting = threading.Thread(
            target=lambda: results.append(
                build(seeds, output, CONFIG, state_path=tmp_path / "b.json", wait=30).published
            )
        )
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive(), "the second build did not wait for the first"
    waiting.join(60)
    assert results == [1]


def test_relative_and_absolute_spellings_of_one_output_contend_for_one_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds, output = make_seeds(tmp_path / "seeds"), tmp_path / "output"
    monkeypatch.chdir(tmp_path)
    with build_holding_the_lock(seeds, output, tmp_path / "a.json"):
        for spelling in ("output", "./output/"):
            status = main(["build", "--seeds", str(seeds), "--output", spelling, "--wait", "0.1"])
            assert status == 3, spelling
            assert "another build is still writing here after 0.1 s" in capsys.readouterr().err
