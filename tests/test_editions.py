"""Editions: one book per week (or day) of the recent past, newest first, with contents by day and a
navigation bar in every chapter of every book."""

from __future__ import annotations

import posixpath
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from publisher import volumes
from publisher.article import Article, Block, BlockKind, own_characters
from publisher.build import build
from publisher.config import Config
from publisher.editions import week_start
from publisher.volumes import plan_books

from .helpers import (
    GOOD_MIXED,
    OPF,
    XHTML,
    XML_LANG,
    build_into,
    epub_members,
    epubcheck_findings,
    make_seeds,
    parse_xml,
    tree_bytes,
)

EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def article(slug: str, moment: datetime, language: str = "ar") -> Article:
    direction = "ltr" if language == "en" else "rtl"
    return Article(
        f"urn:{slug}",
        slug,
        slug,
        moment,
        moment,
        language,
        direction,
        (),
        Path(f"{slug}.txt"),
        *own_characters(slug, ()),
    )


def at(day: int, month: int = 3, hour: int = 12) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def editions(articles: list[Article], config: Config) -> dict[str, list[str]]:
    """Each edition's file name and its articles, in the order of the plans."""
    return {
        plan.file_name: [a.slug for a in plan.articles]
        for plan in plan_books(articles, config)
        if plan.kind == "edition"
    }


def test_a_week_starts_where_the_language_is_most_used() -> None:
    # CLDR: Saturday in Egypt and Iran, Sunday in Israel and the United States (0 is Monday).
    assert [week_start(language) for language in ("ar", "fa", "he", "en")] == [5, 5, 6, 6]


def test_weekly_editions_hold_their_week_newest_first_and_are_named_by_its_first_day() -> None:
    # Friday 28 March, Saturday 29 (a new Arabic week), Monday 31, and Saturday 5 April.
    articles = [article("fri", at(28)), article("sat", at(29)), article("mon", at(31)), article("next", at(5, 4))]
    assert editions(articles, Config()) == {
        "editions/news-2025-04-05.epub": ["next"],
        "editions/news-2025-03-29.epub": ["mon", "sat"],
        "editions/news-2025-03-22.epub": ["fri"],
    }
    plan = next(plan for plan in plan_books(articles, Config()) if plan.file_name.endswith("03-29.epub"))
    assert plan.period == "29 مارس – 4 أبريل 2025"
    assert plan.kind == "edition" and plan.position is None


def test_editions_go_back_a_number_of_weeks_from_the_newest_article_not_from_the_clock() -> None:
    # One article a week, each a Wednesday, for twelve weeks from 1 January, but none in the week of 8 March.
    articles = [article(f"w{week}", at(1, 1) + timedelta(weeks=week)) for week in range(12) if week != 10]
    assert list(editions(articles, Config(edition_count=3))) == [
        "editions/news-2025-03-15.epub",
        "editions/news-2025-03-01.epub",
    ]
    assert len(editions(articles, Config())) == 7  # eight weeks back, one of them without an article
    assert editions(articles, Config(editions="none")) == {}


def test_days_are_those_of_the_configured_time_zone() -> None:
    # 22:30 UTC on Friday 28 March is already Saturday in Riyadh (UTC+3): the next week there.
    late = article("late", datetime(2025, 3, 28, 22, 30, tzinfo=UTC))
    others = [article("before", at(10)), article("monday", at(24)), late]
    in_utc = {"editions/news-2025-03-22.epub": ["late", "monday"], "editions/news-2025-03-08.epub": ["before"]}
    assert editions(others, Config()) == in_utc
    assert editions(others, Config(timezone="Asia/Riyadh")) == {
        "editions/news-2025-03-29.epub": ["late"],
        "editions/news-2025-03-22.epub": ["monday"],
        "editions/news-2025-03-08.epub": ["before"],
    }


def test_daily_editions_go_back_thirty_days() -> None:
    articles = [article(f"d{day}", at(day, 1)) for day in range(1, 32)] + [article("feb", at(1, 2, hour=1))]
    found = editions(articles, Config(editions="day"))
    assert len(found) == 30
    assert list(found)[:2] == ["editions/news-2025-02-01.epub", "editions/news-2025-01-31.epub"]
    assert list(found)[-1] == "editions/news-2025-01-03.epub"


