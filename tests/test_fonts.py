"""The embedded Amiri subsets: they shape every string exactly as the whole font does, and hold
every character each document draws in the style that draws it.

The styles are found here independently of `publisher.fonts`: from the HTML rendering rules'
bold elements and the `font-weight: bold` rules of the real stylesheet, matched with cssselect.
"""

from __future__ import annotations

import copy
import functools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest
import uharfbuzz as hb
from lxml import etree
from lxml.cssselect import CSSSelector

from publisher.config import Config

from .helpers import GOOD_MIXED, ROOT, build_into, make_seeds

SHAPING_FIXTURES = (
    "fully_vocalized_arabic_with_ligatures.txt",
    "persian_and_urdu_letters_digits_and_punctuation.txt",
    "latin_runs_in_arabic.txt",
)
# What browsers and reading systems set in bold without being told (the HTML rendering rules).
USER_AGENT_BOLD = ("h1", "h2", "h3", "h4", "h5", "h6", "b", "strong", "th")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NAME_COPYRIGHT, NAME_LICENCE, NAME_LICENCE_URL = 0, 13, 14


def amiri(file_name: str) -> bytes:
    return resources.files("fontpkg_amiri").joinpath("files", file_name).read_bytes()


@functools.cache
def _stylesheet_bold_selectors() -> tuple[CSSSelector, ...]:
    css = resources.files("publisher").joinpath("data", "style.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    selectors = []
    for selector_list, body in re.findall(r"([^{}@]+)\{([^{}]*)\}", css):
        if re.search(r"font-weight:\s*(bold|bolder|[6-9]00)", body):
            selectors += [CSSSelector(part.strip()) for part in selector_list.split(",")]
    return tuple(selectors)


def _local(root: etree._Element) -> etree._Element:
    """A copy without namespaces, so that CSS type selectors match XHTML and HTML alike."""
    plain = copy.deepcopy(root)
    for element in plain.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    etree.cleanup_namespaces(plain)
    return plain


@dataclass(frozen=True)
class Shown:
    text: str
    bold: bool
    language: str


def shown_strings(document: bytes, *, html: bool) -> Iterator[Shown]:
    """Every text node of the body, and every element's whole text, with its style and language."""
    parser = etree.HTMLParser(encoding="utf-8") if html else etree.XMLParser()
    root = _local(etree.fromstring(document, parser))
    bold_elements: set[etree._Element] = set()
    for selector in _stylesheet_bold_selectors():
        bold_elements.update(selector(root))
    for tag in USER_AGENT_BOLD:
        bold_elements.update(root.iter(tag))

    def style(element: etree._Element) -> tuple[bool, str]:
        chain = [element, *element.iterancestors()]
        language = next((e.get("lang") or e.get(XML_LANG) for e in chain if e.get("lang") or e.get(XML_LANG)), "")
        return any(e in bold_elements for e in chain), language or ""

    body = root.find("body")
    assert body is not None
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        bold, language = style(element)
        whole = "".join(element.itertext())
        for text in (element.text, whole, element.get("alt")):
            if text and text.strip():
                yield Shown(text, bold, language)
        if element.tail and element.tail.strip() and element is not body:
            parent = element.getparent()
            assert parent is not None
            yield Shown(element.tail, *style(parent))


def book_documents(book: Path) -> dict[str, tuple[bytes, bytes, bytes]]:
    """Each XHTML document of `book` with the book's regular and bold subsets."""
    with zipfile.ZipFile(book) as archive:
        regular, bold = archive.read("EPUB/fonts/Amiri-Regular.ttf"), archive.read("EPUB/fonts/Amiri-Bold.ttf")
        return {name: (archive.read(name), regular, bold) for name in archive.namelist() if name.endswith(".xhtml")}


def site_documents(output: Path) -> dict[str, tuple[bytes, bytes, bytes]]:
    regular, bold = (output / "fonts/Amiri-Regular.ttf").read_bytes(), (output / "fonts/Amiri-Bold.ttf").read_bytes()
    return {
        str(page.relative_to(output)): (page.read_bytes(), regular, bold) for page in sorted(output.rglob("*.html"))
    }


@functools.cache
def _font(data: bytes) -> hb.Font:
    return hb.Font(hb.Face(data))


def shaped(
    data: bytes, text: str, language: str, features: dict[str, bool] | None = None
) -> list[tuple[int, int, int, int, int]]:
    """What HarfBuzz lays out: each glyph's cluster, advances and offsets (glyph ids differ by design)."""
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    if language:
        buffer.language = language
    hb.shape(_font(data), buffer, features)
    return [
        (info.cluster, position.x_advance, position.y_advance, position.x_offset, position.y_offset)
        for info, position in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True)
    ]


@functools.cache
def covered(data: bytes) -> frozenset[int]:
    return frozenset(hb.Face(data).unicodes)


