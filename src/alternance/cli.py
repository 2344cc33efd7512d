"""The `alternance` command: parse options, call one core function, print the result.

Errors a planner can act on are caught here and printed as plain lines (no traceback):
exit 2 for invalid input, exit 1 for a plan without solution.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from .build import build as run_build
from .domain import hours
from .errors import AlternanceError, PlanError, Problem
from .loader import load_plans
from .rhythm import make_problem
from .solver import SolverSettings

DEFAULT_PLANS = Path("constraints")
DEFAULT_OUT = Path("calendars")


def _plan_paths(plans: tuple[Path, ...]) -> list[Path]:
    if plans:
        return list(plans)
    found = sorted(DEFAULT_PLANS.glob("*.toml"))
    if not found:
        raise PlanError([Problem(str(DEFAULT_PLANS), "", "no plan file given and no *.toml in ./constraints/")])
    return found


def _fail(error: AlternanceError) -> None:
    for line in str(error).splitlines():
        click.echo(line, err=True)
    sys.exit(error.exit_code)


def _progress(message: str) -> None:
    click.echo(message, err=True)


@click.group()
@click.version_option(package_name="alternance")
def main() -> None:
    """Plan French apprenticeship calendars (CFA / company weeks) and publish them as iCal feeds."""


@main.command()
@click.argument("plans", nargs=-1, type=click.Path(path_type=Path))
def check(plans: tuple[Path, ...]) -> None:
    """Validate plan files; print every problem found (exit 2) or what the plans hold (exit 0)."""
    try:
        loaded = load_plans(_plan_paths(plans))
    except AlternanceError as error:
        _fail(error)
        return
    for plan in loaded:
        click.echo(f"{plan.source}: ok — {plan.id}: {len(plan.cohorts)} cohort(s), {len(plan.companies)} company(ies), {len(plan.apprentices)} apprentice(s)")
        for programme in plan.programmes:
            if programme.accompaniment_minutes:
                click.echo(f"  {programme.id}: subjects sum to {hours(programme.subject_minutes)} of total_hours {hours(programme.total_minutes)}; the other {hours(programme.accompaniment_minutes)} are shown as « Accompagnement »")
        for cw in make_problem(plan).cohorts:
            open_weeks = [w for w in cw.weeks if not w.closed]
            click.echo(f"  {cw.cohort.id}: {len(open_weeks)} open weeks of {len(cw.weeks)}, {hours(sum(w.minutes for w in open_weeks))} if all were CFA weeks; target {hours(cw.target_minutes)}")


@main.command()
@click.argument("plans", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT, show_default=True, help="Output folder.")
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Solver time limit per plan, in seconds.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Weeks that started before this date keep what was published [default: the real date].")
@click.option("--dry-run", is_flag=True, help="Solve and print the summary and the change report; write nothing.")
def build(plans: tuple[Path, ...], out: Path, time_limit: float, today, dry_run: bool) -> None:
    """Solve the plans and write the calendars (all files or none)."""
    day = today.date() if today else date.today()
    try:
        result = run_build(_plan_paths(plans), out, SolverSettings(time_limit=time_limit), dry_run=dry_run, progress=_progress, today=day)
    except AlternanceError as error:
        _fail(error)
        return
    for line in result.summary():
        click.echo(line)
    if result.changes:
        click.echo("")
        for line in result.changes:
            click.echo(line)
    if dry_run:
        click.echo(f"dry run: {len(result.files)} files not written")
    elif result.written:
        click.echo(f"wrote {len(result.files)} files to {out}/")
    else:
        click.echo(f"{out}/ is up to date")