def test_while_the_site_fits_in_one_edition_only_the_collection_is_written() -> None:
    week = [article("sat", at(29)), article("sun", at(30)), article("fri", at(4, 4))]
    assert [plan.file_name for plan in plan_books(week, Config())] == ["news.epub"]
    # With the collection left out from the start, the week's one volume holds it all as well.
    assert [plan.file_name for plan in plan_books(week, Config(collection_limit=0))] == ["news-2025.epub"]


def test_an_edition_keeps_its_identifier_and_a_new_week_adds_one() -> None:
    articles = [article("a", at(20)), article("b", at(29))]
    before = {plan.file_name: plan.identifier for plan in plan_books(articles, Config()) if plan.kind == "edition"}
    after = {
        plan.file_name: plan.identifier
        for plan in plan_books([*articles, article("c", at(5, 4))], Config())
        if plan.kind == "edition"
    }
    assert before.items() <= after.items()
    assert len(set(after.values())) == len(after) == 3
    daily = {plan.identifier for plan in plan_books(articles, Config(editions="day")) if plan.kind == "edition"}
    assert not daily & set(after.values())


def test_a_book_too_large_to_e_mail_is_cut_in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = (Block(BlockKind.PARAGRAPH, "نص " * 100, 3),)
    articles = [replace(article(f"a{day:02d}", at(day, 1)), blocks=blocks) for day in range(1, 11)]
    articles.append(article("later", at(1, 3)))
    size = len(blocks[0].text.encode()) + len(b"a01")
    monkeypatch.setattr(volumes, "BOOK_TEXT_LIMIT", size * 4)
    plans = plan_books(articles, Config(editions="none", volume_size=0, collection_limit=0, volumes="month"))
    assert [(plan.file_name, plan.part, plan.position) for plan in plans] == [
        ("news-2025-01-1.epub", "يناير 2025 – الجزء 1", 1),
        ("news-2025-01-2.epub", "يناير 2025 – الجزء 2", 2),
        ("news-2025-01-3.epub", "يناير 2025 – الجزء 3", 3),
        ("news-2025-03.epub", "مارس 2025", 4),
    ]
    assert [len(plan.articles) for plan in plans] == [4, 4, 2, 1]
    assert len({plan.identifier for plan in plans}) == 4
    # The collection cut too, beside the volumes: its parts are numbered as a series of their own.
    both = plan_books(articles, Config(editions="none", volumes="month"))
    assert [(plan.file_name, plan.position) for plan in both] == [
        ("news-1.epub", 1),
        ("news-2.epub", 2),
        ("news-3.epub", 3),
        ("news-2025-01-1.epub", 1),
        ("news-2025-01-2.epub", 2),
        ("news-2025-01-3.epub", 3),
        ("news-2025-03.epub", 4),
    ]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mixed articles: the week of 29 March (31 March to 4 April) and that of 5 April (Persian, English)."""
    folder = tmp_path_factory.mktemp("editions")
    build_into(make_seeds(folder / "seeds", *GOOD_MIXED), folder / "output", Config(latin_language="en"))
    return folder / "output"


def test_the_mixed_articles_make_two_weekly_editions_that_epubcheck_passes(mixed: Path) -> None:
    books = sorted(path.relative_to(mixed).as_posix() for path in mixed.rglob("*.epub"))
    assert books == ["editions/news-2025-03-29.epub", "editions/news-2025-04-05.epub", "news.epub"]
    assert epubcheck_findings(mixed / "editions" / "news-2025-04-05.epub") == []


def _spine(members: dict[str, bytes]) -> list[str]:
    package = parse_xml(members["EPUB/content.opf"])
    hrefs = {item.get("id"): f"EPUB/{item.get('href')}" for item in package.iter(f"{OPF}item")}
    assert package.find(f"{OPF}spine").get("page-progression-direction") == "rtl"  # type: ignore[union-attr]
    return [hrefs[itemref.get("idref")] for itemref in package.iter(f"{OPF}itemref")]


def test_an_edition_reads_newest_first_with_its_contents_by_day(mixed: Path) -> None:
    members = epub_members(mixed / "editions" / "news-2025-03-29.epub")
    chapters = [name for name in _spine(members) if name.startswith("EPUB/articles/")]
    times = [str(next(parse_xml(members[name]).iter(f"{XHTML}time")).get("datetime")) for name in chapters]
    assert times == sorted(times, reverse=True) and len(times) == 8
    toc = parse_xml(members["EPUB/nav.xhtml"]).find(f".//{XHTML}nav[@id='toc']/{XHTML}ol")
    assert toc is not None
    days = [item.findtext(f"{XHTML}span") for item in toc if item.find(f"{XHTML}span") is not None]
    assert days == ["4 أبريل 2025", "3 أبريل 2025", "2 أبريل 2025", "1 أبريل 2025", "31 مارس 2025"]
    listed = [f"EPUB/{link.get('href')}" for link in toc.iter(f"{XHTML}a")][1:]  # after the title page
    assert listed == chapters
    title = parse_xml(members["EPUB/content.opf"]).findtext(".//{http://purl.org/dc/elements/1.1/}title")
    assert title == "أخبار: عدد 29 مارس – 4 أبريل 2025"


def _bars(members: dict[str, bytes]) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """Each chapter document of the spine that has a bar, the bar's attributes, and its links by their words."""
    found = []
    for name in _spine(members):
        bars = list(parse_xml(members[name]).iter(f"{XHTML}nav")) if name.startswith("EPUB/articles/") else []
        if not bars:
            continue
        [bar] = bars
        links = {"".join(link.itertext()): link.get("href", "") for link in bar.iter(f"{XHTML}a")}
        found.append((name, dict(bar.attrib), links))
    return found


