"""The EPUB: 0 errors and 0 warnings from EPUBCheck, right-to-left throughout, complete metadata."""

from __future__ import annotations

import dataclasses
import posixpath
import zipfile
from datetime import UTC
from pathlib import Path

import lxml.html
import pytest

from publisher.config import Config
from publisher.reader import read_seeds
from publisher.volumes import chronological, collection_id

from .helpers import (
    BAD_MIXED,
    GOOD_MIXED,
    OPF,
    ROOT,
    XHTML,
    XML_LANG,
    build_into,
    epub_members,
    epubcheck_findings,
    make_corpus,
    make_seeds,
    parse_xml,
)

DC = "{http://purl.org/dc/elements/1.1/}"
CONFIG = Config(rights="© 2025 فريق التحرير", title="نشرة الأخبار", book_name="nashra")


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("sample") / "output"
    build_into(ROOT / "seeds", output)
    return output / "news.epub"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("mixed")
    seeds = make_seeds(folder / "seeds", *GOOD_MIXED, *BAD_MIXED)
    result = build_into(seeds, folder / "output", CONFIG)
    assert len(result.rejected) == len(BAD_MIXED)
    return seeds, folder / "output" / "nashra.epub"


def test_epubcheck_passes_the_book_of_the_seeds_with_no_error_or_warning(sample_book: Path) -> None:
    assert epubcheck_findings(sample_book) == []


def test_epubcheck_passes_the_mixed_book_with_no_error_or_warning(mixed: tuple[Path, Path]) -> None:
    assert epubcheck_findings(mixed[1]) == []


def test_mimetype_is_the_first_member_and_stored(sample_book: Path) -> None:
    with zipfile.ZipFile(sample_book) as archive:
        first = archive.infolist()[0]
    assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
    assert sample_book.read_bytes()[30:58] == b"mimetypeapplication/epub+zip"


def test_spine_is_right_to_left_with_the_chapters_in_chronological_order(mixed: tuple[Path, Path]) -> None:
    seeds, book = mixed
    members = epub_members(book)
    package = parse_xml(members["EPUB/content.opf"])
    spine = package.find(f"{OPF}spine")
    assert spine is not None
    assert spine.get("page-progression-direction") == "rtl"
    assert spine.get("toc") == "ncx"
    manifest = {item.get("id"): item.get("href") for item in package.iter(f"{OPF}item")}
    spine_names = [manifest[ref.get("idref")] for ref in spine]
    assert spine_names[:3] == ["cover.xhtml", "titlepage.xhtml", "nav.xhtml"]
    chapters = spine_names[3:]
    articles = chronological(read_seeds(seeds, CONFIG).articles)
    assert chapters == [f"articles/{article.slug}.xhtml" for article in articles]
    assert "toc.ncx" in manifest.values()


def test_every_xhtml_document_has_lang_xml_lang_and_dir(mixed: tuple[Path, Path]) -> None:
    seeds, book = mixed
    by_slug = {article.slug: article for article in read_seeds(seeds, CONFIG).articles}
    documents = {name: data for name, data in epub_members(book).items() if name.endswith(".xhtml")}
    assert len(documents) == len(by_slug) + 3
    for name, data in documents.items():
        root = parse_xml(data)
        assert root.tag == f"{XHTML}html"
        if name in {"EPUB/nav.xhtml", "EPUB/cover.xhtml", "EPUB/titlepage.xhtml"}:
            expected = ("ar", "ar", "rtl")
        else:
            article = by_slug[Path(name).stem]
            expected = (article.language, article.language, article.direction)
        assert (root.get("lang"), root.get(XML_LANG), root.get("dir")) == expected, name


def test_every_xhtml_document_declares_its_encoding_for_send_to_kindle(mixed: tuple[Path, Path]) -> None:
    """Without a declaration, Send-to-Kindle reads a document as ISO-8859-1: Arabic turns to mojibake."""
    members = epub_members(mixed[1])
    documents = [name for name in members if name.endswith((".xhtml", ".ncx", ".opf"))]
    assert len(documents) > 4
    for name in documents:
        declaration = members[name].split(b"\n", 1)[0]
        assert declaration.replace(b"'", b'"') == b'<?xml version="1.0" encoding="utf-8"?>', name


