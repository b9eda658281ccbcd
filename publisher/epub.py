"""EPUB 3 books, packaged with EbookLib, reproducible to the byte and accessible (EPUB Accessibility 1.1)."""

from __future__ import annotations

import functools
import io
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ebooklib import epub

from . import __version__
from .article import Article
from .bookpages import (
    COVER_IMAGE_NAME,
    COVER_PAGE_NAME,
    NAV_NAME,
    NCX_NAME,
    TITLE_PAGE_NAME,
    BookFacts,
    ContentsEntry,
    render_cover_page,
    render_nav,
    render_ncx,
    render_title_page,
)
from .cache import NO_CACHE, DiskCache
from .config import Config
from .cover import COVER_MEDIA_TYPE, CoverText
from .dates import clamped, in_utc, utc_stamp
from .drawn import Drawn, Rendered, drawn_in
from .editions import local_day
from .fonts import (
    FONT_FOLDER,
    FONT_MEDIA_TYPE,
    LICENCE_NAME,
    FontFile,
    embedded_fonts,
    font_face_rules,
    licence_text,
)
from .headlines import cover_articles, drawn_cover, headline
from .l10n import localizer
from .language import detect_language, direction_of
from .render import CHAPTER_FOLDER, STYLESHEET_NAME, XML_LANG, ChapterLinks
from .volumes import BookPlan

CHAPTER_LIMIT = 250_000
"""Bytes above which a chapter is split into several content documents."""
# The times a zip entry can carry: MS-DOS dates, years 1980 to 2107 in seven bits, in 2-second steps.
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)
_ZIP_END = datetime(2107, 12, 31, 23, 59, 58, tzinfo=UTC)

ChapterParts = Callable[[Article, ChapterLinks], list[Rendered]]
"""An article's chapter with its navigation bar, as one or more XHTML documents (more when it is
very long), with what each draws."""


@dataclass(frozen=True, slots=True)
class BookOutput:
    data: bytes
    fonts: tuple[FontFile, ...]
    """The embedded fonts, for the build's report of their size."""
    cover: bytes
    """The cover image (PNG), also published beside the book for catalogs and link previews."""
    thumbnail: bytes
    """A small copy of the cover, for catalogs."""


def chapter_name(article: Article, part: int = 1) -> str:
    suffix = "" if part == 1 else f"-{part}"
    return f"{CHAPTER_FOLDER}/{article.slug}{suffix}.xhtml"


def chapter_links(articles: Sequence[Article]) -> list[ChapterLinks]:
    """Each chapter's bar, in the book's reading order: only the chapters at a book's ends, or at
    a volume's within the collection, have other links in another book that holds them."""
    names = [chapter_name(article).removeprefix(f"{CHAPTER_FOLDER}/") for article in articles]
    return [
        ChapterLinks(
            previous=names[number - 1] if number else None, next=names[number + 1] if number + 1 < len(names) else None
        )
        for number in range(len(names))
    ]


