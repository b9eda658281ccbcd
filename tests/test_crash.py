"""Killed builds, concurrent builds, full disks and read-only folders never leave a broken output."""

from __future__ import annotations

import errno
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import zipfile
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import feedparser
import lxml.html
import pytest
from filelock import FileLock, Timeout
from lxml import etree
from PIL import Image

from publisher import writer
from publisher.build import build
from publisher.cli import main
from publisher.config import Config
from publisher.errors import OutputError
from publisher.writer import STAGING_THREADS, Staging, lock_path

from .helpers import ROOT, make_corpus, make_seeds, tree_bytes

# More kills than the default with PUBLISHER_CRASH_KILLS=300 (the note reports such a run).
KILLS = int(os.environ.get("PUBLISHER_CRASH_KILLS", "30"))
OPF = "{http://www.idpf.org/2007/opf}"


def command(seeds: Path, output: Path, state: Path, *extra: str) -> list[str]:
    arguments = ["build", "-q", "--seeds", str(seeds), "--output", str(output), "--state", str(state), *extra]
    return [sys.executable, "-m", "publisher", *arguments]


def check_whole(path: Path) -> None:
    """`path` is a complete, usable file of its kind (raises otherwise)."""
    data = path.read_bytes()
    if path.suffix == ".epub":
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            assert book.testzip() is None
            assert book.read("mimetype") == b"application/epub+zip"
            package = etree.fromstring(book.read("EPUB/content.opf"))
            names = set(book.namelist())
            for item in package.iter(f"{OPF}item"):
                assert "EPUB/" + item.get("href", "") in names
    elif path.suffix in {".atom", ".rss"} or path.name == "opds.xml":
        assert feedparser.parse(data).bozo == 0
    elif path.suffix == ".json":
        json.loads(data)
    elif path.suffix in {".xml"}:
        etree.fromstring(data)
    elif path.suffix == ".html":
        assert data.rstrip().endswith(b"</html>")
        lxml.html.document_fromstring(data)
    elif path.suffix == ".png":
        with Image.open(io.BytesIO(data)) as image:
            image.verify()


def wait_for_writing(output: Path, process: subprocess.Popen[bytes], started: float) -> None:
    """Return once the build in `process` starts changing files in `output` (or has ended)."""
    leftovers = set(output.rglob(".*.tmp"))
    while process.poll() is None:
        for path in output.rglob("*"):
            try:
                if (path.name.endswith(".tmp") and path not in leftovers) or path.stat().st_mtime > started:
                    return
            except FileNotFoundError:
                continue
        time.sleep(0.001)


def toggle(seeds: Path, version: int) -> None:
    """Two versions of the corpus (an edit in every tenth article), so a build always has work."""
    for number, path in enumerate(sorted(seeds.glob("article_*.txt"))):
        if number % 10 == 0:
            lines = path.read_text(encoding="utf-8").splitlines()[:5]
            if version:
                lines.append(f"فقرة مضافة في النسخة {version}.")
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_builds_killed_at_random_moments_leave_every_output_whole(tmp_path: Path) -> None:
    seeds = make_corpus(tmp_path / "seeds", 60)
    output, state = tmp_path / "output", tmp_path / "state.json"
    environment = {**os.environ, "SOURCE_DATE_EPOCH": "1767323045"}
    # The complete versions of every file: a killed build may leave only these.
    complete: dict[str, set[bytes]] = {}
    started = time.monotonic()
    for version in (0, 1, 0, 1):
        toggle(seeds, version)
        subprocess.run(command(seeds, output, state), check=True, env=environment)
        for name, data in tree_bytes(output).items():
            complete.setdefault(name, set()).add(data)
    duration = (time.monotonic() - started) / 4
    randomness = random.Random(5005)
    interrupted = 0
    for kill in range(KILLS):
        toggle(seeds, kill % 2)
        with subprocess.Popen(command(seeds, output, state), env=environment) as process:
            if kill % 2:
                time.sleep(randomness.uniform(0, duration * 1.1))  # anywhere in the build
            else:
                # Half the kills aim at the writing itself: a moment after the first file changes.
                wait_for_writing(output, process, started=time.time())
                time.sleep(randomness.uniform(0, 0.05))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                interrupted += 1
            process.wait()
        for path in output.rglob("*"):
            if not path.is_file():
                continue
            if path.name.startswith("."):
                assert path.name.endswith(".tmp"), path  # a killed build's staging file, never an output
                continue
            name = path.relative_to(output).as_posix()
            assert path.read_bytes() in complete[name], f"kill {kill}: {name} is not a complete version"
            check_whole(path)
    assert interrupted >= KILLS // 2
    (ROOT / "test-artifacts" / "crash_test.txt").write_text(
        f"{KILLS} builds started, {interrupted} killed before they finished; every output whole after each\n",
        encoding="utf-8",
    )
    # The next build is not stuck on a lock, cleans the staging files up and completes.
    toggle(seeds, 1)
    subprocess.run(command(seeds, output, state, "--wait", "5"), check=True, env=environment)
    assert not list(output.rglob(".*"))


