"""The lesson timetable inside CFA weeks, as plain data (no solver here).

`LessonProblem` lists every CFA day of every cohort with the slots to fill; `LessonSolution`
says what fills each slot. `broken_lesson_rules()` checks every hard rule of the lessons (one check per
rule of schedule/rules.py) in plain Python and `lesson_goals()` recomputes the soft goals, so the solver can be checked.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property

from ..domain import Cohort, Plan, Slot, Subject, age_on, monday_of
from ..facts.weeks import MINOR_DAY_MINUTES, cfa_day_minutes
from .rhythm import CFA, RhythmProblem, RhythmSolution
from .rules import RuleKind

ACCOMPANIMENT = "accompagnement"
ACCOMPANIMENT_NAME = "Accompagnement"
MAX_SUBJECT_DAY_MINUTES = 4 * 60
LESSON_GOALS = ("widest", "spread", "scattered", "trainer_days")


@dataclass(frozen=True)
class CfaDay:
    day: date
    week: int  # index of its CFA week among the cohort's CFA weeks
    minutes: int  # minutes to fill (the whole day, or 8 h on a day with an apprentice under 18)
    # A day shorter than the slot grid (`day_hours`, e.g. a Saturday morning) holds only its first
    # `slots` slots; None: any of them.
    slots: int | None = None

    def holds(self, slot: int) -> bool:
        return self.slots is None or slot < self.slots


@dataclass(frozen=True)
class CohortLessons:
    cohort: Cohort
    days: tuple[CfaDay, ...]
    subjects: tuple[Subject, ...]
    trainers: dict[str, str]  # subject id -> trainer id
    minors: frozenset[date]  # days on which an apprentice of the cohort is under 18
    progress: tuple[tuple[str, tuple[int, ...]], ...] = ()  # subject id -> even progress per week
    # Lessons of the weeks that started before --today, as published: (day, slot) -> (subject,
    # trainer). Those weeks are facts: kept exactly, never re-planned.
    past: dict[tuple[date, int], tuple[str, str | None]] = field(default_factory=dict)

    @property
    def frozen_weeks(self) -> frozenset[int]:
        past_days = {day for day, _ in self.past}
        return frozenset(d.week for d in self.days if d.day in past_days)

    @cached_property  # asked for in every loop over a cohort's weeks
    def cfa_weeks(self) -> int:
        return max((d.week for d in self.days), default=-1) + 1

    def deadline(self, subject: Subject) -> date | None:
        """Written-exam subjects are finished before the written exams start."""
        if subject.exam == "written" and self.cohort.written_exams:
            return self.cohort.written_exams[0]
        return None

    def targets(self, subject: Subject) -> tuple[int, ...]:
        """An even progress: the subject's minutes taught by the end of each CFA week in which it
        may be taught (see `even_progress`)."""
        return dict(self.progress)[subject.id]

    def last_week(self, subject: Subject) -> int:
        """Index of the last CFA week in which the subject may be taught."""
        deadline = self.deadline(subject)
        weeks = [d.week for d in self.days if deadline is None or d.day < deadline]
        return max(weeks, default=-1)


@dataclass(frozen=True)
class LessonProblem:
    plan: Plan
    slots: tuple[Slot, ...]
    cohorts: tuple[CohortLessons, ...]

    def even_progress(self, cl: CohortLessons, subject: Subject) -> tuple[int, ...]:
        """Minutes of the subject that an even spread has taught by the end of each CFA week up to
        its last possible one, in proportion to the time in which it can be taught: a short week,
        or a week when its trainer is away, owes less."""
        last = cl.last_week(subject)
        week_minutes = [0] * (last + 1)
        for d in cl.days:
            if d.week <= last and self.allowed(cl, subject, d.day):
                week_minutes[d.week] += d.minutes
        total = sum(week_minutes) or 1
        elapsed, found = 0, []
        for minutes in week_minutes:
            elapsed += minutes
            found.append(subject.minutes * elapsed // total)
        return tuple(found)

    def allowed(self, cl: CohortLessons, subject: Subject, day: date) -> bool:
        """Whether the subject's trainer is there and its exam deadline has not passed."""
        deadline = cl.deadline(subject)
        if deadline is not None and day >= deadline:
            return False
        return self.plan.trainer(cl.trainers[subject.id]).available(day)


PastLessons = dict[str, dict[tuple[date, int], tuple[str, str | None]]]  # cohort -> (day, slot) -> (subject, trainer)


