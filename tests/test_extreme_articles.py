"""Articles at the ends of what the reader accepts, published everywhere.

Dates: each output shows the true date where its format can carry it and the nearest one it can
elsewhere, with a warning. One test per bug found by the property test in test_any_article.py,
or while writing it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest
from lxml import etree, html
from PIL import Image

from publisher import headlines
from publisher.build import build
from publisher.cache import NO_CACHE, DiskCache
from publisher.config import Config
from publisher.cover import CoverText, render_cover, render_cover_images
from publisher.dates import in_utc, rfc3339, rss_time, utc_stamp
from publisher.epub import CHAPTER_LIMIT
from publisher.headlines import headline
from publisher.reader import parse_article
from publisher.render import render_chapter_parts

from .helpers import epub_members

OPF = "{http://www.idpf.org/2007/opf}"
ATOM = "{http://www.w3.org/2005/Atom}"


def build_one(tmp_path: Path, stamp: str, zone: str = "UTC") -> Path:
    """Build one article dated `stamp` (and nothing else) into every output; the output folder."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "edge.txt").write_text(f"{stamp}\nخبر على حافة التقويم\nنص الخبر.\n", encoding="utf-8")
    output = tmp_path / "output"
    result = build(seeds, output, Config(timezone=zone))
    assert (result.published, result.rejected) == (1, ())
    return output


def time_of(document: etree._Element) -> etree._Element:
    found = document.find(".//{*}time")
    assert found is not None
    return found


def dates_of(output: Path) -> dict[str, object]:
    """The date each output shows for the article (or its book)."""
    atom = etree.parse(output / "feed.atom").getroot()
    rss = etree.parse(output / "feed.rss").getroot()
    page = html.parse(output / "articles" / "edge.html").getroot()
    with zipfile.ZipFile(output / "news.epub") as book:
        package = etree.fromstring(book.read("EPUB/content.opf"))
        chapter = etree.fromstring(book.read("EPUB/articles/edge.xhtml"))
        zip_times = {info.date_time for info in book.infolist()}
    return {
        "atom": atom.findtext(f"{ATOM}entry/{ATOM}published"),
        "atom updated": atom.findtext(f"{ATOM}updated"),
        "rss": rss.findtext("channel/item/pubDate"),
        "rss channel": rss.findtext("channel/lastBuildDate"),
        "json": json.loads((output / "feed.json").read_bytes())["items"][0]["date_published"],
        "page": time_of(page).get("datetime"),
        "front page": time_of(html.parse(output / "index.html").getroot()).get("datetime"),
        "chapter": time_of(chapter).get("datetime"),
        "sitemap": [element.text for element in etree.parse(output / "sitemap.xml").iter("{*}lastmod")],
        "opds": etree.parse(output / "opds.xml").getroot().findtext(f"{ATOM}entry/{ATOM}updated"),
        "dcterms:modified": package.findtext(f".//{OPF}meta[@property='dcterms:modified']"),
        "dc:date": package.findtext(".//{http://purl.org/dc/elements/1.1/}date"),
        "zip": zip_times,
    }


def warned(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "publisher.dates"]


