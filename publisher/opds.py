"""The books as e-reader apps look for them: an OPDS 1.2 catalog, and an Atom feed of the editions.

The catalog (KOReader, Thorium, Moon+ Reader, Calibre-Web browse and download from any static
host) is a navigation feed, `opds.xml`, leading to one acquisition feed for each kind of book: the
latest editions, the volumes, the collection. The editions feed, `editions.atom`, is what
KOReader's news downloader subscribes to: each entry's main link is its EPUB, with the EPUB type
it checks, and an `enclosure` with the file's length serves podcast-style clients.

feedgen's entry links refuse OPDS relations (`http://opds-spec.org/acquisition`...), so both are
built with lxml directly, their entries the same.
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
OPDS_NAVIGATION_TYPE = "application/atom+xml;profile=opds-catalog;kind=navigation"
OPDS_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"
EDITIONS_FEED_NAME = "editions.atom"
ATOM_TYPE = "application/atom+xml"
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


@dataclass(frozen=True, slots=True)
class Shelf:
    """One acquisition feed of the catalog: a kind of book ("editions", "volumes", "collection")."""

    key: str
    title: str
    books: tuple[CatalogBook, ...]

    @property
    def name(self) -> str:
        return f"opds-{self.key}.xml"


def build_catalog(shelves: Sequence[Shelf], config: Config) -> dict[str, bytes]:
    """The navigation feed and its acquisition feeds, by output name; links are relative, so they
    work wherever `output/` is served. Shelves without books are left out."""
    shelves = [shelf for shelf in shelves if shelf.books]
    documents = {}
    root = _feed(config, "opds", config.title, OPDS_NAME, OPDS_NAVIGATION_TYPE)
    _text(root, "updated", _atom_date(max(book.updated for shelf in shelves for book in shelf.books), None))
    for shelf in shelves:
        entry = etree.SubElement(root, f"{_A}entry")
        _text(entry, "title", shelf.title)
        _text(entry, "id", _id(config, f"opds/{shelf.key}"))
        _text(entry, "updated", _atom_date(max(book.updated for book in shelf.books), None))
        summary = ", ".join(book.title for book in shelf.books[:3]) + ("…" if len(shelf.books) > 3 else "")
        _text(entry, "content", summary).set("type", "text")
        etree.SubElement(entry, f"{_A}link", rel="subsection", href=shelf.name, type=OPDS_TYPE)
        documents[shelf.name] = _acquisition_feed(shelf, config)
    documents[OPDS_NAME] = _bytes(root)
    return documents


def build_editions_feed(editions: Sequence[CatalogBook], title: str, config: Config) -> bytes:
    """`editions.atom`, newest edition first, with absolute links (a feed is read from anywhere)."""
    feed = _feed(config, "editions", title, EDITIONS_FEED_NAME, ATOM_TYPE, base=config.base_url)
    _text(feed, "updated", _atom_date(max(book.updated for book in editions), None))
    for book in editions:
        entry = _entry(feed, book, config)
        etree.SubElement(entry, f"{_A}link", rel="alternate", href=config.base_url + book.href, type=EPUB_TYPE)
        enclosure = etree.SubElement(entry, f"{_A}link", rel="enclosure", href=config.base_url + book.href)
        enclosure.set("type", EPUB_TYPE)
        enclosure.set("length", str(book.size))
    return _bytes(feed)


def _acquisition_feed(shelf: Shelf, config: Config) -> bytes:
    feed = _feed(config, f"opds/{shelf.key}", shelf.title, shelf.name, OPDS_TYPE)
    _text(feed, "updated", _atom_date(max(book.updated for book in shelf.books), None))  # its book's entry warns
    etree.SubElement(feed, f"{_A}link", rel="start", href=OPDS_NAME, type=OPDS_NAVIGATION_TYPE)
    etree.SubElement(feed, f"{_A}link", rel="up", href=OPDS_NAME, type=OPDS_NAVIGATION_TYPE)
    for book in shelf.books:
        entry = _entry(feed, book, config)
        etree.SubElement(entry, f"{_A}link", rel="http://opds-spec.org/image", href=book.cover, type="image/png")
        etree.SubElement(
            entry, f"{_A}link", rel="http://opds-spec.org/image/thumbnail", href=book.thumbnail, type="image/png"
        )
        acquisition = etree.SubElement(
            entry, f"{_A}link", rel="http://opds-spec.org/acquisition", href=book.href, type=EPUB_TYPE
        )
        acquisition.set("length", str(book.size))
    return _bytes(feed)


def _feed(config: Config, key: str, title: str, name: str, media_type: str, *, base: str = "") -> etree._Element:
    feed = etree.Element(f"{_A}feed", nsmap={None: ATOM_NAMESPACE, "dc": _DC, "opds": _OPDS})
    feed.set(XML_LANG, config.language)
    _text(feed, "id", _id(config, key))
    _text(feed, "title", title)
    _text(etree.SubElement(feed, f"{_A}author"), "name", config.author)
    etree.SubElement(feed, f"{_A}link", rel="self", href=base + name, type=media_type)
    if media_type == OPDS_NAVIGATION_TYPE:
        etree.SubElement(feed, f"{_A}link", rel="start", href=name, type=media_type)
    etree.SubElement(feed, f"{_A}link", rel="alternate", href=base + "index.html", type="text/html")
    return feed


def _entry(feed: etree._Element, book: CatalogBook, config: Config) -> etree._Element:
    entry = etree.SubElement(feed, f"{_A}entry")
    _text(entry, "title", book.title)
    _text(entry, "id", book.identifier)
    _text(entry, "updated", _atom_date(book.updated, book.updated_source))
    _text(etree.SubElement(entry, f"{_A}author"), "name", config.author)
    etree.SubElement(entry, f"{{{_DC}}}language").text = config.language
    etree.SubElement(entry, f"{{{_DC}}}issued").text = book.issued.date().isoformat()
    etree.SubElement(entry, f"{{{_DC}}}publisher").text = config.author
    _text(entry, "summary", book.summary).set("type", "text")
    return entry


def _id(config: Config, key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(config.id_namespace, key)}"


def _text(parent: etree._Element, name: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, f"{_A}{name}")
    element.text = text
    return element


def _bytes(feed: etree._Element) -> bytes:
    return etree.tostring(feed, encoding="utf-8", xml_declaration=True, pretty_print=True)


def _atom_date(moment: datetime, source: Path | None) -> str:
    return utc_stamp(in_utc(moment, source, OPDS_NAME))
