"""Whole builds: byte-identical rebuilds, the committed output, atomic and tidy writing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher.build import build
from publisher.config import Config
from publisher.state import STATE_NAME

from .helpers import BAD_MIXED, GOOD_MIXED, ROOT, build_into, epub_members, make_seeds, tree_bytes


def test_rebuilding_gives_byte_identical_files(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds", *GOOD_MIXED)
    build_into(seeds, tmp_path / "first")
    build_into(seeds, tmp_path / "second")
    first, second = tree_bytes(tmp_path / "first"), tree_bytes(tmp_path / "second")
    assert first == second
    assert {"feed.atom", "feed.rss", "news.epub", "style.css"} <= set(first)


def test_output_does_not_depend_on_the_order_the_file_system_lists_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds = make_seeds(tmp_path / "seeds", *GOOD_MIXED)
    build_into(seeds, tmp_path / "listed")
    listing = Path.iterdir

    def reversed_listing(self: Path) -> Iterator[Path]:
        return iter(sorted(listing(self), reverse=True))

    monkeypatch.setattr(Path, "iterdir", reversed_listing)
    build_into(seeds, tmp_path / "reversed")
    assert tree_bytes(tmp_path / "listed") == tree_bytes(tmp_path / "reversed")


def test_output_does_not_depend_on_the_machine_time_zone(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds", *GOOD_MIXED)
    for zone in ("UTC", "Asia/Riyadh", "America/Los_Angeles"):
        subprocess.run(
            [sys.executable, "-m", "publisher", "build", "--seeds", str(seeds), "--output", str(tmp_path / zone), "-q"],
            check=True,
            env={**os.environ, "TZ": zone},
            cwd=tmp_path,
        )
    assert (
        tree_bytes(tmp_path / "UTC")
        == tree_bytes(tmp_path / "Asia/Riyadh")
        == tree_bytes(tmp_path / "America/Los_Angeles")
    )


def test_the_committed_output_is_what_the_seeds_build_to(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # as `publisher build` runs there: publisher.toml, if any, applies
    from publisher.config import load_config

    # With the committed state, as `publisher build` runs; a copy, so the test changes nothing.
    state = tmp_path / STATE_NAME
    shutil.copy(ROOT / STATE_NAME, state)
    build(ROOT / "seeds", tmp_path / "output", load_config(None), state_path=state)
    assert state.read_bytes() == (ROOT / STATE_NAME).read_bytes(), "run `publisher build` and commit the state"
    fresh, committed = tree_bytes(tmp_path / "output"), tree_bytes(ROOT / "output")
    assert sorted(fresh) == sorted(committed), "run `publisher build` and commit output/"
    for name in fresh:
        if name.endswith(".epub") and fresh[name] != committed[name]:
            fresh_members = epub_members(tmp_path / "output" / name)
            committed_members = epub_members(ROOT / "output" / name)
            stale = sorted(
                m
                for m in fresh_members.keys() | committed_members.keys()
                if fresh_members.get(m) != committed_members.get(m)
            )
            assert stale == [], f"output/{name}: members differ: {stale}; run `publisher build` and commit output/"
        assert fresh[name] == committed[name], f"output/{name} is stale: run `publisher build` and commit output/"


def test_rejected_articles_leave_the_others_published(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds", "english_article.txt", *BAD_MIXED)
    result = build_into(seeds, tmp_path / "output")
    assert result.published == 2
    assert sorted(error.path.name for error in result.rejected) == sorted(BAD_MIXED)
    assert len(list((tmp_path / "output" / "articles").glob("*.html"))) == 2


def test_when_nothing_can_be_read_the_previous_output_stays(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds")
    output = tmp_path / "output"
    build_into(seeds, output)
    before = tree_bytes(output)
    (seeds / "000_f16a7d7f239613ff.txt").write_bytes(b"not a timestamp\n")
    result = build_into(seeds, output)
    assert (result.published, len(result.rejected), result.outputs) == (0, 1, ())
    assert tree_bytes(output) == before


def test_unchanged_files_are_not_rewritten_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds", "english_article.txt")
    output = tmp_path / "output"
    first = build_into(seeds, output)
    assert len(first.changed) == len(first.outputs)
    os.utime(output / "feed.atom", (0, 0))
    second = build_into(seeds, output)
    assert second.changed == ()
    assert (output / "feed.atom").stat().st_mtime == 0
    assert [path.name for path in output.rglob("*.tmp")] == []
    assert all(path.stat().st_mode & 0o777 == 0o644 for path in output.rglob("*") if path.is_file())


def test_pages_of_deleted_articles_are_removed(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds", "english_article.txt")
    output = tmp_path / "output"
    build_into(seeds, output)
    (output / "articles" / "my-notes.txt").write_text("kept: not a page", encoding="utf-8")
    (seeds / "english_article.txt").unlink()
    result = build_into(seeds, output)
    assert output / "articles" / "english_article.html" in result.changed
    assert sorted(path.name for path in (output / "articles").iterdir()) == [
        "000_f16a7d7f239613ff.html",
        "my-notes.txt",
    ]


def test_a_folder_the_build_no_longer_fills_is_removed(tmp_path: Path) -> None:
    # Was: embed_font = false left an empty fonts/ that a build without the cache did not make.
    seeds = make_seeds(tmp_path / "seeds")
    build_into(seeds, tmp_path / "output")
    build_into(seeds, tmp_path / "output", Config(embed_font=False))
    build_into(seeds, tmp_path / "fresh", Config(embed_font=False))
    assert not (tmp_path / "output" / "fonts").exists()
    assert tree_bytes(tmp_path / "output") == tree_bytes(tmp_path / "fresh")


def test_configuration_changes_the_output(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds")
    build_into(seeds, tmp_path / "output", Config(title="Other title", base_url="https://example.org/x/"))
    atom = (tmp_path / "output" / "feed.atom").read_text(encoding="utf-8")
    assert "<title>Other title</title>" in atom
    assert 'href="https://example.org/x/feed.atom"' in atom


@pytest.mark.parametrize(
    "bad",
    [
        "empty_file.txt",
        "whitespace_only_file.txt",
        "timestamp_only.txt",
        "bad_timestamp.txt",
        "missing_timestamp.txt",
        "impossible_date.txt",
        "title_reads_as_paragraph.txt",
        "windows_1256.txt",
        "invalid_utf8_on_line_3.txt",
    ],
)
def test_each_bad_file_is_rejected_alone_and_the_rest_is_published(tmp_path: Path, bad: str) -> None:
    seeds = make_seeds(tmp_path / "seeds", "hebrew_article.txt", bad)
    result = build_into(seeds, tmp_path / "output")
    assert (result.published, [error.path.name for error in result.rejected]) == (2, [bad])
    pages = sorted(path.name for path in (tmp_path / "output" / "articles").iterdir())
    assert pages == ["000_f16a7d7f239613ff.html", "hebrew_article.html"]
