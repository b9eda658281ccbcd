"""Which books a build writes: the whole collection, volumes of it, or both.

A reader who follows a site for years cannot carry one ever-growing book (and older e-readers
open a 5,000-chapter EPUB very slowly), so the collection is cut into volumes by year or month
and/or by a number of articles. Each volume is a complete book with its own identifier, and
declares the series it belongs to so that e-reader libraries shelve the volumes together, in order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from .article import Article
from .config import Config
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
    """The volume's place in the series, from 1; None for the collection."""


def chronological(articles: Sequence[Article]) -> list[Article]:
    return sorted(articles, key=lambda article: (article.published, article.slug))


def collection_id(config: Config) -> str:
    return f"urn:uuid:{uuid.uuid5(config.id_namespace, 'book:' + config.book_name)}"


def plan_books(articles: Sequence[Article], config: Config) -> list[BookPlan]:
    """The collection book (while it is small enough), then the volumes (when there is more than one)."""
    ordered = tuple(chronological(articles))
    volumes = _volumes(ordered, config)
    books = []
    collection_fits = len(ordered) <= config.collection_limit or not volumes
    if collection_fits:
        books.append(BookPlan(config.book_name + EPUB_SUFFIX, collection_id(config), ordered))
    # One volume holding everything is the collection under another name: not worth a second file.
    if len(volumes) > 1 or not collection_fits:
        books.extend(volumes)
    return books


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
