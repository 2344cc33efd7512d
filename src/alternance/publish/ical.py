"""iCalendar feeds (RFC 5545): the only module that knows VCALENDAR, VEVENT and their properties.

Every UID is derived from what the event means (plan, cohort, week, company, apprentice) and
every DTSTAMP from the plan, never from the clock, so the same plan gives the same bytes.

A feed is a `Feed` of `Part`s (`publish/feed.py`): each event is built by icalendar from what
its copies in other feeds share (a lesson's cohort, subject, trainer and length; a week's kind,
hours and closure), plus its own UID, dates and summary, so that `FeedWriter` writes the shared
lines once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component, Event

from .. import __version__
from ..continuity import STAMP_PROPERTIES, PublishedEvent, event_blocks, property_name, signature, value_of
from ..domain import Apprentice, Cohort, Company, ExamDays, Plan, Trainer, hours
from ..facts.tz import vtimezone
from ..facts.weeks import REVISION, Week
from ..schedule.lessons import ACCOMPANIMENT, ACCOMPANIMENT_NAME, LessonEvent
from ..schedule.rhythm import CFA, CohortPlan, WeekPlan
from .feed import Feed, Part

PRODID = f"-//alternance//alternance {__version__}//FR"


@dataclass(frozen=True)
class FeedWeek:
    """A week of a cohort as the feeds show it: the calendar's facts plus the solver's choice."""

    cohort: Cohort
    week: Week
    plan: WeekPlan

    @property
    def is_cfa(self) -> bool:
        return self.plan.kind == CFA

    # Worked out once per cohort week, then used in every feed that shows the week.
    @cached_property
    def notes(self) -> str:
        """The planner's reason when the week is fixed, then the days of the week the CFA is
        closed, one line each ("" when none)."""
        lines = [
            f"{d.strftime('%d/%m')} : {reason}"
            if reason == REVISION
            else f"{d.strftime('%d/%m')} : CFA fermé ({reason})"
            for d, reason in self.week.closed_days
        ]
        found = self.cohort.fixed_at(self.week.monday)
        if found and found[1].reason:
            where = "au CFA" if found[1].kind == CFA else "en entreprise"
            lines.insert(0, f"Semaine fixée {where} : {found[1].reason}")
        return "\n".join(lines)

    @cached_property
    def fixed(self) -> tuple[bool, int, str | None]:
        """What the week's events share in every feed: CFA or not, hours, closure."""
        closed = (", ".join(self.week.reasons) or "hors formation") if self.week.closed else None
        return self.is_cfa, self.plan.minutes if self.is_cfa else 0, closed

    @cached_property
    def dates(self) -> tuple[tuple[str, date], tuple[str, date]]:
        monday = self.week.monday
        return ("dtstart", monday), ("dtend", monday + timedelta(days=5))  # exclusive: the Saturday after

    @cached_property
    def id(self) -> str:
        return f"{self.cohort.id}.week.{self.week.monday.isoformat()}"


def feed_weeks(cohort: Cohort, weeks: tuple[Week, ...], solution: CohortPlan) -> list[FeedWeek]:
    return [FeedWeek(cohort, w, p) for w, p in zip(weeks, solution.weeks)]


def _stamp(plan: Plan) -> datetime:
    """The DTSTAMP of a first build: the plan's first training Monday, not the build's clock."""
    first = min(c.start for c in plan.cohorts)
    return datetime.combine(first - timedelta(days=first.weekday()), time(0), tzinfo=UTC)


def _header(plan: Plan) -> Calendar:
    """A feed's own properties but its title (X-WR-CALNAME), without its VTIMEZONE and events."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-timezone", plan.timezone)
    # Subscribed clients refresh twice a day (RFC 7986, and its older Outlook/Apple name).
    cal.add("refresh-interval", timedelta(hours=12), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT12H")
    return cal


def _timezone(plan: Plan) -> Component:
    return vtimezone(plan.timezone, min(c.start for c in plan.cohorts).year)


def _feed(plan: Plan, title: str, events: Sequence[Part], timed: bool = False) -> Feed:
    # Timed events carry a TZID, so the calendar carries its VTIMEZONE.
    return Feed(
        plan, Part(_header, (), (("x-wr-calname", title),)), Part(_timezone, ()) if timed else None, tuple(events)
    )


def _uid(plan: Plan, *parts: str) -> str:
    # No '/' and no spaces: CalDAV servers put UIDs in URLs.
    return ".".join(parts) + f"@{plan.id}.alternance"


def _week_event(plan: Plan, cfa: bool, minutes: int, closed: str | None) -> Event:
    """A week's all-day event but its UID, dates, summary and description (see `_week`)."""
    event = Event()
    event.add("dtstamp", _stamp(plan))
    event.add("sequence", 0)
    event.add("transp", "TRANSPARENT")  # an all-day marker, not a busy slot in the reader's agenda
    event.add("x-alternance-kind", "CFA" if cfa else "ENTREPRISE")
    if cfa:
        event.add("x-alternance-hours", _hours_value(minutes))
        if plan.site:
            event.add("location", plan.site)
    if closed is not None:
        event.add("x-alternance-closed", closed)
    return event


