"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1): the subscription feed's entries, for JSON readers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .article import Article
from .config import Config
from .dates import rfc3339
from .feeds import newest_first
from .render import render_feed_html
from .site import page_url

JSON_FEED_NAME = "feed.json"
JSON_FEED_TYPE = "application/feed+json"


def build_json_feed(articles: Sequence[Article], config: Config) -> bytes:
    """The newest `feed_size` articles, with the same ids, titles, dates and HTML as the Atom feed."""
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": config.title,
        "home_page_url": config.base_url,
        "feed_url": config.base_url + JSON_FEED_NAME,
        "language": config.language,
        "authors": [{"name": config.author}],
    }
    if config.subtitle:
        feed["description"] = config.subtitle
    if config.websub_hub:
        feed["hubs"] = [{"type": "WebSub", "url": config.websub_hub}]
    feed["items"] = [_item(article, config) for article in newest_first(articles)[: config.feed_size]]
    return (json.dumps(feed, ensure_ascii=False, indent=1) + "\n").encode()


def _item(article: Article, config: Config) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": article.id,
        "url": page_url(config, article),
        "title": article.title,
        "content_html": render_feed_html(article, config),
        "summary": article.summary,
        "date_published": rfc3339(article.published, article.source, JSON_FEED_NAME),
        "date_modified": rfc3339(article.updated, article.source, JSON_FEED_NAME),
        "authors": [{"name": config.author}],
    }
    if article.language != config.language:
        item["language"] = article.language
    return item
