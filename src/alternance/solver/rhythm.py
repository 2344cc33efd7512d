"""The CP-SAT model of the week rhythm: variables, one function per hard rule, named penalties.

Each hard rule that comes from the plan file can be guarded by a literal (`Guards`), so that the
explanation of an infeasible plan can ask CP-SAT which of the planner's rules clash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from ..domain import monday_of
from ..facts.weeks import slot_sums
from ..schedule.lessons import MAX_SUBJECT_DAY_MINUTES
from ..schedule.rhythm import CFA, GOALS, CohortWeeks, RhythmProblem
from .core import Guards, Penalty, Rule, RuleKind


@dataclass
class RhythmModel:
    model: cp_model.CpModel
    problem: RhythmProblem
    x: dict[tuple[int, int], cp_model.IntVar]  # (cohort index, week index) -> CFA week?
    guards: Guards
    penalties: list[Penalty] = field(default_factory=list)
    by_cohort: dict[int, list[tuple[int, cp_model.IntVar]]] = field(default_factory=dict)

    def of_cohort(self, ci: int) -> list[tuple[int, cp_model.IntVar]]:
        """(week index, variable) of one cohort's open weeks."""
        if not self.by_cohort:
            for (c, wi), var in self.x.items():
                self.by_cohort.setdefault(c, []).append((wi, var))
        return self.by_cohort.get(ci, [])

    def minutes(self, ci: int) -> cp_model.LinearExprT:
        cw = self.problem.cohorts[ci]
        return sum(cw.weeks[wi].minutes * var for wi, var in self.of_cohort(ci))

    def goal(self, name: str) -> cp_model.LinearExprT:
        return sum(p.weight * p.expr for p in self.penalties if p.goal == name)


def _new_variables(model: cp_model.CpModel, problem: RhythmProblem) -> dict[tuple[int, int], cp_model.IntVar]:
    """One boolean per open week of each cohort: true for a CFA week. Closed weeks have none."""
    return {
        (ci, wi): model.new_bool_var(f"cfa[{cw.cohort.id},{week.monday}]")
        for ci, cw in enumerate(problem.cohorts)
        for wi, week in enumerate(cw.weeks)
        if not week.closed
    }


def add_hours_target(m: RhythmModel) -> None:
    """CFA hours reach total_hours and exceed it by less than one full CFA week."""
    for ci, cw in enumerate(m.problem.cohorts):
        c = cw.cohort
        if cw.window_frozen(range(len(cw.weeks))):
            continue  # a cohort wholly in the past: its hours are what they were
        place = f"programme[{c.programme}].total_hours"
        m.model.add(m.minutes(ci) >= cw.target_minutes).only_enforce_if(
            m.guards.of(Rule(RuleKind.HOURS_MIN, place, cohort=c.id))
        )
        m.model.add(m.minutes(ci) <= cw.target_minutes + c.week_minutes - 1).only_enforce_if(
            m.guards.of(Rule(RuleKind.HOURS_MAX, place, cohort=c.id))
        )


def add_max_consecutive_cfa(m: RhythmModel) -> None:
    """No run of CFA weeks is longer than max_consecutive_cfa_weeks."""
    for ci, cw in enumerate(m.problem.cohorts):
        c, k = cw.cohort, cw.cohort.max_consecutive_cfa_weeks
        guard = m.guards.of(Rule(RuleKind.MAX_CFA, f"cohort[{c.id}].max_consecutive_cfa_weeks", cohort=c.id))
        for start in range(len(cw.weeks) - k):
            span = range(start, start + k + 1)
            # A closed week in the window already ends the run; a window in the past is a fact.
            if all((ci, wi) in m.x for wi in span) and not cw.window_frozen(span):
                m.model.add(sum(m.x[ci, wi] for wi in span) <= k).only_enforce_if(guard)


def add_max_consecutive_company(m: RhythmModel) -> None:
    """No run of company weeks is longer than max_consecutive_company_weeks; closed weeks end runs."""
    for ci, cw in enumerate(m.problem.cohorts):
        c, k = cw.cohort, cw.cohort.max_consecutive_company_weeks
        guard = m.guards.of(Rule(RuleKind.MAX_COMPANY, f"cohort[{c.id}].max_consecutive_company_weeks", cohort=c.id))
        for seg in cw.segments():
            for start in range(len(seg) - k):
                window = seg[start : start + k + 1]
                if not cw.window_frozen(window):
                    m.model.add_bool_or([m.x[ci, wi] for wi in window]).only_enforce_if(guard)