def build_epub(  # noqa: PLR0917  # what a book is made of, and where it may share work
    plan: BookPlan,
    chapter_parts: ChapterParts,
    stylesheet: bytes,
    config: Config,
    cache: DiskCache = NO_CACHE,
    deflated: dict[bytes, bytes] | None = None,
) -> BookOutput:
    """The bytes of one book: its chapters, the pages around them, cover, font and metadata.

    With `deflated`, each chapter is deflated once for every book made with it: it maps a
    chapter's bytes to their deflated form, filled as the books are written.
    """
    words = localizer(config.language, config.digits)
    articles = plan.articles
    newest = max(articles, key=lambda article: article.updated)
    modified = in_utc(newest.updated, newest.source, f"the modification date of {plan.file_name}")
    facts = book_facts(plan, config)

    chapters, drawn = _chapters(articles, chapter_parts)
    by_day = plan.kind == "edition"
    entries = [
        ContentsEntry(
            article.title,
            chapter_name(article),
            article.language,
            article.direction,
            article.published,
            local_day(article, config) if by_day else None,
        )
        for article in articles
    ]
    pages = {
        COVER_PAGE_NAME: render_cover_page(facts, words, config),
        TITLE_PAGE_NAME: render_title_page(facts, config),
        NAV_NAME: render_nav(entries, words, config),
    }
    fonts: tuple[FontFile, ...] = ()
    if config.embed_font:
        for page in pages.values():
            drawn |= drawn_in(page)
        fonts = embedded_fonts(drawn, cache)
        stylesheet = font_face_rules(fonts).encode() + b"\n" + stylesheet

    book = epub.EpubBook()
    book.set_identifier(plan.identifier)
    book.set_title(facts.title)
    book.set_language(config.language)
    book.set_direction(config.direction)
    book.add_author(config.author)
    _add_metadata(book, plan, facts, modified, config)
    cover_image, thumbnail = _cover(plan, facts, config, cache)
    _add_resources(book, stylesheet, fonts, cover_image)

    cover_page = _page("cover", COVER_PAGE_NAME, pages[COVER_PAGE_NAME])
    title_page = _page("titlepage", TITLE_PAGE_NAME, pages[TITLE_PAGE_NAME])
    book.add_item(cover_page)
    book.add_item(title_page)
    items = []
    for number, (name, data) in enumerate(chapters, start=1):
        item = _page(f"chapter-{number}", name, data)
        book.add_item(item)
        items.append(item)
    nav = epub.EpubNav(uid="nav", file_name=NAV_NAME)
    book.add_item(nav)
    book.add_item(epub.EpubNcx(uid="ncx", file_name=NCX_NAME))
    book.spine = [cover_page, title_page, nav, *items]

    buffer = io.BytesIO()
    options = {"mtime": modified, "epub3_pages": False, "raise_exceptions": True, "package_direction": True}
    writer = _ReproducibleWriter(buffer, book, options)
    writer.nav_bytes = pages[NAV_NAME]
    writer.ncx_bytes = render_ncx(entries, facts, plan.identifier, words)
    writer.language = config.language
    writer.zip_time = clamped(modified, _ZIP_EPOCH, _ZIP_END, newest.source, f"the zip entries of {plan.file_name}")
    writer.deflated = deflated
    writer.fonts_embedded = bool(fonts)
    writer.process()
    writer.write()
    return BookOutput(buffer.getvalue(), fonts, cover_image, thumbnail)


def _chapters(articles: Sequence[Article], chapter_parts: ChapterParts) -> tuple[list[tuple[str, bytes]], Drawn]:
    """Each chapter document's name and bytes, and what they draw together."""
    chapters: list[tuple[str, bytes]] = []
    regular: set[str] = set()
    bold: set[str] = set()
    for article, links in zip(articles, chapter_links(articles), strict=True):
        parts = chapter_parts(article, links)
        chapters.extend((chapter_name(article, number), part.data) for number, part in enumerate(parts, start=1))
        for part in parts:
            regular |= part.drawn.regular
            bold |= part.drawn.bold
    return chapters, Drawn(frozenset(regular), frozenset(bold))


def _add_resources(book: epub.EpubBook, stylesheet: bytes, fonts: tuple[FontFile, ...], cover_image: bytes) -> None:
    book.add_item(epub.EpubItem(uid="style", file_name=STYLESHEET_NAME, media_type="text/css", content=stylesheet))
    for number, font in enumerate(fonts, start=1):
        book.add_item(
            epub.EpubItem(uid=f"font-{number}", file_name=font.name, media_type=FONT_MEDIA_TYPE, content=font.data)
        )
    if fonts:
        book.add_item(
            epub.EpubItem(uid="font-licence", file_name=LICENCE_NAME, media_type="text/plain", content=licence_text())
        )
    cover = epub.EpubCover(uid="cover-image", file_name=COVER_IMAGE_NAME)
    cover.media_type, cover.content = COVER_MEDIA_TYPE, cover_image
    book.add_item(cover)
    book.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})


def _page(uid: str, name: str, data: bytes) -> epub.EpubItem:
    # Plain items, not EpubHtml: EbookLib would rebuild their <html> element and drop `dir`.
    return epub.EpubItem(uid=uid, file_name=name, media_type="application/xhtml+xml", content=data)