def _cfa_day(plan: Plan, cohort: Cohort, day: date, week: int) -> CfaDay:
    """One CFA day to fill; a short day of `day_hours` takes the first slots that add up to it."""
    minutes, own = cfa_day_minutes(plan, cohort, day), cohort.minutes_on(day.weekday())
    if minutes != own or own == cohort.day_minutes:
        return CfaDay(day, week, minutes)  # a usual day, or cut to 8 h for a minor: any slots
    total = 0
    for k, slot in enumerate(plan.day_slots):
        total += slot.minutes
        if total == minutes:
            return CfaDay(day, week, minutes, k + 1)
    return CfaDay(day, week, minutes)


def make_lesson_problem(
    plan: Plan, rhythm: RhythmProblem, solution: RhythmSolution, published: PastLessons | None = None
) -> LessonProblem:
    """Every CFA day of every cohort; in frozen weeks, the days and lessons as published."""
    cohorts = []
    slot_minutes = [s.minutes for s in plan.day_slots]
    for cw in rhythm.cohorts:
        c = cw.cohort
        days = []
        index = 0
        past: dict[tuple[date, int], tuple[str, str | None]] = {}
        before = (published or {}).get(c.id, {})
        for i, (week, wp) in enumerate(zip(cw.weeks, solution.cohort(c.id).weeks)):
            if wp.kind != CFA:
                continue
            kept = {
                k: v
                for k, v in before.items()
                if cw.is_frozen(i) and week.monday <= k[0] < week.monday + timedelta(days=7)
            }
            if kept:
                for day in sorted({d for d, _ in kept}):
                    days.append(CfaDay(day, index, sum(slot_minutes[k] for d, k in kept if d == day)))
                past.update(kept)
            else:
                days.extend(_cfa_day(plan, c, d, index) for d in week.open_days)
            index += 1
        programme = plan.programme(c.programme)
        minors = frozenset(
            d.day
            for d in days
            if any(
                a.birth_date and a.under_contract(d.day) and age_on(a.birth_date, d.day) < 18
                for a in plan.apprentices_of(c.id)
            )
        )
        cohorts.append(
            CohortLessons(
                cohort=c,
                days=tuple(days),
                subjects=programme.subjects,
                trainers={s.id: plan.trainer_of(c.id, s.id) for s in programme.subjects},
                minors=minors,
                past=past,
            )
        )
    problem = LessonProblem(plan=plan, slots=plan.day_slots, cohorts=tuple(cohorts))
    return replace(
        problem,
        cohorts=tuple(
            replace(cl, progress=tuple((s.id, problem.even_progress(cl, s)) for s in cl.subjects))
            for cl in problem.cohorts
        ),
    )


@dataclass(frozen=True)
class Lesson:
    """One slot of one CFA day of one cohort, and what fills it."""

    cohort: str
    day: date
    slot: int
    subject: str  # a subject id, or ACCOMPANIMENT
    trainer: str | None
    minutes: int


@dataclass(frozen=True)
class LessonSolution:
    lessons: tuple[Lesson, ...]
    # After every CFA week each subject is within this many weeks of its own teaching (plus one
    # slot) of an even progress; None when no spread could be kept.
    spread_weeks: int | None
    spread_proven: bool  # every narrower drift was proven impossible
    weeks_optimal: bool  # each week's layout is optimal for split half-days and trainer days
    seconds: float

    def of(self, cohort_id: str) -> tuple[Lesson, ...]:
        return tuple(x for x in self.lessons if x.cohort == cohort_id)


