"""Rendering: an `Article` becomes an XHTML chapter (also its web page) and feed HTML."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lxml import etree

from .article import Article, Block, BlockKind
from .bidi import foreign_runs
from .config import Config
from .dates import rfc3339
from .drawn import Rendered, drawn_by
from .l10n import localizer

XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_NAMESPACE = "http://www.idpf.org/2007/ops"
STYLESHEET_NAME = "style.css"
CHAPTER_FOLDER = "articles"
# From a chapter in `articles/` to the stylesheet beside it, in the web output and in the EPUB.
_STYLESHEET_HREF = f"../{STYLESHEET_NAME}"

_X = f"{{{XHTML_NAMESPACE}}}"
# Characters of the title a continuation file repeats. Every part repeats it: a title of 300 KB
# (one line of a seed under max_article_bytes) over 200 blocks made 240 MB of chapters.
CONTINUED_TITLE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ChapterLinks:
    """Where a chapter's navigation bar leads: the chapters of the article before and after it in
    the book's reading order (relative to the chapter; None at either end), and the contents."""

    previous: str | None = None
    next: str | None = None


NO_LINKS = ChapterLinks()
CONTENTS_HREF = "../nav.xhtml#toc"
"""From a chapter in `articles/` to the contents list of the book's navigation document."""
NAVIGATION_PREFIX = "publisher: https://publisher.invalid/vocabulary#"
"""The EPUB vocabulary of the bar's `epub:type`: no term of the Structural Semantics Vocabulary
names a bar between chapters (its navigation terms are lists: toc, landmarks, page-list), and an
undeclared one is an EPUBCheck message. Assistive technology reads the bar's role and label."""


def render_chapter(article: Article, config: Config, links: ChapterLinks | None = None) -> Rendered:
    """The article as one XHTML5 document, a book's chapter (see `serialize`), ending with the bar
    that leads to the articles around it, unless `links` is None.

    No empty elements, so that a browser handed the same bytes as `text/html` still reads them
    right (it takes the XML declaration for a comment).
    """
    html = _document(article, config, article.blocks, with_header=True, links=links)
    return Rendered(serialize(html), drawn_by(html, own=article))


def render_chapter_parts(
    article: Article,
    config: Config,
    limit: int,
    whole: Rendered | None = None,
    links: ChapterLinks | None = None,
) -> list[Rendered]:
    """The chapter, cut at block boundaries into documents of at most about `limit` bytes.

    Older reading systems load a whole content document at once; a very long article in one
    file makes them slow or makes them fail. The first part carries the title and dateline, the
    last the navigation bar.
    """
    whole = whole if whole is not None else render_chapter(article, config, links)
    if len(whole.data) <= limit:
        return [whole]
    groups: list[list[Block]] = [[]]
    size = len(serialize(_document(article, config, (), with_header=True)))
    for block in article.blocks:
        # Markup around a block's text adds little; the text's UTF-8 length dominates.
        cost = len(block.text.encode()) * 2 + 64
        if groups[-1] and size + cost > limit:
            groups.append([])
            size = len(serialize(_document(article, config, (), with_header=False)))
        groups[-1].append(block)
        size += cost
    parts = [
        _document(article, config, group, with_header=number == 0, links=links if number == len(groups) - 1 else None)
        for number, group in enumerate(groups)
    ]
    # Each part shows only some of the article, and a continuation "(continued)": walked whole.
    return [Rendered(serialize(part), drawn_by(part)) for part in parts]


@functools.lru_cache(maxsize=256)  # each entry goes into an Atom and an RSS document, one after the other
def render_feed_html(article: Article, config: Config) -> str:
    """The article's text as HTML for a feed entry, in an element that carries its direction and language."""
    wrapper = etree.Element("div", dir=article.direction, lang=article.language)
    _append_blocks(wrapper, article, config, article.blocks, namespace="")
    return etree.tostring(wrapper, encoding="unicode", method="html")


def append_text(element: etree._Element, text: str, direction: str, config: Config, namespace: str = _X) -> None:
    """Put `text` in `element`, isolating runs written in the other direction in `<span dir lang>`.

    When one such run is the whole text, the element itself takes its direction instead.
    """
    segments = foreign_runs(text, direction, config.latin_language)
    if len(segments) == 1 and segments[0].direction is not None:
        element.set("dir", segments[0].direction)
        if segments[0].language:
            element.set("lang", segments[0].language)
            if namespace:
                element.set(XML_LANG, segments[0].language)
        element.text = text
        return
    element.text = None
    last: etree._Element | None = None
    for segment in segments:
        if segment.direction is None:
            if last is None:
                element.text = (element.text or "") + segment.text
            else:
                last.tail = (last.tail or "") + segment.text
            continue
        last = etree.SubElement(element, namespace + "span", dir=segment.direction)
        if segment.language:
            last.set("lang", segment.language)
            if namespace:
                last.set(XML_LANG, segment.language)
        last.text = segment.text


