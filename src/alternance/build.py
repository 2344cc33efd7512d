"""The build: plans → calendar facts → solved rhythm → files. The CLI calls `build()` and prints."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import ical
from .domain import Plan
from .errors import NoSolution
from .lessons import LessonProblem, LessonSolution, broken_lesson_rules, lesson_events, make_lesson_problem
from .loader import load_plans
from .output import locked, publish
from .report import plan_json, summary
from .rhythm import RhythmProblem, RhythmSolution, broken_rules, make_problem
from .solver import SolverSettings, solve_rhythm
from .solver.lessons import LessonSettings, LessonsInfeasible, solve_lessons
from .weeks import SiteCalendar


@dataclass(frozen=True)
class PlanBuild:
    problem: RhythmProblem
    solution: RhythmSolution
    lesson_problem: LessonProblem | None = None
    lessons: LessonSolution | None = None

    @property
    def plan(self) -> Plan:
        return self.problem.plan


@dataclass(frozen=True)
class BuildResult:
    plans: tuple[PlanBuild, ...]
    files: dict[str, bytes]

    def summary(self) -> list[str]:
        lines = []
        for b in self.plans:
            lines.extend(summary(b.problem, b.solution, b.lesson_problem, b.lessons))
        return lines


def solve_plan(plan: Plan, settings: SolverSettings, progress: Callable[[str], None] | None = None, lesson_settings: LessonSettings | None = None) -> PlanBuild:
    """The week rhythm, then the lessons inside its CFA weeks; each checked by plain Python."""
    problem = make_problem(plan, SiteCalendar(plan))
    solution = solve_rhythm(problem, settings, progress)
    broken = broken_rules(problem, solution)
    if broken:  # the independent check disagrees with the solver: never publish that
        raise AssertionError("the solver returned a calendar that breaks hard rules: " + "; ".join(broken))
    if not plan.has_lessons:
        return PlanBuild(problem, solution)
    lesson_problem = make_lesson_problem(plan, problem, solution)
    try:
        lessons = solve_lessons(lesson_problem, lesson_settings, progress)
    except LessonsInfeasible as failure:
        from .solver.explain_lessons import explain_lessons  # only needed when nothing is published

        raise NoSolution(explain_lessons(lesson_problem, failure.week, failure.quotas)) from None
    broken = broken_lesson_rules(lesson_problem, lessons)
    if broken:
        raise AssertionError("the solver returned lessons that break hard rules: " + "; ".join(broken[:5]))
    return PlanBuild(problem, solution, lesson_problem, lessons)


def render(builds: list[PlanBuild]) -> dict[str, bytes]:
    """Every output file of every plan, by path relative to --out."""
    files: dict[str, bytes] = {}
    for b in builds:
        plan = b.plan
        weeks_of = {}
        events = lesson_events(b.lesson_problem, b.lessons) if b.lessons else {}
        for cw in b.problem.cohorts:
            weeks = ical.feed_weeks(cw.cohort, cw.weeks, b.solution.cohort(cw.cohort.id))
            weeks_of[cw.cohort.id] = weeks
            files[f"{cw.cohort.id}/rhythm.ics"] = ical.rhythm_feed(plan, cw.cohort, weeks)
            files[f"{cw.cohort.id}/plan.json"] = plan_json(plan, cw, b.solution, b.lessons)
            if b.lessons:
                files[f"{cw.cohort.id}/lessons.ics"] = ical.lessons_feed(plan, cw.cohort, events[cw.cohort.id])
        for a in plan.apprentices:
            company = plan.company(a.company)
            files[f"apprentices/{a.id}.ics"] = ical.apprentice_feed(plan, a, company, weeks_of[a.cohort], events.get(a.cohort, []))
        if b.lessons:
            for trainer in plan.trainers:
                mine = [e for cohort_events in events.values() for e in cohort_events if e.trainer == trainer.id]
                files[f"trainers/{trainer.id}.ics"] = ical.trainer_feed(plan, trainer, mine)
        for company in plan.companies:
            mine = [
                ([a for a in plan.apprentices_of(cohort_id) if a.company == company.id], weeks)
                for cohort_id, weeks in weeks_of.items()
            ]
            files[f"companies/{company.id}.ics"] = ical.company_feed(plan, company, [m for m in mine if m[0]])
    return dict(sorted(files.items()))


def build(
    plan_paths: list[Path],
    out: Path,
    settings: SolverSettings | None = None,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
    lesson_settings: LessonSettings | None = None,
) -> BuildResult:
    """Solve every plan and, unless dry_run, publish all files at once. Raises before writing anything."""
    settings = settings or SolverSettings()
    plans = load_plans(plan_paths)
    if dry_run:
        builds = [solve_plan(p, settings, progress, lesson_settings) for p in plans]
        return BuildResult(tuple(builds), render(builds))
    with locked(out):
        builds = [solve_plan(p, settings, progress, lesson_settings) for p in plans]
        files = render(builds)
        publish(out, files)
    return BuildResult(tuple(builds), files)
