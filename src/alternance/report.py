"""What a build tells people: `plan.json` for machines, the summary for the planner's terminal."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .domain import Plan, hours
from .rhythm import CFA, GOAL_LABELS, GOALS_IN_MINUTES, CohortWeeks, RhythmProblem, RhythmSolution, goals


def _h(minutes: int) -> int | float:
    """Minutes as a JSON number of hours: 2100 -> 35, 90 -> 1.5."""
    value = round(minutes / 60, 2)
    return int(value) if value == int(value) else value


def _year_label(cw: CohortWeeks, year: int) -> str:
    first = cw.cohort.start.year if cw.cohort.start.month >= 8 else cw.cohort.start.year - 1
    return f"{first + year}-{first + year + 1}"


@dataclass(frozen=True)
class CohortFigures:
    """Per-cohort figures shared by plan.json and the summary."""

    cw: CohortWeeks
    minutes: int
    cfa_weeks: int
    per_year: dict[int, int]
    peak_days: dict[str, int]

    @classmethod
    def of(cls, cw: CohortWeeks, solution: RhythmSolution) -> "CohortFigures":
        plan = solution.cohort(cw.cohort.id)
        per_year: dict[int, int] = {y: 0 for y in cw.year_targets()}
        peaks: dict[str, int] = {}
        for i, (week, wp) in enumerate(zip(cw.weeks, plan.weeks)):
            per_year[week.year] += wp.minutes
            if wp.kind == CFA:
                for company, days in cw.peak_days[i].items():
                    peaks[company] = peaks.get(company, 0) + days
        return cls(cw, plan.minutes, len(plan.cfa_weeks()), per_year, dict(sorted(peaks.items())))


def plan_json(plan: Plan, cw: CohortWeeks, solution: RhythmSolution) -> bytes:
    """`<cohort>/plan.json`: the plan, machine-readable. No birth date, no timing."""
    cohort = cw.cohort
    figures = CohortFigures.of(cw, solution)
    programme = plan.programme(cohort.programme)
    weeks = []
    for week, wp in zip(cw.weeks, solution.cohort(cohort.id).weeks):
        entry: dict = {"start": week.monday.isoformat(), "kind": wp.kind, "hours": _h(wp.minutes)}
        if week.closed:
            entry["closed"] = ", ".join(week.reasons) or "hors formation"
        weeks.append(entry)
    apprentices = []
    for a in plan.apprentices_of(cohort.id):
        inside = sum(
            sum(1 for d in week.open_days if a.under_contract(d)) * cohort.day_minutes
            for week, wp in zip(cw.weeks, solution.cohort(cohort.id).weeks)
            if wp.kind == CFA
        )
        apprentices.append({
            "id": a.id,
            "company": a.company,
            "contract_start": a.contract_start.isoformat(),
            "contract_end": a.contract_end.isoformat(),
            "exempt": list(a.exempt),
            "cfa_hours_under_contract": _h(inside),
        })
    targets = cw.year_targets()
    document = {
        "plan": plan.id,
        "cohort": cohort.id,
        "name": cohort.name,
        "programme": programme.id,
        "start": cohort.start.isoformat(),
        "end": cohort.end.isoformat(),
        "rhythm": list(cohort.rhythm),
        "target_hours": _h(cw.target_minutes),
        "total_hours": _h(figures.minutes),
        "subject_hours": _h(programme.subject_minutes),
        "accompaniment_hours": _h(programme.accompaniment_minutes),
        "cfa_weeks": figures.cfa_weeks,
        "years": [
            {"year": _year_label(cw, y), "hours": _h(figures.per_year[y]), "fair_share_hours": _h(t)}
            for y, t in targets.items()
        ],
        "peak_days": figures.peak_days,
        "weeks": weeks,
        "apprentices": apprentices,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def summary(problem: RhythmProblem, solution: RhythmSolution) -> list[str]:
    """The short per-cohort summary printed at the end of a build."""
    plan = problem.plan
    lines = []
    for cw in problem.cohorts:
        c = cw.cohort
        f = CohortFigures.of(cw, solution)
        programme = plan.programme(c.programme)
        extra = f.minutes - cw.target_minutes
        lines.append(f"{c.id} · {c.name} ({c.start} → {c.end})")
        lines.append(f"  {f.cfa_weeks} CFA weeks, {hours(f.minutes)} for a target of {hours(cw.target_minutes)} (+{hours(extra)})")
        if programme.accompaniment_minutes:
            lines.append(f"  subjects take {hours(programme.subject_minutes)}; {hours(programme.accompaniment_minutes)} shown as « Accompagnement »")
        years = ", ".join(f"{_year_label(cw, y)}: {hours(f.per_year[y])} (fair share {hours(t)})" for y, t in cw.year_targets().items())
        lines.append(f"  per training year: {years}")
        if f.peak_days:
            who = ", ".join(f"{k} {v}" for k, v in f.peak_days.items())
            lines.append(f"  weighted apprentice-days at the CFA during peaks: {sum(f.peak_days.values())} ({who})")
        else:
            lines.append("  no apprentice at the CFA during a company peak")
    values = goals(problem, solution)
    states = []
    for stage in solution.stages:
        assert values[stage.goal] == stage.value, f"solver and recomputed {stage.goal} differ"
        show = hours if stage.goal in GOALS_IN_MINUTES else str
        sure = "optimal" if stage.optimal else f"not proven optimal, bound {show(stage.bound)}"
        states.append(f"{GOAL_LABELS[stage.goal]} {show(stage.value)} ({sure})")
    verdict = "proven optimal" if solution.proven_optimal else "NOT proven optimal (time limit hit)"
    lines.append(f"{plan.id}: {verdict} in {solution.seconds:.2f} s — " + "; ".join(states))
    return lines

