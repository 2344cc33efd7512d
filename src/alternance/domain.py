"""Validated plan objects: what a planner wrote, with every id resolved and every value checked.

Nothing here knows TOML, CSV, ortools or iCalendar; the loader builds these objects and every
later stage reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

MINUTES_PER_HOUR = 60


@dataclass(frozen=True)
class Closure:
    """Extra days on which the CFA is closed (inclusive dates), for every cohort or for some."""

    name: str
    start: date
    end: date
    cohorts: tuple[str, ...] = ()  # empty: the whole site

    def closes(self, day: date, cohort_id: str | None = None) -> bool:
        return self.start <= day <= self.end and (not self.cohorts or cohort_id in self.cohorts)


@dataclass(frozen=True)
class Subject:
    id: str
    name: str
    minutes: int
    exam: str  # "ccf" | "written"


@dataclass(frozen=True)
class Programme:
    id: str
    name: str
    total_minutes: int
    subjects: tuple[Subject, ...]

    @property
    def subject_minutes(self) -> int:
        return sum(s.minutes for s in self.subjects)

    @property
    def accompaniment_minutes(self) -> int:
        """Hours of `total_hours` that no subject takes ("Accompagnement")."""
        return max(0, self.total_minutes - self.subject_minutes)


@dataclass(frozen=True)
class FixedWeeks:
    """Weeks the planner fixes (`[[cohort.fixed]]`): from the week holding `start` to the week
    holding `end`, all at the CFA or all in the company; the solver plans the rest."""

    start: date
    end: date
    kind: str  # "cfa" | "company"
    reason: str = ""

    def covers(self, monday: date) -> bool:
        return monday_of(self.start) <= monday <= monday_of(self.end)


@dataclass(frozen=True)
class Room:
    """Rooms of one kind (`[[room]]`): at most `count` cohorts that need one at the CFA a week."""

    kind: str
    count: int


@dataclass(frozen=True)
class ExamDays:
    """Exam days of a cohort (`[[cohort.exam]]`): a CCF or a written exam, shown in feeds."""

    name: str
    kind: str  # "written" | "ccf"
    start: date
    end: date


@dataclass(frozen=True)
class Cohort:
    id: str
    programme: str
    name: str
    start: date
    end: date
    rhythm: tuple[int, int]
    week_minutes: int
    max_consecutive_cfa_weeks: int
    max_consecutive_company_weeks: int
    written_exams: tuple[date, date] | None = None
    fixed: tuple[FixedWeeks, ...] = ()
    exams: tuple[ExamDays, ...] = ()
    room: str | None = None  # the kind of room the cohort needs (`[[room]]`)
    cfa_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # weekdays of a CFA week (Monday = 0)
    revision_days: int = 0  # paid days to revise before the written exams (L6222-35)
    # (weekday, minutes) of the CFA days not as long as the others (`day_hours`, e.g. a Saturday
    # morning); the other days share what is left of the week evenly.
    day_hours: tuple[tuple[int, int], ...] = ()

    @property
    def written_place(self) -> str:
        """Where the plan sets when the written exams start: `written_exams`, or the written
        `[[cohort.exam]]` day that comes first, e.g. `exam[2]`."""
        first = self.written_exams[0] if self.written_exams else None
        for n, e in enumerate(self.exams, start=1):
            if e.kind == "written" and e.start == first:
                return f"exam[{n}]"
        return "written_exams"

    def fixed_at(self, monday: date) -> tuple[int, FixedWeeks] | None:
        """The fixed weeks (1-based, as `cohort[<id>].fixed[n]`) that hold this Monday, if any."""
        return next(((n, f) for n, f in enumerate(self.fixed, start=1) if f.covers(monday)), None)

    @property
    def day_minutes(self) -> int:
        """The usual CFA day: what `day_hours` leaves of hours_per_week, split evenly over the
        other CFA days (the longest day when `day_hours` names them all)."""
        if not self.day_hours:
            return self.week_minutes // len(self.cfa_days)
        listed = dict(self.day_hours)
        others = len(self.cfa_days) - len(listed)
        if not others:
            return max(listed.values())
        return (self.week_minutes - sum(listed.values())) // others

    def minutes_on(self, weekday: int) -> int:
        """The CFA minutes of one weekday of a CFA week (0 when it is not a CFA day)."""
        if weekday not in self.cfa_days:
            return 0
        if not self.day_hours:
            return self.day_minutes
        return dict(self.day_hours).get(weekday, self.day_minutes)


@dataclass(frozen=True)
class Peak:
    """A company's busy season: fixed dates, or month-days repeated every year."""

    start: date | None = None
    end: date | None = None
    every_year: bool = False
    start_md: tuple[int, int] | None = None
    end_md: tuple[int, int] | None = None
    weight: int = 1
    hard: bool = False

    def covers(self, day: date) -> bool:
        if not self.every_year:
            assert self.start is not None and self.end is not None
            return self.start <= day <= self.end
        assert self.start_md is not None and self.end_md is not None
        md = (day.month, day.day)
        if self.start_md <= self.end_md:
            return self.start_md <= md <= self.end_md
        return md >= self.start_md or md <= self.end_md  # wraps over 31 December

    def meets(self, first: date, last: date) -> bool:
        """Whether the peak covers a day from `first` to `last` (a week: less than a year apart).
        Two spans of days meet where the later of their starts lies in both."""
        if not self.every_year:
            assert self.start is not None and self.end is not None
            return self.start <= last and self.end >= first
        assert self.start_md is not None
        if self.covers(first):
            return True
        a, b, s = (first.month, first.day), (last.month, last.day), self.start_md
        return a <= s <= b if a <= b else (s >= a or s <= b)

    def label(self) -> str:
        if self.every_year:
            assert self.start_md and self.end_md
            return f"chaque année du {self.start_md[1]:02d}/{self.start_md[0]:02d} au {self.end_md[1]:02d}/{self.end_md[0]:02d}"
        assert self.start and self.end
        return f"du {self.start.isoformat()} au {self.end.isoformat()}"


