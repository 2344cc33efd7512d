"""Why the calendar looks like this: for each goal that costs something, what forces the cost.

The goals are optimised one after the other (`GOALS`), so a cost is either the price of a goal
that comes first, or forced by the plan's hard rules. Both are measured, never guessed: the goal
is minimised alone, with every hard rule in force; when that minimum is the cost paid, the goal
is minimised again with each rule of the plan file (each place, e.g.
`cohort[agora-2024].max_consecutive_company_weeks`) switched off in turn, and the rules whose
removal lowers it are named with the figure it would drop to. Only proven minima are said.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import partial

from ortools.sat.python import cp_model

from ..domain import hours
from ..i18n import _, ngettext
from ..schedule.rhythm import CFA, GOAL_LABELS, GOALS, RhythmProblem, RhythmSolution, goal_value, goals
from ..schedule.rules import describe
from .core import Deadline, Rule, RuleKind
from .rhythm import RhythmModel, build
from .solve import SolverSettings

EXPLAINED = (
    "peak_days",
    "irregularity",
    "year_imbalance",
    "excess_minutes",
)  # not "changes": the change report says why
SOLVE_WORK = 0.5  # CP-SAT deterministic time of one minimum: the same answer on every run
MAX_NAMED = 3  # rules named per goal, the ones whose removal lowers it most
MAX_PAIRED = 8  # places tried two by two when no single one forces a cost
# The rules that shape the weeks, tried one by one for a cost they force (the hours rules define
# the excess, so they are not tried for it).
SHAPING = (RuleKind.MAX_CFA, RuleKind.MAX_COMPANY, RuleKind.HARD_PEAK, RuleKind.FIXED, RuleKind.CAPACITY, RuleKind.ROOM)
TRIED = {
    "peak_days": (RuleKind.HOURS_MIN, *SHAPING),
    "irregularity": (RuleKind.HOURS_MIN, RuleKind.HOURS_MAX, *SHAPING),
    "year_imbalance": (RuleKind.HOURS_MIN, RuleKind.HOURS_MAX, *SHAPING),
    "excess_minutes": SHAPING,
}


def _guarded(problem: RhythmProblem, solution: RhythmSolution) -> RhythmModel:
    """A model of every hard rule, guarded, with the penalties of every goal, made once for all
    goals (on 200 cohorts one takes a second to build). Each solve starts from the calendar
    built, which meets every rule: a bound from the start."""
    m = build(problem, guarded=True, soft=True)
    chosen = {
        (ci, wi): wp.kind == CFA
        for ci, cw in enumerate(problem.cohorts)
        for wi, wp in enumerate(solution.cohort(cw.cohort.id).weeks)
    }
    for key, var in m.x.items():
        m.model.add_hint(var, chosen[key])
    return m


def _minimiser(m: RhythmModel, goal: str) -> Callable[[set[str], Deadline], int | None]:
    """A function that gives the proven minimum of `goal` under the rules of `m` with the rules
    of some keys switched off (None when not proven in time)."""
    minimising = m.model.clone()  # the same variables, by index: the goal's expression holds
    minimising.minimize(m.goal(goal))
    subsolvers = ("max_lp",) if goal == "peak_days" else ("pseudo_costs",)

    def minimum(off: set[str], deadline: Deadline) -> int | None:
        if deadline.passed:
            return None
        model = minimising.clone()
        for key, lit in m.guards.literals.items():
            value = 0 if key in off else 1
            domain = model.proto.variables[lit.index].domain  # a boolean's [0, 1]
            domain[0] = domain[1] = value
        solver = SolverSettings().solver(budget=SOLVE_WORK, wall=deadline.left(), subsolvers=subsolvers)
        status = solver.solve(model)
        return round(solver.objective_value) if status == cp_model.OPTIMAL else None

    return minimum


def _places(rules: dict[str, Rule], kinds: tuple[RuleKind, ...]) -> dict[str, list[str]]:
    """The keys of each place of the plan file that holds rules of these kinds, in a stable order."""
    found: dict[str, list[str]] = {}
    for key, rule in sorted(rules.items()):
        if rule.kind in kinds:
            found.setdefault(rule.place, []).append(key)
    return found


def _nearest_above(minutes: list[int], target: int) -> int | None:
    """The smallest total of some of these weeks' minutes that reaches `target` (subset sums,
    as the bits of one integer), or None when even all of them fall short."""
    if sum(minutes) < target:
        return None
    reachable = 1
    for m in minutes:
        reachable |= reachable << m
    above = reachable >> target
    return target + ((above & -above).bit_length() - 1)


def _excess_lines(problem: RhythmProblem, solution: RhythmSolution) -> tuple[list[str], bool]:
    """Hours above target that no choice of open weeks avoids, one line for the cohorts that pay
    the same for the same reason; and whether that is all of the excess (else the solver measures
    the rest)."""
    same: dict[tuple[int, int, int, int, int], list[str]] = {}
    explained = True
    for cw in problem.cohorts:
        got = sum(wp.minutes for wp in solution.cohort(cw.cohort.id).weeks)
        if got <= cw.target_minutes:
            continue
        nearest = _nearest_above([w.minutes for w in cw.weeks if not w.closed], cw.target_minutes)
        if nearest != got:
            explained = False
            continue
        key = (got - cw.target_minutes, cw.target_minutes, nearest, cw.cohort.week_minutes, cw.cohort.day_minutes)
        same.setdefault(key, []).append(cw.cohort.id)
    lines = [
        _(
            "{cohort}: {extra} above target, because no choice of its open weeks gives exactly {target}: the nearest above is {nearest} (weeks of {week}, CFA days of {day})"
        ).format(
            cohort=", ".join(cohorts),
            extra=hours(extra),
            target=hours(target),
            nearest=hours(nearest),
            week=hours(week),
            day=hours(day),
        )
        for (extra, target, nearest, week, day), cohorts in same.items()
    ]
    return lines, explained


def _said(problem: RhythmProblem, rules: dict[str, Rule], keys: list[str]) -> str:
    """The sentence of a place of the plan file: its first rule's, and how many cohorts more the
    same place holds (`programme[agora].total_hours` is every cohort's target)."""
    sentence = describe(problem.plan, rules[keys[0]])
    others = len({rules[k].cohort for k in keys[1:]} - {rules[keys[0]].cohort})
    if others:
        sentence += ngettext(
            " (and the same for {n} other cohort)", " (and the same for {n} other cohorts)", others
        ).format(n=others)
    return sentence


def _pair(
    places: dict[str, list[str]], value: int, minimum: Callable[[set[str], Deadline], int | None], deadline: Deadline
) -> tuple[int, str, str] | None:
    """Two places that force `value` together when neither does alone: the pair whose removal
    lowers it most (the first of them in place order), or None."""
    found = None
    for first, second in itertools.combinations(sorted(places)[:MAX_PAIRED], 2):
        without = minimum(set(places[first]) | set(places[second]), deadline)
        if without is not None and without < value and (found is None or without < found[0]):
            found = (without, first, second)
    return found


def why_lines(problem: RhythmProblem, solution: RhythmSolution, seconds: float) -> list[str]:
    """One line per goal that costs something: what forces it, with the figures; within `seconds`."""
    deadline = Deadline.after(seconds)
    values = goals(problem, solution)
    lines = []
    m: RhythmModel | None = None  # made when a goal first needs it
    for goal in EXPLAINED:
        value = values[goal]
        if value <= 0 or deadline.passed:
            continue
        if goal == "excess_minutes":
            found, explained = _excess_lines(problem, solution)
            lines.extend(found)
            if explained:
                continue
        show = partial(goal_value, goal)
        label = _(GOAL_LABELS[goal])
        if m is None:
            m = _guarded(problem, solution)
        minimum = _minimiser(m, goal)
        alone = minimum(set(), deadline)
        if alone is None:
            continue
        if alone < value:
            earlier = [g for g in GOALS[: GOALS.index(goal)] if g != "changes" or values["changes"]]
            lines.append(
                _("{goal} {value}: the price of what comes first ({earlier}); alone, it could be {alone}").format(
                    goal=label,
                    value=show(value),
                    earlier=", ".join(_(GOAL_LABELS[g]) for g in earlier),
                    alone=show(alone),
                )
            )
            continue
        places = _places(m.guards.rules, TRIED[goal])
        lowered = []
        for place, keys in places.items():
            without = minimum(set(keys), deadline)
            if without is not None and without < value:
                lowered.append((without, place, keys))
        if not lowered:
            if pair := _pair(places, value, minimum, deadline):
                without, first, second = pair
                lines.append(
                    _(
                        "{goal} {value}: forced by these two rules together: {first}; {second} (without both: {without})"
                    ).format(
                        goal=label,
                        value=show(value),
                        first=_said(problem, m.guards.rules, places[first]),
                        second=_said(problem, m.guards.rules, places[second]),
                        without=show(without),
                    )
                )
            continue  # else no rule or pair of rules forces it alone (or not proven in time)
        lowered.sort(key=lambda found: (found[0], found[1]))
        named = _("; ").join(
            _("{rule} (without it: {without})").format(rule=_said(problem, m.guards.rules, keys), without=show(without))
            for without, _place, keys in lowered[:MAX_NAMED]
        )
        lines.append(
            _("{goal} {value}: forced by these rules: {rules}").format(goal=label, value=show(value), rules=named)
        )
    return lines
