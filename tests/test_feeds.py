"""Atom and RSS as a feed reader sees them (feedparser), and as the specs require them (XML)."""

from __future__ import annotations

import html
from datetime import UTC
from pathlib import Path

import feedparser
import lxml.html
import pytest
from lxml import etree

from publisher.config import Config
from publisher.feeds import build_feeds, newest_first
from publisher.reader import read_seeds

from .helpers import GOOD_MIXED, XML_LANG, make_seeds

ATOM = "{http://www.w3.org/2005/Atom}"
CONFIG = Config(rights="© 2025 فريق التحرير", base_url="https://news.example.org/ar")


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_seeds(tmp_path_factory.mktemp("feeds") / "seeds", *GOOD_MIXED)


@pytest.fixture(scope="module")
def feeds(seeds: Path) -> dict[str, bytes]:
    built = build_feeds(read_seeds(seeds, CONFIG).articles, CONFIG)
    return {"atom": built.atom, "rss": built.rss}


@pytest.mark.parametrize(("kind", "version"), [("atom", "atom10"), ("rss", "rss20")])
def test_feedparser_reads_every_entry_without_complaint(
    feeds: dict[str, bytes], seeds: Path, kind: str, version: str
) -> None:
    parsed = feedparser.parse(feeds[kind])
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == version
    assert parsed.feed.language == "ar"
    assert parsed.feed.title == CONFIG.title
    articles = newest_first(read_seeds(seeds, CONFIG).articles)
    assert len(parsed.entries) == len(articles) == len(GOOD_MIXED) + 1
    for entry, article in zip(parsed.entries, articles, strict=True):
        assert entry.id == article.id
        assert entry.title == article.title
        assert entry.published_parsed == article.published.astimezone(UTC).utctimetuple()
        assert entry.link == f"https://news.example.org/ar/articles/{article.slug}.html"
        content = lxml.html.fragment_fromstring(entry.content[0].value)
        assert (content.get("dir"), content.get("lang")) == (article.direction, article.language)
        assert [child.text_content() for child in content] == [block.text for block in article.blocks]
        # The summary is HTML (readers render RSS descriptions as HTML): rendered, it is the plain text.
        assert entry.summary_detail.type == "text/html"
        assert html.unescape(entry.summary) == article.summary
        # Atom: xml:lang on the entry (inherited from the feed when equal); RSS: dc:language.
        language = entry.title_detail.language if kind == "atom" else entry.language
        assert language == article.language
        assert entry.author == CONFIG.author
        if kind == "atom":
            assert entry.updated_parsed == article.updated.astimezone(UTC).utctimetuple()


def test_feeds_are_newest_first_and_updated_is_the_newest_article(feeds: dict[str, bytes]) -> None:
    parsed = feedparser.parse(feeds["atom"])
    published = [entry.published_parsed for entry in parsed.entries]
    assert published == sorted(published, reverse=True)
    assert parsed.feed.updated_parsed == max(published)
    assert feedparser.parse(feeds["rss"]).feed.updated_parsed == max(published)


def test_atom_has_id_links_generator_rights_and_entry_languages(feeds: dict[str, bytes]) -> None:
    root = etree.fromstring(feeds["atom"])
    assert root.get(XML_LANG) == "ar"
    assert root.findtext(f"{ATOM}id", "").startswith("urn:uuid:")
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {"self": "https://news.example.org/ar/feed.atom", "alternate": "https://news.example.org/ar/"}
    assert root.findtext(f"{ATOM}generator") == "publisher"
    assert root.findtext(f"{ATOM}rights") == CONFIG.rights
    assert root.find(f"{ATOM}subtitle") is None  # none configured: no copy of the title
    languages = {entry.findtext(f"{ATOM}title"): entry.get(XML_LANG) for entry in root.findall(f"{ATOM}entry")}
    assert languages["פסגה בינלאומית נגד פשע מאורגן"] == "he"
    assert languages["Summit agrees new measures against organised crime"] == "en"
    assert languages["هل تنجح القمة؟"] is None  # same as the feed: inherited


def test_rss_has_guid_creator_language_content_and_channel_links(feeds: dict[str, bytes]) -> None:
    root = etree.fromstring(feeds["rss"])
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("link") == "https://news.example.org/ar/"
    assert channel.findtext("copyright") == CONFIG.rights
    assert channel.find("{http://www.w3.org/2005/Atom}link").get("href") == "https://news.example.org/ar/feed.rss"  # type: ignore[union-attr]
    for item in channel.findall("item"):
        guid = item.find("guid")
        assert guid is not None
        assert guid.get("isPermaLink") == "false"
        assert guid.text is not None and guid.text.startswith("urn:uuid:")
        assert item.findtext("pubDate")
        assert item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")
        assert item.findtext("{http://purl.org/dc/elements/1.1/}creator") == CONFIG.author
        assert item.findtext("{http://purl.org/dc/elements/1.1/}language")


def test_feed_size_keeps_only_the_newest(seeds: Path) -> None:
    articles = read_seeds(seeds, CONFIG).articles
    small = Config(feed_size=2)
    built = build_feeds(articles, small)
    for document in (built.atom, built.rss):
        parsed = feedparser.parse(document)
        assert [entry.id for entry in parsed.entries] == [article.id for article in newest_first(articles)[:2]]


def test_a_configured_subtitle_is_the_atom_subtitle_and_the_rss_description(seeds: Path) -> None:
    config = Config(subtitle="آخر الأخبار")
    built = build_feeds(read_seeds(seeds, config).articles, config)
    assert etree.fromstring(built.atom).findtext(f"{ATOM}subtitle") == "آخر الأخبار"
    assert etree.fromstring(built.rss).findtext("channel/description") == "آخر الأخبار"
