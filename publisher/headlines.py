"""The titles a book's cover shows, and a cover that no title can stop.

The cover (`cover`) draws the newest titles with Pillow, raqm and FreeType, which refuse some
text outright: FreeType overflows its rasterizer on U+FDFD (﷽, the basmala as one glyph of
Amiri, 780 px wide at the cover's size: "raster overflow"), and Pillow refuses to draw a word of
300,000 letters (its mask would be a "decompression bomb"). So a title reaches the cover cut to
what two lines can show (the cover spells such glyphs out as the words they stand for); and should
the drawing still fail on some title, the cover is drawn without it, and the book is made.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from .article import Article
from .cache import NO_CACHE, DiskCache
from .cover import CoverText, render_cover_images
from .errors import display_path
from .render import abbreviated

logger = logging.getLogger(__name__)

HEADLINES = 6
"""How many of the newest titles a cover lists (fewer fit when they are long)."""
# Two lines of the cover's headline type hold well under this; what is cut would not be shown.
_HEADLINE_LIMIT = 200
# What Pillow raises for text it cannot lay out or draw (raqm_layout() failed, raster overflow...).
_DRAWING_ERRORS = (OSError, RuntimeError, ValueError)


def cover_articles(articles: Sequence[Article]) -> list[Article]:
    """The articles whose titles the cover lists: the newest first."""
    return sorted(articles, key=lambda article: (article.published, article.slug), reverse=True)[:HEADLINES]


def headline(title: str) -> str:
    """`title` cut to what two lines of the cover can show (the cover replaces what it cannot draw)."""
    return abbreviated(title, _HEADLINE_LIMIT)


def drawn_cover(
    text: CoverText, articles: Sequence[Article], book: str, cache: DiskCache = NO_CACHE
) -> tuple[bytes, bytes]:
    """The cover showing `text`, whose headlines are those of `articles`, and its thumbnail;
    without a headline that cannot be drawn (with a warning naming its file) rather than no book."""
    try:
        return render_cover_images(text, cache)
    except _DRAWING_ERRORS:
        pass  # which title it was is found below, one at a time
    kept = []
    for article, line in zip(articles, text.headlines, strict=True):
        try:
            render_cover_images(replace(text, headlines=[line]))
        except _DRAWING_ERRORS as error:
            logger.warning(
                "%s: warning: the cover of %s cannot show this title (%s); it is left off",
                display_path(article.source),
                book,
                error,
            )
        else:
            kept.append(line)
    return render_cover_images(replace(text, headlines=kept), cache)
