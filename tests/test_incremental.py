"""A rebuild with nothing changed reads and writes nothing; any change at all rebuilds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from publisher import parallel, pipeline
from publisher.article import Article
from publisher.build import build
from publisher.config import Config
from publisher.drawn import Rendered
from publisher.errors import ArticleError
from publisher.site import SiteLinks

from .helpers import make_corpus, make_seeds, tree_bytes

CONFIG = Config(volumes="none")


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Path, Path]:
    seeds = make_seeds(tmp_path / "seeds", "english_article.txt", "bad_timestamp.txt")
    return seeds, tmp_path / "output", tmp_path / "cache"


def rebuild(site: tuple[Path, Path, Path], config: Config = CONFIG) -> tuple[int, list[str], int]:
    seeds, output, cache = site
    result = build(seeds, output, config, cache=cache, state_path=cache.parent / "state.json")
    return result.published, [str(error) for error in result.rejected], len(result.changed)


def test_a_no_op_rebuild_reads_no_article_and_reports_the_same(
    site: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = rebuild(site)
    before = tree_bytes(site[1])

    def no_reading(*_: object) -> None:
        raise AssertionError("an article was read")

    monkeypatch.setattr("publisher.build.start_reading", no_reading)
    published, rejected, changed = rebuild(site)
    assert (published, rejected, changed) == (first[0], first[1], 0)
    assert rejected and rejected[0].endswith(
        "expected a timestamp YYYY-MM-DD HH:MM:SS, found '31/03/2025 15:08' "
        "(hint: line 1 must be the publication time, e.g. 2025-03-31 15:08:00 "
        "or 2025-03-31T15:08:00+03:00)"
    )
    assert tree_bytes(site[1]) == before


@pytest.mark.parametrize("change", ["edit a seed", "touch a seed", "add a seed", "remove a seed", "configuration"])
def test_any_input_change_rebuilds(site: tuple[Path, Path, Path], change: str) -> None:
    rebuild(site)
    seeds = site[0]
    config = CONFIG
    english = seeds / "english_article.txt"
    if change == "edit a seed":
        english.write_text(english.read_text(encoding="utf-8") + "One more paragraph.\n", encoding="utf-8")
    elif change == "touch a seed":
        os.utime(english, ns=(english.stat().st_atime_ns, english.stat().st_mtime_ns + 1_000_000_000))
    elif change == "add a seed":
        (seeds / "new.txt").write_text("2025-06-01 10:00:00\nخبر جديد\nنص الخبر.\n", encoding="utf-8")
    elif change == "remove a seed":
        english.unlink()
    else:
        config = Config(volumes="none", title="نشرة")
    published, _, changed = rebuild(site, config)
    assert published == {"add a seed": 3, "remove a seed": 1}.get(change, 2)
    assert changed > 0 or change == "touch a seed"


@pytest.mark.parametrize("damage", ["edited", "deleted"])
def test_a_damaged_output_is_rebuilt(site: tuple[Path, Path, Path], damage: str) -> None:
    rebuild(site)
    before = tree_bytes(site[1])
    feed = site[1] / "feed.atom"
    if damage == "edited":
        feed.write_bytes(feed.read_bytes().replace(b"<title>", b"<title>X", 1))
    else:
        feed.unlink()
    assert rebuild(site)[2] == 1
    assert tree_bytes(site[1]) == before


def test_rejections_keep_their_type_on_the_fast_path(site: tuple[Path, Path, Path]) -> None:
    seeds, output, cache = site
    build(seeds, output, CONFIG, cache=cache)
    result = build(seeds, output, CONFIG, cache=cache)
    assert result.changed == ()
    assert all(isinstance(error, ArticleError) and error.line == 1 for error in result.rejected)


def _corpus_site(tmp_path: Path) -> tuple[Path, Path, Path]:
    return make_corpus(tmp_path / "seeds", 80), tmp_path / "output", tmp_path / "cache"


def test_after_one_edit_only_that_articles_page_is_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = _corpus_site(tmp_path)
    rebuild(site)
    edited = site[0] / "article_0040.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "فقرة أضيفت.\n", encoding="utf-8")
    made: list[str] = []
    render = pipeline.render_article_page  # type: ignore[attr-defined]

    def counted(article: Article, config: Config, links: SiteLinks) -> Rendered:
        made.append(article.source.name)
        return render(article, config, links)

    monkeypatch.setattr(parallel, "workers", lambda: 0)  # the count is kept in this process
    monkeypatch.setattr(pipeline, "render_article_page", counted)
    assert rebuild(site)[0] == 80
    assert made == ["article_0040.txt"]


@pytest.mark.parametrize("damage", ["edited", "deleted"])
def test_a_page_damaged_by_hand_is_restored_though_its_article_did_not_change(tmp_path: Path, damage: str) -> None:
    site = _corpus_site(tmp_path)
    rebuild(site)
    page = site[1] / "articles" / "article_0007.html"
    expected = page.read_bytes()
    if damage == "edited":
        page.write_bytes(expected.replace(b"<title>", b"<title>X", 1))
    else:
        page.unlink()
    other = site[0] / "article_0050.txt"  # another change, so that the build is not a no-op
    other.write_text(other.read_text(encoding="utf-8") + "فقرة أضيفت.\n", encoding="utf-8")
    rebuild(site)
    assert page.read_bytes() == expected


def test_a_kept_page_whose_characters_left_the_cache_still_reaches_the_web_font(tmp_path: Path) -> None:
    # The ledger (in the manifest) can outlive the cache's entries: a deleted or damaged
    # entries.sqlite, or entries dropped while other outputs were built. A page kept as it is must
    # then tell its characters from its file, or the site's subsets lose what only it draws.
    site = _corpus_site(tmp_path)
    (site[0] / "unique.txt").write_text("2023-06-01 10:00:00\nخبر ڤ ۞\nنص فيه ڭ وۓ.\n", encoding="utf-8")
    rebuild(site)
    for entries in site[2].glob("entries.sqlite*"):
        entries.unlink()
    edited = site[0] / "article_0040.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "فقرة أضيفت.\n", encoding="utf-8")
    rebuild(site)
    cold = tmp_path / "cold"
    build(site[0], cold, CONFIG, state_path=site[2].parent / "state.json")
    assert tree_bytes(site[1]) == tree_bytes(cold)
