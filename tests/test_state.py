"""Ids stay, `updated` moves only for real edits, renames keep their id: the committed state file."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from publisher.build import build
from publisher.config import Config
from publisher.errors import ConfigError
from publisher.state import STATE_NAME, build_clock

from .helpers import SAMPLE, make_seeds, tree_bytes

EDIT_TIME = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
LATER = datetime(2026, 2, 1, tzinfo=UTC)


def clock_at(moment: datetime) -> object:
    readings: list[datetime] = []

    def clock() -> datetime:
        readings.append(moment)
        return moment

    clock.readings = readings  # type: ignore[attr-defined]
    return clock


def entries(output: Path) -> dict[str, tuple[str, str, str]]:
    """Atom entries by title: (id, published, updated)."""
    parsed = feedparser.parse((output / "feed.atom").read_bytes())
    assert parsed.bozo == 0
    return {entry.title: (entry.id, entry.published, entry.updated) for entry in parsed.entries}


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Path, Path]:
    seeds = make_seeds(tmp_path / "seeds", "english_article.txt", "hebrew_article.txt")
    return seeds, tmp_path / "output", tmp_path / STATE_NAME


def run(site: tuple[Path, Path, Path], moment: datetime = EDIT_TIME) -> object:
    seeds, output, state = site
    clock = clock_at(moment)
    build(seeds, output, Config(), state_path=state, clock=clock)  # type: ignore[arg-type]
    return clock


def test_a_first_build_reads_no_clock_and_updated_is_published(site: tuple[Path, Path, Path]) -> None:
    clock = run(site)
    assert clock.readings == []  # type: ignore[attr-defined]
    for _, published, updated in entries(site[1]).values():
        assert published == updated
    saved = json.loads(site[2].read_text(encoding="utf-8"))
    assert sorted(saved["articles"]) == ["000_f16a7d7f239613ff", "english_article", "hebrew_article"]


def test_a_no_op_rebuild_changes_no_byte_and_reads_no_clock(site: tuple[Path, Path, Path]) -> None:
    run(site)
    before = tree_bytes(site[1]), site[2].read_bytes()
    clock = run(site, LATER)
    assert (tree_bytes(site[1]), site[2].read_bytes()) == before
    assert clock.readings == []  # type: ignore[attr-defined]


def test_an_edit_keeps_the_id_and_published_and_moves_updated_to_the_clock(site: tuple[Path, Path, Path]) -> None:
    run(site)
    before = entries(site[1])["Summit agrees new measures against organised crime"]
    english = site[0] / "english_article.txt"
    english.write_text(english.read_text(encoding="utf-8") + "A new closing paragraph.\n", encoding="utf-8")
    run(site, EDIT_TIME)
    after = entries(site[1])["Summit agrees new measures against organised crime"]
    assert after[:2] == before[:2]
    assert after[2] == "2026-01-02T03:04:05+00:00"
    # Rebuilding later without another edit keeps that time; the state file says why.
    run(site, LATER)
    assert entries(site[1])["Summit agrees new measures against organised crime"][2] == "2026-01-02T03:04:05+00:00"


def test_line_endings_alone_are_not_an_edit(site: tuple[Path, Path, Path]) -> None:
    run(site)
    english = site[0] / "english_article.txt"
    english.write_bytes(english.read_bytes().replace(b"\n", b"\r\n"))
    clock = run(site, LATER)
    assert clock.readings == []  # type: ignore[attr-defined]


def test_updated_never_moves_backwards(site: tuple[Path, Path, Path]) -> None:
    run(site)
    english = site[0] / "english_article.txt"
    english.write_text(english.read_text(encoding="utf-8") + "Edit one.\n", encoding="utf-8")
    run(site, LATER)
    english.write_text(english.read_text(encoding="utf-8") + "Edit two.\n", encoding="utf-8")
    run(site, EDIT_TIME)  # a clock set back in time
    assert entries(site[1])["Summit agrees new measures against organised crime"][2] == "2026-02-01T00:00:00+00:00"


def test_a_rename_keeps_the_id_and_updated(site: tuple[Path, Path, Path]) -> None:
    run(site)
    before = entries(site[1])
    seeds = site[0]
    (seeds / "hebrew_article.txt").rename(seeds / "renamed_hebrew.txt")
    run(site, LATER)
    assert entries(site[1]) == before
    assert not (site[1] / "articles" / "hebrew_article.html").exists()
    assert (site[1] / "articles" / "renamed_hebrew.html").is_file()
    # The old name, used again for a new article, does not take the renamed article's id.
    shutil.copy(SAMPLE, seeds / "hebrew_article.txt")
    (seeds / "hebrew_article.txt").write_text(SAMPLE.read_text(encoding="utf-8") + "فقرة أخرى.\n", encoding="utf-8")
    run(site, LATER)
    ids = [entry.id for entry in feedparser.parse((site[1] / "feed.atom").read_bytes()).entries]
    assert len(ids) == len(set(ids)) == 4


def test_files_with_the_same_content_keep_distinct_ids_and_a_rename_among_them_is_new(
    site: tuple[Path, Path, Path],
) -> None:
    seeds = site[0]
    shutil.copy(seeds / "english_article.txt", seeds / "english_copy.txt")
    run(site)
    parsed = feedparser.parse((site[1] / "feed.atom").read_bytes())
    ids = [entry.id for entry in parsed.entries]
    assert len(ids) == len(set(ids)) == 4
    # Two files with that content: a rename of one of them cannot be told apart, so it is new.
    (seeds / "english_copy.txt").rename(seeds / "english_copy_2.txt")
    run(site, LATER)
    after = [entry.id for entry in feedparser.parse((site[1] / "feed.atom").read_bytes()).entries]
    assert len(set(after) - set(ids)) == 1


def test_a_deleted_article_leaves_the_feeds_pages_and_state(site: tuple[Path, Path, Path]) -> None:
    run(site)
    (site[0] / "hebrew_article.txt").unlink()
    run(site, LATER)
    output = site[1]
    assert len(entries(output)) == 2
    assert not (output / "articles" / "hebrew_article.html").exists()
    assert "hebrew_article" not in json.loads(site[2].read_text(encoding="utf-8"))["articles"]
    assert "hebrew_article" not in (output / "sitemap.xml").read_text(encoding="utf-8")
    assert all("hebrew_article" not in item["url"] for item in json.loads((output / "feed.json").read_text())["items"])


def test_an_unreadable_file_keeps_its_entry(site: tuple[Path, Path, Path]) -> None:
    run(site)
    remembered = json.loads(site[2].read_text(encoding="utf-8"))["articles"]["english_article"]
    english = site[0] / "english_article.txt"
    text = english.read_bytes()
    english.write_bytes(b"\xff" + text)
    run(site, LATER)
    assert json.loads(site[2].read_text(encoding="utf-8"))["articles"]["english_article"] == remembered
    english.write_bytes(text)
    clock = run(site, LATER)
    assert clock.readings == []  # type: ignore[attr-defined]


def test_source_date_epoch_is_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767323045")
    assert build_clock() == EDIT_TIME
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH"):
        build_clock()


def test_a_damaged_state_file_is_a_configuration_error(site: tuple[Path, Path, Path]) -> None:
    site[2].write_text('{"format": 1, "articles": {"x": {"id": 3}}}', encoding="utf-8")
    with pytest.raises(ConfigError, match="state file is damaged"):
        run(site)
    site[2].write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read the state file"):
        run(site)
