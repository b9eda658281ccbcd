"""An OPDS 1.2 catalog of the books, so e-reader apps (KOReader, Thorium, Moon+ Reader,
Calibre-Web) can browse and download them from any static host.

It is an Atom acquisition feed whose entries are books, not articles. feedgen's entry links refuse
OPDS relations (`http://opds-spec.org/acquisition`...), so it is built with lxml directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree

from .config import Config
from .dates import in_utc, utc_stamp
from .feeds import ATOM_NAMESPACE
from .render import XML_LANG

OPDS_NAME = "opds.xml"
OPDS_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"
EPUB_TYPE = "application/epub+zip"
_A = f"{{{ATOM_NAMESPACE}}}"
_DC = "http://purl.org/dc/terms/"
_OPDS = "http://opds-spec.org/2010/catalog"


@dataclass(frozen=True, slots=True)
class CatalogBook:
    identifier: str
    title: str
    href: str
    """The EPUB, relative to the output folder."""
    cover: str
    thumbnail: str
    summary: str
    issued: datetime
    """The oldest article's date."""
    updated: datetime
    updated_source: Path
    """The seed file of the article last updated, named when its date cannot be written."""
    size: int


def build_catalog(books: Sequence[CatalogBook], config: Config) -> bytes:
    """The catalog document; links are relative, so it works wherever `output/` is served."""
    feed = etree.Element(f"{_A}feed", nsmap={None: ATOM_NAMESPACE, "dc": _DC, "opds": _OPDS})
    feed.set(XML_LANG, config.language)
    _text(feed, "id", f"urn:uuid:{uuid.uuid5(config.id_namespace, 'opds')}")
    _text(feed, "title", config.title)
    _text(feed, "updated", _atom_date(max(book.updated for book in books), None))  # its book's entry warns
    _text(etree.SubElement(feed, f"{_A}author"), "name", config.author)
    for rel in ("self", "start"):
        etree.SubElement(feed, f"{_A}link", rel=rel, href=OPDS_NAME, type=OPDS_TYPE)
    etree.SubElement(feed, f"{_A}link", rel="alternate", href="index.html", type="text/html")
    for book in books:
        entry = etree.SubElement(feed, f"{_A}entry")
        _text(entry, "title", book.title)
        _text(entry, "id", book.identifier)
        _text(entry, "updated", _atom_date(book.updated, book.updated_source))
        _text(etree.SubElement(entry, f"{_A}author"), "name", config.author)
        etree.SubElement(entry, f"{{{_DC}}}language").text = config.language
        etree.SubElement(entry, f"{{{_DC}}}issued").text = book.issued.date().isoformat()
        etree.SubElement(entry, f"{{{_DC}}}publisher").text = config.author
        _text(entry, "summary", book.summary).set("type", "text")
        etree.SubElement(entry, f"{_A}link", rel="http://opds-spec.org/image", href=book.cover, type="image/png")
        etree.SubElement(
            entry, f"{_A}link", rel="http://opds-spec.org/image/thumbnail", href=book.thumbnail, type="image/png"
        )
        acquisition = etree.SubElement(
            entry, f"{_A}link", rel="http://opds-spec.org/acquisition", href=book.href, type=EPUB_TYPE
        )
        acquisition.set("length", str(book.size))
    return etree.tostring(feed, encoding="utf-8", xml_declaration=True, pretty_print=True)


def _text(parent: etree._Element, name: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, f"{_A}{name}")
    element.text = text
    return element


def _atom_date(moment: datetime, source: Path | None) -> str:
    return utc_stamp(in_utc(moment, source, OPDS_NAME))
