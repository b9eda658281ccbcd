"""The pipeline of one build: read the seeds, render every article, package feeds, books and site for the writer."""

from __future__ import annotations

import fnmatch
import functools
import logging
import os
import pickle
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

from . import parallel
from .article import Article
from .books import Books, pickled
from .build import BuildResult
from .cache import DiskCache, cache_key
from .config import Config
from .drawn import Drawn, Rendered, drawn_in
from .epub import BookOutput
from .errors import ConfigError
from .feeds import ARCHIVE_FOLDER, ATOM_NAME, FEED_FORMATS, RSS_NAME, build_feeds, newest_first
from .fonts import FONT_FOLDER, LICENCE_NAME, embedded_fonts, font_face_rules, licence_text
from .jsonfeed import JSON_FEED_NAME, build_json_feed
from .l10n import localizer
from .manifest import Ledger
from .opds import EDITIONS_FEED_NAME, build_catalog, build_editions_feed
from .progress import timed
from .reader import SEED_SUFFIX, PendingReading
from .render import CHAPTER_FOLDER, STYLESHEET_NAME
from .shelf import (
    COVER_FOLDER,
    announced_editions,
    catalog_entry,
    cover_name,
    latest_edition,
    shelf_links,
    shelves,
    site_links,
)
from .site import (
    BOOKS_PAGE_NAME,
    PAGE_SUFFIX,
    SITEMAP_NAME,
    index_chunks,
    index_name,
    page_name,
    render_article_page,
    render_books_page,
    render_index_page,
    render_sitemap,
)
from .state import dump_state, load_state, reconcile
from .volumes import EDITION_FOLDER, EPUB_SUFFIX, BookPlan, plan_books
from .writer import LEGACY_LOCK_NAME, Staging, write_atomically

logger = logging.getLogger(__name__)

FEED_NAMES = (ATOM_NAME, RSS_NAME, JSON_FEED_NAME)


def stylesheet() -> bytes:
    return resources.files("publisher").joinpath("data", STYLESHEET_NAME).read_bytes()


def run(  # noqa: PLR0917  # the private half of build(), whose arguments are keyword-only
    seeds: Path,
    pending: PendingReading,
    output: Path,
    config: Config,
    state_path: Path | None,
    clock: Callable[[], datetime],
    cache: DiskCache,
    ledger: Ledger,
) -> BuildResult:
    with timed("read the seeds"):
        reading = pending.finish()
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
        from .websub import notify_hub  # noqa: PLC0415  # urllib's HTTP and TLS stack, only for a hub

        notify_hub(config.websub_hub, changed_feeds)
    return BuildResult(
        published=len(articles),
        rejected=reading.rejected,
        outputs=tuple(output / name for name in sorted(staging.names)),
        changed=tuple(changed),
    )


@dataclass(slots=True)
class PageCharacters:
    """What the site's pages draw, gathered as they are made, for the web font's two subsets.

    Each page's characters are found where it is rendered (on every core) and kept in the cache
    under the page's own key, so that a page the build skips (its file is already right) need
    not be read to know them.
    """

    cache: DiskCache
    output: Path
    drawn: Drawn = field(default_factory=Drawn)

    def made(self, fingerprint: bytes, drawn: bytes) -> None:
        self.cache.put("page-characters", fingerprint, drawn)
        self.drawn |= Drawn.decode(drawn)

    def kept(self, name: str, fingerprint: bytes) -> None:
        found = self.cache.get("page-characters", fingerprint)
        if found is None:  # gone from the cache; the file is what that key made, so it can tell
            found = drawn_in((self.output / name).read_bytes(), html=True).encode()
            self.cache.put("page-characters", fingerprint, found)
        self.drawn |= Drawn.decode(found)


@dataclass(frozen=True, slots=True)
class Outputs:
    """Where the build hands what it makes: to the staging area, at once, keeping none of it."""

    staging: Staging
    cache: DiskCache
    ledger: Ledger

    def __call__(self, name: str, data: bytes) -> None:
        self.staging.add(name, data)

    def make(
        self,
        kind: str,
        jobs: Sequence[tuple[str, bytes, Callable[[], bytes]]],
        minimum: int = parallel.MIN_JOBS,
        together: int = 1,
    ) -> None:
        """Each (output name, cache key, maker): skipped when the file already holds what that key
        made last time, else taken from the cache or made (on every core from `minimum` missing
        ones; see `parallel.run_each` for `together`)."""
        needed = [
            (name, key, make) for name, key, make in jobs if not self._kept(name, self.cache.fingerprint(kind, key))
        ]
        made = self.cache.get_or_make_each(kind, [(key, make) for _, key, make in needed], minimum, together)
        for (name, _, _), data in zip(needed, made, strict=True):
            self.staging.add(name, data)

    def make_pages(
        self, kind: str, jobs: Sequence[tuple[str, bytes, Callable[[], Rendered]]], characters: PageCharacters
    ) -> None:
        """`make` for web pages: `characters` is told what each page draws, kept or made."""
        needed: list[tuple[str, bytes, bytes, Callable[[], bytes]]] = []
        for name, key, make in jobs:
            fingerprint = self.cache.fingerprint(kind, key)
            if self._kept(name, fingerprint):
                characters.kept(name, fingerprint)
            else:
                needed.append((name, key, fingerprint, functools.partial(pickled, make)))
        made = self.cache.get_or_make_each(kind, [(key, make) for _, key, _, make in needed], PAGE_JOBS)
        for (name, _, fingerprint, _), data in zip(needed, made, strict=True):
            page, drawn = pickle.loads(data)  # only ever written by this program, into its own cache
            self.staging.add(name, page)
            characters.made(fingerprint, drawn)

    def _kept(self, name: str, fingerprint: bytes) -> bool:
        """Whether `name` is already what `fingerprint` made last time; if so it is kept as it is."""
        if self.ledger.unchanged(name, fingerprint.hex()):
            self.staging.keep(name)
            return True
        return False


