"""Editions: the most recent articles as one book per day or per week, as a newspaper delivers them.

calibre's news recipes, KindleEar and KOReader's news downloader deliver news to e-readers this
way: a short book of one day's or one week's articles, newest first, with a contents page by day.
An archive-shaped volume of a year (7,000 chapters for a newsroom) is slow to open and nobody
scrolls its contents. Editions cover only the recent past, counted back from the newest article
(never from the clock, so a build is reproducible); older articles are in the volumes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from .article import Article
from .config import Config
from .l10n import localizer, primary_subtag

DEFAULT_COUNTS = {"week": 8, "day": 30}
"""How many periods back editions go when `edition_count` is 0: two months of weeks, a month of days."""


@dataclass(frozen=True, slots=True)
class Period:
    """One edition's day or week and its articles."""

    start: date
    """The period's first day, in the configured time zone."""
    label: str
    """How readers read it: "31 مارس 2025", or "29 مارس – 4 أبريل 2025" for a week."""
    articles: tuple[Article, ...]
    """Newest first, the order of the edition."""


def edition_periods(ordered: Sequence[Article], config: Config) -> list[Period]:
    """The periods with articles among the last `edition_count` (newest first); none for `editions = "none"`."""
    if config.editions == "none" or not ordered:
        return []
    days = 7 if config.editions == "week" else 1
    first_weekday = week_start(config.language)

    def start_of(article: Article) -> date:
        day = local_day(article, config)
        if days == 1:
            return day
        return _shifted(day, -((day.weekday() - first_weekday) % 7))

    starts = {article.id: start_of(article) for article in ordered}
    count = config.edition_count or DEFAULT_COUNTS[config.editions]
    oldest = _shifted(max(starts.values()), -days * (count - 1))
    groups: dict[date, list[Article]] = {}
    for article in ordered:
        if starts[article.id] >= oldest:
            groups.setdefault(starts[article.id], []).append(article)
    words = localizer(config.language, config.digits)
    periods = []
    for start in sorted(groups, reverse=True):
        end = _shifted(start, days - 1)
        label = words.date(start) if days == 1 else words.day_range(start, end)
        members = tuple(sorted(groups[start], key=lambda article: (article.published, article.slug), reverse=True))
        periods.append(Period(start, label, members))
    return periods


def local_day(article: Article, config: Config) -> date:
    """The day an article was published on, in the configured time zone (as written, at the range's ends)."""
    try:
        return article.published.astimezone(config.zone).date()
    except OverflowError:  # the first or the last day Python can hold, moved across it by the zone
        return article.published.date()


@functools.cache
def week_start(language: str) -> int:
    """The first day of the week (0 is Monday) where the language is most used: Saturday for
    Arabic (Egypt) and Persian (Iran), Sunday for Hebrew (Israel) and English (the United States)."""
    likely = str(get_global("likely_subtags").get(primary_subtag(language), primary_subtag(language)))
    try:
        return int(Locale.parse(likely).first_week_day)
    except (UnknownLocaleError, ValueError):
        return 0


def _shifted(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.min if days < 0 else date.max
