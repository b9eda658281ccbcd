"""Both cores: jobs in forked workers give what a loop in one process gives, errors and warnings included."""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from publisher import books, parallel, render
from publisher.article import Article
from publisher.build import build
from publisher.config import Config
from publisher.drawn import Rendered
from publisher.errors import ArticleError, WorkerError
from publisher.render import ChapterLinks
from publisher.volumes import BookPlan

from .helpers import DATA, make_corpus, tree_bytes

CONFIG = Config(volumes="none")


@pytest.fixture(autouse=True)
def two_cores() -> None:
    if parallel.workers() < 2:
        pytest.fail("these tests need fork and two cores, which the CI machine has")


BOOKS_ONLY = Config(editions="none")
"""The collection and volumes alone: which process makes which book, without the editions."""


def _pid_and_square(number: int) -> tuple[int, int]:
    time.sleep(0.005)  # long enough that both workers get some of the jobs
    return os.getpid(), number * number


def _fails_at_70(number: int) -> int:
    if number == 70:
        raise ArticleError(Path("seventy.txt"), 3, "the seventieth job fails", "a hint")
    return number


def _warns(number: int) -> int:
    logging.getLogger("publisher.reader").warning("job %d warns", number)
    return number


def test_results_come_back_in_order_from_other_processes() -> None:
    jobs = [functools.partial(_pid_and_square, number) for number in range(200)]
    results = parallel.run_all(jobs)
    assert [square for _, square in results] == [number * number for number in range(200)]
    workers = {pid for pid, _ in results}
    assert os.getpid() not in workers
    assert len(workers) == 2


def test_runs_of_jobs_kept_together_go_to_one_worker() -> None:
    # The two formats of an archive page share each entry's HTML, made once in one process.
    jobs = [functools.partial(_pid_and_square, number) for number in range(40)]
    results = list(parallel.run_each(jobs, minimum=8, together=2))
    assert [square for _, square in results] == [number * number for number in range(40)]
    assert len({pid for pid, _ in results}) == 2
    assert all(results[start][0] == results[start + 1][0] for start in range(0, 40, 2))


def _finish_time(number: int) -> float:
    time.sleep(0.002)
    return time.monotonic()


def test_with_a_window_of_every_job_the_workers_run_ahead_of_the_results_taken() -> None:
    # The seeds are read while the build imports its rendering stack, before it takes a result.
    jobs = [functools.partial(_finish_time, number) for number in range(parallel.MIN_JOBS * 2)]
    results = parallel.run_each(jobs, window=len(jobs))
    time.sleep(1.5)  # busy elsewhere, as the build is with its imports
    taken = time.monotonic()
    finished = list(results)
    assert len(finished) == len(jobs)
    assert max(finished) < taken


def _interrupt_handler(_: int) -> tuple[int, bool]:
    return os.getpid(), signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_ctrl_c_reaches_the_build_process_and_not_its_workers() -> None:
    # Was: Ctrl-C (SIGINT to the whole process group) stopped workers in the middle of the pool's
    # queue, and the build printed "error: interrupted" and then hung at exit, in the pool's
    # finalizer, with two workers left waiting on the queue's lock (3 interrupts in 9, measured).
    results = parallel.run_all([functools.partial(_interrupt_handler, number) for number in range(parallel.MIN_JOBS)])
    assert os.getpid() not in {pid for pid, _ in results}
    assert all(ignored for _, ignored in results)
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN


def test_few_jobs_run_here_in_order() -> None:
    jobs = [functools.partial(_pid_and_square, number) for number in range(parallel.MIN_JOBS - 1)]
    assert {pid for pid, _ in parallel.run_all(jobs)} == {os.getpid()}


def test_a_jobs_error_is_raised_here_as_itself() -> None:
    with pytest.raises(ArticleError) as raised:
        parallel.run_all([functools.partial(_fails_at_70, number) for number in range(100)])
    error = raised.value
    assert (error.path, error.line, error.reason, error.hint) == (
        Path("seventy.txt"),
        3,
        "the seventieth job fails",
        "a hint",
    )