def _week(fw: FeedWeek, uid: str, summary: str, description: str, location: str = "") -> Part:
    """A week of a cohort's, an apprentice's or a company's feed. Weeks of the same kind, hours
    and closure share every line but these."""
    values: tuple[tuple[str, object], ...] = (("uid", uid), *fw.dates, ("summary", summary))
    if description:
        values += (("description", description),)
    if location:
        values += (("location", location),)
    return Part(_week_event, fw.fixed, values)


def _hours_value(minutes: int) -> str:
    return f"{minutes / 60:g}"


def _week_summary(fw: FeedWeek, company_name: str | None = None) -> str:
    if fw.is_cfa:
        return f"CFA — {fw.cohort.name} ({hours(fw.plan.minutes)})"
    where = f"Entreprise — {company_name}" if company_name else "Entreprise"
    if fw.week.closed and fw.week.reasons == (REVISION,):  # neither at the CFA nor in the company
        return "Congé d'examen (révisions)"
    if fw.week.closed and fw.week.reasons:
        return f"{where} (CFA fermé : {', '.join(fw.week.reasons)})"
    return where


def _company_week(plan: Plan, fw: FeedWeek, apprentice: Apprentice, company: Company) -> Part:
    """A company week of the apprentice's own feed: at the company's address, with the tutor."""
    lines = [f"Maître d'apprentissage : {company.tutor}"] if company.tutor else []
    notes = "\n".join([*lines, fw.notes] if fw.notes else lines)
    uid = _uid(plan, fw.id, apprentice.id)
    return _week(fw, uid, _week_summary(fw, company.name), notes, company.address)


def _name(exam: ExamDays) -> str | None:
    return exam.name


EXAM_KINDS = {"written": "Épreuve écrite", "ccf": "CCF (contrôle en cours de formation)"}


def _exam_event(plan: Plan, kind: str) -> Event:
    """An exam's all-day event but its UID, dates and summary: busy, unlike a week's marker."""
    event = Event()
    event.add("dtstamp", _stamp(plan))
    event.add("sequence", 0)
    event.add("x-alternance-kind", "EXAMEN")
    event.add("x-alternance-exam", kind)
    event.add("description", EXAM_KINDS[kind])
    return event


def _exams(plan: Plan, cohort: Cohort, who: str = "", summary: Callable[[ExamDays], str | None] = _name) -> list[Part]:
    """The cohort's exam days (`[[cohort.exam]]`) as events of the feed of `who` ("" for the
    cohort's own), each named by `summary` (None: not in this feed)."""
    parts = []
    for n, exam in enumerate(cohort.exams, start=1):
        if (title := summary(exam)) is not None:
            uid = _uid(plan, cohort.id, "exam", str(n), *((who,) if who else ()))
            values = (("uid", uid), ("dtstart", exam.start), ("dtend", exam.end + timedelta(days=1)))
            parts.append(Part(_exam_event, (exam.kind,), (*values, ("summary", title))))
    return parts


def _day_off_event(plan: Plan, kind: str) -> Event:
    """A day off's all-day event (leave in a company closure, revision days) but its UID, dates,
    summary and description: the apprentice is neither at the CFA nor in the company."""
    event = Event()
    event.add("dtstamp", _stamp(plan))
    event.add("sequence", 0)
    event.add("transp", "TRANSPARENT")
    event.add("x-alternance-kind", kind)
    return event


def _day_off(plan: Plan, kind: str, uid: str, start: date, end: date, summary: str, description: str = "") -> Part:
    values: tuple[tuple[str, object], ...] = (
        ("uid", uid),
        ("dtstart", start),
        ("dtend", end + timedelta(days=1)),
        ("summary", summary),
    )
    if description:
        values += (("description", description),)
    return Part(_day_off_event, (kind,), values)


