"""First level of the timetable: how many slots of each subject each CFA week gets.

Deciding the whole two-year timetable slot by slot in one model is slow to even find a first
answer on 2 cores. So the timetable is made in two levels: this small model spreads every
subject's hours evenly over the CFA weeks (within a band that the driver narrows) (counts of slots per slot position, so that the hours add up
exactly with slots of unequal length) under every rule that can be counted per week; then each
week is laid out day by day by the slot model (`lessons.py`), with these counts fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from ortools.sat.python import cp_model

from ..domain import monday_of
from ..schedule.lessons import MAX_SUBJECT_DAY_MINUTES, LessonProblem
from .core import SUBJECT_DAY_LIMIT_PLACE, Guards, Rule, RuleKind

Key = tuple[int, int, str, int]  # cohort index, CFA week index, subject id, slot length (minutes)


@dataclass
class QuotaModel:
    model: cp_model.CpModel
    problem: LessonProblem
    n: dict[Key, cp_model.IntVar]
    guards: Guards
    week_days: dict[tuple[int, int], list[int]]  # (cohort, CFA week) -> indices of its days
    frozen: dict[tuple[int, int], dict[str, int]] = field(default_factory=dict)  # past week -> subject minutes
    _allowed: dict[tuple[int, int, str], list[date]] = field(default_factory=dict, repr=False)
    _usable: dict[int, dict[int, int]] = field(default_factory=dict, repr=False)

    def allowed_days(self, ci: int, w: int, sid: str) -> list[date]:
        found = self._allowed.get((ci, w, sid))
        if found is None:
            cl = self.problem.cohorts[ci]
            subject = next(s for s in cl.subjects if s.id == sid)
            found = [cl.days[i].day for i in self.week_days[ci, w] if self.problem.allowed(cl, subject, cl.days[i].day)]
            self._allowed[ci, w, sid] = found
        return found

    @cached_property
    def lengths(self) -> dict[int, int]:
        """Slot length -> how many slots of a day have it. Slots of one length are interchangeable
        here; which one a lesson takes is the week model's choice."""
        found: dict[int, int] = {}
        for slot in self.problem.slots:
            found[slot.minutes] = found.get(slot.minutes, 0) + 1
        return dict(sorted(found.items()))

    def usable(self, day_minutes: int) -> dict[int, int]:
        """Slot length -> how many slots of that length a day filled to exactly `day_minutes` can
        use (a day cut to 8 h for an apprentice under 18 leaves some slots empty)."""
        if day_minutes in self._usable:
            return self._usable[day_minutes]
        slots = [s.minutes for s in self.problem.slots]
        best: dict[int, int] = {}
        for mask in range(1 << len(slots)):
            chosen = [slots[i] for i in range(len(slots)) if mask >> i & 1]
            if sum(chosen) == day_minutes:
                for length in set(chosen):
                    best[length] = max(best.get(length, 0), chosen.count(length))
        self._usable[day_minutes] = best
        return best

    @property
    def slots_per_subject_day(self) -> int:
        """The most slots one subject can take in a day within 4 h (its shortest slots)."""
        total = count = 0
        for length in sorted(s.minutes for s in self.problem.slots):
            if total + length > MAX_SUBJECT_DAY_MINUTES:
                break
            total, count = total + length, count + 1
        return count

    def week_minutes(self, ci: int, w: int, sid: str) -> cp_model.LinearExprT:
        if (ci, w) in self.frozen:  # a past week: what was published
            return self.frozen[ci, w].get(sid, 0)
        return sum(length * self.n[ci, w, sid, length] for length in self.lengths if (ci, w, sid, length) in self.n)

    def planned_weeks(self, ci: int) -> list[int]:
        """The CFA weeks still to plan (not frozen)."""
        return [w for w in range(self.problem.cohorts[ci].cfa_weeks) if (ci, w) not in self.frozen]


def _variables(m: QuotaModel, guarded: bool) -> None:
    slots = m.problem.slots
    for ci, cl in enumerate(m.problem.cohorts):
        for i, d in enumerate(cl.days):
            m.week_days.setdefault((ci, d.week), []).append(i)
        week_of = {d.day: d.week for d in cl.days}
        for (day, slot), (subject, _) in sorted(cl.past.items()):
            minutes = m.frozen.setdefault((ci, week_of[day]), {})
            minutes[subject] = minutes.get(subject, 0) + slots[slot].minutes
        for w in m.planned_weeks(ci):
            days = len(m.week_days[ci, w])
            for s in cl.subjects:
                most = days if guarded else len(m.allowed_days(ci, w, s.id))
                if most:
                    for length, count in m.lengths.items():
                        m.n[ci, w, s.id, length] = m.model.new_int_var(
                            0, most * count, f"n[{cl.cohort.id},{w},{s.id},{length}]"
                        )


