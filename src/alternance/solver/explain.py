"""Why a plan has no calendar, in the planner's words (hours, weeks, rules).

Every rule from the plan file carries a guard literal. A feasibility copy of the model is solved
with all guards as assumptions; CP-SAT returns a set of guards that cannot hold together, which a
short deletion loop shrinks to a minimal one. Each clash is then measured: with the other rules of
the clash in force, how many hours can the cohort get at most (or must it get at least)?
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from ..domain import hours
from ..i18n import _, day
from ..schedule.rhythm import RhythmProblem
from ..schedule.rules import describe
from .core import Deadline, Rule, RuleKind, minimal_core
from .rhythm import build


def minimal_clash(problem: RhythmProblem, deadline: Deadline) -> tuple[list[Rule], bool]:
    """A set of the plan's rules that no calendar can satisfy together, and whether it is minimal."""

    def make():
        m = build(problem, guarded=True, soft=False)
        return m.model, m.guards

    return minimal_core(make, deadline)


def _extreme_minutes(
    problem: RhythmProblem, keep: list[Rule], cohort: str, maximise: bool, deadline: Deadline
) -> int | None:
    """The most (or least) CFA minutes `cohort` can get with only the rules in `keep` in force
    (a bound, when the time runs out before it is proven); None when nothing is feasible or known."""
    m = build(problem, guarded=True, soft=False)
    wanted = {r.key for r in keep}
    for key, lit in m.guards.literals.items():
        m.model.add(lit == (key in wanted))
    ci = next(i for i, cw in enumerate(problem.cohorts) if cw.cohort.id == cohort)
    (m.model.maximize if maximise else m.model.minimize)(m.minutes(ci))
    status, solver = deadline.solve(m.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return round(solver.best_objective_bound)


def _all_rules(problem: RhythmProblem) -> list[Rule]:
    return list(build(problem, guarded=True, soft=False).guards.rules.values())


def _binding(
    problem: RhythmProblem, rules: list[Rule], cohort: str, maximise: bool, best: int | None, deadline: Deadline
) -> list[Rule]:
    """The rules touching `cohort` without which its extreme hours would change: the ones to name
    (those found before the deadline)."""
    found = []
    for rule in rules:
        if rule.cohort not in (cohort, None) or rule.kind in (RuleKind.HOURS_MIN, RuleKind.HOURS_MAX):
            continue
        if deadline.passed:
            break
        if _extreme_minutes(problem, [r for r in rules if r is not rule], cohort, maximise, deadline) != best:
            found.append(rule)
    return found


def explain_infeasible(problem: RhythmProblem, seconds: float = 60.0) -> list[str]:
    """One or more sentences a planner can act on, found within `seconds` of wall time."""
    deadline = Deadline.after(seconds)
    clash, minimal = minimal_clash(problem, deadline)
    if not clash:
        return [
            _(
                "{plan}: no calendar satisfies the plan's rules (the clash could not be isolated in {seconds} s; a larger --time-limit gives the explanation more time)"
            ).format(plan=problem.plan.id, seconds=f"{seconds:g}")
        ]
    every = _all_rules(problem)
    lines = []
    named: list[Rule] = []
    for rule in clash:
        if rule.kind not in (RuleKind.HOURS_MIN, RuleKind.HOURS_MAX):
            continue
        cw = next(c for c in problem.cohorts if c.cohort.id == rule.cohort)
        # The hours reachable under every other rule of the plan, not just the clash's: a planner
        # who moves the target to that figure then gets a calendar.
        others = [
            r for r in every if not (r.cohort == rule.cohort and r.kind in (RuleKind.HOURS_MIN, RuleKind.HOURS_MAX))
        ]
        maximise = rule.kind == RuleKind.HOURS_MIN
        cohort = rule.about("cohort")
        extreme = _extreme_minutes(problem, others, cohort, maximise, deadline)
        binding = _binding(problem, others, cohort, maximise, extreme, deadline)
        named.extend(binding)
        target = cw.target_minutes
        open_weeks = [w for w in cw.weeks if not w.closed]
        span = _("the {weeks} open weeks between {start} and {end}").format(
            weeks=len(open_weeks), start=day(cw.cohort.start), end=day(cw.cohort.end)
        )
        with_rules = (
            _(" with {rules}").format(rules=_(" and ").join(describe(problem.plan, r) for r in binding))
            if binding
            else ""
        )
        if maximise:
            amount = (
                _("give at most {hours}").format(hours=hours(extreme))
                if extreme is not None
                else _("cannot give them under the plan's other rules (or no calendar was found in time)")
            )
            lines.append(
                _("{cohort} needs {target}; {span} {amount}{rules}.").format(
                    cohort=rule.cohort, target=hours(target), span=span, amount=amount, rules=with_rules
                )
            )
        else:
            limit = target + cw.cohort.week_minutes - 1
            amount = (
                _("force at least {hours}").format(hours=hours(extreme))
                if extreme is not None
                else _("force more (or no calendar was found in time)")
            )
            lines.append(
                _(
                    "{cohort} may have at most {limit} (less than one CFA week above {target}); {span} {amount}{rules}."
                ).format(
                    cohort=rule.cohort,
                    limit=hours(limit),
                    target=hours(target),
                    span=span,
                    amount=amount,
                    rules=with_rules,
                )
            )
    if not lines:
        lines.append(
            _("These rules cannot all hold: {rules}.").format(
                rules="; ".join(f"{describe(problem.plan, r)}" for r in clash)
            )
        )
    places = sorted({r.place for r in clash + named})
    lines.append(
        _("Rules in conflict: {places}. Relax one of them (or add open weeks) and build again.").format(
            places=", ".join(places)
        )
    )
    if not minimal:
        lines.append(
            _(
                "(The time limit of {seconds} s ended the search for the smallest clash: some rules named may not be needed for it.)"
            ).format(seconds=f"{seconds:g}")
        )
    return lines
