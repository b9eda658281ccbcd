"""Reading the seed format: a text file becomes an `Article`, or an `ArticleError` saying why not."""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from .article import Article, Block, BlockKind, own_characters
from .cache import NO_CACHE, DiskCache, cache_key
from .config import Config
from .errors import ArticleError, ConfigError, display_path
from .language import detect_language, direction_of
from .parallel import run_each

logger = logging.getLogger(__name__)

SEED_SUFFIX = ".txt"
MAX_HEADING_WORDS = 12

# Only LF, CRLF and CR end a line: str.splitlines() would also split on U+2028, U+0085 and
# \x1c-\x1e, which can stand inside a paragraph.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# C0 controls but tab, DEL, and the two non-characters XML forbids; everything else is kept.
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")
_TIMESTAMP = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[T ](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?)"
    r"(?P<zone>Z|[+-][0-9]{2}:[0-9]{2})?",
    re.ASCII,
)
# Arabic-Indic and Extended Arabic-Indic (Persian) digits, read as the digits they are.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
SENTENCE_END = ".!?؟…:;،؛۔"
CLOSING_MARKS = "\"'”’»›)]}﴾﴿"


@dataclass(frozen=True, slots=True)
class SeedReading:
    """What reading a seeds folder gave: the articles, and the files that were rejected."""

    articles: tuple[Article, ...]
    rejected: tuple[ArticleError, ...]


def ends_sentence(text: str) -> bool:
    return text.rstrip(CLOSING_MARKS).endswith(tuple(SENTENCE_END))


def is_heading(text: str) -> bool:
    """A subheading is short and does not end a sentence; anything else is a paragraph."""
    return len(text.split()) <= MAX_HEADING_WORDS and not ends_sentence(text)


def article_id(stem: str, namespace: uuid.UUID) -> str:
    """The id of the article in file `stem`: stable across edits of its title and text."""
    return f"urn:uuid:{uuid.uuid5(namespace, 'article:' + unicodedata.normalize('NFC', stem))}"


def slug_for(stem: str) -> str:
    """A URL- and file-system-safe page name, lower-cased so case-insensitive disks agree."""
    slug = re.sub(r"[^\w-]+", "-", unicodedata.normalize("NFC", stem).casefold()).strip("-_")
    return slug or "article"


def read_seeds(folder: Path, config: Config, cache: DiskCache = NO_CACHE) -> SeedReading:
    """Read every `*.txt` file in `folder` (in name order); hidden files are ignored.

    With a `cache`, a file whose size and modification time are unchanged is not read again: its
    article comes from the cache (its warnings, such as removed control characters, were given
    when it was first read).
    """
    return start_reading(folder, config, cache).finish()


def start_reading(folder: Path, config: Config, cache: DiskCache = NO_CACHE) -> PendingReading:
    """`read_seeds`, begun: the files not in the cache are being read on every core when this returns.

    The build imports its rendering stack (lxml, Babel, Pillow, EbookLib: a tenth of a second)
    between the two halves, while the workers, forked before it, read.
    """
    if not folder.is_dir():
        raise ConfigError("seeds folder not found", folder, "pass --seeds DIR")
    candidates = sorted(
        (path for path in folder.iterdir() if path.name.endswith(SEED_SUFFIX) and not path.name.startswith(".")),
        key=lambda path: (unicodedata.normalize("NFC", path.name), path.name),
    )
    return PendingReading(candidates, folder.resolve(), config, cache)