@pytest.mark.parametrize("book", ["news.epub", "editions/news-2025-04-05.epub"])
def test_every_chapter_ends_with_a_bar_to_the_articles_around_it_and_the_contents(mixed: Path, book: str) -> None:
    members = epub_members(mixed / book)
    bars = _bars(members)
    chapters = [name for name, _, _ in bars]
    assert chapters == [name for name in _spine(members) if name.startswith("EPUB/articles/")]
    for number, (name, attributes, links) in enumerate(bars):
        assert attributes[EPUB_TYPE] == "publisher:article-navigation"
        assert (attributes["role"], attributes["aria-label"]) == ("navigation", "التنقل بين المقالات")
        # The book's words and direction, also around an English or a Hebrew article.
        assert (attributes["lang"], attributes[XML_LANG], attributes["dir"]) == ("ar", "ar", "rtl")
        resolved = {word: posixpath.normpath(posixpath.join("EPUB/articles", href)) for word, href in links.items()}
        expected = {"المحتويات": "EPUB/nav.xhtml#toc"}
        if number:
            expected["المقالة السابقة"] = chapters[number - 1]
        if number + 1 < len(chapters):
            expected["المقالة التالية"] = chapters[number + 1]
        assert resolved == expected, name
        root = parse_xml(members[name])
        assert root.get(EPUB_TYPE.replace("type", "prefix")) == "publisher: https://publisher.invalid/vocabulary#"