def test_apple_books_is_told_to_use_the_embedded_fonts(mixed: tuple[Path, Path], tmp_path: Path) -> None:
    options = parse_xml(epub_members(mixed[1])["META-INF/com.apple.ibooks.display-options.xml"])
    found = [
        (platform.get("name"), option.get("name"), option.text)
        for platform in options.iter("platform")
        for option in platform.iter("option")
    ]
    assert found == [("*", "specified-fonts", "true")]
    build_into(mixed[0], tmp_path / "plain", dataclasses.replace(CONFIG, embed_font=False))
    assert "META-INF/com.apple.ibooks.display-options.xml" not in epub_members(tmp_path / "plain" / "nashra.epub")


def _metadata_in_words(book: Path) -> dict[str, tuple[str | None, str | None]]:
    """Each metadata element written in words (title, creator, summary...): its `dir` and `xml:lang`."""
    metadata = parse_xml(epub_members(book)["EPUB/content.opf"]).find(f"{OPF}metadata")
    assert metadata is not None
    words = {f"{DC}{name}" for name in ("title", "creator", "publisher", "description", "rights")}
    properties = {"schema:accessibilitySummary", "a11y:certifiedBy", "belongs-to-collection"}
    others = [element for element in metadata if element.tag not in words and element.get("property") not in properties]
    assert [element.get("dir") for element in others] == [None] * len(others)  # identifiers, dates, codes: no dir
    return {
        element.get("property") or str(element.tag).rpartition("}")[2]: (element.get("dir"), element.get(XML_LANG))
        for element in metadata
        if element.tag in words or element.get("property") in properties
    }


def test_metadata_in_words_carries_its_direction_for_thorium(mixed: tuple[Path, Path], tmp_path: Path) -> None:
    found = _metadata_in_words(mixed[1])
    assert set(found) == {"title", "creator", "publisher", "description", "rights", "a11y:certifiedBy",
                          "schema:accessibilitySummary"}  # fmt: skip
    assert set(found.values()) == {("rtl", None)}
    # Urdu has no interface words of its own: the summary is in English, and says so.
    build_into(mixed[0], tmp_path / "urdu", dataclasses.replace(CONFIG, language="ur"))
    urdu = _metadata_in_words(tmp_path / "urdu" / "nashra.epub")
    assert urdu.pop("schema:accessibilitySummary") == ("ltr", "en")
    assert set(urdu.values()) == {("rtl", None)}
    # An English site that keeps the Arabic title and imprint: each says its own direction.
    build_into(mixed[0], tmp_path / "english", dataclasses.replace(CONFIG, language="en"))
    english = _metadata_in_words(tmp_path / "english" / "nashra.epub")
    assert english["title"] == english["creator"] == english["publisher"] == ("rtl", None)
    assert english["description"] == english["schema:accessibilitySummary"] == ("ltr", None)
    # A volume names its series in words too.
    seeds = make_seeds(tmp_path / "two-years", *GOOD_MIXED, "arabic_article_from_2024.txt")
    build_into(seeds, tmp_path / "volumes", CONFIG)
    assert _metadata_in_words(tmp_path / "volumes" / "nashra-2025.epub")["belongs-to-collection"] == ("rtl", None)


def test_chapters_hold_the_same_article_as_the_web_pages(mixed: tuple[Path, Path]) -> None:
    seeds, book = mixed
    members = epub_members(book)
    for article in read_seeds(seeds, CONFIG).articles:
        page = lxml.html.document_fromstring((book.parent / "articles" / f"{article.slug}.html").read_bytes())
        chapter = parse_xml(members[f"EPUB/articles/{article.slug}.xhtml"]).find(f".//{XHTML}article")
        web_article = page.find(".//article")
        assert chapter is not None and web_article is not None
        assert "".join(chapter.itertext()) == web_article.text_content()


