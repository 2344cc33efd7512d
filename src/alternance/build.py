"""The build pipeline: plans → calendar facts → solved rhythm → lessons → files → publish.

The CLI calls `build()` and prints. Rendering is `publish.render`; the transaction is
`publish.output`; this module only puts the steps in order."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from . import i18n
from .continuity import Continuity
from .domain import Plan
from .errors import AlternanceError, Infeasible, SolverDisagreement, SolverTimeout
from .facts.weeks import SiteCalendar
from .i18n import _
from .plan.loader import load_plans
from .publish.changes import change_report
from .publish.links import SiteSecret, build_secret, load_secret, public_tree
from .publish.output import check_out, current_files, locked, publish
from .publish.render import render
from .publish.report import summary
from .schedule.lessons import LessonProblem, LessonSolution, broken_lesson_rules, make_lesson_problem
from .schedule.rhythm import RhythmProblem, RhythmSolution, broken_rules, make_problem
from .schedule.solved import PlanBuild
from .solver import SolverSettings, solve_rhythm
from .solver.lessons import LessonSettings, LessonsInfeasible, solve_lessons
from .solver.why import why_lines

WHY_SECONDS = 5.0  # at most, to say what forces each cost of the calendar (a tenth of --time-limit)


@dataclass(frozen=True)
class BuildResult:
    plans: tuple[PlanBuild, ...]
    files: dict[str, bytes]
    changes: tuple[str, ...] = ()  # the change report of a rebuild (empty: nothing moved)
    written: bool = False  # False for a dry run, and for a rebuild that changed nothing

    def summary(self, verbose: bool = False) -> list[str]:
        lines = []
        for b in self.plans:
            lines.extend(summary(b.problem, b.solution, b.lesson_problem, b.lessons, verbose, b.why))
        return lines


def solve_plan(
    plan: Plan,
    settings: SolverSettings,
    progress: Callable[[str], None] | None = None,
    lesson_settings: LessonSettings | None = None,
    continuity: Continuity | None = None,
    verbose: bool = False,
) -> PlanBuild:
    """The week rhythm, then the lessons inside its CFA weeks; each checked by plain Python.
    With `continuity` (the last build and --today), weeks that started before today keep what was
    published and the rest changes as little as the new plan requires. `progress` hears one line
    per step, and with `verbose` the solver's detail too."""
    continuity = continuity or Continuity()
    detail = progress if verbose else None
    problem = make_problem(plan, SiteCalendar(plan), continuity.weeks, continuity.today)
    if progress:
        progress(
            _("{plan}: searching the week calendar (at most {seconds} s)…").format(
                plan=plan.id, seconds=f"{settings.time_limit:g}"
            )
        )
    solution = solve_rhythm(problem, settings, detail, progress)
    broken = broken_rules(problem, solution)
    if broken:  # the independent check disagrees with the solver: never publish that
        raise SolverDisagreement("the calendar the solver returned", broken)
    seconds = min(WHY_SECONDS, settings.time_limit / 10)
    if not plan.has_lessons:
        return PlanBuild(problem, solution, why=tuple(why_lines(problem, solution, seconds)))
    # What forces each cost is measured beside the lessons' search (one CP-SAT worker, in a
    # thread: the solves release the interpreter), so that it adds little to the build's time.
    with ThreadPoolExecutor(max_workers=1) as pool:
        why = pool.submit(why_lines, problem, solution, seconds)
        lesson_problem, lessons = _lessons(plan, problem, solution, progress, detail, lesson_settings, continuity)
        return PlanBuild(problem, solution, lesson_problem, lessons, tuple(why.result()))


def _lessons(
    plan: Plan,
    problem: RhythmProblem,
    solution: RhythmSolution,
    progress: Callable[[str], None] | None,
    detail: Callable[[str], None] | None,
    lesson_settings: LessonSettings | None,
    continuity: Continuity,
) -> tuple[LessonProblem, LessonSolution]:
    """The lessons inside the calendar's CFA weeks, checked by plain Python."""
    lesson_problem = make_lesson_problem(plan, problem, solution, continuity.past_lessons)
    if progress:
        progress(
            _("{plan}: placing the lessons in the CFA weeks (at most {seconds} s)…").format(
                plan=plan.id, seconds=f"{(lesson_settings or LessonSettings()).time_limit:g}"
            )
        )
    try:
        lessons = solve_lessons(lesson_problem, lesson_settings, detail, continuity.previous_timetable())
    except TimeoutError as timeout:
        raise SolverTimeout(
            [
                _(
                    "{plan}: {reason}; the lessons were not placed (nothing was written). Try a larger --time-limit."
                ).format(plan=plan.id, reason=timeout)
            ]
        ) from None
    except LessonsInfeasible as failure:
        from .solver.explain_lessons import explain_lessons  # only needed when nothing is published

        seconds = (lesson_settings or LessonSettings()).time_limit  # as long again as the lessons had
        if progress:
            progress(
                _(
                    "{plan}: no timetable meets every rule; looking for the rules that clash (at most {seconds} s)…"
                ).format(plan=plan.id, seconds=f"{seconds:g}")
            )
        raise Infeasible(explain_lessons(lesson_problem, failure.week, failure.quotas, seconds)) from None
    broken = broken_lesson_rules(lesson_problem, lessons)
    if broken:
        raise SolverDisagreement("the timetable the solver returned", broken)
    return lesson_problem, lessons


