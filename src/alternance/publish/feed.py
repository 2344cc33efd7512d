"""Feeds serialized line by line, each distinct content line once, with icalendar's own bytes.

icalendar stays the model of an event (`Part.make` builds a Component, `Feed.calendar` the whole
feed) and the judge of its bytes; `FeedWriter` only avoids doing the same work twice. The seed
plan's feeds hold each lesson again in every apprentice's feed and its trainer's, and the weeks
of 200 cohorts are alike but for their dates: building and folding every copy took most of a
build's writing time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from typing import Any

from icalendar import Calendar, Component, Event, vText
from icalendar.parser import Contentline

from ..continuity import property_name

# A TEXT value that icalendar writes as it is: printable characters without the ones TEXT
# escapes (, ; \) and without ^, which icalendar's folding keeps off the end of a line.
_PLAIN = re.compile(r"[ -+\--:<-\[\]_-~\u00a0-\ud7ff\ue000-\U0010ffff]*")
_FOLD_AT = 74  # icalendar folds a content line into pieces of 74 octets (a space starts the next)
_END_CALENDAR = b"END:VCALENDAR\r\n"
_ESCAPES = b"\\^"


def fold(text: bytes) -> bytes:
    """icalendar's folding of a content line: pieces of at most 74 octets, a character never cut
    (a UTF-8 continuation octet, 0b10xxxxxx, never starts a piece), and a piece never ending in
    the \\ or ^ that starts an escape (icalendar moves it to the next piece)."""
    pieces, start = [], 0
    while len(text) - start > _FOLD_AT:
        end = start + _FOLD_AT
        while text[end] & 0xC0 == 0x80:
            end -= 1
        if text[end - 1] in _ESCAPES and end - 1 > start:
            end -= 1
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return b"\r\n ".join(pieces)


@dataclass(frozen=True)
class Part:
    """A component of a feed: `build(plan, *fixed)`, then each of `values` added as a property.

    Parts with the same `build`, `fixed` and value names differ only in those values' lines: a
    lesson in its cohort's, an apprentice's and its trainer's feed differs in UID and SUMMARY, two
    CFA weeks of the same hours in UID, SUMMARY and dates. `build` must depend on nothing but
    the plan and `fixed`."""

    build: Callable[..., Component]
    fixed: tuple[Hashable, ...]
    values: tuple[tuple[str, Any], ...] = ()

    def make(self, plan: Any) -> Component:
        component = self.build(plan, *self.fixed)
        for name, value in self.values:
            component.add(name, value)
        return component


@dataclass(frozen=True)
class Feed:
    """One .ics file: the calendar's own properties (`head`, a VCALENDAR without components),
    its VTIMEZONE when its events are timed, and its events in order."""

    plan: Any
    head: Part
    timezone: Part | None
    events: tuple[Part, ...]

    def calendar(self) -> Calendar:
        """The feed as one icalendar Calendar, every event built anew: the plain way, whose
        `to_ical()` is what `FeedWriter.to_ical` must give byte for byte."""
        cal = self.head.make(self.plan)
        if not isinstance(cal, Calendar):
            raise TypeError(f"{self.head.build.__name__} does not build a VCALENDAR")
        for part in ((self.timezone,) if self.timezone else ()) + self.events:
            cal.add_component(part.make(self.plan))
        return cal


class FeedWriter:
    """Serializes the feeds of one plan. The first part of each (build, fixed, value names) is
    built and serialized by icalendar, each content line folded once; every later one is those
    lines with its own values' lines put in, each distinct line also made once by icalendar."""

    def __init__(self, plan: Any):
        self.plan = plan
        self._templates: dict[tuple, tuple[list[bytes], list[int]]] = {}
        self._lines: dict[tuple, bytes] = {}
        self._folded: dict[str, bytes] = {}
        self._text: dict[str, bool] = {}  # property name -> whether icalendar types it TEXT

    def to_ical(self, feed: Feed) -> bytes:
        """The bytes of `feed.calendar().to_ical()`."""
        if feed.plan is not self.plan:
            raise ValueError("a FeedWriter serializes the feeds of its own plan only")
        parts = [self._block(feed.head).removesuffix(_END_CALENDAR)]
        if feed.timezone is not None:
            parts.append(self._block(feed.timezone))
        parts.extend(self._block(event) for event in feed.events)
        parts.append(_END_CALENDAR)
        return b"".join(parts)

    def _block(self, part: Part) -> bytes:
        names = tuple(name for name, _ in part.values)
        key = (part.build, part.fixed, names)
        template = self._templates.get(key)
        if template is None:
            # What Component.to_ical() does, with each distinct content line folded once.
            lines = [self._fold(line) for line in part.make(self.plan).content_lines() if line]
            slots = {property_name(line).decode(): i for i, line in enumerate(lines)}
            for name, value in part.values:  # the lines put in later copies are these very lines
                if lines[slots[name.upper()]] != self._line(name, value):
                    raise ValueError(f"{part.build.__name__}{part.fixed}: {name} is not written as icalendar does")
            # The block cut around the value lines: chunks[0], value, chunks[1], value, ...
            positions = [slots[name.upper()] for name in names]
            order = sorted(range(len(names)), key=positions.__getitem__)
            chunks, start = [], 0
            for i in order:
                chunks.append(b"".join(line + b"\r\n" for line in lines[start : positions[i]]))
                start = positions[i] + 1
            chunks.append(b"".join(line + b"\r\n" for line in lines[start:]))
            self._templates[key] = chunks, order
            return b"".join(line + b"\r\n" for line in lines)
        chunks, order = template
        pieces = [chunks[0]]
        for k, i in enumerate(order):
            name, value = part.values[i]
            pieces += (self._line(name, value), b"\r\n", chunks[k + 1])
        return b"".join(pieces)

    def _fold(self, line: Contentline) -> bytes:
        folded = self._folded.get(line)
        if folded is None:
            folded = self._folded[line] = fold(line.encode())  # what line.to_ical() gives
        return folded

    def _line(self, name: str, value: Any) -> bytes:
        """The content line of one property as icalendar writes it (folded, CRLF excluded)."""
        # Equal values of two types, or one moment in two zones, are written differently.
        key = (
            (name, value) if type(value) in (str, date) else (name, type(value), value, getattr(value, "tzinfo", None))
        )
        line = self._lines.get(key)
        if line is None:
            if isinstance(value, str) and self._is_text(name) and _PLAIN.fullmatch(value):
                line = fold(f"{name.upper()}:{value}".encode())  # nothing to escape
            else:
                holder = Event()
                holder.add(name, value)
                line = holder.content_line(name.upper(), holder[name]).to_ical()
            if name != "uid":  # one per event: kept, it would only fill the memory
                self._lines[key] = line
        return line

    def _is_text(self, name: str) -> bool:
        found = self._text.get(name)
        if found is None:
            found = self._text[name] = Event.types_factory.for_property(name) is vText
        return found
