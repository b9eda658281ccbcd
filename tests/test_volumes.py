"""Which books a build writes: the collection while it is small enough, and volumes when there are several
(editions, which the defaults add, are tested in test_editions.py)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from publisher.article import Article, own_characters
from publisher.config import Config
from publisher.volumes import collection_id, plan_books


def article(slug: str, year: int, month: int, day: int = 1) -> Article:
    moment = datetime(year, month, day, 12, tzinfo=UTC)
    return Article(
        f"urn:{slug}", slug, slug, moment, moment, "ar", "rtl", (), Path(f"{slug}.txt"), *own_characters(slug, ())
    )


ARCHIVE = [
    article("a", 2024, 11),
    article("b", 2024, 12),
    article("c", 2025, 1),
    article("d", 2025, 1, 20),
    article("e", 2025, 3),
]


def names(config: Config, articles: list[Article] = ARCHIVE) -> list[str]:
    return [plan.file_name for plan in plan_books(articles, config)]


def test_by_year_the_collection_and_one_volume_per_year() -> None:
    plans = plan_books(list(reversed(ARCHIVE)), Config(editions="none", volumes="year"))
    assert [plan.file_name for plan in plans] == ["news.epub", "news-2024.epub", "news-2025.epub"]
    assert [[a.slug for a in plan.articles] for plan in plans] == [
        ["a", "b", "c", "d", "e"],
        ["a", "b"],
        ["c", "d", "e"],
    ]
    assert [(plan.part, plan.position) for plan in plans] == [(None, None), ("2024", 1), ("2025", 2)]


def test_by_month() -> None:
    assert names(Config(editions="none", volumes="month")) == [
        "news.epub",
        "news-2024-11.epub",
        "news-2024-12.epub",
        "news-2025-01.epub",
        "news-2025-03.epub",
    ]
    assert plan_books(ARCHIVE, Config(editions="none", volumes="month"))[3].part == "يناير 2025"


def test_a_single_volume_is_not_written_beside_the_same_collection() -> None:
    assert names(Config(editions="none", volumes="year"), ARCHIVE[2:]) == ["news.epub"]


def test_above_the_collection_limit_only_volumes_are_written() -> None:
    assert names(Config(editions="none", volumes="year", collection_limit=4)) == ["news-2024.epub", "news-2025.epub"]
    # Even a single volume, since the collection is not written.
    assert names(Config(editions="none", volumes="year", collection_limit=2), ARCHIVE[2:]) == ["news-2025.epub"]


def test_volume_size_numbers_the_parts_within_each_group() -> None:
    plans = plan_books(ARCHIVE, Config(editions="none", volumes="year", volume_size=2, collection_limit=0))
    assert [plan.file_name for plan in plans] == [
        "news-2024-part1.epub",
        "news-2025-part1.epub",
        "news-2025-part2.epub",
    ]
    assert [plan.part for plan in plans] == ["2024 – الجزء 1", "2025 – الجزء 1", "2025 – الجزء 2"]
    assert [plan.position for plan in plans] == [1, 2, 3]


def test_volume_size_alone_cuts_the_whole_archive() -> None:
    assert names(Config(editions="none", volumes="none", volume_size=2)) == [
        "news.epub",
        "news-part1.epub",
        "news-part2.epub",
        "news-part3.epub",
    ]


def test_without_volumes_the_collection_is_always_written() -> None:
    assert names(Config(editions="none", volumes="none", collection_limit=1)) == ["news.epub"]


def test_identifiers_are_stable_distinct_and_follow_the_namespace() -> None:
    first = [plan.identifier for plan in plan_books(ARCHIVE, Config(editions="none", volumes="year"))]
    again = [
        plan.identifier
        for plan in plan_books([*ARCHIVE, article("f", 2025, 4)], Config(editions="none", volumes="year"))
    ]
    assert first == again
    assert len(set(first)) == 3
    assert first[0] == collection_id(Config())
    other = replace(Config(editions="none", volumes="year"), id_namespace=uuid.UUID(int=1))
    assert not set(first) & {plan.identifier for plan in plan_books(ARCHIVE, other)}
