"""The cache of font subsets and covers: same outputs with or without it, and never in the way."""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from dataclasses import fields, replace
from datetime import timedelta
from pathlib import Path

import pytest

from publisher import parallel
from publisher.article import Article
from publisher.build import build
from publisher.cache import DATABASE_NAME, KEEP_BUILDS, DiskCache, cache_key
from publisher.config import Config
from publisher.reader import read_article

from .helpers import GOOD_MIXED, make_seeds, tree_bytes


def test_a_warm_cache_gives_the_same_bytes_as_no_cache(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds", *GOOD_MIXED)
    config = Config(volumes="none", editions="none")  # one book, made here: every kind is kept
    build(seeds, tmp_path / "plain", config)
    build(seeds, tmp_path / "cold", config, cache=tmp_path / "cache")
    assert sorted(path.name for path in (tmp_path / "cache").iterdir()) == ["entries.sqlite", "manifests"]
    kinds = [
        "article",
        "book",
        "books-page",
        "chapter",
        "cover",
        "font-subset",
        "index",
        "page",
        "page-characters",
        "thumbnail",
    ]
    assert _kinds(tmp_path / "cache") == kinds
    build(seeds, tmp_path / "warm", config, cache=tmp_path / "cache")
    assert tree_bytes(tmp_path / "plain") == tree_bytes(tmp_path / "cold") == tree_bytes(tmp_path / "warm")


def test_entries_are_made_once_and_keyed_by_their_inputs(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    calls: list[str] = []

    def make(value: str) -> bytes:
        calls.append(value)
        return value.encode()

    assert cache.get_or_make("kind", b"a", lambda: make("a")) == b"a"
    assert cache.get_or_make("kind", b"a", lambda: make("again")) == b"a"
    assert cache.get_or_make("kind", b"b", lambda: make("b")) == b"b"
    assert cache.get_or_make("other", b"a", lambda: make("other")) == b"other"
    assert calls == ["a", "b", "other"]


def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    assert DiskCache(blocker).get_or_make("kind", b"key", lambda: b"made") == b"made"


def test_entries_made_by_other_code_are_never_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert DiskCache(tmp_path).get_or_make("kind", b"key", lambda: b"old code") == b"old code"
    monkeypatch.setattr("publisher.cache.code_fingerprint", lambda: "an edited module")
    assert DiskCache(tmp_path).get_or_make("kind", b"key", lambda: b"new code") == b"new code"


def test_an_entry_no_recent_build_used_is_dropped(tmp_path: Path) -> None:
    with DiskCache(tmp_path) as cache:
        cache.get_or_make("kind", b"old", lambda: b"used once")
    for _ in range(KEEP_BUILDS - 1):
        with DiskCache(tmp_path) as cache:
            cache.get_or_make("kind", b"new", lambda: b"used every build")
    assert _count(tmp_path) == 2
    with DiskCache(tmp_path) as cache:
        cache.get_or_make("kind", b"new", lambda: b"used every build")
    assert _count(tmp_path) == 1
    with DiskCache(tmp_path) as cache:
        assert cache.get_or_make("kind", b"new", lambda: b"made again") == b"used every build"


def test_a_damaged_cache_is_started_again(tmp_path: Path) -> None:
    (tmp_path / DATABASE_NAME).write_bytes(b"not a database, a file cut short " * 100)
    with DiskCache(tmp_path) as cache:
        assert cache.get_or_make("kind", b"key", lambda: b"made") == b"made"
    with DiskCache(tmp_path) as cache:
        assert cache.get_or_make("kind", b"key", lambda: b"made again") == b"made"


def test_a_key_changes_with_any_field_of_an_article(tmp_path: Path) -> None:
    seed = tmp_path / "a.txt"
    seed.write_text("2025-03-31 15:08:00\nعنوان\nفقرة أولى.\nعنوان فرعي\n", encoding="utf-8")
    article = read_article(seed, Config())
    key = cache_key(article, Config())
    assert cache_key(read_article(seed, Config()), Config()) == key
    first, second = article.blocks
    changed = {
        "id": replace(article, id="urn:uuid:other"),
        "slug": replace(article, slug="other"),
        "title": replace(article, title="عنوان آخر"),
        "published": replace(article, published=article.published + timedelta(seconds=1)),
        "updated": replace(article, updated=article.updated + timedelta(seconds=1)),
        "language": replace(article, language="fa"),
        "direction": replace(article, direction="ltr"),
        "blocks": replace(article, blocks=(replace(first, text=first.text + "x"), second)),
        "source": replace(article, source=tmp_path / "b.txt"),
        "characters": replace(article, characters=article.characters + "x"),
        "heading_characters": replace(article, heading_characters=article.heading_characters + "x"),
    }
    # A field added to Article must be added to its digest (and here).
    assert set(changed) == {field.name for field in fields(Article)}
    keys = {name: cache_key(other, Config()) for name, other in changed.items()}
    assert key not in keys.values() and len(set(keys.values())) == len(keys)
    # Text moved from one block to the next is another article, though the joined text is the same.
    moved = (replace(first, text=first.text[:-1]), replace(second, text=first.text[-1] + second.text))
    assert cache_key(replace(article, blocks=moved), Config()) != key
    assert cache_key(replace(article, blocks=(replace(first, line=9), second)), Config()) != key
    assert cache_key(replace(article, blocks=(replace(first, kind=second.kind), second)), Config()) != key
    assert cache_key(article, Config(title="other")) != key


def _kinds(folder: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(folder / DATABASE_NAME)) as database:
        return [kind for (kind,) in database.execute("SELECT DISTINCT kind FROM entries ORDER BY kind")]


def _count(folder: Path) -> int:
    with contextlib.closing(sqlite3.connect(folder / DATABASE_NAME)) as database:
        (count,) = database.execute("SELECT COUNT(*) FROM entries").fetchone()
        return int(count)


def _made_in_a_worker(cache: DiskCache, number: int) -> bytes:
    return cache.get_or_make("kind", b"worker %d" % number, lambda: b"made in a worker")


def test_a_forked_worker_neither_reads_nor_writes_the_cache(tmp_path: Path) -> None:
    with DiskCache(tmp_path) as cache:
        cache.get_or_make("kind", b"worker 0", lambda: b"kept by the build")
        jobs = [functools.partial(_made_in_a_worker, cache, number) for number in range(parallel.MIN_JOBS)]
        made = parallel.run_all(jobs)
    assert made == [b"made in a worker"] * parallel.MIN_JOBS  # its own SQLite connection never crossed the fork
    assert _count(tmp_path) == 1


def test_the_libraries_versions_are_those_their_metadata_gives() -> None:
    # Read from the dist-info folders' names, which spell versions as PEP 440 normalizes them.
    from importlib import metadata

    from publisher.cache import _LIBRARIES, _installed_versions

    def numbers(version: str) -> tuple[int, ...]:
        return tuple(int(part) for part in version.split("."))

    found = _installed_versions()
    assert {name: numbers(found[name]) for name in _LIBRARIES} == {
        name: numbers(metadata.version(name)) for name in _LIBRARIES
    }


def test_editing_the_benchmark_keeps_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import publisher.cache

    package = tmp_path / "publisher"
    package.mkdir()
    for name in ("cache.py", "bench.py"):
        (package / name).write_text(f"# {name}\n", encoding="utf-8")
    monkeypatch.setattr(publisher.cache, "__file__", str(package / "cache.py"))
    try:
        publisher.cache.code_fingerprint.cache_clear()
        before = publisher.cache.code_fingerprint()
        (package / "bench.py").write_text("# bench.py, edited\n", encoding="utf-8")
        publisher.cache.code_fingerprint.cache_clear()
        assert publisher.cache.code_fingerprint() == before
        (package / "cache.py").write_text("# cache.py, edited\n", encoding="utf-8")
        publisher.cache.code_fingerprint.cache_clear()
        assert publisher.cache.code_fingerprint() != before
    finally:
        publisher.cache.code_fingerprint.cache_clear()  # the real one again, for the tests after this