def _render_everything(articles: Sequence[Article], config: Config, cache: DiskCache, emit: Outputs) -> None:
    """Make every output and hand each to `emit` as soon as it is made."""
    css = stylesheet()
    plans = plan_books(articles, config)
    books = Books(plans, css, config, cache)  # the small ones start on the workers at once
    with timed("feeds and archives"):
        feeds = build_feeds(articles, config)
        emit(ATOM_NAME, feeds.atom)
        emit(RSS_NAME, feeds.rss)
        # An archive document takes about 10 ms: a few are worth the workers. Both formats of a
        # page go to the same worker, which makes each entry's HTML once for the two.
        emit.make("archive", feeds.archives, minimum=ARCHIVE_JOBS, together=len(FEED_FORMATS))
        emit(JSON_FEED_NAME, build_json_feed(articles, config))
    pages = PageCharacters(cache, emit.staging.output)
    with timed("web pages"):
        _web_pages(articles, plans, config, emit, pages)
    sizes: dict[str, int] = {}
    with timed("books"):
        for number, pickled in books.taken():
            book: BookOutput = pickle.loads(pickled)  # only ever written by this program, into its own cache
            plan = plans[number]
            sizes[plan.file_name] = len(book.data)
            emit(plan.file_name, book.data)
            emit(cover_name(plan), book.cover)
            emit(cover_name(plan, thumbnail=True), book.thumbnail)
            for font in book.fonts:
                logger.info(
                    "%s: %s subset to %d of %d bytes", plan.file_name, font.name, len(font.data), font.original_size
                )
    for name, document in build_catalog(shelves(plans, sizes, config), config).items():
        emit(name, document)
    editions = announced_editions(plans, config)
    if editions:
        entries = [catalog_entry(plan, sizes[plan.file_name], config) for plan in editions]
        title = f"{config.title} – {localizer(config.language, config.digits).text('editions')}"
        emit(EDITIONS_FEED_NAME, build_editions_feed(entries, title, config))
    # The site's font is cut to what its pages draw: they show words no book has (the feeds'
    # names, the pager), and the books show words no page has.
    if config.embed_font:
        web_fonts = embedded_fonts(pages.drawn, cache)
        emit(STYLESHEET_NAME, font_face_rules(web_fonts).encode() + b"\n" + css)
        for font in web_fonts:
            emit(font.name, font.data)
        emit(LICENCE_NAME, licence_text())
    else:
        emit(STYLESHEET_NAME, css)


ARCHIVE_JOBS = 8
"""Archive documents are made on every core from this many (four pages of the archive)."""

PAGE_JOBS = 200
"""Pages are rendered on every core from this many. A page takes about a millisecond; with the
books on both cores already, 100 pages took 50 ms longer on workers of their own (measured)."""


def _web_pages(
    articles: Sequence[Article], plans: Sequence[BookPlan], config: Config, emit: Outputs, characters: PageCharacters
) -> None:
    links = site_links(plans, config)
    pages = [
        (
            page_name(article),
            cache_key(article, config, links),
            functools.partial(render_article_page, article, config, links),
        )
        for article in articles
    ]
    emit.make_pages("page", pages, characters)
    # Front pages shift as articles arrive, but an edit changes only the page listing it.
    chunks = index_chunks(newest_first(articles), config)
    latest = latest_edition(plans, config)
    fronts = [
        (
            index_name(number),
            cache_key(chunk, number, len(chunks), config, links, latest if number == 1 else None),
            functools.partial(render_index_page, chunk, number, len(chunks), config, links, latest),
        )
        for number, chunk in enumerate(chunks, start=1)
    ]
    emit.make_pages("index", fronts, characters)
    shelf = shelf_links(plans, config)
    books_page = (
        BOOKS_PAGE_NAME,
        cache_key(shelf, config, links),
        functools.partial(render_books_page, shelf, config, links),
    )
    emit.make_pages("books-page", [books_page], characters)
    listed = [name for name, _, _ in fronts] + [BOOKS_PAGE_NAME]
    emit(SITEMAP_NAME, render_sitemap(newest_first(articles), listed, config))


def _stale_files(output: Path, names: Collection[str]) -> list[str]:
    """Earlier outputs this build no longer makes (a deleted article's page, a merged volume...)."""
    patterns = [
        ("", f"*{EPUB_SUFFIX}"),
        (EDITION_FOLDER, f"*{EPUB_SUFFIX}"),
        ("", "opds-*.xml"),
        ("", EDITIONS_FEED_NAME),
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
