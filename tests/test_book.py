"""The e-reader-grade book: navigation by date, NCX mirror, landmarks, cover, font, a11y, volumes, splitting."""

from __future__ import annotations

import io
import re
import zipfile
from importlib import resources
from pathlib import Path

import lxml.html
import pytest
from fontTools.ttLib import TTFont
from lxml import etree
from PIL import Image

from publisher import epub
from publisher.article import Article
from publisher.config import Config
from publisher.drawn import Rendered
from publisher.fonts import licence_text
from publisher.pipeline import stylesheet
from publisher.reader import read_seeds
from publisher.render import ChapterLinks, render_chapter_parts
from publisher.volumes import BookPlan, chronological

from .helpers import (
    GOOD_MIXED,
    OPF,
    XHTML,
    XML_LANG,
    build_into,
    epub_members,
    epubcheck_findings,
    make_seeds,
    parse_xml,
)

EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
NCX = "{http://www.daisy.org/z3986/2005/ncx/}"
# Arabic, Persian, Hebrew and English articles over two years (December 2024 to April 2025).
FIXTURES = (*GOOD_MIXED, "arabic_article_from_2024.txt")
CONFIG = Config(latin_language="en", volumes="none")


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("collection")
    build_into(make_seeds(folder / "seeds", *FIXTURES), folder / "output", CONFIG)
    return folder / "output" / "news.epub"


@pytest.fixture(scope="module")
def members(collection: Path) -> dict[str, bytes]:
    return epub_members(collection)


@pytest.fixture(scope="module")
def volumes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("volumes")
    build_into(make_seeds(folder / "seeds", *FIXTURES), folder / "output", Config(volumes="year"))
    return folder / "output"


def package(members: dict[str, bytes]) -> etree._Element:
    return parse_xml(members["EPUB/content.opf"])


def manifest(members: dict[str, bytes]) -> dict[str, etree._Element]:
    return {item.get("href", ""): item for item in package(members).iter(f"{OPF}item")}


def text_of(element: etree._Element) -> str:
    return "".join(element.itertext())


def nav_tree(nav: etree._Element) -> list[tuple[int, str, str]]:
    """(depth, label, target) for every entry of the toc nav; a group's target is its first link's."""
    entries = []
    for item in nav.iter(f"{XHTML}li"):
        depth = sum(1 for ancestor in item.iterancestors(f"{XHTML}ol"))
        label_element = item[0]
        first_link = item.find(f".//{XHTML}a")
        assert first_link is not None
        entries.append((depth, text_of(label_element).strip(), first_link.get("href", "")))
    return entries


def ncx_tree(ncx: etree._Element) -> list[tuple[int, str, str]]:
    return [
        (
            sum(1 for _ in point.iterancestors(f"{NCX}navPoint")) + 1,
            point.findtext(f"{NCX}navLabel/{NCX}text", "").strip(),
            point.find(f"{NCX}content").get("src", ""),  # type: ignore[union-attr]
        )
        for point in ncx.iter(f"{NCX}navPoint")
    ]


def toc_nav(members: dict[str, bytes]) -> etree._Element:
    nav = parse_xml(members["EPUB/nav.xhtml"]).find(f".//{XHTML}nav[@id='toc']")
    assert nav is not None
    return nav


def test_epubcheck_passes_the_two_year_multilingual_collection(collection: Path) -> None:
    assert epubcheck_findings(collection) == []


def test_epubcheck_passes_every_volume(volumes: Path) -> None:
    books = sorted(path.name for path in volumes.glob("*.epub"))
    assert books == ["news-2024.epub", "news-2025.epub", "news.epub"]
    for name in ("news-2024.epub", "news-2025.epub"):
        assert epubcheck_findings(volumes / name) == [], name


