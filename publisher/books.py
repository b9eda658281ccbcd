"""The build's books: which are made in the build's process and which in its workers, and what those share."""

from __future__ import annotations

import functools
import gc
import pickle
from collections.abc import Callable, Iterator, Sequence

from . import parallel
from .article import Article
from .cache import DiskCache, cache_key
from .config import Config
from .drawn import Drawn, Rendered
from .epub import CHAPTER_LIMIT, ChapterParts, build_epub, chapter_links
from .progress import timed
from .render import ChapterLinks, render_chapter, render_chapter_parts
from .volumes import BookPlan


def pickled(make: Callable[[], Rendered]) -> bytes:
    """A page or chapter and what it draws, pickled together as the cache keeps them (made on every core)."""
    rendered = make()
    return pickle.dumps((rendered.data, rendered.drawn.encode()))


class Books:
    """The build's books, each pickled, taken from the cache or made.

    A book is kept whole: most rebuilds change one volume, never the others. Small books are made
    side by side in the workers, from the moment the plans are known, while this process makes
    the feeds, the pages and then the large books: a blog's seven year volumes each cost about as
    much as the next (a cover, two font cuts, the zip), whatever their size. A large book is made
    here, one at a time, from chapters filled in the cache first on every core: side by side in
    workers, three volumes of 3,300 articles took 1.5-2.3 s less (of 16-18 s) but all the
    processes together needed 860-920 MB instead of 430 (measured). A worker cannot use the cache
    (SQLite connections must not cross a fork): it renders the chapters it is not handed, and
    hands back with each book the chapters it rendered, which this process keeps.
    """

    def __init__(self, plans: Sequence[BookPlan], css: bytes, config: Config, cache: DiskCache) -> None:
        prefetched: dict[bytes, bytes] = {}

        def chapter_parts(
            article: Article,
            links: ChapterLinks,
            *,
            shared: bool = False,
            made: list[tuple[bytes, bytes]] | None = None,
        ) -> list[Rendered]:
            key = cache_key(article, links, config)
            whole = prefetched.get(key) or cache.get("chapter", key)
            if whole is None:
                whole = _chapter_maker(article, links, config)()
                cache.put("chapter", key, whole)
                if made is not None:  # a worker's: handed back with its book, for this process to keep
                    made.append((key, whole))
            if shared:  # a worker's: kept for its next book, which may hold the article too
                prefetched[key] = whole
            data, drawn = pickle.loads(whole)  # only ever written by this program, into its own cache
            whole_chapter = Rendered(data, Drawn.decode(drawn))
            return render_chapter_parts(article, config, CHAPTER_LIMIT, whole=whole_chapter, links=links)

        self.plans, self.config, self.cache = plans, config, cache
        keys = [
            cache_key(
                plan.file_name, plan.identifier, plan.part, plan.position, plan.period, plan.articles, config, css
            )
            for plan in plans
        ]
        self.jobs = [
            (key, functools.partial(_pickled_book, plan, chapter_parts, css, config, cache))
            for key, plan in zip(keys, plans, strict=True)
        ]
        self.missing = [number for number, key in enumerate(keys) if not cache.has("book", key)]
        aside = [number for number in self.missing if len(plans[number].articles) <= SIDE_BY_SIDE_ARTICLES]
        worth_it = len(aside) >= 2 or (len(aside) == 1 and len(plans[aside[0]].articles) >= ONE_BOOK_ASIDE_ARTICLES)
        self.aside = aside if worth_it and parallel.workers() >= 2 else []
        # The collection and its volumes hold the same articles: made in one worker, one after the
        # other, each chapter is rendered and deflated once for both, which pays once the books
        # are large (at 1,000 articles in four books, 15% less work and a build 13% faster; at
        # 100 in eight, 15% slower, the books then being what the build waits for; measured).
        together = len(self.aside) if _share_one_worker([plans[number] for number in self.aside]) else 1
        deflated: dict[bytes, bytes] = {}
        shared_parts = functools.partial(chapter_parts, shared=together > 1)
        aside_jobs = [
            functools.partial(_book_and_chapters, plans[number], shared_parts, css, config, cache, deflated)
            for number in self.aside
        ]
        # The chapters of the books made here, rendered on every core and kept first. The workers'
        # books render their own, but for those the cache has, handed over in memory by the fork
        # (a worker cannot read the cache): a chapter takes 0.2 ms, and the workers are done with
        # their books long before this process is with the pages, while rendering them first
        # kept this process waiting (0.27 s of a cold build of 1,000, measured).
        with timed("render the chapters"):
            made_here = [number for number in self.missing if number not in self.aside]
            to_make = {
                cache_key(article, links, config): (article, links)
                for number in made_here
                for article, links in _with_links(plans[number])
            }
            if len(to_make) >= CHAPTER_JOBS:
                cache.fill("chapter", [(key, _chapter_maker(*made, config)) for key, made in to_make.items()])
        for number in self.aside:
            for article, links in _with_links(plans[number]):
                key = cache_key(article, links, config)
                found = prefetched.get(key) or cache.get("chapter", key)
                if found is not None:
                    prefetched[key] = found
        self.made_aside = parallel.run_each(aside_jobs, minimum=1, together=together)
        prefetched.clear()  # the workers have their copies; should they not have started, the cache has them

    def taken(self) -> Iterator[tuple[int, bytes]]:
        """Each book with its number in the plans: those made here first, then the workers'."""
        for number, (key, make) in enumerate(self.jobs):
            if number not in self.aside:
                yield number, self.cache.get_or_make("book", key, make)
        for number, (pickled, chapters) in zip(self.aside, self.made_aside, strict=True):
            for key, chapter in chapters:
                self.cache.put("chapter", key, chapter)
            self.cache.put("book", self.jobs[number][0], pickled)
            yield number, pickled


