"""What documents draw: the characters of their text, in the regular style and in bold.

The embedded fonts are cut to exactly these (see `fonts`). A page's are found from its tree as it
is made, a book's from its documents; both leave out the `<title>`, which the browser's tab or the
reader's library shows in the system's font.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

BOLD_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "b", "strong", "th")
"""Elements every browser and reading system sets in bold by default (the HTML rendering rules)."""
BOLD_RULES = ("nav li > span",)
"""The selectors that our stylesheet sets in bold, beside `BOLD_TAGS`; a test keeps the two in step."""
# What is drawn is the body: the <title> goes to the browser's tab or the reader's library, in
# the system's font. Bold text is that of the elements above, and their descendants.
_BOLD_ELEMENTS = tuple(f"{{*}}{tag}" for tag in BOLD_TAGS)  # {*}: in any namespace, or none (HTML)
_NAV_LABELS = etree.XPath("//*[local-name()='nav']//*[local-name()='li']/*[local-name()='span']")
_ALT_TEXTS = etree.XPath("//*[local-name()='body']//@alt")
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


def _shown_texts(root: etree._Element) -> tuple[str, list[str]]:
    """The text a document's body draws (with its `alt` texts), and the pieces of it drawn in bold."""
    body = next(root.iter("{*}body"), None)
    if body is None:
        return "", []
    # libxml2 joins the text itself: a join of itertext() in Python took three times as long.
    text = etree.tostring(body, method="text", encoding="unicode", with_tail=False) + "".join(_ALT_TEXTS(root))
    bold = [
        etree.tostring(element, method="text", encoding="unicode", with_tail=False)
        for element in (*body.iter(*_BOLD_ELEMENTS), *_NAV_LABELS(root))
    ]
    return text, bold


def drawn_by(root: etree._Element) -> Drawn:
    """What the document whose tree is `root` draws: its body's text and `alt` texts.

    The regular set holds every character, bold ones too: a reading system that cannot apply the
    weight draws them in the regular style.
    """
    text, bold = _shown_texts(root)
    return Drawn(frozenset(text), frozenset("".join(bold)))


def drawn_in(document: bytes, *, html: bool = False) -> Drawn:
    """`drawn_by` of an XHTML (or, with `html`, HTML) document's bytes."""
    return drawn_by(_parsed(document, html=html))


def _parsed(document: bytes, *, html: bool) -> etree._Element:
    return etree.fromstring(document, _HTML_PARSER) if html else etree.fromstring(document)


class DrawnUnion:
    """What many documents draw together, such as a book's: `drawn_in` of each, united, but faster.

    A set of a text's characters costs about 40 ns a character in Python (a new object for each
    non-Latin one); most of a book's chapters add no character the earlier ones lacked, so each
    text is first searched, in C, for characters not seen yet: 17 ms for a thousand chapters
    instead of 190 (measured).
    """

    def __init__(self) -> None:
        self._regular: set[str] = set()
        self._bold: set[str] = set()
        self._unseen: re.Pattern[str] | None = None

    def add(self, document: bytes) -> None:
        text, bold = _shown_texts(_parsed(document, html=False))
        fresh = self._unseen.findall(text) if self._unseen is not None else text
        if fresh:
            self._regular.update(fresh)
            self._unseen = re.compile("[^" + "".join(re.escape(character) for character in sorted(self._regular)) + "]")
        for piece in bold:
            self._bold.update(piece)

    def drawn(self) -> Drawn:
        return Drawn(frozenset(self._regular), frozenset(self._bold))
