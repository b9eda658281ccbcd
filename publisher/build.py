"""One build: read the seeds, render every article, package feeds, books and site, hand them to the writer."""

from __future__ import annotations

import contextlib
import contextvars
import fnmatch
import functools
import gc
import logging
import os
import pickle
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from .article import Article
from .cache import DiskCache, cache_key
from .config import Config
from .cover import render_thumbnail
from .epub import CHAPTER_LIMIT, BookOutput, book_facts, build_epub
from .errors import ArticleError, ConfigError
from .feeds import ARCHIVE_FOLDER, ATOM_NAME, RSS_NAME, build_feeds, newest_first
from .fonts import FONT_FOLDER, LICENCE_NAME, embedded_fonts, font_face_rules, licence_text
from .jsonfeed import JSON_FEED_NAME, JSON_FEED_TYPE, build_json_feed
from .l10n import localizer
from .manifest import Ledger, Recorded, manifest_path, record, unchanged_since_last_build
from .opds import EPUB_TYPE, OPDS_NAME, OPDS_TYPE, CatalogBook, build_catalog
from .reader import SEED_SUFFIX, read_seeds
from .render import CHAPTER_FOLDER, STYLESHEET_NAME, render_chapter, render_chapter_parts
from .site import (
    PAGE_SUFFIX,
    SITEMAP_NAME,
    Link,
    SiteLinks,
    index_chunks,
    index_name,
    page_name,
    render_article_page,
    render_index_page,
    render_sitemap,
)
from .state import build_clock, dump_state, load_state, reconcile
from .volumes import EPUB_SUFFIX, BookPlan, plan_books
from .websub import notify_hub
from .writer import LEGACY_LOCK_NAME, Staging, locked, write_atomically

logger = logging.getLogger(__name__)

COVER_FOLDER = "covers"
FEED_NAMES = (ATOM_NAME, RSS_NAME, JSON_FEED_NAME)


@dataclass(frozen=True, slots=True)
class BuildResult:
    published: int
    rejected: tuple[ArticleError, ...]
    outputs: tuple[Path, ...]
    """Every file this build produced, changed or not (nothing when no article could be read)."""
    changed: tuple[Path, ...]
    """The files whose bytes this build actually replaced or removed."""


def stylesheet() -> bytes:
    return resources.files("publisher").joinpath("data", STYLESHEET_NAME).read_bytes()


def check(seeds: Path, config: Config) -> tuple[int, tuple[ArticleError, ...]]:
    """Read and validate every article without writing anything: (readable count, rejections)."""
    reading = read_seeds(seeds, config)
    if not reading.articles and not reading.rejected:
        raise ConfigError(f"no articles (*{SEED_SUFFIX} files) to publish", seeds)
    return len(reading.articles), reading.rejected


