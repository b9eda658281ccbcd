"""What publisher remembers between builds: each article's id, content hash and `updated` time.

Feed readers show an entry again when its id changes and ignore an edit unless `updated` moves.
A file name alone gives a stable id, but not an honest `updated` (the text has no edit time) and
not a rename. So a small JSON file, committed beside the configuration, records per article:
its id, a hash of its content, and when that content was last seen to change. The clock is read
only for an edit, and `SOURCE_DATE_EPOCH` replaces it for reproducible builds.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from .article import Article
from .config import Config
from .errors import ConfigError

STATE_NAME = "publisher.state.json"
_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Remembered:
    id: str
    hash: str
    updated: datetime


def state_path_for(config_path: Path | None) -> Path:
    """The state file sits beside the configuration file (or in the working folder without one)."""
    return (config_path.parent if config_path is not None else Path()) / STATE_NAME


def content_hash(article: Article) -> str:
    """A hash of what readers see: title and blocks (not line endings, not the timestamp)."""
    digest = hashlib.sha256(article.title.encode())
    for block in article.blocks:
        digest.update(f"\n{block.kind.value[0]}{block.text}".encode())
    return digest.hexdigest()


def stem_of(path: Path) -> str:
    return unicodedata.normalize("NFC", path.stem)


def load_state(path: Path) -> dict[str, Remembered]:
    """The remembered articles by file stem; empty when there is no state file yet."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"cannot read the state file: {error}", path, "restore it from version control") from None
    try:
        return {
            stem: Remembered(entry["id"], entry["hash"], datetime.fromisoformat(entry["updated"]))
            for stem, entry in raw["articles"].items()
        }
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ConfigError(f"the state file is damaged ({error!r})", path, "restore it from version control") from None


def dump_state(state: Mapping[str, Remembered]) -> bytes:
    articles = {
        stem: {"id": entry.id, "hash": entry.hash, "updated": entry.updated.isoformat()}
        for stem, entry in sorted(state.items())
    }
    return (json.dumps({"format": _FORMAT, "articles": articles}, ensure_ascii=False, indent=1) + "\n").encode()


def build_clock() -> datetime:
    """The time an edit is first seen: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except ValueError:
            raise ConfigError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not '{epoch}'") from None
    return datetime.now(UTC).replace(microsecond=0)


def reconcile(
    articles: Sequence[Article],
    unreadable: Sequence[Path],
    state: Mapping[str, Remembered],
    config: Config,
    clock: Callable[[], datetime],
) -> tuple[list[Article], dict[str, Remembered]]:
    """The articles with their remembered ids and `updated` times, and the state to keep.

    - unchanged content keeps its id and `updated`;
    - changed content keeps its id, and `updated` becomes the `clock`'s time, read once, and only
      when there is an edit (never earlier than before);
    - a new file whose content is exactly that of one file gone since the last build, content that
      no other file has, is that file renamed: it keeps the old id and `updated`;
    - anything else is new: an id from its file name, `updated` equal to `published`.
    A file that exists but could not be read this time keeps its entry, so fixing it changes nothing.
    """
    now = functools.cache(clock)
    hashes = {article.id: content_hash(article) for article in articles}
    present = {stem_of(article.source) for article in articles}
    kept_unreadable = {stem_of(path) for path in unreadable} & state.keys()
    gone = {stem: entry for stem, entry in state.items() if stem not in present and stem not in kept_unreadable}
    gone_hashes = Counter(entry.hash for entry in gone.values())
    # A rename is recognised only when its content is unique among all the articles now, too.
    current_hashes = Counter(hashes.values())
    renamed_from = {entry.hash: entry for entry in gone.values() if gone_hashes[entry.hash] == 1}

    result: list[Article] = []
    remembered = {stem: state[stem] for stem in kept_unreadable}
    used_ids = {entry.id for stem, entry in state.items() if stem in present or stem in kept_unreadable}
    for article in sorted(articles, key=lambda a: stem_of(a.source)):
        stem, digest = stem_of(article.source), hashes[article.id]
        previous = state.get(stem)
        if previous is None and current_hashes[digest] == 1 and digest in renamed_from:
            previous = renamed_from.pop(digest)
            used_ids.add(previous.id)
        if previous is None:
            identifier = _unused_id(article, used_ids, config)
            entry = Remembered(identifier, digest, article.published)
        elif previous.hash == digest:
            entry = previous
        else:
            entry = Remembered(previous.id, digest, max(previous.updated, now()))
        used_ids.add(entry.id)
        remembered[stem] = entry
        # `published` itself when no later edit: the state's copy of the same instant carries another
        # tzinfo object, which would give the article a new cache key in the second build.
        updated = entry.updated if entry.updated > article.published else article.published
        result.append(replace(article, id=entry.id, updated=updated))
    return result, remembered


def _unused_id(article: Article, used: set[str], config: Config) -> str:
    # The name-derived id may already belong to a renamed article (a renamed to b, then a new a).
    if article.id not in used:
        return article.id
    stem = stem_of(article.source)
    number = 2
    while (candidate := f"urn:uuid:{uuid.uuid5(config.id_namespace, f'article:{stem}#{number}')}") in used:
        number += 1
    return candidate
