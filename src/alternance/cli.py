"""The `alternance` command: parse options, call one core function, print the result.

Every `AlternanceError` is caught once, at the edge (`_Commands.invoke`), and printed as plain
lines without a traceback, with its exit code: 2 for invalid input, 1 for a plan without
solution (proven, or not found in time), 3 for a solver answer the plain-Python check refused.
Only `build` imports the solver: `check`, `links` and `serve` start without OR-Tools.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click

from . import i18n
from .domain import hours
from .errors import AlternanceError, PlanError, Problem
from .i18n import _
from .plan.loader import load_plans
from .schedule.apprentices import shortfalls_before
from .schedule.bounds import impossible
from .schedule.rhythm import make_problem

DEFAULT_PLANS = Path("constraints")
DEFAULT_OUT = Path("calendars")


def _plan_paths(plans: tuple[Path, ...]) -> list[Path]:
    if plans:
        return list(plans)
    found = sorted(DEFAULT_PLANS.glob("*.toml"))
    if not found:
        raise PlanError([Problem(str(DEFAULT_PLANS), "", _("no plan file given and no *.toml in ./constraints/"))])
    return found


def _fail(error: AlternanceError) -> None:
    for line in str(error).splitlines():
        click.echo(line, err=True)
    sys.exit(error.exit_code)


def _progress(message: str) -> None:
    click.echo(message, err=True)


def _choose_language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    i18n.use(value)  # None: the environment's language (French unless it names English)
    return value


def _lang(command):
    """The `--lang` option every command takes; it is read before the other options."""
    return click.option(
        "--lang",
        type=click.Choice(i18n.LANGS),
        default=None,
        is_eager=True,
        expose_value=False,
        callback=_choose_language,
        help="Language of the messages: fr or en [default: French, unless LANG names English].",
    )(command)


class _Commands(click.Group):
    """The command group, which turns every error a planner can act on into lines and an exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except AlternanceError as error:
            _fail(error)
            return None
        except OSError as error:  # a folder or a disk, not the plan: the user can fix it (exit 2)
            where = f"{error.filename}: " if error.filename else ""
            click.echo(
                _("{where}{error}; nothing was published").format(where=where, error=error.strerror or error), err=True
            )
            sys.exit(2)


@click.group(cls=_Commands)
@click.version_option(package_name="alternance")
def main() -> None:
    """Plan French apprenticeship calendars (CFA / company weeks) and publish them as iCal feeds."""


@main.command()
@click.argument("plans", nargs=-1, type=click.Path(path_type=Path))
@_lang
def check(plans: tuple[Path, ...]) -> None:
    """Validate plan files; print every problem found (exit 2) or what the plans hold (exit 0)."""
    for plan in load_plans(_plan_paths(plans)):
        click.echo(
            _(
                "{source}: ok — {plan}: {cohorts} cohort(s), {companies} company(ies), {apprentices} apprentice(s)"
            ).format(
                source=plan.source,
                plan=plan.id,
                cohorts=len(plan.cohorts),
                companies=len(plan.companies),
                apprentices=len(plan.apprentices),
            )
        )
        for programme in plan.programmes:
            if programme.accompaniment_minutes:
                click.echo(
                    "  "
                    + _(
                        "{programme}: subjects sum to {subjects} of total_hours {total}; the other {rest} are shown as « Accompagnement »"
                    ).format(
                        programme=programme.id,
                        subjects=hours(programme.subject_minutes),
                        total=hours(programme.total_minutes),
                        rest=hours(programme.accompaniment_minutes),
                    )
                )
        problem = make_problem(plan)
        for cw in problem.cohorts:
            open_weeks = [w for w in cw.weeks if not w.closed]
            click.echo(
                "  "
                + _("{cohort}: {open} open weeks of {weeks}, {hours} if all were CFA weeks; target {target}").format(
                    cohort=cw.cohort.id,
                    open=len(open_weeks),
                    weeks=len(cw.weeks),
                    hours=hours(sum(w.minutes for w in open_weeks)),
                    target=hours(cw.target_minutes),
                )
            )
        for line in shortfalls_before(problem):
            click.echo(f"  {line}")
        if proven := impossible(problem):  # no calendar can exist: as bad as an invalid file
            raise PlanError(proven)


@main.command()
@click.argument("folder", required=False, type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_PLANS)
@_lang
def init(folder: Path) -> None:
    """Start a new plan: a commented plan file and a workbook of lists in FOLDER [default: constraints]."""
    from .plan.starter import write_starter

    plan, workbook = write_starter(folder)
    click.echo(_("wrote {plan} and {workbook}. Next:").format(plan=plan, workbook=workbook))
    click.echo(
        "  " + _("1. edit {plan}: the site, the programme and its subjects, the cohorts' dates").format(plan=plan)
    )
    click.echo(
        "  "
        + _("2. fill the sheets of {workbook}: Entreprises, Apprentis, Formateurs (one row each as an example)").format(
            workbook=workbook
        )
    )
    click.echo("  " + _("3. alternance check {plan}, then alternance build {plan}").format(plan=plan))