class PendingReading:
    """The seeds being read: each file's article or the reason it was rejected, once `finish`ed.

    A file whose size, modification time and inode are unchanged is taken from the cache; a
    rejected file is never kept there, so that fixing its permissions is enough to publish it.
    """

    def __init__(self, paths: Sequence[Path], root: Path, config: Config, cache: DiskCache) -> None:
        self.paths, self.cache = paths, cache
        self.outcomes: list[Article | ArticleError | None] = []
        self.missing: list[tuple[int, bytes]] = []  # (position, cache key) of the files to read
        for path in paths:
            try:
                _check_file(path, root)
                status = path.stat()
            except ArticleError as error:
                self.outcomes.append(error)
                continue
            except OSError as error:
                self.outcomes.append(ArticleError(path, 1, f"cannot read file: {error.strerror or error}"))
                continue
            # The seeds folder resolved once, not each file: a symbolic link is keyed by its own
            # name, and by the size, time and inode of what it points to, which stat() follows.
            key = cache_key(str(root / path.name), status.st_size, status.st_mtime_ns, status.st_ino, config)
            found = cache.get("article", key)
            if found is None:
                self.missing.append((len(self.outcomes), key))
            self.outcomes.append(pickle.loads(found) if found is not None else None)  # only this program writes it
        # All of them in flight, not a few chunks per worker: the workers read on while this
        # process is busy importing, and ten thousand pickled articles are about 60 MB.
        jobs = [functools.partial(_read_pickled, paths[number], config) for number, _ in self.missing]
        self.made = run_each(jobs, window=len(jobs))

    def finish(self) -> SeedReading:
        for (number, key), result in zip(self.missing, self.made, strict=True):
            if isinstance(result, bytes):
                self.cache.put("article", key, result)
                self.outcomes[number] = pickle.loads(result)
            else:
                self.outcomes[number] = result
        articles: list[Article] = []
        rejected: list[ArticleError] = []
        seen: dict[str, Path] = {}
        read = [(path, outcome) for path, outcome in zip(self.paths, self.outcomes, strict=True) if outcome is not None]
        for path, outcome in read:
            try:
                if isinstance(outcome, ArticleError):
                    raise outcome
                if outcome.id in seen:
                    twin = display_path(seen[outcome.id])
                    raise ArticleError(path, 1, f"same name as {twin} in another Unicode form")
            except ArticleError as error:
                rejected.append(error)
                continue
            seen[outcome.id] = path
            articles.append(outcome)
        return SeedReading(tuple(_unique_slugs(articles)), tuple(rejected))


def _read_pickled(path: Path, config: Config) -> bytes | ArticleError:
    """A job for `run_each`: the article pickled (as the cache keeps it), or why it was rejected."""
    try:
        return pickle.dumps(read_article(path, config))
    except ArticleError as error:
        return error


def _check_file(path: Path, root: Path) -> None:
    if path.is_symlink() and not path.resolve().is_relative_to(root):
        raise ArticleError(path, 1, "symbolic link to a file outside the seeds folder; not followed")
    if not path.is_file():
        raise ArticleError(path, 1, "not a regular file")


def _unique_slugs(articles: Iterable[Article]) -> list[Article]:
    """Give articles whose names fold to the same slug a suffix from their own name."""
    articles = list(articles)
    counts: dict[str, int] = {}
    for article in articles:
        counts[article.slug] = counts.get(article.slug, 0) + 1
    return [
        replace(article, slug=f"{article.slug}-{hashlib.sha256(article.source.name.encode()).hexdigest()[:8]}")
        if counts[article.slug] > 1
        else article
        for article in articles
    ]


def read_article(path: Path, config: Config) -> Article:
    limit = config.max_article_bytes
    try:
        with path.open("rb") as handle:
            # Never more than the limit in memory, even if the file grows while it is read.
            data = handle.read(limit + 1)
    except OSError as error:
        raise ArticleError(path, 1, f"cannot read file: {error.strerror or error}") from None
    if len(data) > limit:
        raise ArticleError(
            path, 1, f"larger than max_article_bytes ({limit:,} bytes)", "split it, or raise max_article_bytes"
        )
    return parse_article(data, path, config)