CHAPTER_JOBS = 256
"""From this many chapters to make, they are rendered on every core and kept before the books
start; below it, each book renders its own (about 0.2 ms a chapter, less than the workers' start)."""

SIDE_BY_SIDE_ARTICLES = 1000
"""Books of at most this many articles are made in the workers when two or more are missing."""

ONE_BOOK_ASIDE_ARTICLES = 50
"""A single missing book of at least this many articles is made in a worker too, while this
process makes the feeds and the pages: at 100 articles a cold build 14% faster; at 1 and 10
articles starting the worker cost more than it saved (10% and 2% slower), at 30 even (measured)."""

SHARED_CHAPTERS_PER_BOOK = 100
"""A book's own cost (cover, font cuts, zip) is about that of rendering and deflating this many
chapters: the books made aside go to one worker when the collection among them has at least
this many articles for each of them."""


def _share_one_worker(books: Sequence[BookPlan]) -> bool:
    collections = [book for book in books if book.position is None]
    return bool(collections) and len(collections[0].articles) >= SHARED_CHAPTERS_PER_BOOK * len(books)


def _chapter_maker(article: Article, links: ChapterLinks, config: Config) -> Callable[[], bytes]:
    return functools.partial(pickled, functools.partial(render_chapter, article, config, links))


def _with_links(plan: BookPlan) -> Iterator[tuple[Article, ChapterLinks]]:
    return zip(plan.articles, chapter_links(plan.articles), strict=True)


def _book_and_chapters(  # noqa: PLR0917  # the arguments of build_epub, for functools.partial
    plan: BookPlan,
    chapter_parts: Callable[..., list[Rendered]],
    css: bytes,
    config: Config,
    cache: DiskCache,
    deflated: dict[bytes, bytes] | None = None,
) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """A book made in a worker, and the chapters the worker rendered for it (cache key, bytes).

    A worker cannot use the cache: without them, a book made there left none of its chapters in
    it, and a rebuild after one edit rendered every chapter of that book again (a one-book site of
    600 articles: 1.09 s instead of 0.76, review).
    """
    made: list[tuple[bytes, bytes]] = []
    parts = functools.partial(chapter_parts, made=made)
    return _pickled_book(plan, parts, css, config, cache, deflated), made


def _pickled_book(  # noqa: PLR0917  # the arguments of build_epub, for functools.partial
    plan: BookPlan,
    chapter_parts: ChapterParts,
    css: bytes,
    config: Config,
    cache: DiskCache,
    deflated: dict[bytes, bytes] | None = None,
) -> bytes:
    pickled = pickle.dumps(build_epub(plan, chapter_parts, css, config, cache, deflated))
    # EbookLib's book and items refer to each other: without a collection now, each volume's
    # chapters stayed in memory until the end of the build (+50 MB per volume, measured). A small
    # book leaves little behind, and a collection costs 20 ms or more with the archive in memory.
    if len(plan.articles) >= _COLLECT_AFTER:
        gc.collect()
    return pickled


_COLLECT_AFTER = 200
"""Books of at least this many articles are followed by a garbage collection."""
