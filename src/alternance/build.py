"""The build: plans → calendar facts → solved rhythm → files. The CLI calls `build()` and prints."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import ical
from .domain import Plan
from .loader import load_plans
from .output import locked, publish
from .report import plan_json, summary
from .rhythm import RhythmProblem, RhythmSolution, broken_rules, make_problem
from .solver import SolverSettings, solve_rhythm
from .weeks import SiteCalendar


@dataclass(frozen=True)
class PlanBuild:
    problem: RhythmProblem
    solution: RhythmSolution

    @property
    def plan(self) -> Plan:
        return self.problem.plan


@dataclass(frozen=True)
class BuildResult:
    plans: tuple[PlanBuild, ...]
    files: dict[str, bytes]

    def summary(self) -> list[str]:
        return [line for b in self.plans for line in summary(b.problem, b.solution)]


def solve_plan(plan: Plan, settings: SolverSettings, progress: Callable[[str], None] | None = None) -> PlanBuild:
    problem = make_problem(plan, SiteCalendar(plan))
    solution = solve_rhythm(problem, settings, progress)
    broken = broken_rules(problem, solution)
    if broken:  # the independent check disagrees with the solver: never publish that
        raise AssertionError("the solver returned a calendar that breaks hard rules: " + "; ".join(broken))
    return PlanBuild(problem, solution)


def render(builds: list[PlanBuild]) -> dict[str, bytes]:
    """Every output file of every plan, by path relative to --out."""
    files: dict[str, bytes] = {}
    for b in builds:
        plan = b.plan
        weeks_of = {}
        for cw in b.problem.cohorts:
            weeks = ical.feed_weeks(cw.cohort, cw.weeks, b.solution.cohort(cw.cohort.id))
            weeks_of[cw.cohort.id] = weeks
            files[f"{cw.cohort.id}/rhythm.ics"] = ical.rhythm_feed(plan, cw.cohort, weeks)
            files[f"{cw.cohort.id}/plan.json"] = plan_json(plan, cw, b.solution)
        for a in plan.apprentices:
            company = plan.company(a.company)
            files[f"apprentices/{a.id}.ics"] = ical.apprentice_feed(plan, a, company, weeks_of[a.cohort])
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
) -> BuildResult:
    """Solve every plan and, unless dry_run, publish all files at once. Raises before writing anything."""
    settings = settings or SolverSettings()
    plans = load_plans(plan_paths)
    if dry_run:
        builds = [solve_plan(p, settings, progress) for p in plans]
        return BuildResult(tuple(builds), render(builds))
    with locked(out):
        builds = [solve_plan(p, settings, progress) for p in plans]
        files = render(builds)
        publish(out, files)
    return BuildResult(tuple(builds), files)