def add_week_fill(m: QuotaModel) -> None:
    """Each slot position of a week holds at most one subject a day; the rest is accompaniment."""
    for ci, cl in enumerate(m.problem.cohorts):
        for w in m.planned_weeks(ci):
            days = m.week_days[ci, w]
            for length in m.lengths:
                room = sum(m.usable(cl.days[i].minutes).get(length, 0) for i in days)
                m.model.add(sum(m.n[ci, w, s.id, length] for s in cl.subjects if (ci, w, s.id, length) in m.n) <= room)
            room = sum(cl.days[i].minutes for i in days)  # less than full days when under-18 days are cut
            m.model.add(sum(m.week_minutes(ci, w, s.id) for s in cl.subjects) <= room)


def add_subject_hours(m: QuotaModel) -> None:
    """Every subject gets exactly its hours over the cycle."""
    for ci, cl in enumerate(m.problem.cohorts):
        for s in cl.subjects:
            rule = Rule(
                RuleKind.SUBJECT_HOURS,
                f"programme[{cl.cohort.programme}].subject[{s.id}].hours",
                cohort=cl.cohort.id,
                subject=s.id,
                minutes=s.minutes,
            )
            m.model.add(sum(m.week_minutes(ci, w, s.id) for w in range(cl.cfa_weeks)) == s.minutes).only_enforce_if(
                m.guards.of(rule)
            )


def add_allowed_days(m: QuotaModel) -> None:
    """Per week, a subject's slots fit the days its trainer is there (before any written exam),
    in each slot position, and within 4 h a day."""
    day_limit = m.guards.of(Rule(RuleKind.SUBJECT_DAY_LIMIT, SUBJECT_DAY_LIMIT_PLACE))
    for ci, cl in enumerate(m.problem.cohorts):
        for w in m.planned_weeks(ci):
            days = m.week_days[ci, w]
            for s in cl.subjects:
                allowed = len(m.allowed_days(ci, w, s.id))
                if m.guards.enabled and allowed < len(days):
                    # Without guards the variable's upper bound already says this.
                    for length, count in m.lengths.items():
                        m.model.add(m.n[ci, w, s.id, length] <= allowed * count).only_enforce_if(
                            m.guards.of(_day_rule(m, ci, w, s.id))
                        )
                if any((ci, w, s.id, length) in m.n for length in m.lengths):
                    limit_days = len(days) if m.guards.enabled else allowed
                    m.model.add(m.week_minutes(ci, w, s.id) <= MAX_SUBJECT_DAY_MINUTES * limit_days).only_enforce_if(
                        day_limit
                    )
                    taught: cp_model.LinearExprT = sum(
                        m.n[ci, w, s.id, length] for length in m.lengths if (ci, w, s.id, length) in m.n
                    )
                    m.model.add(taught <= m.slots_per_subject_day * limit_days).only_enforce_if(day_limit)


def _day_rule(m: QuotaModel, ci: int, w: int, sid: str) -> Rule:
    """The plan rule that removes days of week w for this subject: the exams, else the trainer."""
    cl = m.problem.cohorts[ci]
    subject = next(s for s in cl.subjects if s.id == sid)
    deadline = cl.deadline(subject)
    if deadline is not None and any(cl.days[i].day >= deadline for i in m.week_days[ci, w]):
        return Rule(RuleKind.EXAMS, f"cohort[{cl.cohort.id}].{cl.cohort.written_place}", cohort=cl.cohort.id)
    tid = cl.trainers[sid]
    return Rule(RuleKind.UNAVAILABLE, f"trainer[{tid}].unavailable", trainer=tid)


def trainer_weeks(m: QuotaModel) -> dict[tuple[str, date], list[tuple[int, int, str]]]:
    """(trainer, Monday) -> the (cohort, CFA week, subject) quotas that trainer teaches."""
    found: dict[tuple[str, date], list] = {}
    for ci, cl in enumerate(m.problem.cohorts):
        for w in m.planned_weeks(ci):
            monday = monday_of(cl.days[m.week_days[ci, w][0]].day)
            for s in cl.subjects:
                found.setdefault((cl.trainers[s.id], monday), []).append((ci, w, s.id))
    return found


