"""One Atom 1.0 or RSS 2.0 document, written with feedgen (see `feeds` for which documents there are)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from . import __version__
from .article import Article
from .config import Config
from .dates import rfc3339_time, rss_time
from .feeds import ARCHIVE_FOLDER, ATOM_NAMESPACE, HISTORY_NAMESPACE, feed_id, last_updated
from .render import XML_LANG, render_feed_html
from .site import page_url

PROJECT_URL = "https://pypi.org/project/publisher/"
GENERATOR = "publisher"


class _EntryLanguage(BaseEntryExtension):  # type: ignore[misc]  # feedgen ships no type hints
    """Puts `xml:lang` on an Atom entry whose language differs from the feed's (feedgen has no API for it)."""

    def __init__(self) -> None:
        self.language: str | None = None

    def extend_atom(self, entry: Any) -> Any:
        if self.language is not None:
            entry.set(XML_LANG, self.language)
        return entry


class _History(BaseExtension):  # type: ignore[misc]  # feedgen ships no type hints
    """Links feedgen's RSS writer drops (and Atom's link API refuses), and RFC 5005's markers.

    `links` are (rel, href, media type): `hub` (WebSub), `current`, `prev-archive`,
    `next-archive`; `marker` is `archive` (an archive document) or `complete` (nothing archived).
    """

    def __init__(self) -> None:
        self.links: list[tuple[str, str, str]] = []
        self.marker: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"fh": HISTORY_NAMESPACE}

    def extend_atom(self, feed: Any) -> Any:
        self._add(feed, len(feed))
        return feed

    def extend_rss(self, rss: Any) -> Any:
        channel = rss[0]
        first_item = next((index for index, element in enumerate(channel) if element.tag == "item"), len(channel))
        self._add(channel, first_item)
        return rss

    def _add(self, parent: Any, position: int) -> None:
        elements = [
            etree.Element(f"{{{ATOM_NAMESPACE}}}link", rel=rel, href=href, type=media_type)
            for rel, href, media_type in self.links
        ]
        if self.marker is not None:
            elements.append(etree.Element(f"{{{HISTORY_NAMESPACE}}}{self.marker}"))
        for offset, element in enumerate(elements):
            parent.insert(position + offset, element)


def render_feed(
    entries: Sequence[Article],
    config: Config,
    name: str,
    extension: str,
    links: list[tuple[str, str, str]],
    *,
    marker: str | None,
) -> bytes:
    """One feed document (`name`, Atom or RSS by `extension`) holding `entries`, newest first.

    Every date is set from the data: feedgen would otherwise fill `updated` and `lastBuildDate`
    with the current time and no two builds would be identical.
    """
    generator = FeedGenerator()
    generator.load_extension("dc", atom=False, rss=True)
    generator.register_extension("entry_language", BaseExtension, _EntryLanguage, atom=True, rss=False)
    generator.register_extension("history", _History, BaseEntryExtension, atom=True, rss=True)
    generator.history.links = links
    generator.history.marker = marker
    # An archive document is a different document of the same feed: its own id.
    archived = name.startswith(ARCHIVE_FOLDER)
    generator.id(f"{feed_id(config)}/{name.rsplit('.', 1)[0]}" if archived else feed_id(config))
    generator.title(config.title)
    if config.subtitle:
        generator.subtitle(config.subtitle)
    generator.author({"name": config.author})
    generator.language(config.language)
    # Atom writes its dates as RFC 3339, RSS as RFC 822: each gets one its format can carry (the
    # newest entry's own date gives the warning, if any).
    time_for = rfc3339_time if extension == "atom" else rss_time
    updated = time_for(last_updated(entries), None, name)
    generator.updated(updated)
    generator.lastBuildDate(updated)
    # Pinned, without feedgen's version, so a dependency update does not change the output.
    generator.generator(GENERATOR, version=__version__, uri=PROJECT_URL)
    if config.rights:
        generator.rights(config.rights)
    for article in entries:
        _add_entry(generator, article, config, extension, name)
    media_type = "application/atom+xml" if extension == "atom" else "application/rss+xml"
    # RSS takes its channel <link> from the last link added, whatever its rel: the site goes last.
    generator.link(href=f"{config.base_url}{name}", rel="self", type=media_type, replace=True)
    generator.link(href=config.base_url, rel="alternate", type="text/html")
    if extension == "atom":
        return bytes(generator.atom_str(pretty=True))
    # RSS requires a description; feedgen would also make it the Atom subtitle, which without a
    # configured subtitle would only repeat the title, so it is set only for RSS.
    generator.description(config.description)
    return bytes(generator.rss_str(pretty=True))


def _add_entry(generator: FeedGenerator, article: Article, config: Config, extension: str, name: str) -> None:
    entry = generator.add_entry(order="append")  # the default prepends and reverses the feed
    entry.id(article.id)
    entry.guid(article.id, permalink=False)
    entry.title(article.title)
    if extension == "atom":
        entry.published(rfc3339_time(article.published, article.source, name))
        entry.updated(rfc3339_time(article.updated, article.source, name))
    else:  # an RSS item has only its pubDate
        entry.published(rss_time(article.published, article.source, name))
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
