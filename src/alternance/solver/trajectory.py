"""A first answer to the quota model, built rather than searched.

The quota model (`quotas.py`) is a tight packing. On the seed plan every CFA week is full to
the minute with 2 h and 1 h 30 slots, and the written-exam subjects must be done weeks before
the cycle ends, so CP-SAT's search for a first answer took 2.5 s of its lessons stage. Here one
is built in three steps:

1. **A linear relaxation** (GLOP): minutes per (cohort, CFA week, subject), as close as it can
   be to each subject's even progress within the rung's band, under every weekly rule of the
   quota model. It sees what rounding week by week cannot: the weeks after the written exams
   that only the other subjects can fill. Every constraint of it holds in every timetable, so
   when it has no solution, neither has the rung.
2. **Rounded to whole slots** week after week in calendar order, following the relaxation's
   running totals, never leaving the band, and filling a week's slot lengths evenly.
3. **Closed by CP-SAT**: every subject's weeks from a few weeks before the first subject's
   last one (the written exams) stay open, and the real quota model (with its hard rules, cuts
   and day sets) makes the totals exact, the rounding as its hint.

When step 3 finds nothing, the caller searches the whole quota model as before. This is a
shortcut to an answer the quota model accepts, never a proof, except step 1's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from ..domain import monday_of
from ..schedule.lessons import MAX_SUBJECT_DAY_MINUTES, LessonProblem
from .quotas import Key, QuotaModel, build_quotas, quota_variables, spread_band, trainer_weeks

Week = tuple[int, int, str]  # cohort index, CFA week index, subject id


def relaxation(m: QuotaModel, weeks: int | None, free: set[int], fixed: dict[Week, int]) -> dict[Week, float] | None:
    """Minutes per (cohort, CFA week, subject) of the cohorts in `free`, of the linear relaxation
    closest to an even progress, in the band of `weeks` weeks; the other cohorts count only by
    their `fixed` minutes in their trainers' weeks. None when it has no solution: then the quota
    model has none either (leaving out another cohort's rules and its unfixed minutes, which
    are never negative, only relaxes it)."""
    p = m.problem
    lp = pywraplp.Solver.CreateSolver("GLOP")
    infinity = lp.infinity()

    def row(low: float, high: float, terms: list[tuple[pywraplp.Variable, float]]) -> None:
        constraint = lp.Constraint(low, high)  # rows by coefficient: the natural API is slow
        for var, coefficient in terms:
            constraint.SetCoefficient(var, coefficient)

    x: dict[Week, pywraplp.Variable] = {}
    for ci, w, sid, _ in m.n:
        if ci in free and (ci, w, sid) not in x:
            days = len(m.allowed_days(ci, w, sid))
            slots = sum(length * count for length, count in m.lengths.items()) * days
            x[ci, w, sid] = lp.NumVar(0, min(MAX_SUBJECT_DAY_MINUTES * days, slots), "")
    objective = lp.Objective()
    for ci in sorted(free):
        cl = p.cohorts[ci]
        for w in m.planned_weeks(ci):
            room = sum(cl.days[i].minutes for i in m.week_days[ci, w])
            row(-infinity, room, [(x[ci, w, s.id], 1) for s in cl.subjects if (ci, w, s.id) in x])
        for s in cl.subjects:
            band = spread_band(p, ci, s.id, weeks) if weeks is not None else s.minutes
            targets = cl.targets(s)
            done: pywraplp.Variable | None = None
            for w in range(cl.cfa_weeks):
                last = w == cl.cfa_weeks - 1
                # A running total, so that rows stay short; the last one is the subject's hours.
                total = lp.NumVar(s.minutes if last else 0, s.minutes, "")
                past = m.frozen.get((ci, w), {}).get(s.id, 0)
                terms = [(total, 1.0)] + ([(done, -1.0)] if done is not None else [])
                if (ci, w, s.id) in x:
                    terms.append((x[ci, w, s.id], -1.0))
                row(past, past, terms)
                done = total
                if w < len(targets):
                    off = lp.NumVar(0, min(s.minutes, band), "")  # |total - target|, within the band
                    row(-targets[w], infinity, [(off, 1), (total, -1)])
                    row(targets[w], infinity, [(off, 1), (total, 1)])
                    objective.SetCoefficient(off, 1)
            if done is None and s.minutes:
                return None  # no CFA week at all for a subject with hours
    for (tid, _monday), quotas in sorted(trainer_weeks(m).items()):
        most = p.plan.trainer(tid).max_week_minutes
        if most is not None:
            others = sum(fixed.get(k, 0) for k in quotas if k[0] not in free)
            row(-infinity, most - others, [(x[k], 1) for k in quotas if k in x])
    objective.SetMinimization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return {key: var.solution_value() for key, var in x.items()}


def _sums(lengths: list[int], limit: int) -> list[bool]:
    """Which minutes up to `limit` whole slots of these lengths add up to."""
    found = [True] + [False] * limit
    for minutes in range(1, limit + 1):
        found[minutes] = any(minutes >= length and found[minutes - length] for length in lengths)
    return found


@dataclass
class _Week:
    """One cohort's CFA week being rounded: what is left of it, and what each subject got."""

    ci: int
    w: int
    monday: date
    room: dict[int, int]  # slot length -> slots left
    minutes: int  # minutes left
    given: dict[str, dict[int, int]]  # subject -> slot length -> slots
    allowed: dict[str, int]  # subject -> days it may be taught
    target: dict[str, int]  # subject -> even progress at the end of the week
    band: dict[str, int]  # subject -> how far it may drift from it
    taught: dict[str, int] = field(default_factory=dict)  # subject -> minutes given
    slots: dict[str, int] = field(default_factory=dict)  # subject -> slots given

    def give(self, sid: str, length: int) -> None:
        self.given[sid][length] += 1
        self.room[length] -= 1
        self.minutes -= length
        self.taught[sid] = self.taught.get(sid, 0) + length
        self.slots[sid] = self.slots.get(sid, 0) + 1


