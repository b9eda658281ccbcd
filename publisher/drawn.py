"""What documents draw: the characters of their text, in the regular style and in bold.

The embedded fonts are cut to exactly these (see `fonts`). A page's are found from its tree as it
is made, a book's from its documents; both leave out the `<title>`, which the browser's tab or the
reader's library shows in the system's font.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from .article import Article

BOLD_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "b", "strong", "th")
"""Elements every browser and reading system sets in bold by default (the HTML rendering rules)."""
BOLD_RULES = ("nav li > span",)
"""The selectors that our stylesheet sets in bold, beside `BOLD_TAGS`; a test keeps the two in step."""
_HTML_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True)


@dataclass(frozen=True, slots=True)
class Drawn:
    """The characters a set of documents draws: in the regular style, and in bold."""

    regular: frozenset[str] = frozenset()
    bold: frozenset[str] = frozenset()

    def __or__(self, other: Drawn) -> Drawn:
        return Drawn(self.regular | other.regular, self.bold | other.bold)

    def encode(self) -> bytes:
        # Neither XML nor HTML can hold a NUL: here it only separates the two sets.
        return ("".join(sorted(self.regular)) + "\0" + "".join(sorted(self.bold))).encode()

    @classmethod
    def decode(cls, data: bytes) -> Drawn:
        regular, _, bold = data.decode().partition("\0")
        return cls(frozenset(regular), frozenset(bold))


@dataclass(frozen=True, slots=True)
class Rendered:
    """A document's bytes and what it draws, found from its tree before it was serialized."""

    data: bytes
    drawn: Drawn


class _Texts:
    """The texts of a document's body, gathered in one walk: all of them, and those set in bold.

    What is drawn is the body: the `<title>` goes to the browser's tab or the reader's library, in
    the system's font. Bold text is that of `BOLD_TAGS` and `BOLD_RULES` and their descendants.
    """

    def __init__(self, skipped: frozenset[etree._Element]) -> None:
        self.regular: list[str] = []
        self.bold: list[str] = []
        self._skipped = skipped

    def add(self, text: str | None, *, bold: bool) -> None:
        if text:
            self.regular.append(text)
            if bold:
                self.bold.append(text)

    def walk(self, element: etree._Element, *, bold: bool, in_nav: bool) -> None:
        name = _local_name(element)
        for item in element:
            if isinstance(item.tag, str) and item not in self._skipped:  # not a comment, not the article's own
                child = _local_name(item)
                child_bold = bold or child in BOLD_TAGS or (child == "span" and name == "li" and in_nav)
                self.add(item.get("alt"), bold=False)
                self.add(item.text, bold=child_bold)
                self.walk(item, bold=child_bold, in_nav=in_nav or child == "nav")
            self.add(item.tail, bold=bold)


def _local_name(element: etree._Element) -> str:
    return str(element.tag).rpartition("}")[2]


def drawn_by(
    root: etree._Element, own: Article | None = None, known: Sequence[tuple[etree._Element, Drawn]] = ()
) -> Drawn:
    """What the document whose tree is `root` draws: its body's text and `alt` texts.

    The regular set holds every character, bold ones too: a reading system that cannot apply the
    weight draws them in the regular style. With `own`, the article the document's `<article>`
    shows whole (a web page, a chapter): its title and blocks are not walked, their characters
    are the article's own, found once when it was read (a set of a text's characters costs
    about 40 ns a character, and they are most of the text). Each `known` element, a child of
    the body, is not walked either: what it draws is given with it (a footer every page shares).
    """
    body = next(root.iter("{*}body"), None)
    if body is None:
        return Drawn()
    skipped = [element for element, _ in known]
    shown = next(body.iter("{*}article"), None) if own is not None else None
    if shown is not None:
        header = [item for item in shown if _local_name(item) == "header"]
        titles = [item for item in header[0] if _local_name(item) == "h1"] if header else []
        skipped += [*titles, *(item for item in shown if _local_name(item) != "header")]
    texts = _Texts(frozenset(skipped))
    texts.add(body.text, bold=False)
    texts.walk(body, bold=False, in_nav=False)
    regular, bold = frozenset("".join(texts.regular)), frozenset("".join(texts.bold))
    if own is not None and shown is not None:
        regular |= frozenset(own.characters)
        bold |= frozenset(own.heading_characters)
    for _, drawn in known:
        regular, bold = regular | drawn.regular, bold | drawn.bold
    return Drawn(regular, bold)


def drawn_in(document: bytes, *, html: bool = False) -> Drawn:
    """`drawn_by` of an XHTML (or, with `html`, HTML) document's bytes."""
    return drawn_by(_parsed(document, html=html))


def _parsed(document: bytes, *, html: bool) -> etree._Element:
    return etree.fromstring(document, _HTML_PARSER) if html else etree.fromstring(document)