def test_warnings_in_workers_reach_this_process_in_job_order(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="publisher")
    parallel.run_all([functools.partial(_warns, number) for number in range(100)])
    assert [record.getMessage() for record in caplog.records] == [f"job {number} warns" for number in range(100)]
    assert {record.name for record in caplog.records} == {"publisher.reader"}


def test_a_build_on_both_cores_is_byte_identical_to_one_on_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeds = make_corpus(tmp_path / "seeds", 150)
    (seeds / "bad_timestamp.txt").write_bytes((DATA / "bad_timestamp.txt").read_bytes())
    both = build(seeds, tmp_path / "both", Config(), cache=tmp_path / "cache-both")
    monkeypatch.setattr(parallel, "workers", lambda: 0)
    one = build(seeds, tmp_path / "one", Config(), cache=tmp_path / "cache-one")
    assert tree_bytes(tmp_path / "both") == tree_bytes(tmp_path / "one")
    assert [str(error) for error in both.rejected] == [str(error) for error in one.rejected]
    assert both.rejected and both.rejected[0].line == 1


def test_rejections_read_on_both_cores_are_the_same_as_on_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    seeds = make_corpus(tmp_path / "seeds", 100)
    for name in ("bad_timestamp.txt", "windows_1256.txt", "control_characters.txt"):
        (seeds / name).write_bytes((DATA / name).read_bytes())
    caplog.set_level(logging.WARNING, logger="publisher")
    both = build(seeds, tmp_path / "both", CONFIG)
    warned = [record.getMessage() for record in caplog.records]
    caplog.clear()
    monkeypatch.setattr(parallel, "workers", lambda: 0)
    one = build(seeds, tmp_path / "one", CONFIG)
    assert [str(error) for error in both.rejected] == [str(error) for error in one.rejected]
    assert len(both.rejected) == 2
    assert any("removed 3 control characters" in message for message in warned)
    assert warned == [record.getMessage() for record in caplog.records]


def test_away_from_the_main_thread_jobs_run_in_that_thread() -> None:
    jobs = [functools.partial(_pid_and_square, number) for number in range(parallel.MIN_JOBS)]
    results: list[tuple[int, int]] = []
    thread = threading.Thread(target=lambda: results.extend(parallel.run_all(jobs)))
    thread.start()
    thread.join()
    assert {pid for pid, _ in results} == {os.getpid()}
    assert [square for _, square in results] == [number * number for number in range(parallel.MIN_JOBS)]


def test_when_no_worker_can_be_started_the_jobs_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_processes(*_: object, **__: object) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr("multiprocessing.context.ForkContext.Pool", no_processes)
    jobs = [functools.partial(_pid_and_square, number) for number in range(parallel.MIN_JOBS)]
    results = parallel.run_all(jobs)
    assert {pid for pid, _ in results} == {os.getpid()}
    assert [square for _, square in results] == [number * number for number in range(parallel.MIN_JOBS)]