def test_the_contents_are_grouped_by_year_then_month_with_babel_month_names(members: dict[str, bytes]) -> None:
    nav = toc_nav(members)
    assert (nav.get(EPUB_TYPE), nav.get("role")) == ("toc", "doc-toc")
    top = nav.find(f"{XHTML}ol")
    assert top is not None
    groups = [text_of(item[0]).strip() for item in top]
    assert groups == ["صفحة العنوان", "2024", "2025"]
    months = [[text_of(month[0]) for month in year.find(f"{XHTML}ol")] for year in top[1:]]  # type: ignore[union-attr]
    assert months == [["ديسمبر"], ["مارس", "أبريل"]]
    # Articles are the third level, in the order of the spine.
    links = [link.get("href") for link in top.iterfind(f"{XHTML}li/{XHTML}ol/{XHTML}li/{XHTML}ol/{XHTML}li/{XHTML}a")]
    spine = [manifest_item.get("href", "") for manifest_item in _spine_items(members)]
    assert links == [href for href in spine if href.startswith("articles/")]
    assert len(links) == len(FIXTURES) + 1


def _spine_items(members: dict[str, bytes]) -> list[etree._Element]:
    by_id = {item.get("id"): item for item in package(members).iter(f"{OPF}item")}
    return [by_id[ref.get("idref")] for ref in package(members).iter(f"{OPF}itemref")]


def test_the_ncx_mirrors_the_nav_entry_for_entry(members: dict[str, bytes]) -> None:
    nav, ncx = nav_tree(toc_nav(members)), ncx_tree(parse_xml(members["EPUB/toc.ncx"]))
    assert ncx == nav
    assert sum(1 for depth, _, _ in ncx if depth == 3) == len(FIXTURES) + 1
    # Points to the same place share a playOrder, and playOrder follows document order.
    orders: dict[str, int] = {}
    for point in parse_xml(members["EPUB/toc.ncx"]).iter(f"{NCX}navPoint"):
        src = point.find(f"{NCX}content").get("src", "")  # type: ignore[union-attr]
        order = int(point.get("playOrder", "0"))
        assert orders.setdefault(src, order) == order
    assert list(orders.values()) == list(range(1, len(orders) + 1))


def test_landmarks_point_at_the_cover_title_page_contents_and_first_article(members: dict[str, bytes]) -> None:
    nav = parse_xml(members["EPUB/nav.xhtml"]).find(f".//{XHTML}nav[@id='landmarks']")
    assert nav is not None
    marks = {link.get(EPUB_TYPE): link.get("href") for link in nav.iter(f"{XHTML}a")}
    first_article = next(
        item.get("href") for item in _spine_items(members) if item.get("href", "").startswith("articles/")
    )
    assert marks == {
        "cover": "cover.xhtml",
        "titlepage": "titlepage.xhtml",
        "toc": "nav.xhtml#toc",
        "bodymatter": first_article,
    }
    assert [item.get("href") for item in _spine_items(members)][:3] == ["cover.xhtml", "titlepage.xhtml", "nav.xhtml"]


def test_the_title_page_gives_the_title_date_range_and_a_plural_count(members: dict[str, bytes]) -> None:
    page = parse_xml(members["EPUB/titlepage.xhtml"])
    section = page.find(f".//{XHTML}section")
    assert section is not None
    assert section.get(EPUB_TYPE) == "titlepage"
    assert text_of(section.find(f"{XHTML}h1")) == "أخبار"  # type: ignore[arg-type]
    # Babel's interval; 11 takes the singular noun in Arabic ("many" form).
    assert section.findtext(f"{XHTML}p[@class='range']") == "ديسمبر 2024 – أبريل 2025"
    assert section.findtext(f"{XHTML}p[@class='count']") == "11 مقالة"


