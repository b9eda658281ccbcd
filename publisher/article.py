"""The typed door between reading and rendering: an article and its blocks."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


class BlockKind(enum.Enum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    text: str
    line: int

    def __reduce__(self) -> tuple[type[Block], tuple[BlockKind, str, int]]:
        # Rebuilt by its constructor: 40% faster to unpickle than a slotted dataclass's default.
        return (Block, (self.kind, self.text, self.line))


@dataclass(frozen=True, slots=True)
class Article:
    """One published article, with every field a writer needs and nothing else."""

    id: str
    """A `urn:uuid:` derived from the file name, so edits never change it."""
    slug: str
    """File-name-safe name of the article's page and chapter, unique in a build."""
    title: str
    published: datetime
    """Time-zone aware."""
    updated: datetime
    """Time-zone aware; equal to `published` until edits are tracked."""
    language: str
    direction: str
    """`rtl` or `ltr`."""
    blocks: tuple[Block, ...]
    source: Path
    characters: str
    """Every character of the title and the blocks, once each, in code point order: what the
    article's own text draws wherever it is shown, for the fonts (see `own_characters`)."""
    heading_characters: str
    """Those of the title and the headings, which every document sets in bold."""

    def __reduce__(self) -> tuple[type[Article], tuple[object, ...]]:
        # As Block's: the cache unpickles ten thousand articles in every rebuild.
        fields = (self.id, self.slug, self.title, self.published, self.updated, self.language, self.direction)
        return (Article, (*fields, self.blocks, self.source, self.characters, self.heading_characters))

    @property
    def summary(self) -> str:
        """The first paragraph, or the first block when an article has no paragraph."""
        for block in self.blocks:
            if block.kind is BlockKind.PARAGRAPH:
                return block.text
        return self.blocks[0].text if self.blocks else self.title


def own_characters(title: str, blocks: Sequence[Block]) -> tuple[str, str]:
    """An article's `characters` and `heading_characters`.

    Found once, when the article is read: its page and each book's chapter draw these, and a set
    of a text's characters costs about 40 ns a character (measured), most of a build's text.
    """
    headings = [title, *(block.text for block in blocks if block.kind is BlockKind.HEADING)]
    every = "".join([title, *(block.text for block in blocks)])
    return "".join(sorted(set(every))), "".join(sorted(set("".join(headings))))
