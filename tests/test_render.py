"""Chapters: well-formed, right-to-left XHTML whose text is exactly the article's."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from publisher.article import Article, BlockKind
from publisher.config import Config
from publisher.errors import ArticleError
from publisher.reader import parse_article, read_article
from publisher.render import render_chapter, render_feed_html

from .helpers import DATA, SAMPLE, XHTML, XML_LANG

CONFIG = Config()


def text_of(element: etree._Element | None) -> str:
    assert element is not None
    return "".join(element.itertext())


@pytest.fixture(scope="module")
def sample() -> Article:
    return read_article(SAMPLE, CONFIG)


def test_html_element_carries_lang_xml_lang_and_dir(sample: Article) -> None:
    root = etree.fromstring(render_chapter(sample, CONFIG).data)
    assert root.tag == f"{XHTML}html"
    assert (root.get("lang"), root.get(XML_LANG), root.get("dir")) == ("ar", "ar", "rtl")


def test_head_has_title_charset_and_stylesheet(sample: Article) -> None:
    root = etree.fromstring(render_chapter(sample, CONFIG).data)
    head = root.find(f"{XHTML}head")
    assert head is not None
    assert head.findtext(f"{XHTML}title") == sample.title
    assert head.find(f"{XHTML}meta[@charset='utf-8']") is not None
    link = head.find(f"{XHTML}link")
    assert link is not None
    assert (link.get("rel"), link.get("href")) == ("stylesheet", "../style.css")


def test_body_has_h1_time_then_h2_and_p_in_order(sample: Article) -> None:
    root = etree.fromstring(render_chapter(sample, CONFIG).data)
    article = root.find(f"{XHTML}body/{XHTML}article")
    assert article is not None
    assert text_of(article.find(f"{XHTML}header/{XHTML}h1")) == sample.title
    time = article.find(f"{XHTML}header/{XHTML}p/{XHTML}time")
    assert time is not None
    # Machines read the ISO 8601 attribute; people read Babel's long Arabic date and short time.
    assert time.get("datetime") == "2025-03-31T15:08:00+00:00"
    assert time.text == "31 مارس 2025، 3:08 م"
    blocks = [child for child in article if child.tag != f"{XHTML}header"]
    assert [(child.tag, text_of(child)) for child in blocks] == [
        (f"{XHTML}h2" if block.kind is BlockKind.HEADING else f"{XHTML}p", block.text) for block in sample.blocks
    ]
    assert sum(child.tag == f"{XHTML}h2" for child in blocks) == 7


def test_markup_in_the_text_is_shown_literally() -> None:
    article = read_article(DATA / "markup_in_text.txt", CONFIG)
    chapter = render_chapter(article, CONFIG).data
    root = etree.fromstring(chapter)
    assert root.find(f".//{XHTML}script") is None
    assert root.find(f".//{XHTML}b") is None
    assert text_of(root.find(f".//{XHTML}h1")) == article.title
    paragraph = root.find(f".//{XHTML}article/{XHTML}p")
    assert paragraph is not None
    assert text_of(paragraph) == "نص فيه <script>alert(1)</script> و &amp; و ]]> و &lt;b&gt; حرفيا."
    assert b"<script>" not in chapter


def test_chapter_is_also_a_clean_html_page(sample: Article) -> None:
    """Parsed as text/html, the chapter has the same structure and text (the XML declaration, which
    Send-to-Kindle needs, is a comment to an HTML parser)."""
    chapter = render_chapter(sample, CONFIG).data
    assert chapter.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n<html ')
    page = lxml.html.document_fromstring(chapter)
    assert page.get("dir") == "rtl"
    assert [element.text_content() for element in page.iter("h2")] == [
        block.text for block in sample.blocks if block.kind is BlockKind.HEADING
    ]


@pytest.mark.parametrize(
    ("name", "language", "direction"), [("hebrew_article.txt", "he", "rtl"), ("english_article.txt", "en", "ltr")]
)
def test_each_chapter_has_its_own_language(name: str, language: str, direction: str) -> None:
    root = etree.fromstring(render_chapter(read_article(DATA / name, CONFIG), CONFIG).data)
    assert (root.get("lang"), root.get(XML_LANG), root.get("dir")) == (language, language, direction)


def test_feed_html_is_wrapped_in_an_element_with_dir_and_lang(sample: Article) -> None:
    fragment = lxml.html.fragment_fromstring(render_feed_html(sample, CONFIG))
    assert (fragment.tag, fragment.get("dir"), fragment.get("lang")) == ("div", "rtl", "ar")
    assert [child.text_content() for child in fragment] == [block.text for block in sample.blocks]


def test_bidi_controls_survive_rendering() -> None:
    article = read_article(DATA / "zwj_zwnj_and_bidi_marks.txt", CONFIG)
    root = etree.fromstring(render_chapter(article, CONFIG).data)
    assert root.find(f".//{XHTML}article/{XHTML}p").text == article.blocks[0].text  # type: ignore[union-attr]


_LINE = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), min_size=1, max_size=80
).filter(lambda text: text.strip() != "")


@settings(max_examples=200, deadline=None)
@given(title=_LINE, lines=st.lists(_LINE, max_size=8))
def test_any_article_renders_to_well_formed_xhtml_with_exactly_its_text(title: str, lines: list[str]) -> None:
    data = "\n".join(["2025-01-01 00:00:00", title, *lines]).encode("utf-8")
    try:
        article = parse_article(data, Path("fuzz.txt"), CONFIG)
    except ArticleError:
        return  # a title that reads as a paragraph: rejected, which the reader tests cover
    root = etree.fromstring(render_chapter(article, CONFIG).data)
    body = root.find(f"{XHTML}body/{XHTML}article")
    assert body is not None
    title_element = root.find(f"{XHTML}head/{XHTML}title")
    assert text_of(title_element) == text_of(body.find(f"{XHTML}header/{XHTML}h1")) == article.title
    assert [text_of(child) for child in body if child.tag != f"{XHTML}header"] == [
        block.text for block in article.blocks
    ]
    fragment = lxml.html.fragment_fromstring(render_feed_html(article, CONFIG)) if article.blocks else None
    if fragment is not None:
        assert [child.text_content() for child in fragment] == [block.text for block in article.blocks]
