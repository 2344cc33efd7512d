"""Continuity with the last build: what it published in --out, seen from this build and --today.

A rebuild reads each cohort's `plan.json` (the weeks and, slot by slot, the lessons) and every
feed's events (UID, SEQUENCE, stamps and content), so that the past stays as it was, the future
moves as little as possible and calendar clients can update events in place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, time
from pathlib import Path

from icalendar.prop import vDDDTypes

from .domain import Plan


@dataclass(frozen=True)
class Baseline:
    """What the last build published for one cohort: Monday -> (kind, CFA minutes)."""

    weeks: dict[date, tuple[str, int]]


STAMP_PROPERTIES = (b"DTSTAMP", b"SEQUENCE", b"LAST-MODIFIED")


def property_name(line: bytes) -> bytes:
    """The name of an unfolded content line: what comes before the first ';' or ':'."""
    end = min((i for i in (line.find(b";"), line.find(b":")) if i >= 0), default=len(line))
    return line[:end].upper()


def unfolded(block: bytes) -> list[bytes]:
    return block.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").split(b"\r\n")


def signature(block: bytes) -> bytes:
    """An event's content, without the properties that say when and how often it changed."""
    return b"\n".join(line for line in unfolded(block) if property_name(line) not in STAMP_PROPERTIES)


def event_blocks(raw: bytes) -> tuple[bytes, list[bytes], bytes]:
    """A serialized calendar cut into what comes before its events, each VEVENT (bytes as
    written, CRLF included) and what comes after. Our own feeds are read back this way: parsing
    thousands of events into icalendar objects at every rebuild is far too slow."""
    head, _, rest = raw.partition(b"BEGIN:VEVENT\r\n")
    if not rest:  # no event: what follows them is the calendar's end
        closing = b"END:VCALENDAR\r\n"
        return (raw[: -len(closing)], [], closing) if raw.endswith(closing) else (raw, [], b"")
    blocks = []
    rest = b"BEGIN:VEVENT\r\n" + rest
    while rest.startswith(b"BEGIN:VEVENT\r\n"):
        end = rest.index(b"END:VEVENT\r\n") + len(b"END:VEVENT\r\n")
        blocks.append(rest[:end])
        rest = rest[end:]
    return head, blocks, rest


def field(block: bytes, name: bytes) -> tuple[bytes, bytes] | None:
    """(parameters, value) of the first property `name` of an event block."""
    for line in unfolded(block):
        if property_name(line) == name:
            head, _, value = line.partition(b":")
            return head[len(name) :], value
    return None


def value_of(block: bytes, name: bytes) -> bytes:
    """The value of a property every event of ours has (UID, DTSTART); ValueError when missing."""
    found = field(block, name)
    if found is None:
        raise ValueError(f"an event without {name.decode()}")
    return found[1]


def is_cancelled(block: bytes) -> bool:
    """Whether an event block says STATUS:CANCELLED (an event that vanished since it was sent)."""
    status = field(block, b"STATUS")
    return status is not None and status[1].upper() == b"CANCELLED"


@dataclass(frozen=True)
class PublishedEvent:
    uid: str
    sequence: int
    signature: bytes
    start: date
    block: bytes  # the event exactly as published
    cancelled: bool

    def value(self, name: str) -> str | None:
        found = field(self.block, name.encode())
        return found[1].decode("utf-8") if found else None

    def lesson_identity(self) -> tuple[str, date, time, time]:
        """What a published lesson event is: subject, day, start and end (local time)."""
        start, end = self.moment("DTSTART"), self.moment("DTEND")
        return self.value("X-ALTERNANCE-SUBJECT") or "", start.date(), start.time(), end.time()

    def moment(self, name: str):
        """DTSTART or DTEND as a date or a (local) datetime."""
        found = self.value(name)
        return vDDDTypes.from_ical(found) if found else None


@dataclass
class Published:
    """The last build's output, or an empty one for a first build."""

    weeks: dict[str, Baseline] = dataclass_field(default_factory=dict)
    lessons: dict[str, dict[tuple[date, int], tuple[str, str | None]]] = dataclass_field(
        default_factory=dict
    )  # cohort -> (day, slot) -> (subject, trainer)
    events: dict[str, dict[str, PublishedEvent]] = dataclass_field(default_factory=dict)  # feed path -> uid -> event
    reports: dict[str, bytes] = dataclass_field(default_factory=dict)  # earlier change reports, kept

    @property
    def first_build(self) -> bool:
        return not self.weeks


