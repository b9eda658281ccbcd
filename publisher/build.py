"""One build: read the seeds, render every article, package feeds and books, hand them to the writer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .article import Article
from .config import Config
from .epub import CHAPTER_LIMIT, build_epub
from .errors import ArticleError, ConfigError
from .feeds import ATOM_NAME, RSS_NAME, build_feeds
from .fonts import FONT_FOLDER, LICENCE_NAME, embedded_fonts, font_face_rules, licence_text
from .reader import SEED_SUFFIX, read_seeds
from .render import CHAPTER_FOLDER, STYLESHEET_NAME, render_chapter, render_chapter_parts
from .volumes import EPUB_SUFFIX, plan_books
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

    pages = {article.id: render_chapter(article, config) for article in reading.articles}

    def chapter_parts(article: Article) -> list[bytes]:
        return render_chapter_parts(article, config, CHAPTER_LIMIT, whole=pages[article.id])

    css = stylesheet()
    feeds = build_feeds(reading.articles, config)
    files = {ATOM_NAME: feeds.atom, RSS_NAME: feeds.rss}
    characters: set[str] = set()
    bold_characters: set[str] = set()
    for plan in plan_books(reading.articles, config):
        book = build_epub(plan, chapter_parts, css, config)
        files[plan.file_name] = book.data
        characters.update(book.text)
        bold_characters.update(book.bold_text)
        for font in book.fonts:
            logger.info(
                "%s: %s subset to %d of %d bytes", plan.file_name, font.name, len(font.data), font.original_size
            )
    # Every article is in some book, so the books' characters cover the pages; with the collection
    # among the books the site's subset is the collection's, which is already made.
    web_fonts = (
        embedded_fonts("".join(sorted(characters)), "".join(sorted(bold_characters))) if config.embed_font else ()
    )
    files[STYLESHEET_NAME] = font_face_rules(web_fonts).encode() + b"\n" + css if web_fonts else css
    for font in web_fonts:
        files[font.name] = font.data
    if web_fonts:
        files[LICENCE_NAME] = licence_text()
    for article in reading.articles:
        files[f"{CHAPTER_FOLDER}/{article.slug}{PAGE_SUFFIX}"] = pages[article.id]
    changed = write_outputs(output, files, prune=_stale_files(output, files))
    logger.info("published %d articles to %s", len(reading.articles), output)
    return BuildResult(
        published=len(reading.articles),
        rejected=reading.rejected,
        outputs=tuple(output / name for name in sorted(files)),
        changed=tuple(changed),
    )


def _stale_files(output: Path, files: dict[str, bytes]) -> list[str]:
    """Earlier outputs this build no longer makes (a deleted article's page, a merged volume)."""
    candidates = [
        *output.glob(f"{CHAPTER_FOLDER}/*{PAGE_SUFFIX}"),
        *output.glob(f"*{EPUB_SUFFIX}"),
        *output.glob(f"{FONT_FOLDER}/*"),
    ]
    names = (path.relative_to(output).as_posix() for path in candidates if path.is_file())
    return sorted(name for name in names if name not in files)
