"""What documents draw: found from the tree as a page or chapter is made, it must be what the bytes show."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.config import Config
from publisher.drawn import drawn_in
from publisher.errors import ArticleError
from publisher.reader import read_article
from publisher.render import render_chapter
from publisher.site import Link, SiteLinks, render_article_page

DATA = Path(__file__).parent / "data"
CONFIG = Config()
LINKS = SiteLinks(
    feeds=(Link("feed.atom", "Atom", "application/atom+xml"),),
    books=Link("books.html", "الكتب · ٢٠٢٥", "text/html"),
    catalog=Link("opds.xml", "OPDS (الفهرس)", "application/atom+xml"),
)


def _readable() -> list[Path]:
    paths = []
    for path in sorted(DATA.glob("*.txt")):
        try:
            read_article(path, CONFIG)
        except ArticleError:
            continue
        paths.append(path)
    return paths


@pytest.mark.parametrize("path", _readable(), ids=lambda path: path.stem)
def test_a_page_and_a_chapter_draw_what_their_bytes_show(path: Path) -> None:
    # The article's own characters stand in for its title and blocks: any character of the page
    # around them (the dateline, the footer's links) that the walk missed would be missing here.
    article = read_article(path, CONFIG)
    page = render_article_page(article, CONFIG, LINKS)
    assert page.drawn == drawn_in(page.data, html=True)
    chapter = render_chapter(article, CONFIG)
    assert chapter.drawn == drawn_in(chapter.data)


def test_the_walk_takes_alt_texts_and_bold_labels_and_leaves_comments_and_the_head() -> None:
    document = (
        "<html><head><title>ث</title></head><body><!-- ج --><p>ا<b>ب</b>ت</p><img src='x' alt='ح'/>"
        "<nav><ol><li><span>د</span><a>ذ</a></li></ol></nav><div><li><span>ر</span></li></div></body></html>"
    )
    drawn = drawn_in(document.encode(), html=True)
    assert drawn.regular == frozenset("ابتحدذر")
    assert drawn.bold == frozenset("بد")