def subject_minutes(solution: LessonSolution, cohort_id: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for x in solution.of(cohort_id):
        totals[x.subject] = totals.get(x.subject, 0) + x.minutes
    return totals


def longest_gaps(problem: LessonProblem, solution: LessonSolution) -> dict[tuple[str, str], int]:
    """For each (cohort, subject): the most CFA weeks in a row without a lesson of it, within the
    weeks in which it can be taught."""
    gaps = {}
    for cl in problem.cohorts:
        weeks_by_subject: dict[str, set[int]] = {}
        week_of = {d.day: d.week for d in cl.days}
        for x in solution.of(cl.cohort.id):
            weeks_by_subject.setdefault(x.subject, set()).add(week_of[x.day])
        for s in cl.subjects:
            taught = sorted(weeks_by_subject.get(s.id, ()))
            bounds = [-1, *taught, cl.last_week(s) + 1]
            gaps[cl.cohort.id, s.id] = max(b - a - 1 for a, b in itertools.pairwise(bounds))
    return gaps


def lesson_goals(problem: LessonProblem, solution: LessonSolution) -> dict[str, int]:
    """The soft goals of the lessons, recomputed in plain Python (the solver's objective terms)."""
    spread = scattered = widest = 0
    trainer_days: set[tuple[str, date]] = set()
    for cl in problem.cohorts:
        mine = solution.of(cl.cohort.id)
        week_of = {d.day: d.week for d in cl.days}
        for s in cl.subjects:
            per_week = [0] * cl.cfa_weeks
            for x in mine:
                if x.subject == s.id:
                    per_week[week_of[x.day]] += x.minutes
            spread += spread_deviation(per_week, cl.targets(s))
            widest = max(widest, widest_deviation(per_week, cl.targets(s)))
        by_cell = {(x.day, x.slot): x.subject for x in mine}
        for d in cl.days:
            for a, b in half_day_pairs(problem.slots):
                if (d.day, a) in by_cell and (d.day, b) in by_cell and by_cell[d.day, a] != by_cell[d.day, b]:
                    scattered += 1
        trainer_days |= {(x.trainer, x.day) for x in mine if x.trainer}
    return {"widest": widest, "spread": spread, "scattered": scattered, "trainer_days": len(trainer_days)}


def _deviations(per_week: Sequence[int], targets: Sequence[int]) -> list[int]:
    """|taught so far - the even progress| after each week in which the subject may be taught."""
    done, found = 0, []
    for taught, target in zip(per_week, targets):
        done += taught
        found.append(abs(done - target))
    return found


def spread_deviation(per_week: Sequence[int], targets: Sequence[int]) -> int:
    """Summed over the weeks: gaps and bunching both cost."""
    return sum(_deviations(per_week, targets))


def widest_deviation(per_week: Sequence[int], targets: Sequence[int]) -> int:
    """The furthest a subject ever gets from an even progress."""
    return max(_deviations(per_week, targets), default=0)


def half_day_pairs(slots: tuple[Slot, ...]) -> list[tuple[int, int]]:
    """Pairs of consecutive slots with at most a short break between them (not over lunch)."""
    return [(i, i + 1) for i in range(len(slots) - 1) if slots[i + 1].start - slots[i].end <= 30]


def _planned(cl: CohortLessons, solution: LessonSolution) -> tuple[Lesson, ...]:
    """The cohort's lessons outside its published past: the rules below are checked on those."""
    past_days = {day for day, _ in cl.past}
    return tuple(x for x in solution.of(cl.cohort.id) if x.day not in past_days)


def _taught(cl: CohortLessons, solution: LessonSolution) -> tuple[Lesson, ...]:
    """The cohort's planned lessons of a subject (not the accompaniment hours)."""
    known = {s.id for s in cl.subjects}
    return tuple(x for x in _planned(cl, solution) if x.subject in known)


def _check_past(problem: LessonProblem, solution: LessonSolution) -> list[str]:
    broken = []
    for cl in problem.cohorts:
        for (day, slot), (subject, _) in sorted(cl.past.items()):
            if not any(x.day == day and x.slot == slot and x.subject == subject for x in solution.of(cl.cohort.id)):
                broken.append(f"{cl.cohort.id}: the published lesson of {day} slot {slot} ({subject}) changed")
    return broken


def _check_day_fill(problem: LessonProblem, solution: LessonSolution) -> list[str]:
    broken = []
    slot_of = dict(enumerate(problem.slots))
    for cl in problem.cohorts:
        c, mine = cl.cohort, _planned(cl, solution)
        cells: set[tuple[date, int]] = set()
        for x in mine:
            if (x.day, x.slot) in cells:
                broken.append(f"{c.id}: two lessons in slot {x.slot} on {x.day}")
            cells.add((x.day, x.slot))
            if x.minutes != slot_of[x.slot].minutes:
                broken.append(f"{c.id}: lesson on {x.day} slot {x.slot} lasts {x.minutes} min, not the slot's")
        past_days = {day for day, _ in cl.past}
        for day in sorted({x.day for x in mine} - {d.day for d in cl.days}):
            broken.append(f"{c.id}: lesson on {day}, which is not an open day of a CFA week")
        grid = sum(slot.minutes for slot in problem.slots)
        for d in cl.days:
            filled = sum(x.minutes for x in mine if x.day == d.day)
            if d.day not in past_days and filled != d.minutes:
                broken.append(f"{c.id}: {d.day} has {filled} min of lessons, not {d.minutes}")
            short = c.minutes_on(d.day.weekday())
            used = sorted(x.slot for x in mine if x.day == d.day)
            if d.day not in past_days and short < grid and short == d.minutes and used != list(range(len(used))):
                broken.append(f"{c.id}: the short day {d.day} has lessons in slots {used}, not its first ones")
    return broken


def _check_under18(problem: LessonProblem, solution: LessonSolution) -> list[str]:
    broken = []
    for cl in problem.cohorts:
        filled: dict[date, int] = {}
        for x in _planned(cl, solution):
            filled[x.day] = filled.get(x.day, 0) + x.minutes
        for day, minutes in sorted(filled.items()):
            if day in cl.minors and minutes > MINOR_DAY_MINUTES:
                broken.append(f"{cl.cohort.id}: {minutes} min on {day} with an apprentice under 18")
    return broken


def _check_subject_hours(problem: LessonProblem, solution: LessonSolution) -> list[str]:
    broken = []
    for cl in problem.cohorts:
        totals = subject_minutes(solution, cl.cohort.id)
        for s in cl.subjects:
            if totals.get(s.id, 0) != s.minutes:
                broken.append(f"{cl.cohort.id}: {s.id} gets {totals.get(s.id, 0)} min, not {s.minutes}")
    return broken


def _check_subject_day_limit(problem: LessonProblem, solution: LessonSolution) -> list[str]:
    broken = []
    for cl in problem.cohorts:
        per_day: dict[tuple[str, date], int] = {}
        for x in _taught(cl, solution):
            per_day[x.subject, x.day] = per_day.get((x.subject, x.day), 0) + x.minutes
        for (sid, day), minutes in per_day.items():
            if minutes > MAX_SUBJECT_DAY_MINUTES:
                broken.append(f"{cl.cohort.id}: {minutes} min of {sid} on {day}, more than 4 h")
    return broken


def _check_subject_trainer(problem: LessonProblem, solution: LessonSolution) -> list[str]:
    broken = []
    for cl in problem.cohorts:
        known = {s.id for s in cl.subjects}
        for x in _planned(cl, solution):
            if x.subject == ACCOMPANIMENT:
                if x.trainer is not None:
                    broken.append(f"{cl.cohort.id}: accompaniment with a trainer")
            elif x.subject not in known:
                broken.append(f"{cl.cohort.id}: unknown subject {x.subject}")
            elif x.trainer != cl.trainers[x.subject]:
                expected = cl.trainers[x.subject]
                broken.append(f"{cl.cohort.id}: {x.subject} on {x.day} taught by {x.trainer}, not {expected}")
    return broken


def _check_unavailable(problem: LessonProblem, solution: LessonSolution) -> list[str]:
    broken = []
    for cl in problem.cohorts:
        for x in _taught(cl, solution):
            if x.trainer is not None and not problem.plan.trainer(x.trainer).available(x.day):
                broken.append(f"{cl.cohort.id}: {x.trainer} is unavailable on {x.day}")
    return broken


def _check_exams(problem: LessonProblem, solution: LessonSolution) -> list[str]:
    broken = []
    for cl in problem.cohorts:
        by_id = {s.id: s for s in cl.subjects}
        for x in _taught(cl, solution):
            deadline = cl.deadline(by_id[x.subject])
            if deadline and x.day >= deadline:
                broken.append(
                    f"{cl.cohort.id}: written-exam subject {x.subject} on {x.day}, after the exams start {deadline}"
                )
    return broken


def _check_one_place(problem: LessonProblem, solution: LessonSolution) -> list[str]:
    broken = []
    occupied: dict[tuple[str, date, int], str] = {}
    for cl in problem.cohorts:
        for x in _taught(cl, solution):
            if x.trainer is None:
                continue
            key = (x.trainer, x.day, x.slot)
            if key in occupied:
                broken.append(
                    f"{x.trainer} is in two places on {x.day} slot {x.slot} ({occupied[key]}, {cl.cohort.id})"
                )
            occupied[key] = cl.cohort.id
    return broken


def _check_trainer_max(problem: LessonProblem, solution: LessonSolution) -> list[str]:
    week_load: dict[tuple[str, date], int] = {}
    for cl in problem.cohorts:
        for x in _taught(cl, solution):
            if x.trainer is not None:
                week = (x.trainer, monday_of(x.day))
                week_load[week] = week_load.get(week, 0) + x.minutes
    broken = []
    for (tid, monday), minutes in sorted(week_load.items()):
        limit = problem.plan.trainer(tid).max_week_minutes
        if limit is not None and minutes > limit:
            broken.append(f"{tid}: {minutes} min in week {monday}, more than {limit}")
    return broken


# The plain-Python check of each hard rule of the lessons (schedule/rules.py lists the rules),
# written apart from the CP-SAT model so that one catches the other's mistakes.
CHECKS: tuple[tuple[Callable[[LessonProblem, LessonSolution], list[str]], RuleKind], ...] = (
    (_check_subject_hours, RuleKind.SUBJECT_HOURS),
    (_check_past, RuleKind.PAST),
    (_check_day_fill, RuleKind.DAY_FILL),
    (_check_under18, RuleKind.UNDER18),
    (_check_subject_trainer, RuleKind.SUBJECT_TRAINER),
    (_check_unavailable, RuleKind.UNAVAILABLE),
    (_check_exams, RuleKind.EXAMS),
    (_check_one_place, RuleKind.ONE_PLACE),
    (_check_subject_day_limit, RuleKind.SUBJECT_DAY_LIMIT),
    (_check_trainer_max, RuleKind.TRAINER_MAX),
)


def broken_lesson_rules(problem: LessonProblem, solution: LessonSolution) -> list[str]:
    """Every hard rule of the lessons the timetable breaks (empty when it obeys all)."""
    return [line for check, _ in CHECKS for line in check(problem, solution)]


@dataclass(frozen=True)
class LessonEvent:
    """Side-by-side slots of one activity on one day: what a calendar shows as one event."""

    cohort: str
    day: date
    first_slot: int
    last_slot: int
    subject: str
    trainer: str | None
    minutes: int  # teaching minutes (breaks between the slots excluded)
    uid: str  # the event's identity, kept across rebuilds while the lesson keeps its meaning


def lesson_events(
    problem: LessonProblem,
    solution: LessonSolution,
    identities: dict[str, dict[tuple, str]] | None = None,
    today: date | None = None,
) -> dict[str, list[LessonEvent]]:
    """Each cohort's lessons, with slots of one subject side by side (short break only) merged.

    `identities` gives the last build's events: cohort -> (subject, day, first slot, last slot)
    -> UID. An event found again keeps its UID; a future event of a subject that moved takes the
    UID of one of that subject's vanished future events, in date order ("a moved lesson stays the
    same lesson"); any other gets a new UID from its subject, day and slot."""
    joined = set(half_day_pairs(problem.slots))
    events: dict[str, list[LessonEvent]] = {}
    for cl in problem.cohorts:
        runs: list[list[Lesson]] = []
        for x in solution.of(cl.cohort.id):
            last = runs[-1][-1] if runs else None
            if last and last.day == x.day and last.subject == x.subject and (last.slot, x.slot) in joined:
                runs[-1].append(x)
            else:
                runs.append([x])
        old = dict((identities or {}).get(cl.cohort.id, {}))
        keys = [(run[0].subject, run[0].day, run[0].slot, run[-1].slot) for run in runs]
        uids: list[str | None] = [old.pop(key, None) for key in keys]
        taken = set((identities or {}).get(cl.cohort.id, {}).values())
        vanished: dict[str, list[str]] = {}
        for key, uid in sorted(old.items(), key=lambda item: (item[0][1], item[0][2], item[1])):
            if today is None or key[1] >= today:
                vanished.setdefault(key[0], []).append(uid)
        for i, key in enumerate(keys):
            if uids[i] is None and (today is None or key[1] >= today) and vanished.get(key[0]):
                uids[i] = vanished[key[0]].pop(0)
        found = []
        for run, key, known in zip(runs, keys, uids):
            uid = known
            if uid is None:
                uid = base = f"{cl.cohort.id}.{key[0]}.{key[1].isoformat()}.{key[2]}"
                n = 1
                while uid in taken:
                    n += 1
                    uid = f"{base}.{n}"
            taken.add(uid)
            found.append(
                LessonEvent(
                    cohort=cl.cohort.id,
                    day=run[0].day,
                    first_slot=run[0].slot,
                    last_slot=run[-1].slot,
                    subject=run[0].subject,
                    trainer=run[0].trainer,
                    minutes=sum(x.minutes for x in run),
                    uid=uid,
                )
            )
        events[cl.cohort.id] = found
    return events