def add_trainer_week(m: QuotaModel) -> None:
    """A trainer's weekly maximum holds, and in each slot position they teach at most one class
    a day on the days they are there."""
    plan = m.problem.plan
    for (tid, monday), quotas in sorted(trainer_weeks(m).items()):
        trainer = plan.trainer(tid)
        if trainer.max_week_minutes is not None:
            rule = Rule(RuleKind.TRAINER_MAX, f"trainer[{tid}].max_hours_per_week", trainer=tid, week=monday)
            m.model.add(
                sum(m.week_minutes(ci, w, sid) for ci, w, sid in quotas) <= trainer.max_week_minutes
            ).only_enforce_if(m.guards.of(rule))
        if len({ci for ci, _, _ in quotas}) > 1:
            days = {d for ci, w, sid in quotas for d in m.allowed_days(ci, w, sid)}
            for length, count in m.lengths.items():
                m.model.add(
                    sum(m.n[ci, w, sid, length] for ci, w, sid in quotas if (ci, w, sid, length) in m.n)
                    <= len(days) * count
                )


@dataclass(frozen=True)
class DayGroup:
    """Subjects of one cohort's CFA week that may only be taught on some of its days, and what
    those days hold: slots by length, and minutes."""

    ci: int
    w: int
    subjects: tuple[str, ...]
    slots: dict[int, int]  # slot length -> how many the days have
    minutes: int


def day_groups(m: QuotaModel, ci: int, w: int) -> list[DayGroup]:
    """The day sets of a week's subjects (their trainer is away on the other days, or their exam
    has started), and their unions, each with the subjects confined to it (two or more)."""
    cl = m.problem.cohorts[ci]
    days = frozenset(m.week_days[ci, w])
    allowed = {
        s.id: frozenset(i for i in days if m.problem.allowed(cl, s, cl.days[i].day))
        for s in cl.subjects
        if any((ci, w, s.id, length) in m.n for length in m.lengths)
    }
    sets = {d for d in allowed.values() if d and d != days}
    sets |= {a | b for a in sets for b in sets if a | b != days}
    groups = []
    for group in sorted(sets, key=sorted):
        subjects = tuple(sid for sid, d in allowed.items() if d <= group)
        if len(subjects) > 1:  # one subject alone: its own day limit already says this
            slots: dict[int, int] = {}
            for i in group:
                for length, count in m.usable(cl.days[i].minutes).items():
                    slots[length] = slots.get(length, 0) + count
            groups.append(DayGroup(ci, w, subjects, slots, sum(cl.days[i].minutes for i in group)))
    return groups


def add_day_set_cuts(m: QuotaModel, weeks: Iterable[tuple[int, int]]) -> None:
    """What the days a group of subjects may use can hold, in these (cohort, CFA week)s: a cut
    valid for every timetable, so the search stays complete. Without it, a week whose two
    subjects both lose Wednesday to their trainers passes the weekly counts and is refused only
    when laid out. Added only where an answer broke it (`day_set_overflows`): everywhere, it
    slows the quota search more than the refused weeks it saves."""
    for ci, w in sorted(weeks):
        if (ci, w) in m.frozen:
            continue
        for g in day_groups(m, ci, w):
            for length in m.lengths:
                terms = [m.n[ci, w, sid, length] for sid in g.subjects if (ci, w, sid, length) in m.n]
                if terms:
                    m.model.add(sum(terms) <= g.slots.get(length, 0))
            m.model.add(sum(m.week_minutes(ci, w, sid) for sid in g.subjects) <= g.minutes)


def day_set_overflows(m: QuotaModel, solver: cp_model.CpSolver) -> set[tuple[int, int]]:
    """The (cohort, CFA week)s whose quotas ask more of a group's days than they hold."""
    found = set()
    for ci in range(len(m.problem.cohorts)):
        for w in m.planned_weeks(ci):
            for g in day_groups(m, ci, w):
                used = {
                    length: sum(
                        solver.value(m.n[ci, w, sid, length]) for sid in g.subjects if (ci, w, sid, length) in m.n
                    )
                    for length in m.lengths
                }
                if any(used[length] > g.slots.get(length, 0) for length in used) or (
                    sum(length * count for length, count in used.items()) > g.minutes
                ):
                    found.add((ci, w))
    return found