@dataclass(frozen=True)
class Company:
    id: str
    name: str
    peaks: tuple[Peak, ...] = ()
    address: str = ""  # the LOCATION of its apprentices' company weeks
    tutor: str = ""  # the maître d'apprentissage
    email: str = ""  # where this company's notices go
    # `[[company.closure]]`: the company is closed, its apprentices are on paid leave (never at
    # the CFA then); `cohorts` stays empty.
    closures: tuple[Closure, ...] = ()

    def peak_weight(self, day: date) -> int:
        """The weight of the heaviest peak covering `day` (0 outside peaks): counted once a day."""
        return max((p.weight for p in self.peaks if p.covers(day)), default=0)

    def hard_peak(self, day: date) -> bool:
        return any(p.hard and p.covers(day) for p in self.peaks)

    def closure_at(self, day: date) -> tuple[int, Closure] | None:
        """The company's closure (1-based, as `company[<id>].closure[n]`) holding `day`, if any."""
        return next(((n, c) for n, c in enumerate(self.closures, start=1) if c.closes(day)), None)


@dataclass(frozen=True)
class Apprentice:
    id: str
    name: str
    cohort: str
    company: str
    birth_date: date | None
    contract_start: date
    contract_end: date
    exempt: tuple[str, ...] = ()

    def under_contract(self, day: date) -> bool:
        return self.contract_start <= day <= self.contract_end

    def under_contract_in_week(self, monday: date) -> bool:
        """Whether any weekday of the week falls inside the contract: the weeks their feed shows."""
        return self.contract_start <= monday + timedelta(days=4) and monday <= self.contract_end


WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Slot:
    """One lesson slot of a CFA day, in minutes after midnight (local time)."""

    start: int
    end: int

    @property
    def minutes(self) -> int:
        return self.end - self.start

    def label(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"


@dataclass(frozen=True)
class Unavailability:
    """A weekday every week, or an inclusive range of dates."""

    weekday: int | None = None  # 0 = Monday
    start: date | None = None
    end: date | None = None

    def covers(self, day: date) -> bool:
        if self.weekday is not None:
            return day.weekday() == self.weekday
        assert self.start is not None and self.end is not None
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Trainer:
    id: str
    name: str
    subjects: tuple[str, ...]
    max_week_minutes: int | None = None
    unavailable: tuple[Unavailability, ...] = ()

    def available(self, day: date) -> bool:
        return not any(u.covers(day) for u in self.unavailable)


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    site: str
    timezone: str
    public_holidays: str  # "metropole" | "alsace-moselle"
    school_holidays_zone: str  # "A" | "B" | "C" | "none"
    max_cohorts_at_cfa: int | None
    closures: tuple[Closure, ...]
    programmes: tuple[Programme, ...]
    cohorts: tuple[Cohort, ...]
    companies: tuple[Company, ...]
    apprentices: tuple[Apprentice, ...]
    source: Path = field(default=Path("plan.toml"), compare=False)
    day_slots: tuple[Slot, ...] = ()  # empty: the plan asks for the week rhythm only
    trainers: tuple[Trainer, ...] = ()
    # (cohort id, subject id) -> trainer id, resolved and checked by the loader
    assignments: tuple[tuple[tuple[str, str], str], ...] = ()
    rooms: tuple[Room, ...] = ()

    @property
    def has_lessons(self) -> bool:
        return bool(self.day_slots)

    def trainer(self, trainer_id: str) -> Trainer:
        return self._trainers[trainer_id]

    def trainer_of(self, cohort_id: str, subject_id: str) -> str:
        return dict(self.assignments)[cohort_id, subject_id]

    def programme(self, programme_id: str) -> Programme:
        return next(p for p in self.programmes if p.id == programme_id)

    def cohort(self, cohort_id: str) -> Cohort:
        return self._cohorts[cohort_id]

    def company(self, company_id: str) -> Company:
        return self._companies[company_id]

    @cached_property
    def _cohorts(self) -> dict[str, Cohort]:
        return {c.id: c for c in self.cohorts}

    @cached_property
    def _companies(self) -> dict[str, Company]:
        return {c.id: c for c in self.companies}

    @cached_property
    def _trainers(self) -> dict[str, Trainer]:
        return {t.id: t for t in self.trainers}

    def apprentices_of(self, cohort_id: str) -> tuple[Apprentice, ...]:
        return self._by_cohort.get(cohort_id, ())

    @cached_property
    def _by_cohort(self) -> dict[str, tuple[Apprentice, ...]]:
        """The apprentices of each cohort, in plan order: made once, asked for every day and page."""
        found: dict[str, list[Apprentice]] = {}
        for a in self.apprentices:
            found.setdefault(a.cohort, []).append(a)
        return {cohort: tuple(these) for cohort, these in found.items()}


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def hours(minutes: int) -> str:
    """Minutes as French-style hours: 2100 -> '35 h', 90 -> '1 h 30'."""
    h, m = divmod(minutes, MINUTES_PER_HOUR)
    return f"{h} h" if m == 0 else f"{h} h {m:02d}"