LEAVE_KIND = "CONGES"
REVISION_KIND = "REVISIONS"


def leave_summary(name: str) -> str:
    return f"Congés : {name} (entreprise fermée)"


def _leave_days(company: Company, apprentices: Sequence[Apprentice]) -> list[tuple[int, date, date, list[Apprentice]]]:
    """Each closure of the company (n, first, last day) clipped to the contracts of these
    apprentices, with those on leave then."""
    found = []
    for n, closure in enumerate(company.closures, start=1):
        away = [a for a in apprentices if a.contract_start <= closure.end and closure.start <= a.contract_end]
        if away:
            first = max(closure.start, min(a.contract_start for a in away))
            last = min(closure.end, max(a.contract_end for a in away))
            found.append((n, first, last, away))
    return found


def _wholly_on_leave(company: Company, apprentice: Apprentice, monday: date) -> bool:
    """Every weekday of the week under the apprentice's contract falls in a company closure."""
    if not company.closures:
        return False
    days = [d for d in (monday + timedelta(days=i) for i in range(5)) if apprentice.under_contract(d)]
    return bool(days) and all(company.closure_at(d) for d in days)


def _revisions(plan: Plan, cohort: Cohort, days: Sequence[date], who: str = "", summary: str = REVISION) -> list[Part]:
    """The cohort's revision days (`revision_days`), one all-day event each."""
    return [
        _day_off(
            plan,
            REVISION_KIND,
            _uid(plan, cohort.id, "revision", d.isoformat(), *((who,) if who else ())),
            d,
            d,
            summary,
        )
        for d in days
    ]


def rhythm_feed(plan: Plan, cohort: Cohort, weeks: list[FeedWeek], revision: Sequence[date] = ()) -> Feed:
    """`<cohort>/rhythm.ics`: one all-day event per week, CFA or company, the exam days and the
    revision days."""
    events = [_week(fw, _uid(plan, fw.id), _week_summary(fw), fw.notes) for fw in weeks]
    return _feed(
        plan, f"Alternance — {cohort.name}", events + _exams(plan, cohort) + _revisions(plan, cohort, revision)
    )


def apprentice_feed(
    plan: Plan,
    apprentice: Apprentice,
    company: Company,
    weeks: list[FeedWeek],
    lessons: Sequence[FeedLesson] = (),
    revision: Sequence[date] = (),
) -> Feed:
    """`apprentices/<id>.ics`: the apprentice's weeks (CFA or company) while under contract, their
    leave while the company is closed (instead of the company weeks it covers), the exam and
    revision days, and the cohort's lessons minus the subjects the apprentice is exempt from."""
    events = [
        _company_week(plan, fw, apprentice, company)
        if not fw.is_cfa
        else _week(fw, _uid(plan, fw.id, apprentice.id), _week_summary(fw, company.name), fw.notes)
        for fw in weeks
        if apprentice.under_contract_in_week(fw.week.monday)
        and (fw.is_cfa or not _wholly_on_leave(company, apprentice, fw.week.monday))
    ]
    for n, first, last, _ in _leave_days(company, [apprentice]):
        uid = _uid(plan, "company", company.id, "closure", str(n), apprentice.id)
        events.append(_day_off(plan, LEAVE_KIND, uid, first, last, leave_summary(company.closures[n - 1].name)))
    if weeks:
        cohort = weeks[0].cohort
        mine = lambda exam: exam.name if apprentice.under_contract(exam.start) else None  # noqa: E731
        events += _exams(plan, cohort, apprentice.id, mine)
        events += _revisions(plan, cohort, [d for d in revision if apprentice.under_contract(d)], apprentice.id)
    for lesson in lessons:
        event = lesson.event
        if event.subject not in apprentice.exempt and apprentice.under_contract(event.day):
            events.append(lesson.part(f"{event.uid}.{apprentice.id}@{plan.id}.alternance", lesson.name))
    return _feed(plan, f"Alternance — {apprentice.name}", events, timed=bool(lessons))