def test_only_the_last_part_of_a_split_chapter_has_the_bar(tmp_path: Path) -> None:
    paragraph = "فقرة طويلة عن أمن الحدود والتعاون بين الدول في مواجهة الجريمة المنظمة. " * 20
    lines = ["2025-05-01 10:00:00", "تقرير مطول", *(f"{paragraph}{number}." for number in range(300))]
    seeds = make_seeds(tmp_path / "seeds", "english_article.txt")
    (seeds / "long_report.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    build_into(seeds, tmp_path / "output", Config(editions="none"))
    members = epub_members(tmp_path / "output" / "news.epub")
    parts = [name for name in _spine(members) if name.startswith("EPUB/articles/long_report")]
    assert len(parts) >= 2
    with_bar = [name for name in parts if list(parse_xml(members[name]).iter(f"{XHTML}nav"))]
    assert with_bar == parts[-1:]
    [(_, _, links)] = [bar for bar in _bars(members) if bar[0] == parts[-1]]
    assert "المقالة التالية" not in links  # the newest article: the book's last


def _write(seeds: Path, name: str, moment: str, title: str) -> None:
    (seeds / name).write_text(f"{moment}\n{title}\nنص المقالة في سطر واحد.\n", encoding="utf-8")


def _weekly_site(seeds: Path) -> Path:
    seeds.mkdir(parents=True)
    for day, name in ((3, "old"), (14, "second"), (21, "third"), (22, "fourth"), (29, "fifth")):
        _write(seeds, f"{name}.txt", f"2025-03-{day:02d} 10:00:00", f"مقالة {name}")
    return seeds


def test_one_edit_rebuilds_only_the_books_that_hold_the_article(tmp_path: Path) -> None:
    seeds, output, cache = _weekly_site(tmp_path / "seeds"), tmp_path / "output", tmp_path / "cache"
    # A second article in the newest week: its chapter has other neighbours there than in the collection.
    _write(seeds, "sixth.txt", "2025-03-30 10:00:00", "مقالة sixth")
    state = tmp_path / "state.json"
    config = Config(edition_count=3)
    build(seeds, output, config, state_path=state, cache=cache)
    names = sorted(path.relative_to(output).as_posix() for path in output.rglob("*.epub"))
    assert names == [
        "editions/news-2025-03-15.epub",
        "editions/news-2025-03-22.epub",
        "editions/news-2025-03-29.epub",
        "news.epub",
    ]
    clock = lambda: datetime(2025, 4, 1, tzinfo=UTC)  # noqa: E731  # the edit's time, as the state keeps it

    def changed_books_after_editing(name: str) -> list[str]:
        with (seeds / name).open("a", encoding="utf-8") as seed:
            seed.write("فقرة أضيفت بعد النشر.\n")
        result = build(seeds, output, config, state_path=state, cache=cache, clock=clock)
        return sorted(path.relative_to(output).as_posix() for path in result.changed if path.suffix == ".epub")

    assert changed_books_after_editing("old.txt") == ["news.epub"]  # in no edition
    assert changed_books_after_editing("third.txt") == ["editions/news-2025-03-15.epub", "news.epub"]
    assert changed_books_after_editing("fifth.txt") == ["editions/news-2025-03-29.epub", "news.epub"]
    # Those books were made again from the cached chapters of the others: each chapter's bar is its
    # own book's, as a cold build with the same state makes it.
    cold_state = tmp_path / "cold-state.json"
    shutil.copy(state, cold_state)
    build(seeds, tmp_path / "cold", config, state_path=cold_state)
    assert tree_bytes(output) == tree_bytes(tmp_path / "cold")


def test_a_new_week_leaves_the_past_editions_as_they_were_and_the_oldest_leaves(tmp_path: Path) -> None:
    seeds, output = _weekly_site(tmp_path / "seeds"), tmp_path / "output"
    config = Config(edition_count=3)
    build(seeds, output, config)
    before = tree_bytes(output / "editions")
    _write(seeds, "sixth.txt", "2025-04-05 10:00:00", "مقالة sixth")
    build(seeds, output, config)
    after = tree_bytes(output / "editions")
    assert sorted(before) == ["news-2025-03-15.epub", "news-2025-03-22.epub", "news-2025-03-29.epub"]
    assert sorted(after) == ["news-2025-03-22.epub", "news-2025-03-29.epub", "news-2025-04-05.epub"]
    assert after["news-2025-03-22.epub"] == before["news-2025-03-22.epub"]
    assert after["news-2025-03-29.epub"] == before["news-2025-03-29.epub"]
    assert not (output / "covers" / "editions-news-2025-03-15.png").exists()


def test_editions_are_the_same_bytes_with_and_without_a_cache(tmp_path: Path) -> None:
    seeds = _weekly_site(tmp_path / "seeds")
    build(seeds, tmp_path / "plain", Config())
    build(seeds, tmp_path / "cold", Config(), cache=tmp_path / "cache")
    build(seeds, tmp_path / "warm", Config(), cache=tmp_path / "cache")
    assert tree_bytes(tmp_path / "plain") == tree_bytes(tmp_path / "cold") == tree_bytes(tmp_path / "warm")
    assert len(list((tmp_path / "plain" / "editions").iterdir())) == 5
