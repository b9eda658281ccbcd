"""The pages of a book around its chapters: cover page, title page, navigation document and NCX.

Built with lxml so every text is escaped, and kept out of EbookLib's templates, which drop `dir`,
cannot nest the contents by date, and give navs no ARIA roles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby

from lxml import etree

from .config import Config
from .l10n import Localizer
from .render import EPUB_NAMESPACE, STYLESHEET_NAME, XML_LANG, append_text, child, new_document, serialize

NAV_NAME = "nav.xhtml"
NCX_NAME = "toc.ncx"
COVER_PAGE_NAME = "cover.xhtml"
TITLE_PAGE_NAME = "titlepage.xhtml"
COVER_IMAGE_NAME = "images/cover.png"
NCX_NAMESPACE = "http://www.daisy.org/z3986/2005/ncx/"
_EPUB_TYPE = f"{{{EPUB_NAMESPACE}}}type"
_N = f"{{{NCX_NAMESPACE}}}"


@dataclass(frozen=True, slots=True)
class ContentsEntry:
    """One article in a book's contents."""

    title: str
    href: str
    """The article's first (or only) content document, relative to the package folder."""
    language: str
    direction: str
    published: datetime
    day: date | None = None
    """The day it was published on, for an edition's contents, which go by day; else None."""


@dataclass(frozen=True, slots=True)
class BookFacts:
    """What the pages around the chapters say about the book, already localized."""

    title: str
    """The book's full title (a volume's includes its part)."""
    collection_title: str
    subtitle: str | None
    part: str | None
    date_range: str
    count: str
    imprint: str
    cover_alt: str


@dataclass(frozen=True, slots=True)
class _Node:
    label: str
    href: str
    language: str | None
    direction: str | None
    children: tuple[_Node, ...] = ()


def _contents_tree(entries: Sequence[ContentsEntry], words: Localizer) -> list[_Node]:
    """Title page, then years, months and articles, oldest first: the order of the spine. An
    edition's: its days and their articles, newest first (a day's edition, its articles)."""
    nodes = [_Node(words.text("title_page"), TITLE_PAGE_NAME, None, None)]
    if entries and entries[0].day is not None:
        days = [(day, tuple(group)) for day, group in groupby(entries, key=lambda entry: entry.day)]
        for day, in_day in days:
            articles = tuple(_Node(e.title, e.href, e.language, e.direction) for e in in_day)
            if len(days) == 1:
                nodes.extend(articles)
            else:
                nodes.append(_Node(words.date(day), articles[0].href, None, None, articles))
        return nodes
    for year, in_year in groupby(entries, key=lambda entry: entry.published.year):
        months = []
        for month, in_month in groupby(list(in_year), key=lambda entry: entry.published.month):
            articles = tuple(_Node(e.title, e.href, e.language, e.direction) for e in in_month)
            months.append(_Node(words.month_name(month), articles[0].href, None, None, articles))
        nodes.append(_Node(words.year(year), months[0].href, None, None, tuple(months)))
    return nodes


def render_nav(entries: Sequence[ContentsEntry], words: Localizer, config: Config) -> bytes:
    """The EPUB 3 navigation document, also the contents page in the spine."""
    html, body = new_document(
        words.text("contents"), config.language, config.direction, stylesheet=STYLESHEET_NAME, epub=True
    )
    toc = child(body, "nav", id="toc", role="doc-toc", **{"aria-labelledby": "toc-title"})
    toc.set(_EPUB_TYPE, "toc")
    child(toc, "h1", text=words.text("contents"), id="toc-title")
    _nav_list(toc, _contents_tree(entries, words), config)

    landmarks = child(body, "nav", id="landmarks", hidden="hidden", **{"aria-labelledby": "landmarks-title"})
    landmarks.set(_EPUB_TYPE, "landmarks")
    child(landmarks, "h2", text=words.text("landmarks"), id="landmarks-title")
    marks = child(landmarks, "ol")
    for epub_type, key, href in (
        ("cover", "cover", COVER_PAGE_NAME),
        ("titlepage", "title_page", TITLE_PAGE_NAME),
        ("toc", "contents", f"{NAV_NAME}#toc"),
        ("bodymatter", "start", entries[0].href),
    ):
        link = child(child(marks, "li"), "a", text=words.text(key), href=href)
        link.set(_EPUB_TYPE, epub_type)
    return serialize(html)