def test_metadata_is_complete_and_taken_from_the_data(mixed: tuple[Path, Path]) -> None:
    seeds, book = mixed
    members = epub_members(book)
    metadata = parse_xml(members["EPUB/content.opf"]).find(f"{OPF}metadata")
    assert metadata is not None
    newest = max(article.updated for article in read_seeds(seeds, CONFIG).articles)
    assert metadata.findtext(f"{DC}title") == "نشرة الأخبار"
    assert metadata.findtext(f"{DC}language") == "ar"
    identifier = metadata.findtext(f"{DC}identifier")
    assert identifier == collection_id(CONFIG)
    assert identifier == collection_id(Config(rights="another", title="another", book_name="nashra"))
    assert identifier != collection_id(Config(book_name="other"))
    assert metadata.findtext(f"{DC}creator") == CONFIG.author
    assert metadata.findtext(f"{DC}publisher") == CONFIG.author
    assert metadata.findtext(f"{DC}rights") == CONFIG.rights
    assert metadata.findtext(f"{OPF}meta[@property='dcterms:modified']") == newest.astimezone(UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    ncx = parse_xml(members["EPUB/toc.ncx"])
    assert ncx.get(XML_LANG) == "ar"
    # The title page, one year, two months (March and April 2025) and every article.
    assert len(ncx.findall(".//{http://www.daisy.org/z3986/2005/ncx/}navPoint")) == 4 + len(GOOD_MIXED) + 1


def _kindle_problems(book: Path) -> list[str]:
    """What Send-to-Kindle (and the kindle-epub-fix tools) would trip on, and Apple Books' font switch."""
    members = epub_members(book)
    problems = []
    if book.stat().st_size >= 50 * 1024 * 1024:
        problems.append("over the 50 MB e-mail limit")
    if "META-INF/com.apple.ibooks.display-options.xml" not in members:
        problems.append("no Apple Books display options")
    documents = {name: parse_xml(data) for name, data in members.items() if name.endswith(".xhtml")}
    body_ids = {(name, body.get("id")) for name, root in documents.items() for body in root.iter(f"{XHTML}body")}
    for name, root in documents.items():
        if not members[name].startswith(b'<?xml version="1.0" encoding="utf-8"?>'):
            problems.append(f"{name}: no XML declaration")
        folder = name.rpartition("/")[0]
        for link in root.iter(f"{XHTML}a"):
            target, _, fragment = (link.get("href") or "").partition("#")
            resolved = posixpath.normpath(posixpath.join(folder, target)) if target else name
            if fragment and (resolved, fragment) in body_ids:
                problems.append(f"{name}: a link to the <body> of {resolved}")
        for image in root.iter(f"{XHTML}img"):
            source = image.get("src")
            if not source or posixpath.normpath(posixpath.join(folder, source)) not in members:
                problems.append(f"{name}: an <img> without a source in the book")
    package = parse_xml(members["EPUB/content.opf"])
    hrefs = {item.get("id"): f"EPUB/{item.get('href')}" for item in package.iter(f"{OPF}item")}
    spine = [hrefs[itemref.get("idref")] for itemref in package.iter(f"{OPF}itemref")]
    ncx = parse_xml(members["EPUB/toc.ncx"])
    order = [
        spine.index("EPUB/" + (content.get("src") or "").partition("#")[0])
        for content in ncx.iter("{http://www.daisy.org/z3986/2005/ncx/}content")
    ]
    if order != sorted(order):
        problems.append("the NCX is not in the spine's order")
    return problems


def test_every_book_of_a_build_opens_right_on_kindle_and_apple_books(tmp_path: Path) -> None:
    seeds = make_corpus(tmp_path / "seeds", 370)  # 2024 and a few days of 2025: the collection and two volumes
    # A very long article, whose chapter is split: each part must declare its encoding too.
    paragraph = "فقرة طويلة عن أمن الحدود والتعاون بين الدول في مواجهة الجريمة المنظمة. " * 20
    lines = ["2025-01-02 10:00:00", "تقرير مطول", *(f"{paragraph}{number}." for number in range(300))]
    (seeds / "long_report.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    build_into(seeds, tmp_path / "output")
    books = sorted((tmp_path / "output").rglob("*.epub"))
    names = [book.relative_to(tmp_path / "output").as_posix() for book in books]
    assert names[-3:] == ["news-2024.epub", "news-2025.epub", "news.epub"]
    assert len(names) == 3 + 8  # and an edition for each of the last eight weeks
    assert len([name for name in epub_members(tmp_path / "output" / "news.epub") if "long_report" in name]) >= 2
    assert {name: _kindle_problems(book) for name, book in zip(names, books, strict=True)} == {
        name: [] for name in names
    }