def spread_band(problem: LessonProblem, cl_index: int, subject_id: str, weeks: int) -> int:
    """How far (minutes) a subject may drift from an even progress: `weeks` weeks of its own
    teaching, plus one slot (lessons come in whole slots)."""
    cl = problem.cohorts[cl_index]
    subject = next(s for s in cl.subjects if s.id == subject_id)
    per_week = subject.minutes / max(1, cl.last_week(subject) + 1)
    return max(s.minutes for s in problem.slots) + round(weeks * per_week)


def add_running_band(
    model: cp_model.CpModel,
    name: str,
    weekly: Sequence[cp_model.LinearExprT],
    targets: Sequence[int],
    band: int,
    most: int,
) -> None:
    """After every CFA week w, the running total of `weekly` stays within `band` of `targets[w]`:
    the even spread of the quota model and of the whole-cycle lessons model alike."""
    done: Any = 0  # an int, then an IntVar (OR-Tools' stubs do not add a LinearExprT to one)
    for w, target in enumerate(targets):
        # One variable per running total keeps each constraint short (not all weeks so far).
        total = model.new_int_var(0, most, f"done[{name},{w}]")
        model.add(total == done + weekly[w])
        done = total
        model.add(total - target <= band)
        model.add(target - total <= band)


def add_even_spread(m: QuotaModel, weeks: int) -> None:
    """After every CFA week, each subject is within `weeks` weeks of its own teaching (plus one
    slot) of an even progress: no long wait, no bunching. The driver searches the smallest `weeks`."""
    for ci, cl in enumerate(m.problem.cohorts):
        for s in cl.subjects:
            targets = cl.targets(s)
            weekly = [m.week_minutes(ci, w, s.id) for w in range(len(targets))]
            band = spread_band(m.problem, ci, s.id, weeks)
            add_running_band(m.model, f"{cl.cohort.id},{s.id}", weekly, targets, band, s.minutes)


# The weekly relaxation of the lessons' hard rules, with the kinds of schedule/rules.py each holds.
HARD_RULES: tuple[tuple[Callable[[QuotaModel], None], tuple[RuleKind, ...]], ...] = (
    (add_week_fill, (RuleKind.DAY_FILL,)),
    (add_subject_hours, (RuleKind.SUBJECT_HOURS,)),
    (add_allowed_days, (RuleKind.SUBJECT_DAY_LIMIT, RuleKind.UNAVAILABLE, RuleKind.EXAMS)),
    (add_trainer_week, (RuleKind.TRAINER_MAX,)),
)


def add_cuts(m: QuotaModel, cuts: list[dict[tuple[int, int, str], int]]) -> None:
    """Weekly quotas that a week's layout already refused: never propose them again."""
    for n, cut in enumerate(cuts):
        differs = []
        for (ci, w, sid), minutes in sorted(cut.items()):
            b = m.model.new_bool_var(f"cut[{n},{ci},{w},{sid}]")
            m.model.add(m.week_minutes(ci, w, sid) != minutes).only_enforce_if(b)
            differs.append(b)
        m.model.add_bool_or(differs)


def quota_variables(problem: LessonProblem, guarded: bool = False) -> QuotaModel:
    """The quota model's variables and what they stand for, without its rules: what the relaxation
    and the rounding of `trajectory.py` read, and what `build_quotas` adds the rules to."""
    model = cp_model.CpModel()
    m = QuotaModel(model, problem, {}, Guards(model, enabled=guarded), {})
    _variables(m, guarded)
    return m


def build_quotas(
    problem: LessonProblem,
    band_weeks: int | None = None,
    guarded: bool = False,
    cuts: Sequence[dict[tuple[int, int, str], int]] = (),
    fixed: dict[tuple[int, int, str], int] | None = None,
    day_sets: Iterable[tuple[int, int]] = (),
) -> QuotaModel:
    """The quota model; `fixed` pins the weekly minutes of the weeks it lists (for a local repair);
    `day_sets` lists the (cohort, CFA week)s that get the day-set cuts."""
    m = quota_variables(problem, guarded)
    for add_rule, _ in HARD_RULES:
        add_rule(m)
    if band_weeks is not None:
        add_even_spread(m, band_weeks)
    add_day_set_cuts(m, day_sets)
    add_cuts(m, list(cuts))
    for (ci, w, sid), minutes in sorted((fixed or {}).items()):
        m.model.add(m.week_minutes(ci, w, sid) == minutes)
    return m