class _Rounding:
    """The state of `rounded` across weeks: minutes done, the relaxation's running totals, and
    each trainer's week (minutes, and slots per length where several cohorts share them)."""

    def __init__(self, m: QuotaModel, free: set[int], fixed: dict[Week, int]):
        self.m = m
        self.most = {key: list(var.proto.domain)[-1] for key, var in m.n.items()}
        cohorts = m.problem.cohorts
        self.sums = _sums(list(m.lengths), max((s.minutes for cl in cohorts for s in cl.subjects), default=0))
        self.done: dict[tuple[int, str], int] = {}
        for ci in free:
            for s in cohorts[ci].subjects:
                self.done[ci, s.id] = sum(v.get(s.id, 0) for (c, _), v in m.frozen.items() if c == ci)
        self.goal: dict[tuple[int, str], float] = dict(self.done)
        self.per_day = m.slots_per_subject_day
        self.minutes = {(ci, s.id): s.minutes for ci in free for s in cohorts[ci].subjects}
        self.trainer = {(ci, s.id): cohorts[ci].trainers[s.id] for ci in free for s in cohorts[ci].subjects}
        self.week_most = {key: m.problem.plan.trainer(tid).max_week_minutes for key, tid in self.trainer.items()}
        self.taught: dict[tuple[str, date], int] = {}  # minutes per (trainer, Monday)
        self.by_length: dict[tuple[str, date, int], int] = {}  # slots per (trainer, Monday, length)
        self.shared: dict[tuple[str, date], int] = {}  # (trainer, Monday) of several cohorts -> days
        for (tid, monday), quotas in trainer_weeks(m).items():
            if len({ci for ci, _, _ in quotas}) > 1:
                self.shared[tid, monday] = len({d for ci, w, sid in quotas for d in m.allowed_days(ci, w, sid)})
            others = sum(fixed.get(k, 0) for k in quotas if k[0] not in free)  # cohorts spread before
            self.taught[tid, monday] = others

    def fits(self, week: _Week, sid: str, length: int) -> bool:
        """Whether one more slot of this length for this subject keeps every weekly rule, stays in
        its band, and leaves a rest that whole slots can finish."""
        m, key = self.m, (week.ci, week.w, sid, length)
        tid, week_most = self.trainer[week.ci, sid], self.week_most[week.ci, sid]
        now = week.taught.get(sid, 0)
        after = self.done[week.ci, sid] + now
        left = self.minutes[week.ci, sid] - after - length
        return (
            key in self.most
            and week.room[length] > 0
            and week.minutes >= length
            and week.given[sid][length] < self.most[key]
            and left >= 0
            and self.sums[left]
            and week.slots.get(sid, 0) < self.per_day * week.allowed[sid]
            and now + length <= MAX_SUBJECT_DAY_MINUTES * week.allowed[sid]
            and after + length - week.target[sid] <= week.band[sid]
            and (week_most is None or self.taught.get((tid, week.monday), 0) + length <= week_most)
            and (
                (tid, week.monday) not in self.shared
                or self.by_length.get((tid, week.monday, length), 0) < self.shared[tid, week.monday] * m.lengths[length]
            )
        )

    def fill(self, week: _Week) -> None:
        """Give the week's slots one at a time: first to a subject about to fall out of its band,
        then in the length the week has most of, to the subject furthest behind the relaxation."""
        cl = self.m.problem.cohorts[week.ci]
        while True:
            best: tuple | None = None
            for s in cl.subjects:
                after = self.done[week.ci, s.id] + week.taught.get(s.id, 0)
                for length in week.room:
                    if self.fits(week, s.id, length):
                        falling = after < week.target[s.id] - week.band[s.id] + length
                        behind = self.goal[week.ci, s.id] - after - length / 2
                        score = (falling, week.room[length] * length, behind, length)
                        if best is None or score > best[0]:
                            best = (score, s.id, length)
            if best is None:
                return
            _, sid, length = best
            tid = cl.trainers[sid]
            week.give(sid, length)
            self.taught[tid, week.monday] = self.taught.get((tid, week.monday), 0) + length
            self.by_length[tid, week.monday, length] = self.by_length.get((tid, week.monday, length), 0) + 1


