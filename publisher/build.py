"""One build: read the seeds, render every article, package feeds and book, hand them to the writer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .config import Config
from .epub import build_epub
from .errors import ArticleError, ConfigError
from .feeds import ATOM_NAME, RSS_NAME, build_feeds
from .reader import SEED_SUFFIX, read_seeds
from .render import CHAPTER_FOLDER, STYLESHEET_NAME, render_chapter
from .writer import write_outputs

logger = logging.getLogger(__name__)

PAGE_SUFFIX = ".html"


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


def build(seeds: Path, output: Path, config: Config) -> BuildResult:
    """Publish every readable article in `seeds` to `output`.

    Rejected articles are reported in the result and leave the others untouched; when none
    can be read, the previous outputs stay as they are.
    """
    reading = read_seeds(seeds, config)
    if not reading.articles and not reading.rejected:
        raise ConfigError(f"no articles (*{SEED_SUFFIX} files) to publish", seeds)
    if not reading.articles:
        logger.warning("no article could be read; the previous outputs are left as they were")
        return BuildResult(0, reading.rejected, (), ())

    chapters = {article.id: render_chapter(article) for article in reading.articles}
    css = stylesheet()
    feeds = build_feeds(reading.articles, config)
    files = {
        ATOM_NAME: feeds.atom,
        RSS_NAME: feeds.rss,
        f"{config.book_name}.epub": build_epub(reading.articles, chapters, css, config),
        STYLESHEET_NAME: css,
    }
    for article in reading.articles:
        files[f"{CHAPTER_FOLDER}/{article.slug}{PAGE_SUFFIX}"] = chapters[article.id]
    changed = write_outputs(output, files, prune=_stale_pages(output, files))
    logger.info("published %d articles to %s", len(reading.articles), output)
    return BuildResult(
        published=len(reading.articles),
        rejected=reading.rejected,
        outputs=tuple(output / name for name in sorted(files)),
        changed=tuple(changed),
    )


def _stale_pages(output: Path, files: dict[str, bytes]) -> list[str]:
    """Pages of articles that are gone from the seeds, so their links stop resolving to old text."""
    folder = output / CHAPTER_FOLDER
    if not folder.is_dir():
        return []
    return [
        f"{CHAPTER_FOLDER}/{page.name}"
        for page in folder.glob(f"*{PAGE_SUFFIX}")
        if f"{CHAPTER_FOLDER}/{page.name}" not in files
    ]