def add_hard_peaks(m: RhythmModel) -> None:
    """No CFA week touches a hard peak of a company of the cohort's apprentices."""
    for ci, cw in enumerate(m.problem.cohorts):
        for wi, companies in enumerate(cw.hard_peaks):
            for company in companies:
                if (ci, wi) in m.x and not cw.is_frozen(wi):
                    rule = Rule(
                        RuleKind.HARD_PEAK,
                        f"company[{company}].peak",
                        cohort=cw.cohort.id,
                        company=company,
                    )
                    m.model.add(m.x[ci, wi] == 0).only_enforce_if(m.guards.of(rule))


def add_company_closures(m: RhythmModel) -> None:
    """No CFA week while the company of one of the cohort's apprentices is closed (they are on leave)."""
    for ci, cw in enumerate(m.problem.cohorts):
        for wi in range(len(cw.weeks)):
            if (ci, wi) not in m.x or cw.is_frozen(wi):
                continue
            for company, n in cw.on_leave(wi):
                closure = m.problem.plan.company(company).closures[n - 1]
                rule = Rule(
                    RuleKind.COMPANY_CLOSURE,
                    f"company[{company}].closure[{n}]",
                    cohort=cw.cohort.id,
                    company=company,
                    week=monday_of(closure.start),
                )
                m.model.add(m.x[ci, wi] == 0).only_enforce_if(m.guards.of(rule))


def add_fixed_weeks(m: RhythmModel) -> None:
    """The weeks the planner fixed (`[[cohort.fixed]]`) are at the CFA or in the company, as fixed."""
    for ci, cw in enumerate(m.problem.cohorts):
        for wi, var in m.of_cohort(ci):
            found = cw.fixed(wi)
            if found is None or cw.is_frozen(wi):
                continue
            n, fix = found
            monday = monday_of(fix.start)
            rule = Rule(RuleKind.FIXED, f"cohort[{cw.cohort.id}].fixed[{n}]", cohort=cw.cohort.id, week=monday)
            m.model.add(var == int(fix.kind == "cfa")).only_enforce_if(m.guards.of(rule))


def _at_most(m: RhythmModel, count: int, rule: Rule, room: str | None = None) -> None:
    """At most `count` cohorts (every cohort, or those needing a `room` kind) are at the CFA in
    any week that is not wholly in the past."""
    by_monday: dict = {}
    live: set = set()
    for (ci, wi), var in m.x.items():
        cw = m.problem.cohorts[ci]
        if room is None or cw.cohort.room == room:
            by_monday.setdefault(cw.weeks[wi].monday, []).append(var)
            if not cw.is_frozen(wi):
                live.add(cw.weeks[wi].monday)
    guard = m.guards.of(rule)
    for monday in sorted(by_monday):
        if len(by_monday[monday]) > count and monday in live:
            m.model.add(sum(by_monday[monday]) <= count).only_enforce_if(guard)


def add_capacity(m: RhythmModel) -> None:
    """At most max_cohorts_at_cfa cohorts are at the CFA in any week."""
    if m.problem.capacity is not None:
        _at_most(m, m.problem.capacity, Rule(RuleKind.CAPACITY, "plan.max_cohorts_at_cfa"))


def add_rooms(m: RhythmModel) -> None:
    """At most `count` of the cohorts needing a room of a kind are at the CFA in any week."""
    for room in m.problem.plan.rooms:
        rule = Rule(RuleKind.ROOM, f"room[{room.kind}].count", room=room.kind)
        _at_most(m, room.count, rule, room.kind)