def build(
    seeds: Path,
    output: Path,
    config: Config,
    *,
    state_path: Path | None = None,
    clock: Callable[[], datetime] = build_clock,
    wait: float = 60.0,
    cache: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """Publish every readable article in `seeds` to `output`.

    Rejected articles are reported in the result and leave the others untouched; when none
    can be read, the previous outputs stay as they are. With a `state_path`, ids and `updated`
    times are remembered there across builds (see `state`); `clock` is read only for an edit.
    Builds on the same output folder run one at a time: a second one waits up to `wait` seconds.
    A `cache` folder keeps what is slow to make (see `cache`) and the last build's fingerprint,
    so that a rebuild with nothing changed does nothing. `progress` is told the name of each
    stage as it starts (the command line draws a progress bar with it).
    """
    token = _progress.set(progress)
    try:
        return _build_locked(seeds, output, config, state_path, clock, wait, cache)
    finally:
        _progress.reset(token)


def _build_locked(  # noqa: PLR0917  # build()'s keyword-only arguments, passed on
    seeds: Path,
    output: Path,
    config: Config,
    state_path: Path | None,
    clock: Callable[[], datetime],
    wait: float,
    cache: Path | None,
) -> BuildResult:
    with locked(output, wait):
        manifest = manifest_path(cache, seeds, output) if cache is not None and seeds.is_dir() else None
        if manifest is not None:
            previous = unchanged_since_last_build(manifest, seeds, output, config, state_path)
            if previous is not None:
                logger.info("nothing changed since the last build of %s", output)
                rejected = tuple(
                    ArticleError(Path(path), line, reason, hint) for path, line, reason, hint in previous.rejected
                )
                return BuildResult(previous.published, rejected, tuple(output / n for n in previous.outputs), ())
        ledger = Ledger(output, manifest)
        with DiskCache(cache) as store:
            result = _build(seeds, output, config, state_path, clock, store, ledger)
        if manifest is not None and result.outputs:
            rejected_rows = [(str(e.path), e.line, e.reason, e.hint) for e in result.rejected]
            names = [path.relative_to(output).as_posix() for path in result.outputs]
            recorded = Recorded(result.published, rejected_rows, names)
            write_atomically(manifest, record(seeds, output, config, state_path, recorded, keys=ledger.keys))
        return result


def _build(  # noqa: PLR0917  # the private half of build(), whose arguments are keyword-only
    seeds: Path,
    output: Path,
    config: Config,
    state_path: Path | None,
    clock: Callable[[], datetime],
    cache: DiskCache,
    ledger: Ledger,
) -> BuildResult:
    with timed("read the seeds"):
        reading = read_seeds(seeds, config, cache)
    if not reading.articles and not reading.rejected:
        raise ConfigError(f"no articles (*{SEED_SUFFIX} files) to publish", seeds)
    if not reading.articles:
        logger.warning("no article could be read; the previous outputs are left as they were")
        return BuildResult(0, reading.rejected, (), ())

    previous = load_state(state_path) if state_path is not None else {}
    unreadable = [error.path for error in reading.rejected]
    articles, state = reconcile(reading.articles, unreadable, previous, config, clock)
    with Staging(output) as staging:
        _render_everything(articles, config, cache, Outputs(staging, cache, ledger))
        with timed("write"):
            changed = staging.commit(prune=_stale_files(output, staging.names))
    if state_path is not None and write_atomically(state_path, dump_state(state)):
        logger.info("remembered %d articles in %s", len(state), state_path)
    logger.info("published %d articles to %s", len(articles), output)
    changed_feeds = [config.base_url + name for name in FEED_NAMES if output / name in changed]
    if config.websub_hub and changed_feeds:
        notify_hub(config.websub_hub, changed_feeds)
    return BuildResult(
        published=len(articles),
        rejected=reading.rejected,
        outputs=tuple(output / name for name in sorted(staging.names)),
        changed=tuple(changed),
    )


@dataclass(frozen=True, slots=True)
class Outputs:
    """Where the build hands what it makes: to the staging area, at once, keeping none of it."""

    staging: Staging
    cache: DiskCache
    ledger: Ledger

    def __call__(self, name: str, data: bytes) -> None:
        self.staging.add(name, data)

    def make(self, kind: str, jobs: Sequence[tuple[str, bytes, Callable[[], bytes]]]) -> None:
        """Each (output name, cache key, maker): skipped when the file already holds what that key
        made last time, else taken from the cache or made (the missing ones on every core)."""
        needed = []
        for name, key, make in jobs:
            if self.ledger.unchanged(name, self.cache.fingerprint(kind, key).hex()):
                self.staging.keep(name)
            else:
                needed.append((name, key, make))
        made = self.cache.get_or_make_each(kind, [(key, make) for _, key, make in needed])
        for (name, _, _), data in zip(needed, made, strict=True):
            self.staging.add(name, data)


def _render_everything(articles: Sequence[Article], config: Config, cache: DiskCache, emit: Outputs) -> None:
    """Make every output and hand each to `emit` as soon as it is made."""
    css = stylesheet()
    with timed("feeds and archives"):
        feeds = build_feeds(articles, config)
        emit(ATOM_NAME, feeds.atom)
        emit(RSS_NAME, feeds.rss)
        emit.make("archive", feeds.archives)
        emit(JSON_FEED_NAME, build_json_feed(articles, config))
    plans = plan_books(articles, config)
    with timed("web pages"):
        _web_pages(articles, config, _site_links(plans, config), emit)
    books = _books(plans, css, config, cache)
    with timed("books"):
        made = []
        for plan, pickled in zip(plans, books, strict=True):
            book: BookOutput = pickle.loads(pickled)  # only ever written by this program, into its own cache
            made.append((plan, book))
            emit(plan.file_name, book.data)
            emit(_cover_name(plan), book.cover)
            emit(_cover_name(plan, thumbnail=True), render_thumbnail(book.cover, cache))
            for font in book.fonts:
                logger.info(
                    "%s: %s subset to %d of %d bytes", plan.file_name, font.name, len(font.data), font.original_size
                )
    emit(OPDS_NAME, build_catalog([_catalog_entry(plan, book, config) for plan, book in made], config))
    # Every article is in some book, so the books' characters cover the pages; with the collection
    # among the books the site's subset is the collection's, which is already made.
    if config.embed_font:
        text = frozenset().union(*(book.characters for _, book in made))
        bold = frozenset().union(*(book.bold_characters for _, book in made))
        web_fonts = embedded_fonts(text, bold, cache)
        emit(STYLESHEET_NAME, font_face_rules(web_fonts).encode() + b"\n" + css)
        for font in web_fonts:
            emit(font.name, font.data)
        emit(LICENCE_NAME, licence_text())
    else:
        emit(STYLESHEET_NAME, css)


def _books(plans: Sequence[BookPlan], css: bytes, config: Config, cache: DiskCache) -> Iterator[bytes]:
    """Each book pickled, in order, as it is taken: from the cache, or made here, one at a time.

    A book is kept whole: most rebuilds change one volume, never the others. Its chapters come
    from the cache, filled first on every core. The books themselves are made here, one at a
    time. Side by side in workers, three volumes of 3,300 articles took 1.5-2.3 s less (of 16-18
    s), but all the processes together needed 860-920 MB instead of 430 (measured); and a worker
    cannot use the cache (SQLite connections must not cross a fork), so the fonts and covers it
    made were lost to the next build.
    """

    def chapter_parts(article: Article) -> list[bytes]:
        key = cache_key(article, config)
        whole = cache.get_or_make("chapter", key, functools.partial(render_chapter, article, config))
        return render_chapter_parts(article, config, CHAPTER_LIMIT, whole=whole)

    jobs = [
        (
            cache_key(plan.file_name, plan.identifier, plan.part, plan.position, plan.articles, config, css),
            functools.partial(_pickled_book, plan, chapter_parts, css, config, cache),
        )
        for plan in plans
    ]
    with timed("render the chapters"):
        to_make = {
            article.id: article
            for plan, (key, _) in zip(plans, jobs, strict=True)
            if not cache.has("book", key)
            for article in plan.articles
        }
        chapter_jobs = [(cache_key(a, config), functools.partial(render_chapter, a, config)) for a in to_make.values()]
        cache.fill("chapter", chapter_jobs)
    return cache.get_or_make_each("book", jobs, minimum=len(jobs) + 1)


def _web_pages(articles: Sequence[Article], config: Config, links: SiteLinks, emit: Outputs) -> None:
    pages = [
        (
            page_name(article),
            cache_key(article, config, links),
            functools.partial(render_article_page, article, config, links),
        )
        for article in articles
    ]
    emit.make("page", pages)
    # Front pages shift as articles arrive, but an edit changes only the page listing it.
    chunks = index_chunks(newest_first(articles), config)
    fronts = [
        (
            index_name(number),
            cache_key(chunk, number, len(chunks), config, links),
            functools.partial(render_index_page, chunk, number, len(chunks), config, links),
        )
        for number, chunk in enumerate(chunks, start=1)
    ]
    emit.make("index", fronts)
    emit(SITEMAP_NAME, render_sitemap(newest_first(articles), [name for name, _, _ in fronts], config))


_progress: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar("progress", default=None)


def _pickled_book(  # the arguments of build_epub, for functools.partial
    plan: BookPlan, chapter_parts: Callable[[Article], list[bytes]], css: bytes, config: Config, cache: DiskCache
) -> bytes:
    pickled = pickle.dumps(build_epub(plan, chapter_parts, css, config, cache))
    # EbookLib's book and items refer to each other: without a collection now, each volume's
    # chapters stayed in memory until the end of the build (+50 MB per volume, measured).
    gc.collect()
    return pickled


@contextlib.contextmanager
def timed(stage: str) -> Iterator[None]:
    """Report the stage to the progress display, and log how long it took (shown with -v)."""
    report = _progress.get()
    if report is not None:
        report(stage)
    started = time.perf_counter()
    yield
    logger.info("%s: %.2f s", stage, time.perf_counter() - started)


def _cover_name(plan: BookPlan, *, thumbnail: bool = False) -> str:
    stem = plan.file_name.removesuffix(EPUB_SUFFIX)
    return f"{COVER_FOLDER}/{stem}{'-thumbnail' if thumbnail else ''}.png"


def _catalog_entry(plan: BookPlan, book: BookOutput, config: Config) -> CatalogBook:
    facts = book_facts(plan, config)
    newest = max(plan.articles, key=lambda article: article.updated)
    return CatalogBook(
        identifier=plan.identifier,
        title=facts.title,
        href=plan.file_name,
        cover=_cover_name(plan),
        thumbnail=_cover_name(plan, thumbnail=True),
        summary=localizer(config.language, config.digits).text(
            "description", range=facts.date_range, articles=facts.count
        ),
        issued=plan.articles[0].published,
        updated=newest.updated,
        updated_source=newest.source,
        size=len(book.data),
    )


def _site_links(plans: Sequence[BookPlan], config: Config) -> SiteLinks:
    words = localizer(config.language, config.digits)
    feeds = (
        Link(ATOM_NAME, "Atom", "application/atom+xml"),
        Link(RSS_NAME, "RSS", "application/rss+xml"),
        Link(JSON_FEED_NAME, "JSON Feed", JSON_FEED_TYPE),
    )
    book_links = tuple(Link(plan.file_name, book_facts(plan, config).title, EPUB_TYPE) for plan in plans)
    return SiteLinks(
        feeds=feeds,
        books=book_links,
        catalog=Link(OPDS_NAME, words.text("catalog"), OPDS_TYPE),
        preview_image=_cover_name(plans[0]),
    )


def _stale_files(output: Path, names: Collection[str]) -> list[str]:
    """Earlier outputs this build no longer makes (a deleted article's page, a merged volume...)."""
    patterns = [
        ("", f"*{EPUB_SUFFIX}"),
        ("", f"index-*{PAGE_SUFFIX}"),
        (CHAPTER_FOLDER, f"*{PAGE_SUFFIX}"),
        (FONT_FOLDER, "*"),
        (ARCHIVE_FOLDER, "*"),
        (COVER_FOLDER, "*"),
        ("", LEGACY_LOCK_NAME),  # the lock now lives beside the folder: one left inside would be deployed
    ]
    found = []
    for folder, pattern in patterns:
        try:  # scandir, not glob: the kind of each entry comes with the listing, not a stat each
            with os.scandir(output / folder) as listing:
                entries = [entry for entry in listing if entry.is_file() and fnmatch.fnmatchcase(entry.name, pattern)]
        except OSError:
            continue
        found += [f"{folder}/{entry.name}" if folder else entry.name for entry in entries]
    return sorted(name for name in found if name not in names)