def _nav_list(parent: etree._Element, nodes: Sequence[_Node], config: Config) -> None:
    items = child(parent, "ol")
    for node in nodes:
        item = child(items, "li")
        if node.children:
            # A heading for the group, not a link: EPUB nav allows a span when a list follows.
            child(item, "span", text=node.label)
            _nav_list(item, node.children, config)
            continue
        link = child(item, "a", href=node.href)
        if node.language is not None and node.direction is not None:
            if node.language != config.language:
                link.set("lang", node.language)
                link.set(XML_LANG, node.language)
            if node.direction != config.direction:
                link.set("dir", node.direction)
            append_text(link, node.label, node.direction, config)
        else:
            link.text = node.label


def render_ncx(entries: Sequence[ContentsEntry], facts: BookFacts, identifier: str, words: Localizer) -> bytes:
    """The EPUB 2 NCX with the same entries and nesting as the nav, for readers that only read the NCX.

    A navPoint for a year or a month points at its first article; points to the same place share
    a playOrder, as the NCX specification asks.
    """
    tree = _contents_tree(entries, words)
    ncx = etree.Element(f"{_N}ncx", nsmap={None: NCX_NAMESPACE}, version="2005-1")
    ncx.set(XML_LANG, words.language)
    head = etree.SubElement(ncx, f"{_N}head")
    depth = max(_depth(node) for node in tree)
    for name, content in (("uid", identifier), ("depth", str(depth)), ("totalPageCount", "0"), ("maxPageNumber", "0")):
        etree.SubElement(head, f"{_N}meta", name=f"dtb:{name}", content=content)
    etree.SubElement(etree.SubElement(ncx, f"{_N}docTitle"), f"{_N}text").text = facts.title
    etree.SubElement(etree.SubElement(ncx, f"{_N}docAuthor"), f"{_N}text").text = facts.imprint
    nav_map = etree.SubElement(ncx, f"{_N}navMap")
    play_orders: dict[str, int] = {}

    def add(parent: etree._Element, node: _Node) -> None:
        point = etree.SubElement(parent, f"{_N}navPoint")
        point.set("playOrder", str(play_orders.setdefault(node.href, len(play_orders) + 1)))
        etree.SubElement(etree.SubElement(point, f"{_N}navLabel"), f"{_N}text").text = node.label
        etree.SubElement(point, f"{_N}content", src=node.href)
        for grandchild in node.children:
            add(point, grandchild)

    for node in tree:
        add(nav_map, node)
    # Ids in document order: the points were made depth-first.
    for number, point in enumerate(nav_map.iter(f"{_N}navPoint"), start=1):
        point.set("id", f"navpoint-{number}")
    return etree.tostring(ncx, encoding="utf-8", xml_declaration=True, pretty_print=True)


def _depth(node: _Node) -> int:
    return 1 + max((_depth(child) for child in node.children), default=0)


def render_title_page(facts: BookFacts, config: Config) -> bytes:
    html, body = new_document(facts.title, config.language, config.direction, stylesheet=STYLESHEET_NAME, epub=True)
    section = child(body, "section", **{"class": "titlepage"})
    section.set(_EPUB_TYPE, "titlepage")
    append_text(child(section, "h1"), facts.collection_title, config.direction, config)
    if facts.subtitle:
        append_text(child(section, "p", **{"class": "subtitle"}), facts.subtitle, config.direction, config)
    if facts.part:
        child(section, "p", text=facts.part, **{"class": "part"})
    child(section, "p", text=facts.date_range, **{"class": "range"})
    child(section, "p", text=facts.count, **{"class": "count"})
    append_text(child(section, "p", **{"class": "imprint"}), facts.imprint, config.direction, config)
    return serialize(html)


def render_cover_page(facts: BookFacts, words: Localizer, config: Config) -> bytes:
    html, body = new_document(
        words.text("cover"), config.language, config.direction, stylesheet=STYLESHEET_NAME, epub=True
    )
    section = child(body, "section", **{"class": "cover"})
    image = child(section, "img", src=COVER_IMAGE_NAME, alt=facts.cover_alt, role="doc-cover")
    image.set(_EPUB_TYPE, "cover")
    return serialize(html)