@pytest.fixture(scope="module")
def shaping_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Vocalized Arabic, ligatures, Persian and Urdu, both kinds of digits, Latin runs, over two years."""
    folder = tmp_path_factory.mktemp("shaping")
    seeds = make_seeds(folder / "seeds", *SHAPING_FIXTURES, *GOOD_MIXED, "arabic_article_from_2024.txt")
    build_into(seeds, folder / "output", Config(latin_language="en"))
    return folder / "output"


def test_every_string_shapes_with_the_subsets_as_with_the_whole_font(shaping_output: Path) -> None:
    full = {False: amiri("Amiri-Regular.ttf"), True: amiri("Amiri-Bold.ttf")}
    documents = {**site_documents(shaping_output), **book_documents(shaping_output / "news.epub")}
    tried: dict[str, int] = {}
    for name, (document, regular, bold) in documents.items():
        for shown in shown_strings(document, html=name.endswith(".html")):
            subset, whole = (bold, full[True]) if shown.bold else (regular, full[False])
            assert shaped(subset, shown.text, shown.language) == shaped(whole, shown.text, shown.language), (
                name,
                shown,
            )
            # With every feature the font has turned on (stylistic sets, proportional digits...), as
            # a stylesheet may ask: the subset must have kept them all, not only HarfBuzz's defaults.
            everything = dict.fromkeys(amiri_features(whole), True)
            assert shaped(subset, shown.text, shown.language, everything) == shaped(
                whole, shown.text, shown.language, everything
            ), (name, shown)
            tried[shown.language] = tried.get(shown.language, 0) + 1
    # The fixtures do reach the hard cases: marks on marks, ligatures, Persian and Urdu, Latin.
    texts = "".join(
        shown.text
        for name, (document, _, _) in documents.items()
        for shown in shown_strings(document, html=name.endswith(".html"))
    )
    assert re.search("\u0651[\u064b-\u0650]|[\u064b-\u0650]\u0651", texts), "a shadda with another mark"
    for needed in ("لا", "لأ", "لإ", "لآ", "ﷲ", "ٹ", "ڑ", "ے", "۱۴۰۳", "٠١٢", "Médecins"):
        assert needed in texts, needed
    assert {"ar", "fa", "en"} <= set(tried), tried
    assert sum(tried.values()) > 500, tried


@pytest.mark.parametrize("file_name", ["Amiri-Regular.ttf", "Amiri-Bold.ttf"])
def test_a_subset_keeps_the_licence_entries_and_the_joining_features(shaping_output: Path, file_name: str) -> None:
    with zipfile.ZipFile(shaping_output / "news.epub") as archive:
        subset = hb.Face(archive.read(f"EPUB/fonts/{file_name}"))
    whole = hb.Face(amiri(file_name))
    for name_id in (NAME_COPYRIGHT, NAME_LICENCE, NAME_LICENCE_URL):
        assert subset.get_name(name_id) == whole.get_name(name_id)
        assert subset.get_name(name_id)
    assert "Open Font License" in (subset.get_name(NAME_LICENCE) or "")
    features = set(_feature_tags(subset, "GSUB")) | set(_feature_tags(subset, "GPOS"))
    assert {"init", "medi", "fina", "rlig", "mark", "mkmk", "ccmp"} <= features
    assert len(covered(archive_font(shaping_output, file_name))) < len(covered(amiri(file_name))) / 2


@functools.cache
def amiri_features(data: bytes) -> tuple[str, ...]:
    face = hb.Face(data)
    return tuple(sorted(set(_feature_tags(face, "GSUB")) | set(_feature_tags(face, "GPOS"))))


def archive_font(output: Path, file_name: str) -> bytes:
    with zipfile.ZipFile(output / "news.epub") as archive:
        return archive.read(f"EPUB/fonts/{file_name}")


def _feature_tags(face: hb.Face, table: str) -> list[str]:
    tags = []
    for script in range(len(face.get_table_script_tags(table))):
        for language in [0xFFFF, *range(len(face.get_script_language_tags(table, script)))]:  # 0xFFFF: default
            tags += face.get_language_feature_tags(table, script, language)
    return tags


def _missing(documents: dict[str, tuple[bytes, bytes, bytes]]) -> list[tuple[str, str, bool]]:
    whole = {False: covered(amiri("Amiri-Regular.ttf")), True: covered(amiri("Amiri-Bold.ttf"))}
    missing = set()
    for name, (document, regular, bold) in documents.items():
        subsets = {False: covered(regular), True: covered(bold)}
        for shown in shown_strings(document, html=name.endswith(".html")):
            for character in shown.text:
                code = ord(character)
                if code in whole[shown.bold] and code not in subsets[shown.bold]:
                    missing.add((name, character, shown.bold))
    return sorted(missing)


def test_every_character_amiri_has_is_in_the_subset_of_the_style_drawing_it(shaping_output: Path) -> None:
    assert _missing(site_documents(shaping_output)) == []
    for book in sorted(shaping_output.glob("*.epub")):
        assert _missing(book_documents(book)) == [], book.name


def test_the_committed_site_and_book_have_every_character_they_draw() -> None:
    # The characters the last review found missing: the page's own words, not the articles'.
    index = (ROOT / "output" / "index.html").read_text(encoding="utf-8")
    assert all(words in index for words in ("JSON Feed", "RSS", "OPDS", "·", "(")), "the check below needs them"
    assert _missing(site_documents(ROOT / "output")) == []
    assert _missing(book_documents(ROOT / "output" / "news.epub")) == []


def test_the_title_element_is_not_drawn_with_amiri(tmp_path: Path) -> None:
    # The browser draws <title> in its own font: characters only the title has stay out.
    from publisher.drawn import drawn_in

    page = (
        b"<html><head><title>\xe2\x84\xa2 title only</title></head><body><p>\xd8\xa8</p><h2>\xd8\xaa</h2></body></html>"
    )
    drawn = drawn_in(page, html=True)
    assert drawn.regular == frozenset("بت")
    assert drawn.bold == frozenset("ت")


def test_the_stylesheet_sets_bold_only_where_the_font_cutter_knows(shaping_output: Path) -> None:
    from publisher.drawn import BOLD_RULES, BOLD_TAGS

    css = resources.files("publisher").joinpath("data", "style.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    bold = {
        part.strip()
        for selector_list, body in re.findall(r"([^{}@]+)\{([^{}]*)\}", css)
        if re.search(r"font-weight:\s*(bold|bolder|[6-9]00)", body)
        for part in selector_list.split(",")
    }
    assert bold - set(BOLD_TAGS) <= set(BOLD_RULES)