def test_year_1_in_the_far_east_is_before_year_1_in_utc(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Was: OverflowError from astimezone(UTC) making the book, and the whole build stopped.
    caplog.set_level(logging.WARNING)
    dates = dates_of(build_one(tmp_path, "0001-01-01T00:00:00+14:00"))
    true = "0001-01-01T00:00:00+14:00"
    assert [dates[key] for key in ("atom", "atom updated", "json", "page", "front page", "chapter")] == [true] * 6
    assert dates["sitemap"] == [true, true, true]  # the front page, the books page, the article
    # UTC cannot go before year 1, nor a zip entry before 1980, nor an RFC 822 date before 1900.
    assert dates["dcterms:modified"] == dates["dc:date"] == dates["opds"] == "0001-01-01T00:00:00Z"
    assert dates["zip"] == {(1980, 1, 1, 0, 0, 0)}
    assert dates["rss"] == dates["rss channel"] == "Mon, 01 Jan 1900 00:00:00 +0000"
    messages = warned(caplog)
    assert messages
    assert all(message.startswith(str(tmp_path / "seeds" / "edge.txt") + ": warning: ") for message in messages)
    assert any("feed.rss cannot carry the date 0001-01-01T00:00:00+14:00" in message for message in messages)
    assert any("the zip entries of news.epub" in message for message in messages)


def test_year_9999_in_the_far_east_is_after_the_last_zip_date(tmp_path: Path) -> None:
    # Was: struct.error ("ushort format requires 0 <= number <= 65535") writing the zip entries.
    dates = dates_of(build_one(tmp_path, "9999-12-31 23:59:59", zone="Pacific/Kiritimati"))
    assert dates["atom"] == dates["json"] == dates["page"] == dates["chapter"] == "9999-12-31T23:59:59+14:00"
    assert dates["rss"] == "Fri, 31 Dec 9999 23:59:59 +1400"
    assert dates["dcterms:modified"] == dates["opds"] == "9999-12-31T09:59:59Z"
    assert dates["zip"] == {(2107, 12, 31, 23, 59, 58)}


def test_year_9999_in_the_far_west_is_after_year_9999_in_utc(tmp_path: Path) -> None:
    # Was: OverflowError, as for year 1 in the far east.
    dates = dates_of(build_one(tmp_path, "9999-12-31 23:59:59", zone="Etc/GMT+12"))
    assert dates["atom"] == dates["json"] == dates["page"] == "9999-12-31T23:59:59-12:00"
    assert dates["rss"] == "Fri, 31 Dec 9999 23:59:59 -1200"
    assert dates["dcterms:modified"] == dates["opds"] == "9999-12-31T23:59:59Z"
    assert dates["zip"] == {(2107, 12, 31, 23, 59, 58)}


def test_rss_dates_before_1900_are_clamped_rather_than_misread(tmp_path: Path) -> None:
    # Was: "Tue, 31 Dec 999 …", which feedparser reads as the year 1999; RFC 5322 wants 1900 or later.
    output = build_one(tmp_path, "0999-12-31 23:59:59")
    dates = dates_of(output)
    assert dates["rss"] == "Mon, 01 Jan 1900 00:00:00 +0000"
    assert feedparser.parse((output / "feed.rss").read_bytes()).entries[0].published_parsed.tm_year == 1900
    assert dates["atom"] == "0999-12-31T23:59:59+00:00"
    # Was: "999-12-31T23:59:59Z" (strftime does not pad the year), which EPUBCheck rejects.
    assert dates["dcterms:modified"] == dates["dc:date"] == dates["opds"] == "0999-12-31T23:59:59Z"


def test_local_mean_time_offsets_are_written_in_utc_where_offsets_need_whole_minutes(tmp_path: Path) -> None:
    # Riyadh's clocks kept local mean time (+03:06:52) until 1947. Was: "1900-06-01T12:00:00+03:06:52"
    # in Atom and the pages, and "+030652" in RSS, neither a valid date of its format.
    output = build_one(tmp_path, "1900-06-01 12:00:00", zone="Asia/Riyadh")
    dates = dates_of(output)
    assert dates["atom"] == dates["json"] == dates["page"] == dates["chapter"] == "1900-06-01T08:53:08+00:00"
    assert dates["rss"] == "Fri, 01 Jun 1900 08:53:08 +0000"
    # Readers still see the local time the article gives.
    assert "12:00" in (time_of(html.parse(output / "articles" / "edge.html").getroot()).text or "")


def test_a_derived_date_gives_no_warning_of_its_own(caplog: pytest.LogCaptureFixture) -> None:
    # A feed's `updated` is its newest entry's: that entry's own date already gave the warning.
    caplog.set_level(logging.WARNING)
    year_1 = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    assert rss_time(year_1, None, "feed.rss") == datetime(1900, 1, 1, tzinfo=UTC)
    assert warned(caplog) == []
    assert rfc3339(year_1, Path("edge.txt"), "feed.atom") == "0001-01-01T00:00:00+14:00"
    assert utc_stamp(in_utc(year_1, Path("edge.txt"), "news.epub")) == "0001-01-01T00:00:00Z"
    assert warned(caplog) == [
        "edge.txt: warning: news.epub cannot carry the date 0001-01-01T00:00:00+14:00; "
        "it says 0001-01-01T00:00:00+00:00 instead"
    ]


def test_a_very_long_title_is_not_repeated_whole_in_every_part_of_a_long_chapter() -> None:
    # Was: every continuation file repeated the whole title (in <title> and <h1>): one 600 KB seed,
    # a 300,000-letter title over 200 paragraphs, made 240 MB of chapters (and more, out of memory).
    title = "عنوان " * 50_000
    text = "2025-01-01 00:00:00\n" + title + "\n" + "\n".join(f"فقرة {n}." for n in range(200)) + "\n"
    article = parse_article(text.encode(), Path("long_title.txt"), Config())
    parts = [part.data for part in render_chapter_parts(article, Config(), CHAPTER_LIMIT)]
    assert len(parts) == 2
    assert article.title.encode() in parts[0]
    assert len(parts[1]) < 20_000
    continued = etree.fromstring(parts[1]).findtext(".//{*}h1") or ""
    assert continued.startswith("عنوان عنوان") and "…" in continued
    assert sum(len(part) for part in parts) < 3 * len(text.encode())  # the first part: <title> and <h1>


def build_titled(tmp_path: Path, title: str) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "titled.txt").write_text(f"2025-03-31 15:08:00\n{title}\nنص الخبر.\n", encoding="utf-8")
    (seeds / "other.txt").write_text("2025-03-30 10:00:00\nخبر آخر\nنص.\n", encoding="utf-8")
    result = build(seeds, tmp_path / "output", Config(volumes="none"))
    assert (result.published, result.rejected) == (2, ())
    return tmp_path / "output"