def parse_article(data: bytes, path: Path, config: Config) -> Article:
    """Turn the bytes of one seed file into an `Article` (or raise `ArticleError`)."""
    text = _decode(data, path, config.input_encoding)
    raw_lines = _LINE_BREAK.split(text)
    if _UNWANTED.search(text) is None:  # the usual case: one scan of the text, not one per line
        lines = [(number, raw.strip()) for number, raw in enumerate(raw_lines, start=1)]
    else:
        lines = [(number, _clean(raw, path, number)) for number, raw in enumerate(raw_lines, start=1)]
    content = [(number, line) for number, line in lines if line]
    if not content:
        raise ArticleError(path, 1, "empty file", "line 1 must be a timestamp such as 2025-03-31 15:08:00")
    (stamp_line, stamp), *rest = content
    published = _parse_timestamp(stamp, path, stamp_line, config)
    if not rest:
        raise ArticleError(path, stamp_line + 1, "no title after the timestamp")
    (title_line, title), *body = rest
    if len(title.split()) > MAX_HEADING_WORDS and ends_sentence(title):
        raise ArticleError(
            path,
            title_line,
            "no title: the line after the timestamp reads as a paragraph",
            "put a short title on the line after the timestamp",
        )
    blocks = tuple(
        Block(BlockKind.HEADING if is_heading(line) else BlockKind.PARAGRAPH, line, number) for number, line in body
    )
    if not blocks:
        logger.warning("%s:%d: warning: article has a title but no text", display_path(path), title_line)
    language = detect_language(" ".join([title, *(block.text for block in blocks)]), config.language)
    characters, heading_characters = own_characters(title, blocks)
    return Article(
        id=article_id(path.stem, config.id_namespace),
        slug=slug_for(path.stem),
        title=title,
        published=published,
        updated=published,
        language=language,
        direction=config.direction if language == config.language else direction_of(language),
        blocks=blocks,
        source=path,
        characters=characters,
        heading_characters=heading_characters,
    )


def _decode(data: bytes, path: Path, encoding: str | None = None) -> str:
    """UTF-8 first; then the configured `input_encoding`, strictly, if there is one.

    Real text in a legacy encoding such as windows-1256 is practically never valid UTF-8, and
    UTF-8 read as windows-1256 gives mojibake without any error: so UTF-8 always gets the first
    try, and a byte the fallback encoding cannot map is an error, never a guess.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        if encoding is not None:
            return _decode_legacy(data, path, encoding)
        line = data.count(b"\n", 0, error.start) + 1
        hint = "save the file as UTF-8"
        if _looks_like_windows_1256(data):
            hint = "it looks like windows-1256 (Arabic Windows); save it as UTF-8, or set input_encoding"
        raise ArticleError(
            path, line, f"not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})", hint
        ) from None
    return text.removeprefix("\ufeff")


def _decode_legacy(data: bytes, path: Path, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        reason = f"neither UTF-8 nor {encoding} (byte 0x{data[error.start]:02x} at offset {error.start})"
        raise ArticleError(path, line, reason) from None


def _looks_like_windows_1256(data: bytes) -> bool:
    decoded = data.decode("cp1256", errors="replace")
    letters = [char for char in decoded if char.isalpha()]
    return bool(letters) and sum("\u0600" <= char <= "\u06ff" for char in letters) * 2 > len(letters)


def _clean(line: str, path: Path, number: int) -> str:
    removed = _UNWANTED.findall(line)
    if removed:
        names = ", ".join(sorted({f"U+{ord(char):04X}" for char in removed}))
        logger.warning(
            "%s:%d: warning: removed %d control character%s (%s)",
            display_path(path),
            number,
            len(removed),
            "" if len(removed) == 1 else "s",
            names,
        )
        line = _UNWANTED.sub("", line)
    return line.strip()


def _parse_timestamp(text: str, path: Path, line: int, config: Config) -> datetime:
    hint = "line 1 must be the publication time, e.g. 2025-03-31 15:08:00 or 2025-03-31T15:08:00+03:00"
    match = _TIMESTAMP.fullmatch(text.translate(_DIGITS))
    if match is None:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ArticleError(path, line, f"expected a timestamp YYYY-MM-DD HH:MM:SS, found '{shown}'", hint)
    zone = match["zone"]
    try:
        moment = datetime.fromisoformat(f"{match['date']}T{match['time']}{'+00:00' if zone == 'Z' else zone or ''}")
    except ValueError as error:
        raise ArticleError(path, line, f"impossible date or time '{text}': {error}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=config.zone)