def add_lessons_fit(m: RhythmModel) -> None:
    """The lessons must fit the CFA weeks chosen: hours beyond the subjects fill whole slots, each
    subject fits the days its trainer is there (before the written exams), a shared trainer's
    load fits the weeks their cohorts are at the CFA."""
    plan = m.problem.plan
    if not plan.has_lessons:
        return
    lengths = tuple(sorted({s.minutes for s in plan.day_slots}))
    trainer_weeks: dict[str, dict] = {}  # trainer -> Monday -> (cohort weeks, available minutes)
    demand: dict[str, int] = {}
    for ci, cw in enumerate(m.problem.cohorts):
        c = cw.cohort
        subjects = plan.programme(c.programme).subjects
        taught = sum(s.minutes for s in subjects)
        room = sum(w.minutes for w in cw.weeks)
        rule = Rule(RuleKind.SLOTS, "plan.day_slots", cohort=c.id)
        m.model.add_linear_expression_in_domain(
            m.minutes(ci) - taught, cp_model.Domain.from_values(slot_sums(lengths, max(0, room - taught)))
        ).only_enforce_if(m.guards.of(rule))
        deadline = c.written_exams[0] if c.written_exams else None
        written = sum(s.minutes for s in subjects if s.exam == "written")
        if deadline and written:
            before = {
                wi: sum(c.minutes_on(d.weekday()) for d in w.open_days if d < deadline) for wi, w in enumerate(cw.weeks)
            }
            rule = Rule(RuleKind.WRITTEN, f"cohort[{c.id}].{c.written_place}", cohort=c.id)
            m.model.add(sum(before[wi] * v for wi, v in m.of_cohort(ci)) >= written).only_enforce_if(m.guards.of(rule))
        for s in subjects:
            tid = plan.trainer_of(c.id, s.id)
            trainer = plan.trainer(tid)
            demand[tid] = demand.get(tid, 0) + s.minutes
            terms = []
            for wi, v in m.of_cohort(ci):
                week = cw.weeks[wi]
                days = [
                    d
                    for d in week.open_days
                    if trainer.available(d) and (s.exam != "written" or deadline is None or d < deadline)
                ]
                most = sum(min(MAX_SUBJECT_DAY_MINUTES, c.minutes_on(d.weekday())) for d in days)
                if trainer.max_week_minutes is not None:
                    most = min(most, trainer.max_week_minutes)
                terms.append(most * v)
                # A shared trainer can be there on the days of any of their cohorts: keep the most.
                cohorts, available = trainer_weeks.setdefault(tid, {}).get(week.monday, ([], 0))
                here = sum(c.minutes_on(d.weekday()) for d in week.open_days if trainer.available(d))
                trainer_weeks[tid][week.monday] = ([*cohorts, v], max(available, here))
            places = [f"programme[{c.programme}].subject[{s.id}].hours"]
            if s.exam == "written" and deadline is not None:
                places.append(f"cohort[{c.id}].{c.written_place}")
            if trainer.unavailable:
                places.append(f"trainer[{tid}].unavailable")
            if trainer.max_week_minutes is not None:
                places.append(f"trainer[{tid}].max_hours_per_week")
            rule = Rule(RuleKind.SUBJECT_FIT, ", ".join(places), cohort=c.id, subject=s.id)
            m.model.add(sum(terms) >= s.minutes).only_enforce_if(m.guards.of(rule))
    for tid, weeks in sorted(trainer_weeks.items()):
        limit = plan.trainer(tid).max_week_minutes
        terms = []
        for monday, (cfa, available) in sorted(weeks.items()):
            present = m.model.new_bool_var(f"trainer_week[{tid},{monday}]")
            m.model.add(present <= sum(cfa))
            terms.append((available if limit is None else min(limit, available)) * present)
        rule = Rule(
            RuleKind.TRAINER_FIT, f"trainer[{tid}]" + (".max_hours_per_week" if limit is not None else ""), trainer=tid
        )
        m.model.add(sum(terms) >= demand[tid]).only_enforce_if(m.guards.of(rule))


def add_frozen_past(m: RhythmModel) -> None:
    """Weeks that started before --today keep the kind they were published with."""
    for ci, cw in enumerate(m.problem.cohorts):
        for wi, var in m.of_cohort(ci):
            if cw.is_frozen(wi):
                m.model.add(var == int(cw.previous[wi] == CFA))


# Every hard rule of the rhythm, in the order they are added, with the kinds of schedule/rules.py
# each one holds. OPEN_WEEKS is held by the variables themselves: a closed week has none.
HARD_RULES: tuple[tuple[Callable[[RhythmModel], None], tuple[RuleKind, ...]], ...] = (
    (add_frozen_past, (RuleKind.PAST,)),
    (add_hours_target, (RuleKind.HOURS_MIN, RuleKind.HOURS_MAX)),
    (add_max_consecutive_cfa, (RuleKind.MAX_CFA,)),
    (add_max_consecutive_company, (RuleKind.MAX_COMPANY,)),
    (add_hard_peaks, (RuleKind.HARD_PEAK,)),
    (add_company_closures, (RuleKind.COMPANY_CLOSURE,)),
    (add_fixed_weeks, (RuleKind.FIXED,)),
    (add_capacity, (RuleKind.CAPACITY,)),
    (add_rooms, (RuleKind.ROOM,)),
    (add_lessons_fit, (RuleKind.SLOTS, RuleKind.WRITTEN, RuleKind.SUBJECT_FIT, RuleKind.TRAINER_FIT)),
)
BY_CONSTRUCTION: tuple[RuleKind, ...] = (RuleKind.OPEN_WEEKS,)