def _book_makers(
    seeds: Path, output: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> dict[str, int]:
    """Build, and tell which process made each book (its file name → pid)."""
    made = books._pickled_book

    def reported(plan: BookPlan, *arguments: Any) -> bytes:
        logging.getLogger("publisher.pipeline").warning("%s made in %d", plan.file_name, os.getpid())
        return made(plan, *arguments)

    monkeypatch.setattr(books, "_pickled_book", reported)
    caplog.set_level(logging.WARNING, logger="publisher")
    build(seeds, output, BOOKS_ONLY, cache=cache)
    return {message.split()[0]: int(message.split()[-1]) for message in caplog.messages if "made in" in message}


def test_small_books_made_side_by_side_in_workers_are_those_one_process_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A blog's shape: a few articles a year, so seven small year volumes and the collection.
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    sample = (DATA.parent.parent / "seeds" / "000_f16a7d7f239613ff.txt").read_text(encoding="utf-8").splitlines()
    for number in range(21):
        moment = f"{2019 + number // 3}-0{1 + number % 3 * 4}-15 10:00:00"
        lines = [moment, f"{sample[1]} {number}", *sample[2:6]]
        (seeds / f"post_{number:02d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    makers = _book_makers(seeds, tmp_path / "both", tmp_path / "cache", monkeypatch, caplog)
    assert len(makers) == 8 and os.getpid() not in makers.values(), makers
    caplog.clear()
    build(seeds, tmp_path / "warm", BOOKS_ONLY, cache=tmp_path / "cache")  # the books the workers made, cached
    assert [message for message in caplog.messages if "made in" in message] == []  # none made again
    monkeypatch.setattr(parallel, "workers", lambda: 0)
    build(seeds, tmp_path / "one", BOOKS_ONLY)
    assert len(list((tmp_path / "one").glob("*.epub"))) == 8
    assert tree_bytes(tmp_path / "both") == tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "warm")


def test_a_large_collection_and_its_volumes_are_made_in_one_worker_as_one_process_makes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    seeds = make_corpus(tmp_path / "seeds", 400)  # 366 days of 2024 and 34 of 2025: three books
    makers = _book_makers(seeds, tmp_path / "both", tmp_path / "cache", monkeypatch, caplog)
    assert sorted(makers) == ["news-2024.epub", "news-2025.epub", "news.epub"]
    assert len(set(makers.values())) == 1 and os.getpid() not in makers.values(), makers
    monkeypatch.setattr(parallel, "workers", lambda: 0)
    build(seeds, tmp_path / "one", BOOKS_ONLY)
    assert tree_bytes(tmp_path / "both") == tree_bytes(tmp_path / "one")


def test_ctrl_c_is_not_held_back_once_the_workers_are_forked() -> None:
    results = parallel.run_each([functools.partial(_interrupt_handler, number) for number in range(parallel.MIN_JOBS)])
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert all(ignored for _, ignored in results)


def test_closing_results_before_taking_any_ends_the_workers() -> None:
    results = parallel.run_each([functools.partial(_pid_and_square, number) for number in range(100)])
    assert len(multiprocessing.active_children()) == 2
    results.close()
    deadline = time.monotonic() + 5
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert multiprocessing.active_children() == []


_READS_BEFORE_THE_STACK = """
import sys
from pathlib import Path
import publisher.reader as reader

started = reader.start_reading
seen = []

def recording(*arguments, **keywords):
    seen.append("publisher.pipeline" in sys.modules)
    return started(*arguments, **keywords)

reader.start_reading = recording
from publisher.build import build
from publisher.config import Config

build(Path(sys.argv[1]), Path(sys.argv[2]), Config(), cache=Path(sys.argv[3]))
assert seen == [False], seen
assert "publisher.pipeline" in sys.modules
"""


def test_the_seeds_are_being_read_before_the_rendering_stack_is_imported(tmp_path: Path) -> None:
    seeds = make_corpus(tmp_path / "seeds", 3)
    command = [sys.executable, "-c", _READS_BEFORE_THE_STACK, str(seeds), str(tmp_path / "out"), str(tmp_path / "c")]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    assert finished.returncode == 0, finished.stderr
    assert (tmp_path / "out" / "index.html").is_file()


def _children_gone(deadline: float = 5) -> bool:
    until = time.monotonic() + deadline
    while multiprocessing.active_children() and time.monotonic() < until:
        time.sleep(0.01)
    return not multiprocessing.active_children()


def test_leaving_the_block_by_an_error_ends_the_workers_of_results_never_taken() -> None:
    with pytest.raises(RuntimeError), parallel.ending_workers():
        parallel.run_each([functools.partial(_pid_and_square, number) for number in range(100)])
        assert len(multiprocessing.active_children()) == 2
        raise RuntimeError("the build stops here")
    assert _children_gone()


def test_a_ctrl_c_let_through_just_after_the_fork_still_ends_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    masking = signal.pthread_sigmask

    def interrupted_on_release(how: int, mask: Any) -> Any:
        previous = masking(how, mask)
        if how == signal.SIG_SETMASK:  # the interrupt that came while the workers were forked
            raise KeyboardInterrupt
        return previous

    monkeypatch.setattr(signal, "pthread_sigmask", interrupted_on_release)
    with pytest.raises(KeyboardInterrupt), parallel.ending_workers():
        parallel.run_each([functools.partial(_pid_and_square, number) for number in range(100)])
    monkeypatch.undo()
    assert _children_gone()


def test_results_taken_to_the_last_end_their_workers_at_once() -> None:
    results = parallel.run_each([functools.partial(_pid_and_square, number) for number in range(100)])
    assert len(list(results)) == 100
    assert _children_gone()
    assert parallel._live == []  # nothing left for the build's end to stop


_INTERRUPTED_BUILD = """
import sys
from pathlib import Path
from publisher.cli import main
sys.exit(main(["build", "-q", "--seeds", sys.argv[1], "--output", sys.argv[2], "--state", sys.argv[3]]))
"""


def test_ctrl_c_anywhere_in_a_build_ends_it_with_one_line_and_no_process_left(tmp_path: Path) -> None:
    # Was: about a third of interrupts printed "Exception ignored in Pool.__del__ ... Bad file
    # descriptor" after "error: interrupted", and 2 in 56 hung in the pool's finalizer (results
    # in flight that no one would take). Years of articles: small volumes made on the workers.
    seeds = make_corpus(tmp_path / "seeds", 700)
    command = [sys.executable, "-c", _INTERRUPTED_BUILD, str(seeds), str(tmp_path / "out"), str(tmp_path / "s.json")]
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True)
    duration = time.monotonic() - started
    outcomes = []
    for attempt in range(8):
        for made in (tmp_path / "out", tmp_path / ".publisher-cache"):  # each build cold, as the first
            if made.exists():
                made.rename(tmp_path / f"{made.name}-{attempt}")
        with subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True) as build_process:
            time.sleep(duration * (0.15 + 0.1 * attempt))  # from the imports to the books
            os.killpg(build_process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: to every process of the group
            try:
                _, errors = build_process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(build_process.pid, signal.SIGKILL)
                pytest.fail(f"interrupt {attempt}: the build hung after Ctrl-C")
        outcomes.append((build_process.returncode, errors))
        with pytest.raises(ProcessLookupError):  # no worker outlived it
            os.killpg(build_process.pid, 0)
    interrupted = [(code, errors) for code, errors in outcomes if code != 0]
    assert len(interrupted) >= 4, outcomes
    assert [(code, errors) for code, errors in interrupted if errors != "error: interrupted\n"] == []


def _pid(number: int) -> int:
    time.sleep(0.0005 * (number % 3))  # the workers spend much of their time in the pool's queues
    return os.getpid()


def _until_dead(pids: list[int]) -> None:
    """Wait until the kernel has ended each process (a zombie now, or gone), without reaping it."""
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # reaped meanwhile
            while Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                time.sleep(0.001)


def test_workers_killed_while_idle_leave_the_pool_to_end_without_waiting() -> None:
    # An idle worker waits for work holding the lock of the pool's task queue, which the pool's
    # own ending takes: killed then, every time, it would leave that ending waiting forever.
    results = parallel.run_each([functools.partial(_pid, number) for number in range(parallel.MIN_JOBS)])
    for _ in range(parallel.MIN_JOBS - 1):
        next(results)
    time.sleep(0.2)  # the last chunk's result is in: the workers wait for more
    killed = [worker.pid or 0 for worker in multiprocessing.active_children()]
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    _until_dead(killed)
    closing = threading.Thread(target=results.close, daemon=True)
    closing.start()
    closing.join(timeout=10)
    assert not closing.is_alive(), "waited on a lock a killed worker held"
    assert _children_gone()


def test_a_worker_killed_at_any_moment_leaves_the_pool_to_end_without_waiting() -> None:
    # Killed as the kernel kills for memory, a worker may hold a lock of the pool's queues or be
    # half-way through sending a result; the pool's own ending then waits forever (1 in 7 here).
    for attempt in range(30):
        results = parallel.run_each([functools.partial(_pid, number) for number in range(2000)])
        victim = next(results)
        for _ in range(attempt % 7):
            next(results)
        os.kill(victim, signal.SIGKILL)
        time.sleep(0.001 * (attempt % 5))
        closing = threading.Thread(target=results.close, daemon=True)
        closing.start()
        closing.join(timeout=10)
        assert not closing.is_alive(), f"attempt {attempt}: waited for a worker that was killed"
        assert parallel._live == []
    assert _children_gone()


def _slow_pid(number: int) -> int:
    time.sleep(0.02)
    return os.getpid()


def test_a_worker_killed_while_its_chunk_is_awaited_stops_the_run_with_an_error() -> None:
    # Killed for memory in the middle of a chunk, a worker never hands it back: awaited without
    # a look at the workers, that chunk kept the build waiting forever (6 builds in 8, reviewed).
    results = parallel.run_each([functools.partial(_slow_pid, number) for number in range(parallel.MIN_JOBS)])
    next(results)
    killed = [worker.pid or 0 for worker in multiprocessing.active_children()]
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    raised: list[BaseException] = []

    def take_the_rest() -> None:
        try:
            for _ in results:
                pass
        except BaseException as error:  # what the run raised, for the assertion
            raised.append(error)

    taking = threading.Thread(target=take_the_rest, daemon=True)
    taking.start()
    taking.join(timeout=10)
    assert not taking.is_alive(), "waited forever for a chunk a killed worker held"
    assert len(raised) == 1 and isinstance(raised[0], WorkerError), raised
    assert "killed by signal 9" in str(raised[0])
    assert parallel._live == []
    assert _children_gone()


def test_a_single_book_of_fifty_articles_or_more_is_made_in_a_worker_as_one_process_makes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # One year of articles: the collection is the only book, made while the pages are.
    for count in (books.ONE_BOOK_ASIDE_ARTICLES - 1, books.ONE_BOOK_ASIDE_ARTICLES):
        seeds = _one_year_site(tmp_path / f"seeds-{count}", count)
        caplog.clear()
        makers = _book_makers(seeds, tmp_path / f"aside-{count}", tmp_path / f"cache-{count}", monkeypatch, caplog)
        assert list(makers) == ["news.epub"]
        made_here = makers["news.epub"] == os.getpid()
        assert made_here == (count < books.ONE_BOOK_ASIDE_ARTICLES), (count, makers)
    monkeypatch.setattr(parallel, "workers", lambda: 0)
    build(seeds, tmp_path / "one", BOOKS_ONLY)
    assert tree_bytes(tmp_path / f"aside-{books.ONE_BOOK_ASIDE_ARTICLES}") == tree_bytes(tmp_path / "one")


def _one_year_site(seeds: Path, count: int) -> Path:
    """`count` short articles, all of one year: the collection is the site's only book."""
    sample = (DATA.parent.parent / "seeds" / "000_f16a7d7f239613ff.txt").read_text(encoding="utf-8").splitlines()
    seeds.mkdir()
    for number in range(count):
        lines = [f"2025-01-01 {number // 60:02d}:{number % 60:02d}:00", f"{sample[1]} {number}", *sample[2:4]]
        (seeds / f"post_{number:02d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return seeds


def test_the_chapters_a_worker_renders_for_its_book_are_kept_so_an_edit_renders_one_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    seeds = _one_year_site(tmp_path / "seeds", books.ONE_BOOK_ASIDE_ARTICLES)
    rendered = render.render_chapter

    def reported(article: Article, config: Config, links: ChapterLinks | None = None) -> Rendered:
        logging.getLogger("publisher.books").warning("%s rendered in %d", article.slug, os.getpid())
        return rendered(article, config, links)

    monkeypatch.setattr(books, "render_chapter", reported)
    caplog.set_level(logging.WARNING, logger="publisher")
    build(seeds, tmp_path / "output", BOOKS_ONLY, cache=tmp_path / "cache")
    cold = [message.split() for message in caplog.messages if " rendered in " in message]
    assert len(cold) == books.ONE_BOOK_ASIDE_ARTICLES
    assert {int(words[-1]) for words in cold} != {os.getpid()}  # the book was made in a worker
    caplog.clear()
    with (seeds / "post_07.txt").open("a", encoding="utf-8") as seed:
        seed.write("فقرة أضيفت بعد النشر.\n")
    build(seeds, tmp_path / "output", BOOKS_ONLY, cache=tmp_path / "cache")
    assert [message.split()[0] for message in caplog.messages if " rendered in " in message] == ["post_07"]