@dataclass(frozen=True)
class FeedLesson:
    """A lesson event as the feeds show it, worked out once per cohort: its name and times, and
    what its copies in the cohort's, the apprentices' and the trainer's feeds share."""

    event: LessonEvent
    name: str
    cohort_name: str
    times: tuple[tuple[str, datetime], tuple[str, datetime]]

    def part(self, uid: str, summary: str) -> Part:
        """This lesson in one feed. Lessons of one cohort, subject, trainer and length share
        every line but these and their times."""
        e = self.event
        return Part(
            _lesson_event,
            (e.cohort, e.subject, e.trainer, e.minutes),
            (("uid", uid), *self.times, ("summary", summary)),
        )


def feed_lessons(plan: Plan, events: list[LessonEvent]) -> list[FeedLesson]:
    """One cohort's lessons, ready for every feed that shows them."""
    zone = ZoneInfo(plan.timezone)
    names = {ACCOMPANIMENT: ACCOMPANIMENT_NAME}
    lessons = []
    for event in events:
        cohort = plan.cohort(event.cohort)
        if event.subject not in names:
            names.update((s.id, s.name) for s in plan.programme(cohort.programme).subjects)
        first, last = plan.day_slots[event.first_slot], plan.day_slots[event.last_slot]
        start = datetime.combine(event.day, time(first.start // 60, first.start % 60), tzinfo=zone)
        end = datetime.combine(event.day, time(last.end // 60, last.end % 60), tzinfo=zone)
        lessons.append(FeedLesson(event, names[event.subject], cohort.name, (("dtstart", start), ("dtend", end))))
    return lessons


def _lesson_event(plan: Plan, cohort_id: str, subject: str, trainer: str | None, minutes: int) -> Event:
    """A lesson's event but its UID, times and summary (see `FeedLesson.part`)."""
    cohort = plan.cohort(cohort_id)
    out = Event()
    out.add("dtstamp", _stamp(plan))
    out.add("sequence", 0)
    if plan.site:
        out.add("location", plan.site)
    if trainer:
        out.add("description", f"Formateur·rice : {plan.trainer(trainer).name}\n{cohort.name}")
        out.add("x-alternance-trainer", trainer)
    else:
        out.add("description", f"Heures d'accompagnement (hors matières du diplôme)\n{cohort.name}")
    out.add("x-alternance-subject", subject)
    out.add("x-alternance-minutes", str(minutes))
    return out


def lessons_feed(plan: Plan, cohort: Cohort, lessons: list[FeedLesson]) -> Feed:
    """`<cohort>/lessons.ics`: every lesson of the cohort, in the plan's time zone."""
    events = [lesson.part(f"{lesson.event.uid}@{plan.id}.alternance", lesson.name) for lesson in lessons]
    return _feed(plan, f"Cours — {cohort.name}", events, timed=True)


def trainer_feed(plan: Plan, trainer: Trainer, lessons: list[FeedLesson]) -> Feed:
    """`trainers/<id>.ics`: the trainer's lessons across every cohort, the cohort in each title."""
    events = [
        lesson.part(f"{lesson.event.uid}.{trainer.id}@{plan.id}.alternance", f"{lesson.name} — {lesson.cohort_name}")
        for lesson in sorted(lessons, key=lambda x: (x.event.day, x.event.first_slot, x.event.cohort))
    ]
    return _feed(plan, f"Cours — {trainer.name}", events, timed=True)


def company_feed(
    plan: Plan,
    company: Company,
    cohorts: list[tuple[list[Apprentice], list[FeedWeek]]],
    revision: Mapping[str, Sequence[date]] | None = None,
) -> Feed:
    """`companies/<id>.ics`: the CFA weeks, exam and revision days of this company's apprentices,
    and of no one else, and the company's own closures (its apprentices on leave)."""
    events = []
    staff = [a for apprentices, _ in cohorts for a in apprentices]
    for n, first, last, away in _leave_days(company, staff):
        uid = _uid(plan, "company", company.id, "closure", str(n))
        names = ", ".join(a.name for a in away)
        description = f"En congés : {names}"
        events.append(
            _day_off(plan, LEAVE_KIND, uid, first, last, leave_summary(company.closures[n - 1].name), description)
        )
    for apprentices, weeks in cohorts:
        for fw in weeks:
            if not fw.is_cfa:
                continue
            present = [a for a in apprentices if a.under_contract_in_week(fw.week.monday)]
            if not present:
                continue
            names = ", ".join(a.name for a in present)
            uid = _uid(plan, fw.id, company.id)
            notes = fw.notes
            description = f"{names} au CFA ({fw.cohort.name}, {hours(fw.plan.minutes)})" + (
                f"\n{notes}" if notes else ""
            )
            events.append(_week(fw, uid, f"CFA — {names}", description))
        if weeks:

            def theirs(exam: ExamDays, apprentices: list[Apprentice] = apprentices) -> str | None:
                present = [a.name for a in apprentices if a.under_contract(exam.start)]
                return f"{exam.name} — {', '.join(present)}" if present else None

            events += _exams(plan, weeks[0].cohort, company.id, theirs)
            cohort = weeks[0].cohort
            for d in (revision or {}).get(cohort.id, ()):
                revising = [a.name for a in apprentices if a.under_contract(d)]
                if revising:
                    events += _revisions(plan, cohort, [d], company.id, f"{REVISION} — {', '.join(revising)}")
    return _feed(plan, f"Alternance — {company.name}", events)


def _stamp_lines(sequence: int, stamp: datetime, modified: datetime | None) -> list[bytes]:
    lines = [b"SEQUENCE:%d" % sequence, b"DTSTAMP:" + stamp.strftime("%Y%m%dT%H%M%SZ").encode()]
    if modified is not None:
        lines.append(b"LAST-MODIFIED:" + modified.strftime("%Y%m%dT%H%M%SZ").encode())
    return lines


def _restamped(
    block: bytes, sequence: int, stamp: datetime, modified: datetime | None, status: bytes | None = None
) -> bytes:
    """The event block with new SEQUENCE, DTSTAMP, LAST-MODIFIED (and STATUS) lines."""
    kept = _without(block, {*STAMP_PROPERTIES, *([b"STATUS"] if status else [])})
    extra = _stamp_lines(sequence, stamp, modified) + ([b"STATUS:" + status] if status else [])
    return b"\r\n".join(kept[:-1] + extra + kept[-1:]) + b"\r\n"


def stabilize(raw: bytes, previous: dict[str, PublishedEvent] | None, today: date) -> bytes:
    """Serialize a feed so that calendar clients can follow it across rebuilds: an unchanged event
    is written byte for byte as before (SEQUENCE and stamps included), a changed one gets
    SEQUENCE + 1 and the build's date as DTSTAMP and LAST-MODIFIED, and a vanished event still to
    come stays as CANCELLED until its date has passed. `raw` is the feed as this build writes it."""
    if previous is None:  # a first build: nothing to follow
        return raw
    changed_at = datetime.combine(today, time(0), tzinfo=UTC)
    head, blocks, tail = event_blocks(raw)
    out, seen = [], set()
    for block in blocks:
        uid = value_of(block, b"UID").decode("utf-8")
        seen.add(uid)
        before = previous.get(uid)
        if before is not None and before.signature == signature(block):
            out.append(before.block)
        elif before is not None:
            out.append(_restamped(block, before.sequence + 1, changed_at, changed_at))
        else:
            out.append(_restamped(block, 0, changed_at, None))
    for uid in sorted(set(previous) - seen, key=lambda u: (previous[u].start, u)):
        before = previous[uid]
        if before.start < today:
            continue  # its date has passed: clients no longer need to hear of it
        if before.cancelled and _anonymous(before.block) == before.block:
            out.append(before.block)
        else:
            out.append(_restamped(_anonymous(before.block), before.sequence + 1, changed_at, changed_at, b"CANCELLED"))
    return head + b"".join(out) + tail


CANCELLED_SUMMARY = "Annulé".encode()


def _anonymous(block: bytes) -> bytes:
    """A cancelled event without what named anyone: SUMMARY becomes "Annulé", DESCRIPTION goes
    (a moved or removed apprentice must not stay by name in a company's feed)."""
    kept = _without(block, {b"SUMMARY", b"DESCRIPTION"})
    return b"\r\n".join([kept[0], b"SUMMARY:" + CANCELLED_SUMMARY, *kept[1:]]) + b"\r\n"


def _without(block: bytes, names: set[bytes]) -> list[bytes]:
    """The event block's lines (CRLF-less, none empty) without the properties `names`, their
    folded continuation lines included."""
    kept: list[bytes] = []
    dropping = False
    for line in block.split(b"\r\n"):
        if not line:
            continue
        if line[:1] not in (b" ", b"\t"):  # a property's first line; continuations follow it
            dropping = property_name(line) in names
        if not dropping:
            kept.append(line)
    return kept
