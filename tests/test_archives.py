"""RFC 5005 archives: from the subscription feed, prev-archive links reach every article exactly once."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from lxml import etree

from publisher.config import Config

from .helpers import build_into, make_corpus, tree_bytes

ATOM = "{http://www.w3.org/2005/Atom}"
HISTORY = "{http://purl.org/syndication/history/1.0}"
BASE = "https://news.example.org/"
CONFIG = Config(base_url=BASE, feed_size=20, archive_size=25, volumes="none")
CORPUS = 120


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("archives")
    seeds = make_corpus(folder / "seeds", CORPUS)
    build_into(seeds, folder / "output", CONFIG)
    return seeds, folder / "output"


def links(document: bytes, kind: str) -> dict[str, str]:
    root = etree.fromstring(document)
    parent = root if kind == "atom" else root.find("channel")
    assert parent is not None
    return {link.get("rel", ""): link.get("href", "") for link in parent.iter(f"{ATOM}link")}


def local(output: Path, url: str) -> Path:
    assert url.startswith(BASE)
    return output / url.removeprefix(BASE)


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_walking_prev_archive_reaches_every_article_exactly_once(site: tuple[Path, Path], kind: str) -> None:
    output = site[1]
    document = output / f"feed.{kind}"
    seen: list[str] = []
    visited = 0
    while True:
        data = document.read_bytes()
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, (document, parsed.get("bozo_exception"))
        seen.extend(entry.id for entry in parsed.entries)
        visited += 1
        previous = links(data, kind).get("prev-archive")
        if previous is None:
            break
        document = local(output, previous)
    assert len(seen) == len(set(seen)) == CORPUS
    # 20 in the subscription feed, then 100 older ones in pages of 25.
    assert visited == 1 + 4


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_archive_documents_are_marked_and_linked_both_ways(site: tuple[Path, Path], kind: str) -> None:
    output = site[1]
    subscription = (output / f"feed.{kind}").read_bytes()
    assert etree.fromstring(subscription).find(f".//{HISTORY}complete") is None
    assert links(subscription, kind)["prev-archive"] == f"{BASE}archive/4.{kind}"
    for number in range(1, 5):
        data = (output / "archive" / f"{number}.{kind}").read_bytes()
        assert etree.fromstring(data).find(f".//{HISTORY}archive") is not None
        found = links(data, kind)
        assert found["current"] == f"{BASE}feed.{kind}"
        assert found["self"] == f"{BASE}archive/{number}.{kind}"
        assert found.get("prev-archive") == (f"{BASE}archive/{number - 1}.{kind}" if number > 1 else None)
        # Every page is full, so each names its successor, the fourth one before it exists.
        assert found["next-archive"] == f"{BASE}archive/{number + 1}.{kind}"
        assert len(feedparser.parse(data).entries) == 25


def test_the_oldest_archive_holds_the_oldest_articles(site: tuple[Path, Path]) -> None:
    titles = {entry.title for entry in feedparser.parse((site[1] / "archive" / "1.atom").read_bytes()).entries}
    assert {title.rsplit("(", 1)[1].rstrip(")") for title in titles} == {str(number) for number in range(1, 26)}


def test_full_archive_pages_do_not_change_when_articles_arrive(site: tuple[Path, Path], tmp_path: Path) -> None:
    seeds = make_corpus(tmp_path / "seeds", CORPUS + 10)
    build_into(seeds, tmp_path / "output", CONFIG)
    before, after = tree_bytes(site[1]), tree_bytes(tmp_path / "output")
    for number in range(1, 5):
        for kind in ("atom", "rss"):
            assert after[f"archive/{number}.{kind}"] == before[f"archive/{number}.{kind}"]
    # The ten newcomers push ten articles into a fifth, partial page, which names no successor yet.
    assert len(feedparser.parse(after["archive/5.atom"]).entries) == 10
    assert "next-archive" not in links(after["archive/5.atom"], "atom")


def test_when_everything_fits_the_feed_is_complete_and_there_is_no_archive(tmp_path: Path) -> None:
    seeds = make_corpus(tmp_path / "seeds", 5)
    build_into(seeds, tmp_path / "output", CONFIG)
    for kind in ("atom", "rss"):
        data = (tmp_path / "output" / f"feed.{kind}").read_bytes()
        assert etree.fromstring(data).find(f".//{HISTORY}complete") is not None
        assert "prev-archive" not in links(data, kind)
    assert not (tmp_path / "output" / "archive").exists()


def test_archive_pages_left_over_from_a_bigger_archive_are_removed(site: tuple[Path, Path], tmp_path: Path) -> None:
    output = tmp_path / "output"
    build_into(make_corpus(tmp_path / "seeds", CORPUS), output, CONFIG)
    build_into(make_corpus(tmp_path / "fewer", 30), output, CONFIG)
    assert sorted(path.name for path in (output / "archive").iterdir()) == ["1.atom", "1.rss"]