def book_facts(plan: BookPlan, config: Config) -> BookFacts:
    words = localizer(config.language, config.digits)
    count = words.count("articles", len(plan.articles))
    part = plan.part
    if plan.period is not None:
        title = words.text("edition", title=config.title, period=plan.period)
        date_range = plan.period
        part = words.text(f"edition_{config.editions}")  # only "day" and "week" make editions
    else:
        title = config.title if plan.part is None else words.text("volume", title=config.title, part=plan.part)
        date_range = words.date_range(plan.articles[0].published, plan.articles[-1].published)
    return BookFacts(
        title=title,
        collection_title=config.title,
        subtitle=config.subtitle,
        part=part,
        date_range=date_range,
        count=count,
        imprint=config.author,
        cover_alt=words.text("cover_alt", title=title, range=date_range, articles=count),
    )


def _cover(plan: BookPlan, facts: BookFacts, config: Config, cache: DiskCache) -> tuple[bytes, bytes]:
    newest = cover_articles(plan.articles)
    subtitle = facts.part or config.subtitle
    text = CoverText(
        title=config.title,
        subtitle=subtitle,
        date_range=facts.date_range,
        count=facts.count,
        headlines=[(headline(article.title), article.language) for article in newest],
        imprint=config.author,
        language=config.language,
    )
    return drawn_cover(text, newest, plan.file_name, cache)


def _add_metadata(book: epub.EpubBook, plan: BookPlan, facts: BookFacts, modified: datetime, config: Config) -> None:
    words = localizer(config.language, config.digits)
    book.add_metadata("DC", "publisher", config.author)
    book.add_metadata("DC", "date", utc_stamp(modified))
    book.add_metadata("DC", "description", words.text("description", range=facts.date_range, articles=facts.count))
    if config.rights:
        book.add_metadata("DC", "rights", config.rights)
    book.set_unique_metadata("OPF", "generator", "", {"name": "generator", "content": f"publisher {__version__}"})
    # EPUB Accessibility 1.1: what the book offers and what it needs, for catalogues and readers.
    for name, value in (
        ("schema:accessMode", "textual"),
        ("schema:accessMode", "visual"),
        ("schema:accessModeSufficient", "textual"),
        ("schema:accessibilityFeature", "structuralNavigation"),
        ("schema:accessibilityFeature", "tableOfContents"),
        ("schema:accessibilityFeature", "readingOrder"),
        ("schema:accessibilityFeature", "alternativeText"),
        ("schema:accessibilityFeature", "displayTransformability"),
        ("schema:accessibilityHazard", "none"),
        ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"),
        ("a11y:certifiedBy", config.author),
    ):
        book.add_metadata(None, "meta", value, {"property": name})
    summary = {"property": "schema:accessibilitySummary"}
    if words.message_language != config.language:
        summary[XML_LANG] = words.message_language
    book.add_metadata(None, "meta", words.text("accessibility_summary"), summary)
    if plan.position is not None:
        book.add_metadata(None, "meta", config.title, {"property": "belongs-to-collection", "id": "collection"})
        book.add_metadata(None, "meta", "series", {"refines": "#collection", "property": "collection-type"})
        book.add_metadata(None, "meta", str(plan.position), {"refines": "#collection", "property": "group-position"})
        # calibre (and the Kobo and KOReader libraries fed by it) read their own series fields.
        book.add_metadata(None, "meta", "", {"name": "calibre:series", "content": config.title})
        book.add_metadata(None, "meta", "", {"name": "calibre:series_index", "content": str(plan.position)})


_WORDS = frozenset({"title", "creator", "contributor", "publisher", "description", "rights", "subject"})
_WORDS_PROPERTIES = frozenset({"schema:accessibilitySummary", "a11y:certifiedBy", "belongs-to-collection"})
"""The metadata written in words (the rest are identifiers, dates, codes and numbers)."""

APPLE_DISPLAY_OPTIONS_NAME = "META-INF/com.apple.ibooks.display-options.xml"
APPLE_DISPLAY_OPTIONS = b"""<?xml version="1.0" encoding="utf-8"?>
<display_options>
  <platform name="*">
    <option name="specified-fonts">true</option>
  </platform>
</display_options>
"""
"""Apple Books uses a book's embedded fonts only when told to: without this, never Amiri."""