def test_the_package_has_language_direction_and_accessibility_metadata(members: dict[str, bytes]) -> None:
    root = package(members)
    assert (root.get(XML_LANG), root.get("dir")) == ("ar", "rtl")
    properties: dict[str, list[str]] = {}
    for meta in root.iter(f"{OPF}meta"):
        if meta.get("property"):
            properties.setdefault(meta.get("property", ""), []).append(meta.text or "")
    assert properties["schema:accessMode"] == ["textual", "visual"]
    assert properties["schema:accessModeSufficient"] == ["textual"]
    assert {"structuralNavigation", "tableOfContents", "readingOrder"} <= set(properties["schema:accessibilityFeature"])
    assert properties["schema:accessibilityHazard"] == ["none"]
    assert properties["schema:accessibilitySummary"][0]
    assert properties["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]


def test_every_page_has_a_language_and_heading_levels_never_skip(members: dict[str, bytes]) -> None:
    for name, data in members.items():
        if not name.endswith(".xhtml"):
            continue
        root = parse_xml(data)
        assert root.get("lang") and root.get(XML_LANG) == root.get("lang") and root.get("dir"), name
        levels = [
            int(str(element.tag)[-1])
            for element in root.iter()
            if re.fullmatch(rf"{re.escape(XHTML)}h[1-6]", str(element.tag))
        ]
        previous = 0
        for level in levels:
            assert level <= previous + 1, f"{name}: h{previous} then h{level}"
            previous = level


def test_the_cover_is_the_declared_cover_image_and_is_deterministic(members: dict[str, bytes], tmp_path: Path) -> None:
    item = manifest(members)["images/cover.png"]
    assert (item.get("properties"), item.get("media-type"), item.get("id")) == (
        "cover-image",
        "image/png",
        "cover-image",
    )
    legacy = package(members).find(f".//{OPF}meta[@name='cover']")
    assert legacy is not None and legacy.get("content") == "cover-image"  # EPUB 2 readers and Kindle
    with Image.open(io.BytesIO(members["EPUB/images/cover.png"])) as image:
        assert image.size == (1600, 2560)
        assert len(image.getcolors(256) or []) > 8  # drawn, not a blank page
    page = parse_xml(members["EPUB/cover.xhtml"])
    image_element = page.find(f".//{XHTML}img")
    assert image_element is not None
    assert (image_element.get("src"), image_element.get("role")) == ("images/cover.png", "doc-cover")
    assert "أخبار" in image_element.get("alt", "")
    build_into(make_seeds(tmp_path / "seeds", *FIXTURES), tmp_path / "output", CONFIG)
    assert epub_members(tmp_path / "output" / "news.epub")["EPUB/images/cover.png"] == members["EPUB/images/cover.png"]


def test_the_embedded_font_is_a_subset_holding_every_character_used(members: dict[str, bytes]) -> None:
    import fontpkg_amiri

    files = Path(fontpkg_amiri.__file__).parent / "files"
    used_regular: set[str] = set()
    used_bold: set[str] = set()
    for name, data in members.items():
        if name.endswith(".xhtml"):
            root = parse_xml(data)
            used_regular.update("".join(root.itertext()))
            for heading in root.iter(f"{XHTML}h1", f"{XHTML}h2"):
                used_bold.update(text_of(heading))
    for font_name, used in (("Amiri-Regular.ttf", used_regular), ("Amiri-Bold.ttf", used_bold)):
        original_bytes = (files / font_name).read_bytes()
        subset_bytes = members[f"EPUB/fonts/{font_name}"]
        assert len(subset_bytes) < len(original_bytes) / 2
        original = set(TTFont(io.BytesIO(original_bytes)).getBestCmap())
        subset = set(TTFont(io.BytesIO(subset_bytes)).getBestCmap())
        needed = {ord(char) for char in used} & original
        assert needed - subset == set(), font_name
        assert ord("ש") not in original  # Hebrew falls back to the stylesheet's other fonts
        assert len(subset) < len(original) / 2
    items = manifest(members)
    assert items["fonts/Amiri-Regular.ttf"].get("media-type") == "font/ttf"
    assert members["EPUB/fonts/OFL.txt"] == licence_text()
    assert b"SIL OPEN FONT LICENSE" in members["EPUB/fonts/OFL.txt"]
    css = members["EPUB/style.css"].decode()
    assert 'src: url("fonts/Amiri-Regular.ttf")' in css and 'font-family: "Amiri"' in css


def test_without_the_font_the_book_has_no_font_and_is_smaller(tmp_path: Path, collection: Path) -> None:
    build_into(make_seeds(tmp_path / "seeds", *FIXTURES), tmp_path / "output", Config(embed_font=False, volumes="none"))
    book = tmp_path / "output" / "news.epub"
    assert not any(name.startswith("EPUB/fonts/") for name in epub_members(book))
    assert "@font-face" not in epub_members(book)["EPUB/style.css"].decode()
    assert book.stat().st_size < collection.stat().st_size


def test_the_latin_run_of_the_sample_is_isolated_with_its_language(members: dict[str, bytes]) -> None:
    chapter = parse_xml(members["EPUB/articles/000_f16a7d7f239613ff.xhtml"])
    spans = chapter.findall(f".//{XHTML}span[@dir='ltr']")
    assert [(span.text, span.get("lang"), span.get(XML_LANG)) for span in spans] == [("Border Security", "en", "en")]
    paragraph = spans[0].getparent()
    assert paragraph is not None and paragraph.text is not None and spans[0].tail is not None
    assert paragraph.text.endswith("أنظمة ") and spans[0].tail.startswith(" في المملكة المتحدة.")


def test_dates_shown_to_readers_are_localized_and_machine_dates_stay_iso(members: dict[str, bytes]) -> None:
    def dateline(slug: str) -> tuple[str | None, str | None]:
        time = parse_xml(members[f"EPUB/articles/{slug}.xhtml"]).find(f".//{XHTML}time")
        assert time is not None
        return time.text, time.get("datetime")

    assert dateline("000_f16a7d7f239613ff") == ("31 مارس 2025، 3:08 م", "2025-03-31T15:08:00+00:00")
    assert dateline("english_article") == ("April 6, 2025, 4:45\u202fPM", "2025-04-06T16:45:00+00:00")
    assert dateline("hebrew_article") == ("4 באפריל 2025, 8:30", "2025-04-04T08:30:00+00:00")
    # Persian writes its own digits by default (CLDR), Gregorian months in Persian.
    assert dateline("persian_article")[0] == "۵ آوریل ۲۰۲۵، ساعت ۱۲:۱۵"


def test_volumes_declare_their_series_and_have_their_own_identifiers(volumes: Path) -> None:
    identifiers = set()
    for position, name in enumerate(("news-2024.epub", "news-2025.epub"), start=1):
        root = package(epub_members(volumes / name))
        collection_meta = root.find(f".//{OPF}meta[@property='belongs-to-collection']")
        assert collection_meta is not None and collection_meta.text == "أخبار"
        refined = {
            meta.get("property"): meta.text for meta in root.iter(f"{OPF}meta") if meta.get("refines") == "#collection"
        }
        assert refined == {"collection-type": "series", "group-position": str(position)}
        identifiers.add(root.findtext(".//{http://purl.org/dc/elements/1.1/}identifier"))
        assert root.findtext(".//{http://purl.org/dc/elements/1.1/}title") == f"أخبار: {name[5:9]}"
    collection_id = package(epub_members(volumes / "news.epub")).findtext(
        ".//{http://purl.org/dc/elements/1.1/}identifier"
    )
    assert len(identifiers | {collection_id}) == 3
    assert package(epub_members(volumes / "news.epub")).find(f".//{OPF}meta[@property='belongs-to-collection']") is None


def test_a_chapter_over_250_kb_is_split_but_listed_once(tmp_path: Path) -> None:
    paragraph = "فقرة طويلة عن أمن الحدود والتعاون بين الدول في مواجهة الجريمة المنظمة. " * 20
    blocks = [f"{paragraph}{number}." for number in range(400)]
    for number in range(350, 0, -50):
        blocks.insert(number, f"القسم {number}")
    lines = ["2025-05-01 10:00:00", "تقرير مطول", *blocks]
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "long_report.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    build_into(seeds, tmp_path / "output", Config(volumes="none"))
    book = tmp_path / "output" / "news.epub"
    members = epub_members(book)
    parts = sorted((name for name in members if name.startswith("EPUB/articles/")), key=lambda name: (len(name), name))
    assert len(parts) >= 3
    assert all(len(members[name]) <= 250_000 for name in parts)
    assert [item.get("href") for item in _spine_items(members)][3:] == [name.removeprefix("EPUB/") for name in parts]
    assert [target for depth, _, target in nav_tree(toc_nav(members)) if depth == 3] == ["articles/long_report.xhtml"]
    blocks_read = [
        text_of(element)
        for name in parts
        for element in parse_xml(members[name]).iter(f"{XHTML}p", f"{XHTML}h2")
        if element.get("class") is None
    ]
    assert blocks_read == lines[2:]
    # Every continuation file opens with the title marked as continued, so headings start at h1.
    for name in parts[1:]:
        first_heading = next(parse_xml(members[name]).iter(f"{XHTML}h1", f"{XHTML}h2"))
        assert (first_heading.tag, text_of(first_heading)) == (f"{XHTML}h1", "تقرير مطول (تابع)")
    # The web page stays whole.
    page = lxml.html.document_fromstring((tmp_path / "output" / "articles" / "long_report.html").read_bytes())
    main = page.find(".//main")
    assert main is not None
    assert len([p for p in main.iter("p") if p.get("class") is None]) == 400
    assert not any(element.get("class") == "continued" for element in page.iter("h1"))
    assert epubcheck_findings(book) == []


def test_fonts_deflated_once_for_every_book_give_the_bytes_zipfile_gives() -> None:
    font = resources.files("fontpkg_amiri").joinpath("files", "Amiri-Regular.ttf").read_bytes()
    members = {"EPUB/fonts/Amiri-Regular.ttf": font, "EPUB/articles/one.xhtml": b"<p>" * 3000}
    when = (2025, 3, 31, 12, 0, 0)

    def ours() -> bytes:
        buffer = io.BytesIO()
        with epub._ReproducibleZip(buffer, when) as book:
            for name, data in members.items():
                book.writestr(name, data)
        return buffer.getvalue()

    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as book:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            book.writestr(info, data)

    epub._deflated.cache_clear()
    first, second = ours(), ours()
    assert epub._deflated.cache_info().hits == 1  # the second book's font, deflated for the first
    assert first == second == plain.getvalue()
    with zipfile.ZipFile(io.BytesIO(second)) as book:
        assert book.testzip() is None
        assert book.read("EPUB/fonts/Amiri-Regular.ttf") == font


def test_a_chapter_deflated_for_one_book_is_not_deflated_again_for_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = read_seeds(make_seeds(tmp_path / "seeds", *FIXTURES), CONFIG).articles
    collection = BookPlan("news.epub", "urn:uuid:1", tuple(chronological(articles)))
    volume = BookPlan("news-2025.epub", "urn:uuid:2", collection.articles[-2:], part="2025", position=1)
    css = stylesheet()

    def parts(article: Article, links: ChapterLinks) -> list[Rendered]:
        return render_chapter_parts(article, CONFIG, epub.CHAPTER_LIMIT, links=links)

    unshared = [epub.build_epub(book, parts, css, CONFIG).data for book in (collection, volume)]
    deflations: list[bytes] = []
    deflate = epub._deflate

    def counted(data: bytes) -> bytes:
        deflations.append(data)
        return deflate(data)

    monkeypatch.setattr(epub, "_deflate", counted)
    deflated: dict[bytes, bytes] = {}
    shared = [epub.build_epub(book, parts, css, CONFIG, deflated=deflated).data for book in (collection, volume)]
    # Each chapter once, for the collection; but the volume's first, whose bar has no previous article.
    assert len(deflations) == len(deflated) == len(articles) + 1
    assert shared == unshared