def test_a_second_build_waits_for_the_first_or_stops_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = make_seeds(tmp_path / "seeds")
    output = tmp_path / "output"
    output.mkdir()
    holder = FileLock(lock_path(output))
    holder.acquire()
    try:
        status = main(["build", "--seeds", str(seeds), "--output", str(output), "--wait", "0.3"])
    finally:
        holder.release()
    _, err = capsys.readouterr()
    assert status == 3
    assert "waiting up to 0.3 s" in err
    assert f"error: {output}: cannot write: another build is still writing here after 0.3 s" in err
    assert list(output.iterdir()) == []
    # Two real builds at once: both succeed, one after the other.
    runs = [
        subprocess.Popen(command(seeds, output, tmp_path / "state.json"), stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(process.wait(60), process.communicate()[1]) for process in runs]
    for process in runs:
        process.__exit__(None, None, None)
    assert [status for status, _ in results] == [0, 0]
    check_whole(output / "news.epub")


def test_a_killed_build_does_not_leave_the_folder_locked(tmp_path: Path) -> None:
    seeds = make_corpus(tmp_path / "seeds", 60)
    output = tmp_path / "output"
    with subprocess.Popen(command(seeds, output, tmp_path / "state.json")) as process:
        lock = FileLock(lock_path(output))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                lock.acquire(timeout=0)
                lock.release()
                time.sleep(0.01)
            except Timeout:
                break  # the build holds it now
        process.send_signal(signal.SIGKILL)
        process.wait()
    lock.acquire(timeout=0)  # would raise Timeout if the dead build still held it
    lock.release()


@pytest.mark.parametrize(
    ("failure", "message"),
    [(errno.ENOSPC, "No space left on device"), (errno.EROFS, "Read-only file system")],
)
def test_a_full_disk_or_read_only_folder_leaves_the_previous_outputs_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: int, message: str
) -> None:
    seeds = make_seeds(tmp_path / "seeds", "english_article.txt")
    output = tmp_path / "output"
    build(seeds, output, Config(volumes="none"))
    before = tree_bytes(output)
    (seeds / "new_article.txt").write_text("2025-06-01 10:00:00\nخبر جديد\nنص.\n", encoding="utf-8")
    real_fdopen, calls = os.fdopen, {"count": 0}

    class FailingFile:
        """The fifth file staged finds the disk full (or the folder read-only)."""

        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> FailingFile:
            return self

        def __exit__(self, *_: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            calls["count"] += 1
            if calls["count"] == 5:
                raise OSError(failure, os.strerror(failure))
            return int(self.handle.write(data))

        def __getattr__(self, name: str) -> object:
            return getattr(self.handle, name)

    monkeypatch.setattr(os, "fdopen", lambda *args, **kwargs: FailingFile(real_fdopen(*args, **kwargs)))
    with pytest.raises(OutputError) as raised:
        build(seeds, output, Config(volumes="none"))
    assert message in str(raised.value)
    assert tree_bytes(output) == before
    assert [path.name for path in output.rglob(".*")] == []


def test_the_writing_threads_are_all_running_before_the_first_file_is_staged(tmp_path: Path) -> None:
    # Started one by one as files arrived, mid-build, the sixteen starts cost 90-130 ms of a
    # one-second build (each start waits for its thread to run, the cores busy with the workers).
    before = threading.active_count()
    with Staging(tmp_path / "output") as staging:
        running = threading.active_count() - before
        staging.add("index.html", b"<!DOCTYPE html>\n")
        assert threading.active_count() - before == running
        staging.commit()
    assert running == STAGING_THREADS
    assert (tmp_path / "output" / "index.html").read_bytes() == b"<!DOCTYPE html>\n"


def test_a_writing_thread_that_cannot_start_stops_the_build_instead_of_hanging_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Was: the threads already started waited for the missing one forever, and so did the exit.
    started = threading.Thread.start
    starts = 0

    def all_but_the_last(thread: threading.Thread) -> None:
        nonlocal starts
        starts += 1
        if starts == STAGING_THREADS:
            raise RuntimeError("can't start new thread")
        started(thread)

    before = threading.active_count()
    monkeypatch.setattr(threading.Thread, "start", all_but_the_last)
    with pytest.raises(RuntimeError, match="can't start new thread"):
        Staging(tmp_path / "output")
    monkeypatch.undo()
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == before


def _temporaries(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob("*.tmp"))


def test_a_ctrl_c_while_files_are_being_staged_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Was: the file awaited when the interrupt came was forgotten, and its temporary file stayed.
    output = tmp_path / "output"
    waited = Future.result

    def interrupted(future: Future[Path], timeout: float | None = None) -> Path:
        waited(future, timeout)  # its temporary file exists now
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), Staging(output) as staging:
        for number in range(3):
            staging.add(f"page-{number}.html", b"<p>%d</p>\n" % number)
        monkeypatch.setattr(Future, "result", interrupted)
        staging.settle()
    monkeypatch.undo()
    assert _temporaries(output) == []
    assert sorted(path.name for path in output.iterdir()) == []


