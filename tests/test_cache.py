"""The cache of font subsets and covers: same outputs with or without it, and never in the way."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.build import build
from publisher.cache import DiskCache
from publisher.config import Config

from .helpers import GOOD_MIXED, make_seeds, tree_bytes


def test_a_warm_cache_gives_the_same_bytes_as_no_cache(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds", *GOOD_MIXED)
    config = Config(volumes="none")
    build(seeds, tmp_path / "plain", config)
    build(seeds, tmp_path / "cold", config, cache=tmp_path / "cache")
    kinds = sorted(path.name for path in (tmp_path / "cache").iterdir())
    assert kinds == ["article", "book", "chapter", "cover", "font-subset", "manifests", "page", "thumbnail"]
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