@main.command()
@click.argument("plans", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_OUT,
    show_default=True,
    help="Output folder.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Wall-clock limit of the week solve per plan, in seconds (the lessons get twice as long; explaining a plan without solution, as long again).",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Weeks that started before this date keep what was published [default: the real date].",
)
@click.option("--dry-run", is_flag=True, help="Solve and print the summary and the change report; write nothing.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Plans solved and written at once, each in its own process [default: the machine's cores].",
)
@click.option("--verbose", is_flag=True, help="Also print the solver's detail: each goal's value, bound and time.")
@_lang
def build(
    plans: tuple[Path, ...], out: Path, time_limit: float, today, dry_run: bool, jobs: int | None, verbose: bool
) -> None:
    """Solve the plans and write the calendars (all files or none)."""
    from .build import build as run_build  # the solver is imported by this command only
    from .solver import SolverSettings
    from .solver.lessons import LessonSettings

    day = today.date() if today else date.today()
    result = run_build(
        _plan_paths(plans),
        out,
        SolverSettings(time_limit=time_limit),
        dry_run=dry_run,
        progress=_progress,
        today=day,
        lesson_settings=LessonSettings(time_limit=2 * time_limit),
        jobs=jobs or os.cpu_count() or 1,
        verbose=verbose,
    )
    for line in result.summary(verbose):
        click.echo(line)
    if result.changes:
        click.echo("")
        for line in result.changes:
            click.echo(line)
    if dry_run:
        click.echo(_("dry run: {files} files not written").format(files=len(result.files)))
    elif result.written:
        click.echo(_("wrote {files} files to {out}/").format(files=len(result.files), out=out))
    else:
        click.echo(_("{out}/ is up to date").format(out=out))


@main.command()
@click.argument("plans", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_OUT,
    show_default=True,
    help="Output folder of the builds.",
)
@click.option("--base-url", default="", help="Prefix of the printed links, e.g. https://cfa.example/alternance")
@click.option(
    "--rotate", "rotate", default=None, metavar="FEED", help="Give FEED a new secret link (the old one stops working)."
)
@click.option(
    "--new-secret", is_flag=True, help="Start over: a new site secret, so every link changes (rebuild to publish)."
)
@_lang
def links(plans: tuple[Path, ...], out: Path, base_url: str, rotate: str | None, new_secret: bool) -> None:
    """Print each feed's secret link: `FEED URL`, one per line."""
    from .publish import links as secret
    from .publish.links import link_lines, plan_feeds, public_path
    from .publish.output import locked

    loaded = load_plans(_plan_paths(plans))
    if rotate is not None and not any(rotate in plan_feeds(p) for p in loaded):
        raise PlanError(
            [Problem("--rotate", "", _("unknown feed {feed!r}; `alternance links` lists them").format(feed=rotate))]
        )
    if new_secret:
        with locked(out):
            for plan in loaded:
                secret.new_secret(out, plan.id)
        click.echo(_("new secret: every link changes; run `alternance build` to publish them"), err=True)
    for plan in loaded:
        site = secret.existing_secret(out, plan.id)
        if rotate in plan_feeds(plan):
            with locked(out):
                site = secret.existing_secret(out, plan.id)  # read under the lock: no race with a build
                old = out / "public" / public_path(rotate, site.token(rotate))
                site.rotations[rotate] = site.rotations.get(rotate, 0) + 1
                site.save()
                if old.exists():  # move the published file to its new name at once
                    old.rename(out / "public" / public_path(rotate, site.token(rotate)))
            click.echo(_("rotated {feed}: its old link no longer works").format(feed=rotate), err=True)
        for line in link_lines(plan, site, base_url):
            click.echo(line)


@main.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_OUT,
    show_default=True,
    help="Output folder of the builds.",
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless told otherwise)."
)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option(
    "--timeout-keep-alive",
    type=click.IntRange(1, 3600),
    default=5,
    show_default=True,
    help="Seconds an idle connection stays open.",
)
@click.option(
    "--limit-concurrency",
    type=click.IntRange(1),
    default=200,
    show_default=True,
    help="Connections at once; beyond, 503.",
)
@click.option(
    "--timeout-header",
    type=click.FloatRange(0.5, 600),
    default=10.0,
    show_default=True,
    help="Seconds a client has to send a whole request head; slower connections are closed.",
)
@_lang
def serve(
    out: Path, host: str, port: int, timeout_keep_alive: int, limit_concurrency: int, timeout_header: float
) -> None:
    """Serve <out>/public/ over HTTP: feeds and pages under their secret names only."""
    from .publish.serve import run

    public = out / "public"
    if not public.is_dir():
        click.echo(
            _("{public}: nothing is published yet; answers 503 until the next `alternance build`").format(
                public=public
            ),
            err=True,
        )
    run(public, host, port, timeout_keep_alive, limit_concurrency, timeout_header)
