"""Dates as each output format can carry them.

The reader accepts any time from year 1 to 9999, in the configured zone or with an offset of up
to ±23:59, and an article keeps that true date everywhere it fits. Some formats cannot hold some
of those dates: converted to UTC (a book's `dcterms:modified`, the OPDS catalog) a time near
either end of the range falls outside Python's years 1 to 9999; RFC 822 dates (RSS) need a
four-digit year from 1900 (RFC 5322, 3.3); zip entries hold only 1980 to 2107; and RFC 3339
(Atom, JSON Feed, sitemaps, HTML `datetime`) cannot write an offset with seconds, which is what
the zone database gives old dates (local mean time: +03:06:52 in Riyadh before 1947). In such a
format alone, the date becomes the nearest one the format can carry, with a warning naming the
article's file. `source` is that file; None for a date taken from articles whose own dates, in
the same document, already give the warning (a feed's `updated` is its newest entry's).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .errors import display_path

logger = logging.getLogger(__name__)

EARLIEST_UTC = datetime.min.replace(tzinfo=UTC)
LATEST_UTC = datetime.max.replace(tzinfo=UTC)
RSS_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
"""RFC 5322, 3.3: "the year is any numeric year 1900 or later", in four digits."""
_MINUTE = timedelta(minutes=1)


def clamped(moment: datetime, earliest: datetime, latest: datetime, source: Path | None, where: str) -> datetime:
    """`moment`, or the nearer of `earliest` and `latest` when it is outside them (with a warning).

    Comparing aware datetimes is safe at the ends of the range: Python subtracts their offsets
    as time deltas, never building a datetime outside years 1 to 9999.
    """
    if moment < earliest:
        return _instead(moment, earliest, source, where)
    if moment > latest:
        return _instead(moment, latest, source, where)
    return moment


def in_utc(moment: datetime, source: Path | None, where: str) -> datetime:
    """`moment` in UTC; the first or last moment Python can hold when its UTC date is not a year 1 to 9999."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        # An offset is less than a day, so only the first and the last day of the range overflow.
        return _instead(moment, EARLIEST_UTC if moment.year == 1 else LATEST_UTC, source, where)


def rfc3339_time(moment: datetime, source: Path | None, where: str) -> datetime:
    """`moment` as RFC 3339 can write it: with its own offset, or in UTC when that offset has seconds."""
    offset = moment.utcoffset()
    if offset is None or offset % _MINUTE:
        return in_utc(moment, source, where)
    return moment


def rfc3339(moment: datetime, source: Path | None, where: str) -> str:
    """The ISO 8601 text of `rfc3339_time` (Atom, JSON Feed, sitemaps, HTML `datetime` attributes)."""
    return rfc3339_time(moment, source, where).isoformat()


def rss_time(moment: datetime, source: Path | None, where: str) -> datetime:
    """`moment` as RFC 822 (RSS) can write it: whole-minute offset, year 1900 or later.

    The year is checked as written, in the date's own offset: `strftime("%Y")` writes year 999
    as "999", which feed readers take for 1999 or reject.
    """
    moment = rfc3339_time(moment, source, where)
    if moment.year < RSS_EARLIEST.year:
        return _instead(moment, RSS_EARLIEST, source, where)
    return moment


def utc_stamp(moment: datetime) -> str:
    """`YYYY-MM-DDThh:mm:ssZ` of a UTC time, the year always in four digits (unlike `strftime("%Y")`)."""
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _instead(moment: datetime, replacement: datetime, source: Path | None, where: str) -> datetime:
    if source is None:
        return replacement
    logger.warning(
        "%s: warning: %s cannot carry the date %s; it says %s instead",
        display_path(source),
        where,
        moment.isoformat(),
        replacement.isoformat(),
    )
    return replacement
