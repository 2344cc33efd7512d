"""What a build tells people: `plan.json` for machines, the summary for the planner's terminal."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..domain import Plan, hours
from ..errors import SolverDisagreement
from ..i18n import _, day, ngettext, number
from ..schedule.apprentices import planned_minutes, shortfalls_after
from ..schedule.lessons import ACCOMPANIMENT, LessonProblem, LessonSolution, longest_gaps, subject_minutes
from ..schedule.rhythm import CFA, CohortWeeks, RhythmProblem, RhythmSolution, goals


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


def lessons_summary(
    problem: LessonProblem, lessons: LessonSolution, cohort_id: str, verbose: bool = False
) -> list[str]:
    """Hours per subject against the target (each subject with `verbose`), and the longest wait
    of any subject."""
    cl = next(c for c in problem.cohorts if c.cohort.id == cohort_id)
    planned = subject_minutes(lessons, cohort_id)
    off = [s for s in cl.subjects if planned.get(s.id, 0) != s.minutes]
    extra = planned.get(ACCOMPANIMENT, 0)
    if off:
        wrong = ", ".join(f"{s.id} {hours(planned.get(s.id, 0))}/{hours(s.minutes)}" for s in off)
        lines = ["  " + _("subjects OFF TARGET: {subjects}").format(subjects=wrong)]
    else:
        total = sum(s.minutes for s in cl.subjects)
        lines = [
            "  "
            + _("subjects: all {count} at their hours ({hours}); {extra} of « Accompagnement »").format(
                count=len(cl.subjects), hours=hours(total), extra=hours(extra)
            )
        ]
    if verbose:
        parts = ", ".join(f"{s.id} {hours(planned.get(s.id, 0))}/{hours(s.minutes)}" for s in cl.subjects)
        lines.append(f"    {parts}")
    gaps = {sid: g for (cid, sid), g in longest_gaps(problem, lessons).items() if cid == cohort_id}
    worst = max(gaps, key=lambda sid: (gaps[sid], sid))
    lines.append(
        "  "
        + ngettext(
            "longest wait between two lessons of a subject: {weeks} CFA week ({subject})",
            "longest wait between two lessons of a subject: {weeks} CFA weeks ({subject})",
            gaps[worst],
        ).format(weeks=gaps[worst], subject=worst)
    )
    return lines


def _cohort_summary(
    problem: RhythmProblem,
    cw: CohortWeeks,
    solution: RhythmSolution,
    lesson_problem: LessonProblem | None,
    lessons: LessonSolution | None,
    verbose: bool,
) -> list[str]:
    """One cohort in a few lines: weeks and hours, each training year, the companies' peaks."""
    c = cw.cohort
    f = CohortFigures.of(cw, solution)
    programme = problem.plan.programme(c.programme)
    extra = f.minutes - cw.target_minutes
    lines = [f"{c.id} · {c.name} ({day(c.start)} → {day(c.end)})"]
    lines.append(
        "  "
        + _("{weeks} CFA weeks: {hours} for a target of {target} ({extra})").format(
            weeks=f.cfa_weeks,
            hours=hours(f.minutes),
            target=hours(cw.target_minutes),
            extra=("+" if extra >= 0 else "−") + hours(abs(extra)),
        )
    )
    years = _("; ").join(
        _("{year}: {hours} (even share {share})").format(
            year=cw.year_label(y), hours=hours(f.per_year[y]), share=hours(t)
        )
        for y, t in cw.year_targets().items()
    )
    lines.append("  " + _("per training year: {years}").format(years=years))
    if f.peak_days:
        worst = sorted(f.peak_days.items(), key=lambda kv: (-kv[1], kv[0]))
        who = ", ".join(f"{k} {v}" for k, v in worst)
        lines.append(
            "  "
            + _("apprentice-days at the CFA in a company's busy season (weighted): {days} ({who})").format(
                days=sum(f.peak_days.values()), who=who
            )
        )
    else:
        lines.append("  " + _("no apprentice at the CFA in a company's busy season"))
    if lessons is not None and lesson_problem is not None:
        lines.extend(lessons_summary(lesson_problem, lessons, c.id, verbose))
    elif programme.accompaniment_minutes:
        lines.append(
            "  "
            + _("subjects take {subjects}; {rest} shown as « Accompagnement »").format(
                subjects=hours(programme.subject_minutes), rest=hours(programme.accompaniment_minutes)
            )
        )
    return lines


def _goal_lines(problem: RhythmProblem, solution: RhythmSolution) -> list[str]:
    """Each goal of the rhythm in the order it was optimised, recomputed in plain Python (a
    disagreement with the solver is a bug, never published), with how sure it is."""
    values = goals(problem, solution)
    first_build = not any(cw.previous for cw in problem.cohorts)
    lines = []
    for stage in solution.stages:
        if values[stage.goal] != stage.value:
            raise SolverDisagreement(
                f"the {stage.goal} goal", [f"the solver says {stage.value}, plain Python counts {values[stage.goal]}"]
            )
        if stage.goal == "changes" and first_build:
            continue  # nothing was published before: no week can have changed
        lines.append("  " + stage.said())
    return lines


def summary(
    problem: RhythmProblem,
    solution: RhythmSolution,
    lesson_problem: LessonProblem | None = None,
    lessons: LessonSolution | None = None,
    verbose: bool = False,
    why: tuple[str, ...] = (),
) -> list[str]:
    """The summary printed at the end of a build, to read in ten seconds: per cohort its weeks,
    hours and peaks; the apprentices below their hours; whether the calendar is the best one
    possible. The solver's detail (each goal, its bound, the lesson search) with `verbose`."""
    plan = problem.plan
    lines = []
    for cw in problem.cohorts:
        lines.extend(_cohort_summary(problem, cw, solution, lesson_problem, lessons, verbose))
    lines.extend(shortfalls_after(problem, solution, lessons))
    goal_lines = _goal_lines(problem, solution)  # checked against plain Python, shown or not
    seconds = number(solution.seconds)
    if solution.proven_optimal:
        lines.append(
            _("{plan}: the best calendar possible (proven in {seconds} s)").format(plan=plan.id, seconds=seconds)
        )
    else:
        lines.append(
            _("{plan}: the best calendar found in {seconds} s (a better one is not ruled out)").format(
                plan=plan.id, seconds=seconds
            )
        )
    if why:
        lines.append("  " + _("why the calendar looks like this:"))
        lines.extend(f"  - {line}" for line in why)
    if verbose:
        lines.extend(goal_lines)
    if lessons is not None:
        if lessons.spread_weeks is None:
            spread = _("the subjects are not evenly spread (no spread found in time)")
        else:
            spread = ngettext(
                "each subject stays within {weeks} week of an even spread",
                "each subject stays within {weeks} weeks of an even spread",
                lessons.spread_weeks,
            ).format(weeks=lessons.spread_weeks)
            if verbose:
                spread += " " + (
                    _("(no narrower spread exists)") if lessons.spread_proven else _("(narrower not proven impossible)")
                )
        lines.append(
            _("{plan}: lessons placed in {seconds} s; {spread}").format(
                plan=plan.id, seconds=number(lessons.seconds, 1), spread=spread
            )
        )
        if verbose:
            lines.append(
                "  "
                + (
                    _("each week's layout optimal")
                    if lessons.weeks_optimal
                    else _("week layouts not all proven optimal")
                )
            )
    return lines