def rounded(
    m: QuotaModel, weeks: int | None, relaxed: dict[Week, float], free: set[int], fixed: dict[Week, int]
) -> dict[Key, int]:
    """Slots per (cohort, CFA week, subject, slot length) for the cohorts in `free`, week after
    week in calendar order, following the relaxation's running totals (`_Rounding.fill`)."""
    p = m.problem
    state = _Rounding(m, free, fixed)
    counts = {key: 0 for key in m.n if key[0] in free}
    targets = {(ci, s.id): p.cohorts[ci].targets(s) for ci in free for s in p.cohorts[ci].subjects}
    # A subject's band is the same every week: made once, not once a week (no band: its hours).
    bands = {key: spread_band(p, key[0], key[1], weeks) for key in targets} if weeks is not None else {}
    order = sorted((p.cohorts[ci].days[m.week_days[ci, w][0]].day, ci, w) for ci in free for w in m.planned_weeks(ci))
    for first_day, ci, w in order:
        cl = p.cohorts[ci]
        days = m.week_days[ci, w]
        week = _Week(
            ci,
            w,
            monday_of(first_day),
            {
                length: sum(m.usable(cl.days[i].minutes).get(length, 0) for i in days)
                for length in sorted(m.lengths, reverse=True)
            },
            sum(cl.days[i].minutes for i in days),
            {s.id: dict.fromkeys(m.lengths, 0) for s in cl.subjects},
            {s.id: len(m.allowed_days(ci, w, s.id)) for s in cl.subjects},
            {s.id: targets[ci, s.id][w] if w < len(targets[ci, s.id]) else s.minutes for s in cl.subjects},
            {s.id: bands.get((ci, s.id), s.minutes) for s in cl.subjects},
        )
        for s in cl.subjects:
            state.goal[ci, s.id] += relaxed.get((ci, w, s.id), 0.0)
        state.fill(week)
        for sid, slots in week.given.items():
            for length, count in slots.items():
                if (ci, w, sid, length) in counts:
                    counts[ci, w, sid, length] = count
            state.done[ci, sid] += week.taught.get(sid, 0)
    return counts


# CFA weeks before a cohort's first last-teaching week from which CP-SAT closes it (step 3), fewest first.
CLOSING_WEEKS = (8, 16)

Solve = Callable[[cp_model.CpModel], tuple[cp_model.CpSolver, cp_model.CpSolverStatus]]


def built_answer(
    problem: LessonProblem,
    weeks: int | None,
    cuts: Sequence[dict[Week, int]],
    fixed: dict[Week, int] | None,
    day_sets: Iterable[tuple[int, int]],
    solve: Solve,
) -> tuple[cp_model.CpSolverStatus, QuotaModel | None, cp_model.CpSolver | None]:
    """The quota model's answer for this rung by steps 1 to 3: (OPTIMAL or FEASIBLE, its model,
    its solver); (INFEASIBLE, None, None) when the relaxation has no solution; (UNKNOWN, None,
    None) when the steps found nothing (the caller searches)."""
    fixed = fixed or {}
    day_sets = list(day_sets)
    free = {ci for ci in range(len(problem.cohorts)) if not any(key[0] == ci for key in fixed)}
    if not free:
        return cp_model.UNKNOWN, None, None
    m = quota_variables(problem)
    relaxed = relaxation(m, weeks, free, fixed)
    if relaxed is None:
        return cp_model.INFEASIBLE, None, None
    counts = rounded(m, weeks, relaxed, free, fixed)
    for open_weeks in CLOSING_WEEKS:
        pinned = dict(fixed)
        for ci in free:
            cl = problem.cohorts[ci]
            # Open from `open_weeks` before the first subject's last week (the written exams):
            # the subjects that go on after it must be able to give up slots before it.
            start = min((cl.last_week(s) for s in cl.subjects), default=0) - open_weeks
            for s in cl.subjects:
                for w in m.planned_weeks(ci):
                    if w <= start:
                        pinned[ci, w, s.id] = sum(length * counts.get((ci, w, s.id, length), 0) for length in m.lengths)
        closing = build_quotas(problem, weeks, cuts=cuts, fixed=pinned, day_sets=day_sets)
        for key, var in closing.n.items():
            if key in counts:
                closing.model.add_hint(var, counts[key])
        solver, status = solve(closing.model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, closing, solver
    return cp_model.UNKNOWN, None, None