def test_a_ctrl_c_in_the_middle_of_the_commit_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Was: counted as committed before the first rename, the files not yet renamed were never removed.
    output = tmp_path / "output"
    renamed = writer._commit
    renames = 0

    def interrupted_at_the_second(temporary: Path, path: Path) -> None:
        nonlocal renames
        renames += 1
        if renames == 2:
            raise KeyboardInterrupt
        renamed(temporary, path)

    monkeypatch.setattr(writer, "_commit", interrupted_at_the_second)
    with pytest.raises(KeyboardInterrupt), Staging(output) as staging:
        for number in range(3):
            staging.add(f"page-{number}.html", b"<p>%d</p>\n" % number)
        staging.commit()
    assert _temporaries(output) == []
    assert sorted(path.name for path in output.iterdir()) == ["page-0.html"]  # each output old or new, whole


def test_a_second_ctrl_c_waits_for_the_temporary_files_to_be_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The build is already stopping (a first Ctrl-C, an error) and waits for a file being written.
    output = tmp_path / "output"
    staged = writer._stage
    stopping, writing = threading.Event(), threading.Event()

    def interrupted_while_the_build_stops(path: Path, data: bytes, **options: Any) -> Path:
        writing.set()
        temporary = staged(path, data, **options)
        stopping.wait()
        time.sleep(0.05)  # the main thread is in the clean-up by now
        os.kill(os.getpid(), signal.SIGINT)  # as a terminal's Ctrl-C, to the process
        time.sleep(0.2)
        return temporary

    monkeypatch.setattr(writer, "_stage", interrupted_while_the_build_stops)
    with pytest.raises(KeyboardInterrupt), Staging(output) as staging:  # the exit is the test
        staging.add("page.html", b"<p>0</p>\n")
        assert writing.wait(10)  # taken by a thread: the clean-up cannot cancel it before it starts
        stopping.set()
        raise OutputError(output / "feed.atom", "No space left on device")
    assert _temporaries(output) == []