def _solved_files(
    plan: Plan,
    settings: SolverSettings,
    lesson_settings: LessonSettings | None,
    continuity: Continuity,
    verbose: bool,
    lang: str,
) -> tuple[list[str], PlanBuild | AlternanceError, dict[str, bytes]]:
    """One plan solved and rendered in a worker process of `build --jobs`: its progress messages
    (printed by the parent in plan order), its build or the error that stopped it, its files."""
    i18n.use(lang)  # the worker speaks the parent's language
    messages: list[str] = []
    try:
        solved = solve_plan(plan, settings, messages.append, lesson_settings, continuity, verbose)
    except AlternanceError as error:
        return messages, error, {}
    return messages, solved, render([solved], continuity)


def _solve_and_render(
    plans: list[Plan],
    settings: SolverSettings,
    progress: Callable[[str], None] | None,
    lesson_settings: LessonSettings | None,
    continuity: Continuity,
    jobs: int,
    verbose: bool = False,
) -> tuple[list[PlanBuild], dict[str, bytes]]:
    """Every plan solved and rendered: one after the other, or `jobs` at a time in worker
    processes. Each plan's files depend on that plan and the last build only, so the bytes are
    the same either way; messages come plan by plan, in plan order, and the first plan (in plan
    order) that fails raises its error, as it would alone."""
    if jobs <= 1 or len(plans) <= 1:
        builds = [solve_plan(p, settings, progress, lesson_settings, continuity, verbose) for p in plans]
        return builds, render(builds, continuity, jobs)  # one plan: its files made by `jobs` processes
    # forkserver: workers fork from one clean process that has imported the solver once.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    builds, files = [], {}
    with ProcessPoolExecutor(max_workers=min(jobs, len(plans)), mp_context=context) as pool:
        futures = [
            pool.submit(_solved_files, p, settings, lesson_settings, continuity, verbose, i18n.current()) for p in plans
        ]
        try:
            for future in futures:
                messages, solved, plan_files = future.result()
                for message in messages:
                    if progress:
                        progress(message)
                if isinstance(solved, AlternanceError):
                    raise solved
                builds.append(solved)
                files.update(plan_files)
        finally:
            for future in futures:  # after a failure, the plans not started yet are not solved
                future.cancel()
    return builds, dict(sorted(files.items()))


def _report_name(today: date, continuity: Continuity) -> str:
    """changes/<date>.md, or <date>-2.md and on for a later rebuild the same day: none is lost."""
    name, n = f"changes/{today.isoformat()}.md", 1
    while name in continuity.reports:
        n += 1
        name = f"changes/{today.isoformat()}-{n}.md"
    return name


def build(
    plan_paths: list[Path],
    out: Path,
    settings: SolverSettings | None = None,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
    lesson_settings: LessonSettings | None = None,
    today: date | None = None,
    jobs: int = 1,
    verbose: bool = False,
) -> BuildResult:
    """Solve every plan and, unless dry_run, publish all files at once. Raises before writing
    anything. A rebuild reads the last build in `out`, keeps the weeks before `today` and
    reports what moved. `jobs` plans are solved and rendered at once, each in its own process;
    the files are published here, once, as with one job."""
    settings = settings or SolverSettings()
    today = today or date.today()
    plans = load_plans(plan_paths)
    if not dry_run:
        check_out(out)  # before the solve: a wrong --out is said at once, not after minutes
        for plan in plans:
            build_secret(out, plan)  # a lost secret too: a new one would change every link

    def run() -> tuple[BuildResult, list[SiteSecret]]:
        continuity = Continuity.read(out, today)
        builds, files = _solve_and_render(plans, settings, progress, lesson_settings, continuity, jobs, verbose)
        changes = change_report(builds, continuity, files, today) if not continuity.first_build else None
        report = changes.lines if changes else []
        files.update(continuity.reports)  # earlier change reports stay
        if changes and report:
            name = _report_name(today, continuity)
            files[name] = ("\n".join(report) + "\n").encode("utf-8")
            for company, lines in changes.notices.items():  # one to send each
                files[f"{name.removesuffix('.md')}/{company}.md"] = ("\n".join(lines) + "\n").encode("utf-8")
        sites = [load_secret(out, b.plan.id, create=False) if dry_run else build_secret(out, b.plan) for b in builds]
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
