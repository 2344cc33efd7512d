"""The build: plans → calendar facts → solved rhythm → files. The CLI calls `build()` and prints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from .continuity import Published, read_published
from .domain import Plan
from .errors import NoSolution
from .facts.weeks import SiteCalendar
from .plan.loader import load_plans
from .publish import ical, pages
from .publish.changes import change_report
from .publish.links import SiteSecret, load_secret, public_tree
from .publish.output import current_files, locked, publish
from .publish.report import plan_json, summary
from .schedule.lessons import LessonProblem, LessonSolution, broken_lesson_rules, lesson_events, make_lesson_problem
from .schedule.rhythm import RhythmProblem, RhythmSolution, broken_rules, make_problem
from .solver import SolverSettings, solve_rhythm
from .solver.lessons import LessonSettings, LessonsInfeasible, solve_lessons


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
    changes: tuple[str, ...] = ()  # the change report of a rebuild (empty: nothing moved)
    written: bool = False  # False for a dry run, and for a rebuild that changed nothing

    def summary(self) -> list[str]:
        lines = []
        for b in self.plans:
            lines.extend(summary(b.problem, b.solution, b.lesson_problem, b.lessons))
        return lines


def solve_plan(
    plan: Plan,
    settings: SolverSettings,
    progress: Callable[[str], None] | None = None,
    lesson_settings: LessonSettings | None = None,
    published: Published | None = None,
    today: date | None = None,
) -> PlanBuild:
    """The week rhythm, then the lessons inside its CFA weeks; each checked by plain Python.
    With `published` (the last build), weeks that started before `today` keep what was published
    and the rest changes as little as the new plan requires."""
    published = published or Published()
    problem = make_problem(plan, SiteCalendar(plan), published.weeks, today)
    solution = solve_rhythm(problem, settings, progress)
    broken = broken_rules(problem, solution)
    if broken:  # the independent check disagrees with the solver: never publish that
        raise AssertionError("the solver returned a calendar that breaks hard rules: " + "; ".join(broken))
    if not plan.has_lessons:
        return PlanBuild(problem, solution)
    past = {cohort: lessons for cohort, lessons in published.lessons.items()}
    lesson_problem = make_lesson_problem(plan, problem, solution, past)
    previous = {
        (cohort, day, slot): subject
        for cohort, lessons in published.lessons.items()
        for (day, slot), (subject, _) in lessons.items()
        if today is None or day >= today
    }
    try:
        lessons = solve_lessons(lesson_problem, lesson_settings, progress, previous)
    except TimeoutError as timeout:
        raise NoSolution(
            [f"{plan.id}: {timeout}; the lessons were not placed (nothing was written). Try a larger --time-limit."]
        ) from None
    except LessonsInfeasible as failure:
        from .solver.explain_lessons import explain_lessons  # only needed when nothing is published

        seconds = (lesson_settings or LessonSettings()).time_limit  # as long again as the lessons had
        raise NoSolution(explain_lessons(lesson_problem, failure.week, failure.quotas, seconds)) from None
    broken = broken_lesson_rules(lesson_problem, lessons)
    if broken:
        raise AssertionError("the solver returned lessons that break hard rules: " + "; ".join(broken[:5]))
    return PlanBuild(problem, solution, lesson_problem, lessons)


def _identities(published: Published, plan: Plan) -> dict[str, dict[tuple, str]]:
    """The last build's lesson events of each cohort: (subject, day, first slot, last slot) -> UID."""
    starts = {(s.start // 60, s.start % 60): i for i, s in enumerate(plan.day_slots)}
    ends = {(s.end // 60, s.end % 60): i for i, s in enumerate(plan.day_slots)}
    found: dict[str, dict[tuple, str]] = {}
    for cohort in plan.cohorts:
        for uid, event in published.events.get(f"{cohort.id}/lessons.ics", {}).items():
            if event.cancelled:
                continue
            subject, day, start, end = ical.lesson_identity(event)
            first, last = starts.get((start.hour, start.minute)), ends.get((end.hour, end.minute))
            if first is not None and last is not None:
                found.setdefault(cohort.id, {})[subject, day, first, last] = uid.split("@")[0]
    return found


def render(builds: list[PlanBuild], published: Published | None = None, today: date | None = None) -> dict[str, bytes]:
    """Every output file of every plan, by path relative to --out."""
    published = published or Published()
    calendars = {}
    files: dict[str, bytes] = {}
    for b in builds:
        plan = b.plan
        weeks_of = {}
        events = lesson_events(b.lesson_problem, b.lessons, _identities(published, plan), today) if b.lessons else {}
        site = SiteCalendar(plan)
        for cw in b.problem.cohorts:
            weeks = ical.feed_weeks(cw.cohort, cw.weeks, b.solution.cohort(cw.cohort.id))
            weeks_of[cw.cohort.id] = weeks
            calendars[f"{cw.cohort.id}/rhythm.ics"] = ical.rhythm_feed(plan, cw.cohort, weeks)
            files[f"{cw.cohort.id}/plan.json"] = plan_json(plan, cw, b.solution, b.lessons)
            files[f"{cw.cohort.id}/calendar.html"] = pages.cohort_calendar(plan, site, cw, b.solution)
            files[f"{cw.cohort.id}/report.html"] = pages.hours_report(plan, cw, b.solution, b.lessons)
            if b.lessons:
                calendars[f"{cw.cohort.id}/lessons.ics"] = ical.lessons_feed(plan, cw.cohort, events[cw.cohort.id])
        for a in plan.apprentices:
            company = plan.company(a.company)
            calendars[f"apprentices/{a.id}.ics"] = ical.apprentice_feed(
                plan, a, company, weeks_of[a.cohort], events.get(a.cohort, [])
            )
        if b.lessons:
            for trainer in plan.trainers:
                mine = [e for cohort_events in events.values() for e in cohort_events if e.trainer == trainer.id]
                calendars[f"trainers/{trainer.id}.ics"] = ical.trainer_feed(plan, trainer, mine)
        # Each company's apprentices, cohort by cohort (in the plan's cohort order), grouped once.
        staff: dict[str, dict[str, list]] = {}
        for a in plan.apprentices:
            staff.setdefault(a.company, {}).setdefault(a.cohort, []).append(a)
        for company in plan.companies:
            theirs = [(cw, staff.get(company.id, {}).get(cw.cohort.id, [])) for cw in b.problem.cohorts]
            theirs = [(cw, apprentices) for cw, apprentices in theirs if apprentices]
            calendars[f"companies/{company.id}.ics"] = ical.company_feed(
                plan, company, [(apprentices, weeks_of[cw.cohort.id]) for cw, apprentices in theirs]
            )
            files[f"companies/{company.id}.html"] = pages.company_calendar(plan, site, company, theirs, b.solution)
    stamp_day = today or date.min
    for path, cal in calendars.items():
        files[path] = ical.stabilize(cal, None if published.first_build else published.events.get(path, {}), stamp_day)
    return dict(sorted(files.items()))


def build(
    plan_paths: list[Path],
    out: Path,
    settings: SolverSettings | None = None,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
    lesson_settings: LessonSettings | None = None,
    today: date | None = None,
) -> BuildResult:
    """Solve every plan and, unless dry_run, publish all files at once. Raises before writing
    anything. A rebuild reads the last build in `out`, keeps the weeks before `today` and
    reports what moved."""
    settings = settings or SolverSettings()
    today = today or date.today()
    plans = load_plans(plan_paths)

    def run() -> tuple[BuildResult, list[SiteSecret]]:
        published = read_published(out)
        builds = [solve_plan(p, settings, progress, lesson_settings, published, today) for p in plans]
        files = render(builds, published, today)
        report = change_report(builds, published, files, today) if not published.first_build else []
        files.update(published.reports)  # earlier change reports stay
        if report:
            files[f"changes/{today.isoformat()}.md"] = ("\n".join(report) + "\n").encode("utf-8")
        sites = [load_secret(out, b.plan.id, create=False) for b in builds]
        for b, site in zip(builds, sites):
            files.update(public_tree(b.plan, files, site))
        return BuildResult(tuple(builds), dict(sorted(files.items())), tuple(report)), sites

    if dry_run:
        return run()[0]
    with locked(out):
        result, sites = run()
        for site in sites:
            if not site.path.exists():  # a first build: the links start here
                site.save()
        if result.files == current_files(out):  # a build with no change rewrites nothing
            return result
        publish(out, result.files)
    return replace(result, written=True)
