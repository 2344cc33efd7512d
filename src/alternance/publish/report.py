"""What a build tells people: `plan.json` for machines, the summary for the planner's terminal."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..domain import Plan, hours
from ..errors import SolverDisagreement
from ..schedule.apprentices import planned_minutes, shortfalls_after
from ..schedule.lessons import ACCOMPANIMENT, LessonProblem, LessonSolution, longest_gaps, subject_minutes
from ..schedule.rhythm import CFA, GOAL_LABELS, GOALS_IN_MINUTES, CohortWeeks, RhythmProblem, RhythmSolution, goals


def _h(minutes: int) -> int | float:
    """Minutes as a JSON number of hours: 2100 -> 35, 90 -> 1.5."""
    value = round(minutes / 60, 2)
    return int(value) if value == int(value) else value


@dataclass(frozen=True)
class CohortFigures:
    """Per-cohort figures shared by plan.json and the summary."""

    cw: CohortWeeks
    minutes: int
    cfa_weeks: int
    per_year: dict[int, int]
    peak_days: dict[str, int]

    @classmethod
    def of(cls, cw: CohortWeeks, solution: RhythmSolution) -> CohortFigures:
        plan = solution.cohort(cw.cohort.id)
        per_year: dict[int, int] = {y: 0 for y in cw.year_targets()}
        peaks: dict[str, int] = {}
        for i, (week, wp) in enumerate(zip(cw.weeks, plan.weeks)):
            per_year[week.year] += wp.minutes
            if wp.kind == CFA:
                for company, days in cw.peak_days[i].items():
                    peaks[company] = peaks.get(company, 0) + days
        return cls(cw, plan.minutes, len(plan.cfa_weeks()), per_year, dict(sorted(peaks.items())))


def plan_json(plan: Plan, cw: CohortWeeks, solution: RhythmSolution, lessons: LessonSolution | None = None) -> bytes:
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
        planned = planned_minutes(cw, solution, a, lessons)
        apprentices.append(
            {
                "id": a.id,
                "company": a.company,
                "contract_start": a.contract_start.isoformat(),
                "contract_end": a.contract_end.isoformat(),
                "exempt": list(a.exempt),
                "planned_hours": _h(planned),
            }
        )
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
            {"year": cw.year_label(y), "hours": _h(figures.per_year[y]), "fair_share_hours": _h(t)}
            for y, t in targets.items()
        ],
        "peak_days": figures.peak_days,
        **({"subjects": _subjects(programme, lessons, cohort.id)} if lessons is not None else {}),
        "weeks": weeks,
        # Slot by slot ("day slot subject trainer"), so that a rebuild can keep the past exactly.
        **(
            {"lessons": [f"{x.day.isoformat()} {x.slot} {x.subject} {x.trainer or '-'}" for x in lessons.of(cohort.id)]}
            if lessons is not None
            else {}
        ),
        "apprentices": apprentices,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _subjects(programme, lessons: LessonSolution, cohort_id: str) -> dict:
    planned = subject_minutes(lessons, cohort_id)
    found = {
        s.id: {"target_hours": _h(s.minutes), "planned_hours": _h(planned.get(s.id, 0))} for s in programme.subjects
    }
    found[ACCOMPANIMENT] = {
        "target_hours": _h(programme.accompaniment_minutes),
        "planned_hours": _h(planned.get(ACCOMPANIMENT, 0)),
    }
    return found


def lessons_summary(problem: LessonProblem, lessons: LessonSolution, cohort_id: str) -> list[str]:
    """Hours per subject against the target, and the longest wait of any subject."""
    cl = next(c for c in problem.cohorts if c.cohort.id == cohort_id)
    planned = subject_minutes(lessons, cohort_id)
    off = [s for s in cl.subjects if planned.get(s.id, 0) != s.minutes]
    parts = ", ".join(f"{s.id} {hours(planned.get(s.id, 0))}/{hours(s.minutes)}" for s in cl.subjects)
    lines = [f"  subjects ({'all on target' if not off else 'OFF TARGET: ' + ', '.join(s.id for s in off)}): {parts}"]
    lines.append(f"  « Accompagnement »: {hours(planned.get(ACCOMPANIMENT, 0))} of lessons")
    gaps = {sid: g for (cid, sid), g in longest_gaps(problem, lessons).items() if cid == cohort_id}
    worst = max(gaps, key=lambda sid: (gaps[sid], sid))
    lines.append(f"  longest wait between two lessons of a subject: {gaps[worst]} CFA week(s) ({worst})")
    return lines


def summary(
    problem: RhythmProblem,
    solution: RhythmSolution,
    lesson_problem: LessonProblem | None = None,
    lessons: LessonSolution | None = None,
) -> list[str]:
    """The short per-cohort summary printed at the end of a build."""
    plan = problem.plan
    lines = []
    for cw in problem.cohorts:
        c = cw.cohort
        f = CohortFigures.of(cw, solution)
        programme = plan.programme(c.programme)
        extra = f.minutes - cw.target_minutes
        lines.append(f"{c.id} · {c.name} ({c.start} → {c.end})")
        lines.append(
            f"  {f.cfa_weeks} CFA weeks, {hours(f.minutes)} for a target of {hours(cw.target_minutes)} (+{hours(extra)})"
        )
        if programme.accompaniment_minutes:
            lines.append(
                f"  subjects take {hours(programme.subject_minutes)}; {hours(programme.accompaniment_minutes)} shown as « Accompagnement »"
            )
        years = ", ".join(
            f"{cw.year_label(y)}: {hours(f.per_year[y])} (fair share {hours(t)})" for y, t in cw.year_targets().items()
        )
        lines.append(f"  per training year: {years}")
        if f.peak_days:
            who = ", ".join(f"{k} {v}" for k, v in f.peak_days.items())
            lines.append(f"  weighted apprentice-days at the CFA during peaks: {sum(f.peak_days.values())} ({who})")
        else:
            lines.append("  no apprentice at the CFA during a company peak")
        if lessons is not None and lesson_problem is not None:
            lines.extend(lessons_summary(lesson_problem, lessons, c.id))
    lines.extend(shortfalls_after(problem, solution, lessons))
    values = goals(problem, solution)
    states = []
    for stage in solution.stages:
        if values[stage.goal] != stage.value:
            raise SolverDisagreement(
                f"the {stage.goal} goal", [f"the solver says {stage.value}, plain Python counts {values[stage.goal]}"]
            )
        show = hours if stage.goal in GOALS_IN_MINUTES else str
        sure = "optimal" if stage.optimal else f"not proven optimal, bound {show(stage.bound)}"
        states.append(f"{GOAL_LABELS[stage.goal]} {show(stage.value)} ({sure})")
    verdict = "proven optimal" if solution.proven_optimal else "NOT proven optimal (time limit hit)"
    lines.append(f"{plan.id}: rhythm {verdict} in {solution.seconds:.2f} s — " + "; ".join(states))
    if lessons is not None:
        spread = (
            f"every subject within {lessons.spread_weeks} week(s) of its own teaching of an even spread"
            + (" (no narrower spread exists)" if lessons.spread_proven else " (narrower not proven impossible)")
            if lessons.spread_weeks is not None
            else "subjects NOT spread (no spread found in time)"
        )
        layout = "each week's layout optimal" if lessons.weeks_optimal else "week layouts not all proven optimal"
        lines.append(f"{plan.id}: lessons in {lessons.seconds:.1f} s — {spread}; {layout}")
    return lines