def _event(block: bytes) -> PublishedEvent:
    start = vDDDTypes.from_ical(value_of(block, b"DTSTART").decode())
    sequence = field(block, b"SEQUENCE")
    return PublishedEvent(
        uid=value_of(block, b"UID").decode("utf-8"),
        sequence=int(sequence[1]) if sequence else 0,
        signature=signature(block),
        start=start.date() if isinstance(start, datetime) else start,
        block=block,
        cancelled=is_cancelled(block),
    )


def read_published(out: Path) -> Published:
    published = Published()
    if not out.is_dir():
        return published
    for path in sorted(out.glob("*/plan.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        cohort = document.get("cohort")
        weeks = {
            date.fromisoformat(w["start"]): (w["kind"], round(float(w["hours"]) * 60))
            for w in document.get("weeks", [])
        }
        published.weeks[cohort] = Baseline(weeks)
        lessons = {}
        for entry in document.get("lessons", []):
            day, slot, subject, trainer = entry.split(" ")
            lessons[date.fromisoformat(day), int(slot)] = (subject, None if trainer == "-" else trainer)
        published.lessons[cohort] = lessons
    for path in sorted(out.rglob("*.ics")):
        try:
            _, blocks, _ = event_blocks(path.read_bytes())
            events = {e.uid: e for e in map(_event, blocks)}
        except (OSError, ValueError, TypeError):
            continue  # not a feed this tool wrote: nothing to follow
        published.events[str(path.relative_to(out))] = events
    for path in sorted((out / "changes").rglob("*.md")):  # the reports and each company's notice
        published.reports[str(path.relative_to(out))] = path.read_bytes()
    return published


@dataclass(frozen=True)
class Continuity:
    """The last build as this one needs it: made once per build (`read`) and passed down.

    Weeks and lessons before `today` are frozen to what was published; the rest is the previous
    plan, which the new one changes as little as it can; events keep their identities."""

    published: Published = dataclass_field(default_factory=Published)
    today: date | None = None

    @classmethod
    def read(cls, out: Path, today: date | None) -> Continuity:
        return cls(read_published(out), today)

    @property
    def first_build(self) -> bool:
        return self.published.first_build

    @property
    def weeks(self) -> dict[str, Baseline]:
        """Each cohort's published weeks: Monday -> (kind, CFA minutes)."""
        return self.published.weeks

    @property
    def past_lessons(self) -> dict[str, dict[tuple[date, int], tuple[str, str | None]]]:
        """Each cohort's published lessons: (day, slot) -> (subject, trainer)."""
        return self.published.lessons

    def previous_timetable(self) -> dict[tuple[str, date, int], str]:
        """The published lessons from `today` on, (cohort, day, slot) -> subject: what the new
        timetable keeps where it can."""
        return {
            (cohort, day, slot): subject
            for cohort, lessons in self.published.lessons.items()
            for (day, slot), (subject, _) in lessons.items()
            if self.today is None or day >= self.today
        }

    def feed_events(self, path: str) -> dict[str, PublishedEvent] | None:
        """The published events of one feed by UID (None for a first build: nothing to follow)."""
        return None if self.first_build else self.published.events.get(path, {})

    def published_feeds(self, folder: str) -> list[str]:
        """The ids of the feeds the last build published in `folder` (e.g. "apprentices")."""
        return sorted(p[len(folder) + 1 : -len(".ics")] for p in self.published.events if p.startswith(f"{folder}/"))

    def lesson_identities(self, plan: Plan) -> dict[str, dict[tuple[str, date, int, int], str]]:
        """Each cohort's published lesson events: (subject, day, first slot, last slot) -> UID."""
        starts = {(s.start // 60, s.start % 60): i for i, s in enumerate(plan.day_slots)}
        ends = {(s.end // 60, s.end % 60): i for i, s in enumerate(plan.day_slots)}
        found: dict[str, dict[tuple[str, date, int, int], str]] = {}
        for cohort in plan.cohorts:
            for uid, event in self.published.events.get(f"{cohort.id}/lessons.ics", {}).items():
                if event.cancelled:
                    continue
                subject, day, start, end = event.lesson_identity()
                first, last = starts.get((start.hour, start.minute)), ends.get((end.hour, end.minute))
                if first is not None and last is not None:
                    found.setdefault(cohort.id, {})[subject, day, first, last] = uid.split("@")[0]
        return found

    @property
    def reports(self) -> dict[str, bytes]:
        """The earlier change reports, kept as they were."""
        return self.published.reports
