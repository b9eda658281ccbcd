"""publisher: right-to-left articles published as Atom and RSS feeds, web pages and EPUB 3."""

__version__ = "0.1.0"