def new_document(
    title: str, language: str, direction: str, stylesheet: str = _STYLESHEET_HREF, epub: bool = False
) -> tuple[etree._Element, etree._Element]:
    """An empty XHTML5 page (`<html>` with its language and direction, a head) and its `<body>`."""
    nsmap = {None: XHTML_NAMESPACE, "epub": EPUB_NAMESPACE} if epub else {None: XHTML_NAMESPACE}
    html = etree.Element(f"{_X}html", nsmap=nsmap)
    html.set("lang", language)
    html.set(XML_LANG, language)
    html.set("dir", direction)
    html.text = "\n"
    head = child(html, "head")
    child(head, "meta", charset="utf-8")
    child(head, "title", text=title)
    child(head, "link", rel="stylesheet", type="text/css", href=stylesheet)
    return html, child(html, "body")


XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'


def serialize(html: etree._Element) -> bytes:
    """A book's XHTML document, with an XML declaration: UTF-8 is XML's default, but Send-to-Kindle
    reads a document without a declaration as ISO-8859-1, and the Arabic comes out as mojibake
    (the main fix of the kindle-epub-fix tools)."""
    return XML_DECLARATION + etree.tostring(html, encoding="utf-8", doctype="<!DOCTYPE html>") + b"\n"


def _document(
    article: Article,
    config: Config,
    blocks: Sequence[Block],
    with_header: bool,
    links: ChapterLinks | None = None,
) -> etree._Element:
    title = article.title if with_header else abbreviated(article.title, CONTINUED_TITLE_LIMIT)
    html, body = new_document(title, article.language, article.direction, epub=links is not None)
    append_article(body, article, config, blocks, with_header=with_header)
    if links is not None:
        html.set(_EPUB_PREFIX, NAVIGATION_PREFIX)
        _append_navigation(body, links, config)
    return html


_EPUB_PREFIX = f"{{{EPUB_NAMESPACE}}}prefix"


def _append_navigation(body: etree._Element, links: ChapterLinks, config: Config) -> None:
    """The bar: previous, contents, next, in the book's language and direction (an article in
    another language still has the book's words around it), marked as navigation."""
    words = localizer(config.language, config.digits)
    label = words.text("article_navigation")
    bar = child(body, "nav", role="navigation", **{"class": "article-nav", "aria-label": label})
    bar.set(f"{{{EPUB_NAMESPACE}}}type", "publisher:article-navigation")
    bar.set("lang", config.language)
    bar.set(XML_LANG, config.language)
    bar.set("dir", config.direction)
    items = child(bar, "ul")
    for key, href, rel in (
        ("previous_article", links.previous, "prev"),
        ("contents", CONTENTS_HREF, None),
        ("next_article", links.next, "next"),
    ):
        if href is not None:
            link = child(child(items, "li"), "a", text=words.text(key), href=href)
            if rel is not None:
                link.set("rel", rel)


def append_article(
    parent: etree._Element,
    article: Article,
    config: Config,
    blocks: Sequence[Block] | None = None,
    *,
    with_header: bool = True,
    namespace: str = _X,
) -> etree._Element:
    """The `<article>`: title, dateline and blocks (the same in a chapter and on a web page)."""
    words = localizer(article.language, config.digits)
    main = child(parent, "article", namespace=namespace)
    header = child(main, "header", namespace=namespace)
    heading = child(header, "h1", namespace=namespace)
    title = article.title if with_header else abbreviated(article.title, CONTINUED_TITLE_LIMIT)
    append_text(heading, title, article.direction, config, namespace)
    if not with_header:
        # A continuation file still opens with the title, so its headings start at h1 and a
        # reader who lands there knows where they are: "title (continued)".
        heading.set("class", "continued")
        last = heading[-1] if len(heading) else None
        suffix = f" ({words.text('continued')})"
        if last is None:
            heading.text = (heading.text or "") + suffix
        else:
            last.tail = (last.tail or "") + suffix
    else:
        dateline = child(header, "p", namespace=namespace, **{"class": "dateline"})
        # Inline: line breaks around the time would become visible spaces.
        stamp = rfc3339(article.published, article.source, "its page and chapter")
        time = etree.SubElement(dateline, f"{namespace}time", datetime=stamp)
        time.text = words.date_time(article.published)
    _append_blocks(main, article, config, article.blocks if blocks is None else blocks, namespace=namespace)
    return main


def _append_blocks(
    parent: etree._Element, article: Article, config: Config, blocks: Iterable[Block], namespace: str
) -> None:
    for block in blocks:
        element = etree.SubElement(parent, namespace + ("h2" if block.kind is BlockKind.HEADING else "p"))
        append_text(element, block.text, article.direction, config, namespace)
        element.tail = "\n"
    if len(parent) and parent.text is None:
        parent.text = "\n"


def abbreviated(title: str, limit: int) -> str:
    """`title` whole, or its first words and "…" when it is longer than `limit` characters.

    Cut at a space when there is one in the second half, and never between a letter and its
    marks (harakat, Hebrew points), so that the last letter shown is the one the title has.
    """
    if len(title) <= limit:
        return title
    end = limit
    space = title.rfind(" ", limit // 2, end)
    if space > 0:
        end = space
    while end > 1 and unicodedata.category(title[end])[0] == "M":
        end -= 1
    return title[:end].rstrip() + "…"


def child(
    parent: etree._Element, tag: str, text: str | None = None, namespace: str = _X, **attributes: str
) -> etree._Element:
    """A new last child of `parent`, on a line of its own (the serialized files stay readable)."""
    element = etree.SubElement(parent, namespace + tag, attributes)
    element.text = text
    element.tail = "\n"
    if parent.text is None:
        parent.text = "\n"
    return element
