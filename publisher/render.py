"""Rendering: an `Article` becomes an XHTML chapter (also its web page) and feed HTML."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from .article import Article, Block, BlockKind

XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STYLESHEET_NAME = "style.css"
CHAPTER_FOLDER = "articles"
# From a chapter in `articles/` to the stylesheet beside it, in the web output and in the EPUB.
_STYLESHEET_HREF = f"../{STYLESHEET_NAME}"

_X = f"{{{XHTML_NAMESPACE}}}"


def render_chapter(article: Article) -> bytes:
    """The article as one polyglot XHTML5 document: valid XML for EPUB readers, and HTML for browsers.

    No XML declaration (UTF-8 is the default for both) and no empty elements, so the same bytes
    are a correct EPUB content document and a correct `text/html` page.
    """
    html = etree.Element(f"{_X}html", nsmap={None: XHTML_NAMESPACE})
    html.set("lang", article.language)
    html.set(XML_LANG, article.language)
    html.set("dir", article.direction)
    html.text = "\n"
    head = _child(html, "head")
    _child(head, "meta", charset="utf-8")
    _child(head, "title", text=article.title)
    _child(head, "link", rel="stylesheet", type="text/css", href=_STYLESHEET_HREF)
    body = _child(html, "body")
    main = _child(body, "article")
    header = _child(main, "header")
    _child(header, "h1", text=article.title)
    dateline = _child(header, "p", **{"class": "dateline"})
    # Inline: no line breaks around the time, or they would become visible spaces.
    # The numeric date reads left to right; dir isolates it, or bidi would show "15:08 2025-03-31".
    time = etree.SubElement(dateline, f"{_X}time", datetime=article.published.isoformat(), dir="ltr")
    time.text = article.published.strftime("%Y-%m-%d %H:%M")
    _append_blocks(main, article.blocks, namespace=_X)
    return etree.tostring(html, encoding="utf-8", doctype="<!DOCTYPE html>") + b"\n"


def render_feed_html(article: Article) -> str:
    """The article's text as HTML for a feed entry, in an element that carries its direction and language."""
    wrapper = etree.Element("div", dir=article.direction, lang=article.language)
    _append_blocks(wrapper, article.blocks, namespace="")
    return etree.tostring(wrapper, encoding="unicode", method="html")


def _append_blocks(parent: etree._Element, blocks: Iterable[Block], namespace: str) -> None:
    for block in blocks:
        element = etree.SubElement(parent, namespace + ("h2" if block.kind is BlockKind.HEADING else "p"))
        element.text = block.text
        element.tail = "\n"
    if len(parent):
        parent.text = "\n"


def _child(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _X + tag, attributes)
    element.text = text
    element.tail = "\n"
    if parent.text is None:
        parent.text = "\n"
    return element
