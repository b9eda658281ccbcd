"""Which books a build writes: the whole collection, volumes of it, or both.

A reader who follows a site for years cannot carry one ever-growing book (and older e-readers
open a 5,000-chapter EPUB very slowly), so the collection is cut into volumes by year or month
and/or by a number of articles. Each volume is a complete book with its own identifier, and
declares the series it belongs to so that e-reader libraries shelve the volumes together, in order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

from .article import Article
from .config import Config
from .editions import edition_periods
from .l10n import localizer

EPUB_SUFFIX = ".epub"
Key = TypeVar("Key", int, tuple[int, int])


@dataclass(frozen=True, slots=True)
class BookPlan:
    """One EPUB to write."""

    file_name: str
    identifier: str
    articles: tuple[Article, ...]
    """Oldest first: the reading order."""
    part: str | None = None
    """The volume's label ("2025", "مارس 2025", "الجزء 3"); None for the collection."""
    position: int | None = None
    """The volume's place in the series, from 1; None for the collection and editions."""
    period: str | None = None
    """An edition's day or week as readers read it ("29 مارس – 4 أبريل 2025"); None for other books.
    An edition's articles are newest first, as a newspaper's, and its contents go by day."""

    @property
    def kind(self) -> str:
        """`collection`, `volume` or `edition`."""
        if self.period is not None:
            return "edition"
        return "collection" if self.position is None else "volume"


def chronological(articles: Sequence[Article]) -> list[Article]:
    return sorted(articles, key=lambda article: (article.published, article.slug))


def collection_id(config: Config) -> str:
    return f"urn:uuid:{uuid.uuid5(config.id_namespace, 'book:' + config.book_name)}"


def plan_books(articles: Sequence[Article], config: Config) -> list[BookPlan]:
    """The collection book (while it is small enough), the volumes (when there is more than one),
    then the editions (see `editions`), each cut in parts when too large to e-mail (see `within_size`)."""
    ordered = tuple(chronological(articles))
    volumes = _volumes(ordered, config)
    books = []
    collection_fits = len(ordered) <= config.collection_limit or not volumes
    if collection_fits:
        # Its own call: should the collection be cut in parts, they are a series of their own.
        books.extend(within_size([BookPlan(config.book_name + EPUB_SUFFIX, collection_id(config), ordered)], config))
    # One volume holding everything is the collection under another name: not worth a second file.
    if len(volumes) > 1 or not collection_fits:
        books.extend(within_size(volumes, config))
    editions = _editions(ordered, config)
    # Likewise an edition holding every article, while another book holds them all.
    if len(editions) == 1 and any(len(book.articles) == len(ordered) for book in books):
        editions = []
    return books + within_size(editions, config)


EDITION_FOLDER = "editions"


def _editions(ordered: tuple[Article, ...], config: Config) -> list[BookPlan]:
    """`editions/news-2025-03-29.epub`, …: named by the period's first day, newest first."""
    return [
        BookPlan(
            file_name=f"{EDITION_FOLDER}/{config.book_name}-{period.start.isoformat()}{EPUB_SUFFIX}",
            identifier=f"urn:uuid:{uuid.uuid5(config.id_namespace, _edition_key(period.start, config))}",
            articles=period.articles,
            period=period.label,
        )
        for period in edition_periods(ordered, config)
    ]


def _edition_key(start: date, config: Config) -> str:
    return f"edition:{config.book_name}/{config.editions}/{start.isoformat()}"


BOOK_TEXT_LIMIT = 40_000_000
"""Bytes of text (UTF-8) a book holds at most. Amazon refuses e-mailed files over 50 MB: deflate
never makes text larger (but for a few bytes a block), and the markup, the fonts and the cover
take far less than the 10 MB left, so a book under this is under the limit whatever its text."""


