"""The command line, called as `main([...])`: messages, summary and exit status."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from publisher.cli import main

from .helpers import BAD_MIXED, DATA, make_seeds


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_build_publishes_and_prints_one_summary_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeds = make_seeds(tmp_path / "seeds", "english_article.txt")
    output = tmp_path / "output"
    status, out, err = run(capsys, "build", "--seeds", str(seeds), "--output", str(output))
    assert (status, err) == (0, "")
    [line] = out.splitlines()
    files = sorted(path for path in output.rglob("*") if path.is_file())
    # The collection, and an edition for each of the two weeks.
    assert line == f"published 2 articles, rejected 0; {len(files)} files in {output}/ (3 books), {len(files)} changed"
    for name in ("feed.atom", "feed.rss", "feed.json", "news.epub", "style.css", "index.html", "opds.xml"):
        assert (output / name).is_file()


def test_rejected_articles_are_reported_and_exit_status_is_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = make_seeds(tmp_path / "seeds", *BAD_MIXED)
    status, out, err = run(capsys, "build", "--seeds", str(seeds), "--output", str(tmp_path / "output"))
    assert status == 1
    assert err.splitlines() == [
        f"{seeds / 'bad_timestamp.txt'}:1: expected a timestamp YYYY-MM-DD HH:MM:SS, found '31/03/2025 15:08' "
        "(hint: line 1 must be the publication time, e.g. 2025-03-31 15:08:00 or 2025-03-31T15:08:00+03:00)",
        f"{seeds / 'windows_1256.txt'}:2: not valid UTF-8 (byte 0xde at offset 21) "
        "(hint: it looks like windows-1256 (Arabic Windows); save it as UTF-8, or set input_encoding)",
    ]
    assert out.startswith("published 1 article, rejected 2; ")
    assert (tmp_path / "output" / "news.epub").is_file()


def test_warnings_go_to_stderr_and_do_not_change_the_exit_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = make_seeds(tmp_path / "seeds", "control_characters.txt", sample=False)
    status, _, err = run(capsys, "build", "--seeds", str(seeds), "--output", str(tmp_path / "output"))
    assert status == 0
    assert (
        err == f"{seeds / 'control_characters.txt'}:3: warning: removed 3 control characters (U+0000, U+0007, U+007F)\n"
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('titel = "x"\n', "unknown key 'titel' (hint: did you mean 'title'?)"),
        ('timezone = "Mars/Olympus"\n', "unknown time zone 'Mars/Olympus'"),
        ('base_url = "example.org"\n', "'base_url' must be an absolute http(s) URL"),
        ("feed_size = 0\n", "'feed_size' must be a whole number of at least 1"),
        ("title = \n", "not valid TOML"),
        # Were tracebacks: feedgen refuses controls, raqm a line break on the cover.
        ('title = "A\\u0001B"\n', "'title' must be one line without control characters, not one with U+0001"),
        ('subtitle = "A\\u0085B"\n', "'subtitle' must be one line without control characters, not one with U+0085"),
        ('author = "A\\u2029B"\n', "'author' must be one line without control characters, not one with U+2029"),
        ('rights = "A\\uFFFEB"\n', "'rights' must be one line without control characters, not one with U+FFFE"),
    ],
)
def test_a_bad_configuration_is_exit_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str, message: str
) -> None:
    seeds = make_seeds(tmp_path / "seeds")
    (tmp_path / "publisher.toml").write_text(config, encoding="utf-8")
    status, out, err = run(
        capsys,
        "build",
        "--seeds",
        str(seeds),
        "--output",
        str(tmp_path / "out"),
        "--config",
        str(tmp_path / "publisher.toml"),
    )
    assert (status, out) == (2, "")
    assert err.startswith(f"error: {tmp_path / 'publisher.toml'}: ")
    assert message in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_configuration_file_is_applied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeds = make_seeds(tmp_path / "seeds")
    config = tmp_path / "site.toml"
    config.write_text('title = "موقعي"\nbook_name = "my-book"\nrights = "CC BY 4.0"\n', encoding="utf-8")
    status, _, _ = run(
        capsys, "build", "--seeds", str(seeds), "--output", str(tmp_path / "out"), "--config", str(config)
    )
    assert status == 0
    assert (tmp_path / "out" / "my-book.epub").is_file()
    assert "<rights>CC BY 4.0</rights>" in (tmp_path / "out" / "feed.atom").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["build", "--seeds", "does-not-exist"],
            "error: does-not-exist: seeds folder not found (hint: pass --seeds DIR)",
        ),
        (["build", "--config", "missing.toml"], "error: missing.toml: configuration file not found"),
        (["build", "--seeds", "empty"], "error: empty: no articles (*.txt files) to publish"),
    ],
)
def test_usage_errors_are_exit_status_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert err == message + "\n"


def test_argument_errors_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "frobnicate")[0] == 2
    assert run(capsys)[0] == 2
    status, out, _ = run(capsys, "build", "--help")
    assert status == 0
    for option in ("--seeds DIR", "--output DIR", "--config FILE", "Exit status"):
        assert option in out


def test_an_unwritable_output_is_exit_status_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeds = make_seeds(tmp_path / "seeds")
    blocker = tmp_path / "output"
    blocker.write_text("a file where the output folder should be", encoding="utf-8")
    status, _, err = run(capsys, "build", "--seeds", str(seeds), "--output", str(blocker))
    assert status == 3
    assert err.startswith("error: ") and "cannot write" in err
    assert len(err.splitlines()) == 1


def test_python_dash_m_and_the_console_script_work(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds", sample=False)
    (seeds / "a.txt").write_bytes((DATA / "hebrew_article.txt").read_bytes())
    completed = subprocess.run(
        [sys.executable, "-m", "publisher", "build", "--seeds", str(seeds), "--output", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("published 1 article, rejected 0")
    script = Path(sys.executable).parent / "publisher"
    version = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert (version.returncode, version.stdout.strip()) == (0, "publisher 0.1.0")


def test_the_state_file_goes_beside_the_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeds = make_seeds(tmp_path / "seeds")
    # The tests run in an empty working folder: without a configuration the state lands there.
    assert run(capsys, "build", "--seeds", str(seeds), "--output", str(tmp_path / "output"))[0] == 0
    assert (Path.cwd() / "publisher.state.json").is_file()
    site = tmp_path / "site"
    site.mkdir()
    (site / "publisher.toml").write_text('title = "نشرة"\n', encoding="utf-8")
    arguments = ["--seeds", str(seeds), "--output", str(tmp_path / "other"), "--config", str(site / "publisher.toml")]
    assert run(capsys, "build", *arguments)[0] == 0
    assert (site / "publisher.state.json").is_file()
    assert run(capsys, "build", *arguments, "--state", str(tmp_path / "elsewhere.json"))[0] == 0
    assert (tmp_path / "elsewhere.json").is_file()


def test_serve_watch_rebuilds_and_serves_the_new_article(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds")
    command = [sys.executable, "-u", "-m", "publisher", "serve", "--port", "0", "--watch", "-q"]
    command += ["--seeds", str(seeds), "--output", str(tmp_path / "output")]
    with subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            while not line.startswith("serving "):
                line = process.stdout.readline()
            address = line.split(" at ", 1)[1].split(" ", 1)[0]
            assert address.startswith("http://127.0.0.1:")
            assert len(feed_titles(address)) == 1
            (seeds / "new.txt").write_text("2025-05-01 10:00:00\nخبر جديد\nنص الخبر.\n", encoding="utf-8")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and "خبر جديد" not in feed_titles(address):
                time.sleep(0.2)
            assert "خبر جديد" in feed_titles(address)
        finally:
            process.terminate()


def feed_titles(address: str) -> list[str]:
    with urllib.request.urlopen(address + "feed.json", timeout=10) as response:
        return [item["title"] for item in json.loads(response.read())["items"]]


def run_in_a_terminal(*arguments: str) -> bytes:
    """The bytes a terminal would show for `python -m publisher ARGUMENTS` (a pseudo-terminal)."""
    import pty

    pid, descriptor = pty.fork()
    if pid == 0:  # the child: become the command
        os.execv(sys.executable, [sys.executable, "-m", "publisher", *arguments])
    shown = b""
    while True:
        try:
            chunk = os.read(descriptor, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.waitpid(pid, 0)
    os.close(descriptor)
    return shown


def test_a_terminal_gets_a_progress_bar_unless_quiet(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds")
    common = ["--seeds", str(seeds), "--state", str(tmp_path / "state.json")]
    shown = run_in_a_terminal("build", *common, "--output", str(tmp_path / "a"))
    # A bar drawn with terminal escapes, then wiped (transient), then the summary.
    assert b"publishing" in shown and b"\x1b[2K" in shown and b"published 1 article" in shown
    quiet = run_in_a_terminal("build", *common, "--output", str(tmp_path / "b"), "-q")
    assert quiet == b""


def test_stages_are_reported_in_order_and_timed_with_verbose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from publisher.build import build
    from publisher.config import Config

    stages: list[str] = []
    build(make_seeds(tmp_path / "seeds"), tmp_path / "output", Config(volumes="none"), progress=stages.append)
    assert stages == [
        "read the seeds",
        "render the chapters",
        "feeds and archives",
        "web pages",
        "books",
        "write",
    ]
    _, _, err = run(capsys, "build", "--seeds", str(tmp_path / "seeds"), "--output", str(tmp_path / "again"), "-v")
    assert re.search(r"^render the chapters: \d+\.\d\d s$", err, re.MULTILINE)
