"""The EPUB 3 collection, packaged with EbookLib, reproducible to the byte."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ebooklib import epub

from . import __version__
from .article import Article
from .config import Config
from .feeds import last_updated
from .render import CHAPTER_FOLDER, STYLESHEET_NAME

NAV_NAME = "nav.xhtml"
# The oldest time a zip entry can carry (MS-DOS dates start in 1980).
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)


def chronological(articles: Sequence[Article]) -> list[Article]:
    return sorted(articles, key=lambda article: (article.published, article.slug))


def chapter_name(article: Article) -> str:
    return f"{CHAPTER_FOLDER}/{article.slug}.xhtml"


def book_id(config: Config) -> str:
    return f"urn:uuid:{uuid.uuid5(config.id_namespace, 'book:' + config.book_name)}"


def build_epub(articles: Sequence[Article], chapters: dict[str, bytes], stylesheet: bytes, config: Config) -> bytes:
    """The book's bytes: `chapters` maps each article's id to its rendered XHTML.

    The chapters are added as plain items, not `EpubHtml`: EbookLib would rebuild their `<html>`
    element and drop `dir` and the stylesheet link. The nav and NCX templates are ours for the
    same reason: EbookLib puts `dir` only on the nav's `<body>` and no language on the NCX.
    """
    modified = last_updated(articles).astimezone(UTC)
    book = epub.EpubBook()
    book.set_identifier(book_id(config))
    book.set_title(config.title)
    book.set_language(config.language)
    book.set_direction(config.direction)
    book.add_author(config.author)
    book.add_metadata("DC", "publisher", config.author)
    book.add_metadata("DC", "date", modified.strftime("%Y-%m-%dT%H:%M:%SZ"))
    if config.rights:
        book.add_metadata("DC", "rights", config.rights)
    book.set_unique_metadata("OPF", "generator", "", {"name": "generator", "content": f"publisher {__version__}"})
    book.set_template("nav", _nav_template(config))
    book.set_template("ncx", _ncx_template(config))

    book.add_item(epub.EpubItem(uid="style", file_name=STYLESHEET_NAME, media_type="text/css", content=stylesheet))
    items = []
    for number, article in enumerate(chronological(articles), start=1):
        item = epub.EpubItem(
            uid=f"chapter-{number}",
            file_name=chapter_name(article),
            media_type="application/xhtml+xml",
            content=chapters[article.id],
        )
        book.add_item(item)
        book.toc.append(epub.Link(item.file_name, article.title, f"nav-{number}"))
        items.append(item)
    nav = epub.EpubNav(file_name=NAV_NAME, title=config.title, direction=config.direction)
    nav.add_link(href=STYLESHEET_NAME, rel="stylesheet", type="text/css")
    book.add_item(nav)
    book.add_item(epub.EpubNcx())
    book.spine = [nav, *items]

    buffer = io.BytesIO()
    writer = _ReproducibleWriter(buffer, book, {"mtime": modified, "epub3_pages": False, "raise_exceptions": True})
    writer.process()
    writer.write()
    return buffer.getvalue()


def _nav_template(config: Config) -> bytes:
    # EbookLib sets lang and xml:lang itself; dir must already be on the template's <html>.
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" '
        f'dir="{config.direction}"/>'
    ).encode()


def _ncx_template(config: Config) -> bytes:
    return (
        '<!DOCTYPE ncx PUBLIC "-//NISO//DTD ncx 2005-1//EN" "http://www.daisy.org/z3986/2005/ncx-2005-1.dtd">\n'
        f'<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1" xml:lang="{config.language}"/>'
    ).encode()


class _ReproducibleZip(zipfile.ZipFile):
    """A zip whose entries carry a fixed time and mode, so the same book gives the same bytes."""

    def __init__(self, file: Any, date_time: tuple[int, int, int, int, int, int]) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, compresslevel=9)
        self.date_time = date_time

    def writestr(  # type: ignore[override]
        self, name: str | zipfile.ZipInfo, data: str | bytes, compress_type: int | None = None, **_: Any
    ) -> None:
        info = zipfile.ZipInfo(name if isinstance(name, str) else name.filename, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED if compress_type is None else compress_type
        info.external_attr = 0o644 << 16
        super().writestr(info, data)


class _ReproducibleWriter(epub.EpubWriter):  # type: ignore[misc]  # EbookLib ships no type hints
    def write(self) -> None:
        modified: datetime = max(self.options["mtime"], _ZIP_EPOCH)
        self.out = _ReproducibleZip(self.file_name, modified.timetuple()[:6])
        # mimetype must be the first zip member, stored uncompressed (OCF 3.3, 4.2.2).
        self.out.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        self._write_container()
        self._write_opf()
        self._write_items()
        self.out.close()