def test_a_title_with_the_basmala_ligature_is_drawn_on_the_cover_in_letters(tmp_path: Path) -> None:
    # Was: OSError "raster overflow" from FreeType drawing U+FDFD on the cover, and no build.
    output = build_titled(tmp_path, "﷽ بيان الافتتاح")
    with Image.open(output / "covers" / "news.png") as cover:
        cover.verify()
    # Everywhere else the title is as written.
    assert "﷽ بيان الافتتاح".encode() in epub_members(output / "news.epub")["EPUB/articles/titled.xhtml"]
    assert feedparser.parse((output / "feed.atom").read_bytes()).entries[0].title == "﷽ بيان الافتتاح"
    ligature = CoverText("أخبار", None, "مارس 2025", "1", [("﷽ بيان", "ar")], "ف", "ar")
    spelled = dataclasses.replace(ligature, headlines=[("بسم الله الرحمن الرحيم بيان", "ar")])
    assert render_cover(ligature) == render_cover(spelled)


@pytest.mark.parametrize("key", ["title", "subtitle", "author"])
def test_the_basmala_ligature_in_the_configuration_is_drawn_on_the_cover_in_letters(tmp_path: Path, key: str) -> None:
    # Was: OSError "raster overflow" from the masthead or the footer, and no build at all (the
    # headlines' fallback left the article's headline off, blaming it, and failed again).
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("2025-03-31 15:08:00\nخبر\nنص الخبر.\n", encoding="utf-8")
    result = build(
        seeds,
        tmp_path / "output",
        {"title": Config(title="﷽"), "subtitle": Config(subtitle="﷽"), "author": Config(author="﷽")}[key],
    )
    assert (result.published, result.rejected) == (1, ())
    with Image.open(tmp_path / "output" / "covers" / "news.png") as cover:
        cover.verify()


def test_a_title_of_one_enormous_word_is_cut_before_the_cover_draws_it(tmp_path: Path) -> None:
    # Was: PIL's DecompressionBombError drawing a 300,000-letter word as one headline line.
    output = build_titled(tmp_path, "ب" * 300_000)
    with Image.open(output / "covers" / "news.png") as cover:
        cover.verify()
    assert len(headline("ب" * 300_000)) <= 201


def test_a_title_the_cover_cannot_draw_is_left_off_it_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Whatever else Pillow may refuse some day: the book is made, its cover without that title.
    real = render_cover_images

    def refusing(text: CoverText, cache: DiskCache = NO_CACHE) -> tuple[bytes, bytes]:
        if any("عصي" in line for line, _ in text.headlines):
            raise OSError("raster overflow")
        return real(text, cache)

    monkeypatch.setattr(headlines, "render_cover_images", refusing)
    caplog.set_level(logging.WARNING)
    output = build_titled(tmp_path, "عنوان عصي على الرسم")
    with Image.open(output / "covers" / "news.png") as cover:
        cover.verify()
    [message] = [record.getMessage() for record in caplog.records if record.name == "publisher.headlines"]
    assert message == (
        f"{tmp_path / 'seeds' / 'titled.txt'}: warning: the cover of news.epub cannot show this title "
        "(raster overflow); it is left off"
    )


@pytest.mark.parametrize("volumes", ["year", "month"])
def test_articles_that_cross_a_year_end_and_back_in_their_offsets_make_one_volume_each(
    tmp_path: Path, volumes: str
) -> None:
    # Was: ValueError "news-2025.epub was made twice in one build". In time order these are
    # 1 January (+14:00), 31 December (UTC), 1 January (UTC): grouped as they came, 2025 twice.
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, stamp in (
        ("a", "2025-01-01T05:00:00+14:00"),
        ("b", "2024-12-31T20:00:00Z"),
        ("c", "2025-01-01T00:30:00Z"),
    ):
        (seeds / f"{name}.txt").write_text(f"{stamp}\nخبر {name}\nنص.\n", encoding="utf-8")
    result = build(seeds, tmp_path / "output", Config(volumes=volumes))
    assert result.published == 3
    later, earlier = (
        ("news-2025.epub", "news-2024.epub") if volumes == "year" else ("news-2025-01.epub", "news-2024-12.epub")
    )
    assert sorted(path.name for path in result.outputs if path.suffix == ".epub") == [earlier, later, "news.epub"]
    chapters = {
        name: [m for m in epub_members(tmp_path / "output" / name) if m.startswith("EPUB/articles/")]
        for name in (earlier, later)
    }
    assert chapters == {earlier: ["EPUB/articles/b.xhtml"], later: ["EPUB/articles/a.xhtml", "EPUB/articles/c.xhtml"]}
