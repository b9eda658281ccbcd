"""What the site, the OPDS catalog and the editions feed say about the books a build writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .config import Config
from .epub import book_facts
from .feeds import ATOM_NAME, RSS_NAME
from .jsonfeed import JSON_FEED_NAME, JSON_FEED_TYPE
from .l10n import localizer
from .opds import ATOM_TYPE, EDITIONS_FEED_NAME, EPUB_TYPE, OPDS_NAME, OPDS_NAVIGATION_TYPE, CatalogBook, Shelf
from .site import BOOKS_PAGE_NAME, Link, ShelfLinks, SiteLinks
from .volumes import EPUB_SUFFIX, BookPlan

COVER_FOLDER = "covers"
SHELVES = ("editions", "volumes", "collection")
"""The kinds of book, as the catalog and the books' page list them: the newest reading first."""
_KINDS = {"editions": "edition", "volumes": "volume", "collection": "collection"}


def cover_name(plan: BookPlan, *, thumbnail: bool = False) -> str:
    """`covers/news-2025.png`; an edition's, `covers/editions-news-2025-03-29.png` (one folder of covers)."""
    stem = plan.file_name.removesuffix(EPUB_SUFFIX).replace("/", "-")
    return f"{COVER_FOLDER}/{stem}{'-thumbnail' if thumbnail else ''}.png"


def announced_editions(plans: Sequence[BookPlan], config: Config) -> list[BookPlan]:
    """The editions, newest first; while the site fits in one edition, the collection, which is it."""
    if config.editions == "none":
        return []
    editions = [plan for plan in plans if plan.kind == "edition"]
    return editions or [plan for plan in plans if plan.kind == "collection"]


def site_links(plans: Sequence[BookPlan], config: Config) -> SiteLinks:
    """What every page links to: nothing here depends on which books there are but the first's cover."""
    words = localizer(config.language, config.digits)
    feeds = (
        Link(ATOM_NAME, "Atom", ATOM_TYPE),
        Link(RSS_NAME, "RSS", "application/rss+xml"),
        Link(JSON_FEED_NAME, "JSON Feed", JSON_FEED_TYPE),
    )
    return SiteLinks(
        feeds=feeds,
        books=Link(BOOKS_PAGE_NAME, words.text("books"), "text/html"),
        catalog=Link(OPDS_NAME, words.text("catalog"), OPDS_NAVIGATION_TYPE),
        preview_image=cover_name(plans[0]),
    )


def latest_edition(plans: Sequence[BookPlan], config: Config) -> Link | None:
    editions = announced_editions(plans, config)
    if not editions:
        return None
    return Link(editions[0].file_name, book_facts(editions[0], config).title, EPUB_TYPE)


def shelf_links(plans: Sequence[BookPlan], config: Config) -> ShelfLinks:
    words = localizer(config.language, config.digits)
    shelves = []
    for key in SHELVES:
        books = []
        for plan in plans:
            if plan.kind == _KINDS[key]:
                facts = book_facts(plan, config)
                label = f"{facts.title} ({words.text('description', range=facts.date_range, articles=facts.count)})"
                books.append(Link(plan.file_name, label, EPUB_TYPE))
        if books:
            shelves.append((words.text(key), tuple(books)))
    feeds = [Link(OPDS_NAME, words.text("catalog"), OPDS_NAVIGATION_TYPE)]
    if announced_editions(plans, config):
        feeds.append(Link(EDITIONS_FEED_NAME, words.text("editions_feed"), ATOM_TYPE))
    return ShelfLinks(tuple(shelves), tuple(feeds))


def shelves(plans: Sequence[BookPlan], sizes: Mapping[str, int], config: Config) -> list[Shelf]:
    """The catalog's acquisition feeds, by kind; `sizes` are the books' by file name."""
    words = localizer(config.language, config.digits)
    return [
        Shelf(
            key,
            words.text(key),
            tuple(catalog_entry(plan, sizes[plan.file_name], config) for plan in plans if plan.kind == _KINDS[key]),
        )
        for key in SHELVES
    ]


def catalog_entry(plan: BookPlan, size: int, config: Config) -> CatalogBook:
    facts = book_facts(plan, config)
    newest = max(plan.articles, key=lambda article: article.updated)
    return CatalogBook(
        identifier=plan.identifier,
        title=facts.title,
        href=plan.file_name,
        cover=cover_name(plan),
        thumbnail=cover_name(plan, thumbnail=True),
        summary=localizer(config.language, config.digits).text(
            "description", range=facts.date_range, articles=facts.count
        ),
        issued=min(article.published for article in plan.articles),
        updated=newest.updated,
        updated_source=newest.source,
        size=size,
    )