class _ReproducibleZip(zipfile.ZipFile):
    """A zip whose entries carry a fixed time and mode, so the same book gives the same bytes."""

    def __init__(
        self, file: Any, date_time: tuple[int, int, int, int, int, int], deflated: dict[bytes, bytes] | None = None
    ) -> None:
        # Level 6 (zlib's default): level 9 took twice the time for under 1% smaller books.
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
        self.date_time = date_time
        self.deflated = deflated

    def writestr(  # type: ignore[override]
        self, name: str | zipfile.ZipInfo, data: str | bytes, compress_type: int | None = None, **_: Any
    ) -> None:
        info = zipfile.ZipInfo(name if isinstance(name, str) else name.filename, date_time=self.date_time)
        if compress_type is None:  # a PNG is deflated already: deflating it again costs time, saves nothing
            compress_type = zipfile.ZIP_STORED if info.filename.endswith(".png") else zipfile.ZIP_DEFLATED
        info.compress_type = compress_type
        info.external_attr = 0o644 << 16
        content = data.encode() if isinstance(data, str) else data
        if compress_type != zipfile.ZIP_DEFLATED:
            super().writestr(info, content)
            return
        if info.filename.startswith(_SHARED_FOLDER):
            deflated = _deflated(content)
        elif self.deflated is not None and info.filename.startswith(_CHAPTER_FOLDER):
            deflated = self.deflated.get(content) or self.deflated.setdefault(content, _deflate(content))
        else:
            super().writestr(info, content)
            return
        info.file_size = len(content)
        with self.open(info, "w") as member:
            # zipfile computes the sizes and the checksum from what is written, and takes the
            # compressed bytes from its compressor, here one that has them already. Should a
            # later zipfile name its compressor otherwise, this one goes unused: the same bytes.
            member._compressor = _Deflated(deflated)  # type: ignore[attr-defined]
            member.write(content)


_SHARED_FOLDER = f"EPUB/{FONT_FOLDER}/"
"""Members every book has, byte for byte (a blog's volumes draw the same characters): deflated once."""
_CHAPTER_FOLDER = f"EPUB/{CHAPTER_FOLDER}/"


def _deflate(data: bytes) -> bytes:
    """`data` deflated as zipfile deflates it (raw, at zlib's default level)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


# 15 ms for the two fonts of each book of a blog, whose cuts are the same in every volume (measured).
_deflated = functools.lru_cache(maxsize=8)(_deflate)


class _Deflated:
    """A compressor for zipfile that hands over bytes deflated before."""

    def __init__(self, deflated: bytes) -> None:
        self._deflated = deflated

    def compress(self, _: bytes) -> bytes:
        return b""

    def flush(self) -> bytes:
        return self._deflated


class _ReproducibleWriter(epub.EpubWriter):  # type: ignore[misc]  # EbookLib ships no type hints
    """EbookLib's writer with a fixed zip time, our own nav and NCX, and a language on `<package>`."""

    nav_bytes: bytes
    ncx_bytes: bytes
    language: str
    zip_time: datetime
    deflated: dict[bytes, bytes] | None
    fonts_embedded: bool

    def _get_nav(self, item: Any) -> bytes:
        return self.nav_bytes

    def _get_ncx(self) -> bytes:
        return self.ncx_bytes

    def _write_opf_metadata(self, root: Any) -> None:
        super()._write_opf_metadata(root)
        # EbookLib writes it with strftime("%Y"), which does not pad: year 999 came out as "999-…".
        for meta in root.iter("{*}meta", "meta"):
            if meta.get("property") == "dcterms:modified":
                meta.text = utc_stamp(self.options["mtime"])
        # A reading system shows these as text, and without `dir` Thorium set the Arabic
        # accessibility summary left to right (its issue 2491): `<package dir>` is not enough.
        # The direction is the text's own: an English site may keep the default Arabic title.
        for element in next(root.iter("{*}metadata")):
            if str(element.tag).rpartition("}")[2] in _WORDS or element.get("property") in _WORDS_PROPERTIES:
                language = element.get(XML_LANG) or detect_language(element.text or "", self.language)
                element.set("dir", direction_of(language))

    def _write_opf_file(self, root: Any) -> None:
        root.set(XML_LANG, self.language)
        super()._write_opf_file(root)

    def write(self) -> None:
        self.out = _ReproducibleZip(self.file_name, self.zip_time.timetuple()[:6], self.deflated)
        # mimetype must be the first zip member, stored uncompressed (OCF 3.3, 4.2.2).
        self.out.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        self._write_container()
        if self.fonts_embedded:
            self.out.writestr(APPLE_DISPLAY_OPTIONS_NAME, APPLE_DISPLAY_OPTIONS)
        self._write_opf()
        self._write_items()
        self.out.close()
