"""Atom 1.0 and RSS 2.0 documents, built with feedgen from the articles."""

from __future__ import annotations

import html
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator

from . import __version__
from .article import Article
from .config import Config
from .render import CHAPTER_FOLDER, XML_LANG, render_feed_html

ATOM_NAME = "feed.atom"
RSS_NAME = "feed.rss"
PROJECT_URL = "https://pypi.org/project/publisher/"
GENERATOR = "publisher"


@dataclass(frozen=True, slots=True)
class Feeds:
    atom: bytes
    rss: bytes


def page_url(config: Config, article: Article) -> str:
    return f"{config.base_url}{CHAPTER_FOLDER}/{quote(article.slug)}.html"


def newest_first(articles: Sequence[Article]) -> list[Article]:
    return sorted(articles, key=lambda article: (article.published, article.slug), reverse=True)


def feed_id(config: Config) -> str:
    return f"urn:uuid:{uuid.uuid5(config.id_namespace, 'feed')}"


def last_updated(articles: Sequence[Article]) -> datetime:
    return max(article.updated for article in articles)


class _EntryLanguage(BaseEntryExtension):  # type: ignore[misc]  # feedgen ships no type hints
    """Puts `xml:lang` on an Atom entry whose language differs from the feed's (feedgen has no API for it)."""

    def __init__(self) -> None:
        self.language: str | None = None

    def extend_atom(self, entry: Any) -> Any:
        if self.language is not None:
            entry.set(XML_LANG, self.language)
        return entry


def build_feeds(articles: Sequence[Article], config: Config) -> Feeds:
    """Both feeds for the newest `config.feed_size` articles; `articles` must not be empty.

    Every date is set from the data: feedgen would otherwise fill `updated` and `lastBuildDate`
    with the current time and no two builds would be identical.
    """
    entries = newest_first(articles)[: config.feed_size]
    generator = FeedGenerator()
    generator.load_extension("dc", atom=False, rss=True)
    generator.register_extension("entry_language", BaseExtension, _EntryLanguage, atom=True, rss=False)
    generator.id(feed_id(config))
    generator.title(config.title)
    if config.subtitle:
        generator.subtitle(config.subtitle)
    generator.author({"name": config.author})
    generator.language(config.language)
    generator.updated(last_updated(articles))
    generator.lastBuildDate(last_updated(articles))
    # Pinned, without feedgen's version, so a dependency update does not change the output.
    generator.generator(GENERATOR, version=__version__, uri=PROJECT_URL)
    if config.rights:
        generator.rights(config.rights)
    for article in entries:
        _add_entry(generator, article, config)
    atom = _with_links(generator, config, ATOM_NAME, "application/atom+xml").atom_str(pretty=True)
    # RSS requires a description; feedgen would also make it the Atom subtitle, which without a
    # configured subtitle would only repeat the title, so it is set after the Atom feed is made.
    generator.description(config.description)
    rss = _with_links(generator, config, RSS_NAME, "application/rss+xml").rss_str(pretty=True)
    return Feeds(atom=atom, rss=rss)


def _with_links(generator: FeedGenerator, config: Config, name: str, media_type: str) -> FeedGenerator:
    # RSS takes its channel <link> from the last link added, whatever its rel: the site goes last.
    generator.link(href=f"{config.base_url}{name}", rel="self", type=media_type, replace=True)
    generator.link(href=config.base_url, rel="alternate", type="text/html")
    return generator


def _add_entry(generator: FeedGenerator, article: Article, config: Config) -> None:
    entry = generator.add_entry(order="append")  # the default prepends and reverses the feed
    entry.id(article.id)
    entry.guid(article.id, permalink=False)
    entry.title(article.title)
    entry.published(article.published)
    entry.updated(article.updated)
    entry.author({"name": config.author})
    entry.link(href=page_url(config, article), rel="alternate", type="text/html")
    # Readers treat an RSS description as HTML, so the plain-text summary is escaped and said to
    # be HTML in Atom too. isSummary, and before content(): otherwise the Atom content is overwritten.
    summary = html.escape(article.summary, quote=False)
    entry.description(summary, isSummary=True)
    entry.summary(summary, type="html")
    entry.content(render_feed_html(article, config), type="html")
    # RSS items carry neither a language nor (without an e-mail address) an author.
    entry.dc.dc_creator(config.author)
    entry.dc.dc_language(article.language)
    if article.language != config.language:
        entry.entry_language.language = article.language