def _peak_penalties(m: RhythmModel, ci: int, cw: CohortWeeks) -> None:
    for wi, var in m.of_cohort(ci):
        if cw.peak_cost(wi):
            m.penalties.append(
                Penalty(f"peak[{cw.cohort.id},{cw.weeks[wi].label}]", "peak_days", var, cw.peak_cost(wi))
            )


def _change_penalties(m: RhythmModel, ci: int, cw: CohortWeeks) -> None:
    """One penalty per future week whose kind differs from the last build's."""
    for wi, var in m.of_cohort(ci):
        if cw.previous and cw.previous[wi] is not None and not cw.is_frozen(wi):
            moved = (1 - var) if cw.previous[wi] == CFA else var
            m.penalties.append(Penalty(f"changed[{cw.cohort.id},{cw.weeks[wi].label}]", "changes", moved))


def _regularity_penalties(m: RhythmModel, ci: int, cw: CohortWeeks) -> None:
    """One penalty per rhythm break; `rhythm.irregularity` counts the same patterns."""
    a, b = cw.cohort.rhythm
    cid = cw.cohort.id
    for seg in cw.segments():
        xs = [m.x[ci, wi] for wi in seg]

        def live(i: int, n: int, seg: list[int] = seg) -> bool:
            return not cw.window_frozen(seg[i : i + n])

        for i in range(len(xs) - a):
            if not live(i, a + 1):
                continue
            p = m.model.new_bool_var(f"long_cfa[{cid},{seg[i]}]")
            m.model.add(p >= sum(xs[i : i + a + 1]) - a)
            m.penalties.append(Penalty(p.name, "irregularity", p))
        for i in range(len(xs) - b):
            if not live(i, b + 1):
                continue
            p = m.model.new_bool_var(f"long_company[{cid},{seg[i]}]")
            m.model.add(p >= 1 - sum(xs[i : i + b + 1]))
            m.penalties.append(Penalty(p.name, "irregularity", p))
        for value, limit in ((1, a), (0, b)):
            for length in range(1, limit):
                for i in range(len(xs) - length - 1):
                    if not live(i, length + 2):
                        continue
                    inner = sum(xs[i + 1 : i + 1 + length])
                    edges = xs[i] + xs[i + length + 1]
                    p = m.model.new_bool_var(f"short_run[{cid},{seg[i]},{value},{length}]")
                    if value:  # company, CFA x length, company
                        m.model.add(p >= inner - edges - (length - 1))
                    else:  # CFA, company x length, CFA
                        m.model.add(p >= edges - inner - 1)
                    m.penalties.append(Penalty(p.name, "irregularity", p))


def _balance_penalties(m: RhythmModel, ci: int, cw: CohortWeeks) -> None:
    targets = cw.year_targets()
    for year, target in targets.items():
        hours = sum(cw.weeks[wi].minutes * var for wi, var in m.of_cohort(ci) if cw.weeks[wi].year == year)
        dev = m.model.new_int_var(0, max(target, sum(w.minutes for w in cw.weeks)), f"year_gap[{cw.cohort.id},{year}]")
        m.model.add(dev >= hours - target)
        m.model.add(dev >= target - hours)
        m.penalties.append(Penalty(dev.name, "year_imbalance", dev))


def _excess_penalties(m: RhythmModel, ci: int, cw: CohortWeeks) -> None:
    m.penalties.append(Penalty(f"excess[{cw.cohort.id}]", "excess_minutes", m.minutes(ci) - cw.target_minutes))


# Each goal's penalties, by the goal's name: the objective of stage `goal` sums them.
SOFT_RULES: dict[str, Callable[[RhythmModel, int, CohortWeeks], None]] = {
    "peak_days": _peak_penalties,
    "changes": _change_penalties,
    "irregularity": _regularity_penalties,
    "year_imbalance": _balance_penalties,
    "excess_minutes": _excess_penalties,
}


def build(problem: RhythmProblem, guarded: bool = False, soft: bool = True) -> RhythmModel:
    """The whole model: variables, every hard rule in order, then the named penalties."""
    model = cp_model.CpModel()
    m = RhythmModel(
        model=model, problem=problem, x=_new_variables(model, problem), guards=Guards(model, enabled=guarded)
    )
    for add_rule, _ in HARD_RULES:
        add_rule(m)
    if soft:
        for add_penalties in (SOFT_RULES[goal] for goal in GOALS):
            for ci, cw in enumerate(problem.cohorts):
                add_penalties(m, ci, cw)
    return m
