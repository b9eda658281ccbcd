"""Atom 1.0 and RSS 2.0 documents, built with feedgen from the articles."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .article import Article
from .cache import cache_key
from .config import Config

ATOM_NAME = "feed.atom"
RSS_NAME = "feed.rss"

ARCHIVE_FOLDER = "archive"
HISTORY_NAMESPACE = "http://purl.org/syndication/history/1.0"
ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
FEED_FORMATS = (("atom", "application/atom+xml"), ("rss", "application/rss+xml"))


@dataclass(frozen=True, slots=True)
class Feeds:
    atom: bytes
    rss: bytes
    archives: list[tuple[str, bytes, Callable[[], bytes]]] = field(default_factory=list)
    """How to make each RFC 5005 archive document: output name (`archive/1.atom`, ...), cache key
    and maker. A full page rarely changes again, so the build keeps it rather than run feedgen
    over it every time, and never holds them all at once."""


def archive_name(number: int, extension: str) -> str:
    return f"{ARCHIVE_FOLDER}/{number}.{extension}"


def newest_first(articles: Sequence[Article]) -> list[Article]:
    return sorted(articles, key=lambda article: (article.published, article.slug), reverse=True)


def feed_id(config: Config) -> str:
    return f"urn:uuid:{uuid.uuid5(config.id_namespace, 'feed')}"


def last_updated(articles: Sequence[Article]) -> datetime:
    return max(article.updated for article in articles)


def build_feeds(articles: Sequence[Article], config: Config) -> Feeds:
    """The subscription feeds (the newest `feed_size` articles) and RFC 5005 archives of the rest.

    Archive pages hold `archive_size` articles each, numbered from the oldest, so a full page
    never changes again unless one of its articles is edited or deleted (RFC 5005, 4.1); the
    newest page fills up as articles leave the subscription feeds. Following `prev-archive` from a subscription
    feed reaches every article exactly once. `articles` must not be empty.
    """
    # feedgen (and dateutil, which it imports) only now: 15 ms a build would otherwise spend
    # before its book workers start.
    from .feedwriter import render_feed  # noqa: PLC0415

    ordered = newest_first(articles)
    current, older = ordered[: config.feed_size], ordered[config.feed_size :][::-1]
    pages = [older[start : start + config.archive_size] for start in range(0, len(older), config.archive_size)]
    documents: dict[str, bytes] = {}
    for extension, media_type in FEED_FORMATS:
        history = [("hub", config.websub_hub, "")] if config.websub_hub else []
        if pages:
            history.append(("prev-archive", config.base_url + archive_name(len(pages), extension), media_type))
        name = ATOM_NAME if extension == "atom" else RSS_NAME
        documents[name] = render_feed(current, config, name, extension, history, marker=None if pages else "complete")
    # Page by page, both formats of a page one after the other: each entry's HTML is made once.
    archives: list[tuple[str, bytes, Callable[[], bytes]]] = []
    for number, page in enumerate(pages, start=1):
        for extension, media_type in FEED_FORMATS:
            name = ATOM_NAME if extension == "atom" else RSS_NAME
            links = [("current", config.base_url + name, media_type)]
            if number > 1:
                links.append(("prev-archive", config.base_url + archive_name(number - 1, extension), media_type))
            # A full page names its successor even before that exists (until the next article is
            # archived), so that it never has to change again; the newest, partial page names none.
            if number < len(pages) or len(page) == config.archive_size:
                links.append(("next-archive", config.base_url + archive_name(number + 1, extension), media_type))
            archive = archive_name(number, extension)
            key = cache_key(page, config, archive, links)
            make = functools.partial(
                render_feed, newest_first(page), config, archive, extension, links, marker="archive"
            )
            archives.append((archive, key, make))
    return Feeds(atom=documents[ATOM_NAME], rss=documents[RSS_NAME], archives=archives)