def within_size(plans: Sequence[BookPlan], config: Config) -> list[BookPlan]:
    """Each book, or its parts when its text is over `BOOK_TEXT_LIMIT` (`news-2025-1.epub`, …),
    the books of a series (`plans` being one) numbered again in order. Rare: a year of 20 articles
    a day is about a quarter of it."""
    words = localizer(config.language, config.digits)
    split: list[BookPlan] = []
    for plan in plans:
        parts = _parts_by_size(plan.articles)
        if len(parts) == 1:
            split.append(plan)
            continue
        stem = plan.file_name.removesuffix(EPUB_SUFFIX)
        for number, part in enumerate(parts, start=1):
            label = words.text("volume_number", number=words.number(number))
            split.append(
                BookPlan(
                    file_name=f"{stem}-{number}{EPUB_SUFFIX}",
                    identifier=f"urn:uuid:{uuid.uuid5(config.id_namespace, f'{plan.identifier}/{number}')}",
                    articles=part,
                    part=label if plan.kind == "collection" else (f"{plan.part} – {label}" if plan.part else None),
                    # Numbered below; the collection's parts are a series, as volumes are.
                    position=0 if plan.kind != "edition" else None,
                    period=f"{plan.period} – {label}" if plan.period is not None else None,
                )
            )
    positions = iter(range(1, len(split) + 1))
    return [replace(plan, position=next(positions)) if plan.position is not None else plan for plan in split]


def _parts_by_size(articles: tuple[Article, ...]) -> list[tuple[Article, ...]]:
    # Four bytes a character at most: most books are known to fit without encoding their text.
    if sum(_characters(article) for article in articles) * 4 <= BOOK_TEXT_LIMIT:
        return [articles]
    parts: list[list[Article]] = [[]]
    size = 0
    for article in articles:
        cost = len(article.title.encode()) + sum(len(block.text.encode()) for block in article.blocks)
        if parts[-1] and size + cost > BOOK_TEXT_LIMIT:
            parts.append([])
            size = 0
        parts[-1].append(article)
        size += cost
    return [tuple(part) for part in parts]


def _characters(article: Article) -> int:
    return len(article.title) + sum(len(block.text) for block in article.blocks)


def _volumes(ordered: tuple[Article, ...], config: Config) -> list[BookPlan]:
    words = localizer(config.language, config.digits)
    groups: list[tuple[str, str | None, tuple[Article, ...]]] = []
    if config.volumes == "year":
        for year, in_year in _grouped(ordered, lambda article: article.published.year):
            groups.append((f"{year:04d}", words.year(year), in_year))
    elif config.volumes == "month":
        for (year, month), in_month in _grouped(
            ordered, lambda article: (article.published.year, article.published.month)
        ):
            groups.append((f"{year:04d}-{month:02d}", words.month(year, month), in_month))
    elif config.volume_size:
        groups.append(("", None, ordered))
    else:
        return []

    plans: list[BookPlan] = []
    for key, label, members in groups:
        chunks = _chunks(members, config.volume_size) if config.volume_size else [members]
        for number, chunk in enumerate(chunks, start=1):
            name, part = key, label
            if config.volume_size:
                # Numbered even when a group fits in one chunk, so a file keeps its name as the group grows.
                name = f"{key}-part{number}" if key else f"part{number}"
                volume_number = words.text("volume_number", number=words.number(number))
                part = f"{label} – {volume_number}" if label else volume_number
            plans.append(
                BookPlan(
                    file_name=f"{config.book_name}-{name}{EPUB_SUFFIX}",
                    identifier=f"urn:uuid:{uuid.uuid5(config.id_namespace, f'book:{config.book_name}/{name}')}",
                    articles=chunk,
                    part=part,
                    position=len(plans) + 1,
                )
            )
    return plans


def _grouped(ordered: tuple[Article, ...], key: Callable[[Article], Key]) -> list[tuple[Key, tuple[Article, ...]]]:
    """The articles by `key` (a year, a month), in the order of the keys, each group in reading order.

    Not `itertools.groupby`: in the order of time, articles can go back and forth across the end of
    a month in their own offsets (23:30 -05:00 on 31 March comes after 02:00 +03:00 on 1 April), and
    the month before would then make a second volume of the same name.
    """
    groups: dict[Key, list[Article]] = {}
    for article in ordered:
        groups.setdefault(key(article), []).append(article)
    return [(found, tuple(groups[found])) for found in sorted(groups)]


def _chunks(articles: tuple[Article, ...], size: int) -> list[tuple[Article, ...]]:
    return [articles[start : start + size] for start in range(0, len(articles), size)]
