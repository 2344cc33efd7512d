"""`alternance build --jobs N`: several plans solved and written at once, in worker processes,
give the bytes and the messages of `--jobs 1`; the first plan that fails says so as alone."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from alternance.cli import main
from alternance.errors import (
    AlternanceError,
    Infeasible,
    NoSolution,
    OutputError,
    PlanError,
    Problem,
    SolverDisagreement,
    SolverTimeout,
)
from helpers import make_plan

SLOTS = ["08:30-10:30", "10:45-12:15", "13:30-15:30", "15:45-17:15"]
TRAINER = '\n[[trainer]]\nid = "t-{n}"\nname = "Formateur {n}"\nsubjects = ["maths"]\n'


def small_plan(folder: Path, n: int, **overrides) -> Path:
    """Plan `p<n>`: one cohort, company and apprentice of its own; plan 2 has lessons too."""
    lessons = {"day_slots": SLOTS} if n == 2 else {}
    return make_plan(
        folder,
        {"id": f"p{n}", **lessons},
        name=f"p{n}.toml",
        cohort={"id": f"c{n}"},
        company={"id": f"co{n}", "name": f"Entreprise {n}"},
        apprentice={"id": f"a-{n}", "cohort": f"c{n}", "company": f"co{n}"},
        extra=TRAINER.format(n=n) if n == 2 else "",
        **overrides,
    )


def build(plans: list[Path], out: Path, jobs: int):
    args = ["build", *map(str, plans), "--out", str(out), "--today", "2025-01-01", "--jobs", str(jobs)]
    return CliRunner().invoke(main, args, catch_exceptions=False)


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def untimed(text: str) -> str:
    """Messages without the seconds they took, which differ from run to run."""
    return re.sub(r"\d+\.\d+ s\b", "_ s", text)


def test_two_jobs_write_the_bytes_and_messages_of_one(tmp_path: Path) -> None:
    plans = [small_plan(tmp_path, 1), small_plan(tmp_path, 2)]
    one, two = build(plans, tmp_path / "one", 1), build(plans, tmp_path / "two", 2)
    assert one.exit_code == two.exit_code == 0, (one.output, two.output)
    # Both folders share their parent, so their link secret: public/ must match too.
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert any(path.startswith("trainers/") for path in tree(tmp_path / "two"))
    assert untimed(one.stderr) == untimed(two.stderr)
    assert untimed(one.stdout).replace("/one/", "/two/") == untimed(two.stdout)
    assert one.stderr.index("p1:") < one.stderr.index("p2:")  # plan by plan, in plan order


def test_the_first_plan_that_fails_is_reported_as_alone(tmp_path: Path) -> None:
    """Plan 2 cannot reach its hours: exit 1, its reasons only, nothing written, as with one job."""
    plans = [small_plan(tmp_path, 1), small_plan(tmp_path, 3, programme={"total_hours": 700})]
    plans.append(small_plan(tmp_path, 2))
    one, two = build(plans, tmp_path / "one", 1), build(plans, tmp_path / "two", 2)
    assert one.exit_code == two.exit_code == 1
    assert untimed(one.stderr) == untimed(two.stderr)
    assert "c3 needs 700 h" in two.stderr and "Traceback" not in two.stderr
    assert not (tmp_path / "two").exists() and not (tmp_path / "one").exists()


@pytest.mark.parametrize(
    "error",
    [
        PlanError([Problem("plan.toml", "cohort[c1].start", "not a date"), Problem("plan.toml", "", "empty")]),
        OutputError("calendars: is a file, not a folder"),
        NoSolution(["one reason", "another"]),
        Infeasible(["c1 needs 700 h", "Rules in conflict: x, y."]),
        SolverTimeout(["p1: no timetable found in 1 s"]),
        SolverDisagreement("the calendar the solver returned", ["c1: week 2025-09-01 closed"]),
    ],
)
def test_an_error_comes_back_from_a_worker_as_it_was(error: AlternanceError) -> None:
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert (str(again), again.exit_code) == (str(error), error.exit_code)
    assert vars(again) == vars(error)


def test_jobs_must_be_at_least_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(small_plan(tmp_path, 1)), "--jobs", "0"])
    assert result.exit_code == 2 and "--jobs" in result.output


def test_a_bare_build_uses_every_core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import alternance.build

    seen = {}

    def spy(*args, jobs: int = 1, **kwargs):
        seen["jobs"] = jobs
        raise OutputError("stop here")

    monkeypatch.setattr(alternance.build, "build", spy)
    monkeypatch.setattr("os.cpu_count", lambda: 7)
    result = CliRunner().invoke(main, ["build", str(small_plan(tmp_path, 1)), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and seen == {"jobs": 7}


def two_cohort_plan(folder: Path) -> Path:
    """One plan of two cohorts with lessons, three apprentices and two companies."""
    return make_plan(
        folder,
        {"id": "shared", "day_slots": SLOTS},
        name="shared.toml",
        cohorts=[{"id": "c1"}, {"id": "c2"}],
        companies=[{"id": "co1", "name": "Entreprise 1"}, {"id": "co2", "name": "Entreprise 2"}],
        apprentices=[
            {"id": "a-1", "cohort": "c1", "company": "co1"},
            {"id": "a-2", "cohort": "c2", "company": "co1"},
            {"id": "a-3", "cohort": "c2", "company": "co2"},
        ],
        extra=TRAINER.format(n=1),
    )


def test_one_plan_shared_out_between_processes_gives_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large plan's files are made by forked processes, cohort by cohort: the same tree as one
    process (the threshold is lowered so that this small plan is shared out too)."""
    import alternance.publish.render as render_module

    plan = two_cohort_plan(tmp_path)
    one = build([plan], tmp_path / "one", 1)
    forks: list[int] = []
    fork = render_module.os.fork

    def counted() -> int:
        pid = fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(render_module, "FORK_UNITS", 1)
    monkeypatch.setattr(render_module.os, "fork", counted)
    two = build([plan], tmp_path / "two", 2)
    assert one.exit_code == two.exit_code == 0, (one.output, two.output)
    assert len(forks) == 1
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert any(path.startswith("trainers/") for path in tree(tmp_path / "two"))


def test_a_share_whose_process_fails_is_made_by_the_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The child's files never arrive (it cannot send them): the parent makes them itself."""
    import alternance.publish.render as render_module

    plan = two_cohort_plan(tmp_path)
    assert build([plan], tmp_path / "one", 1).exit_code == 0

    def broken(*args, **kwargs):
        raise OSError("the pipe is gone")

    monkeypatch.setattr(render_module, "FORK_UNITS", 1)
    monkeypatch.setattr(render_module.pickle, "dump", broken)  # only the child sends
    two = build([plan], tmp_path / "two", 2)
    assert two.exit_code == 0, two.output
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_a_plan_without_lessons_says_why_alone_and_in_a_worker(tmp_path: Path) -> None:
    """The "why" of a rhythm-only plan, built alone and in a worker of --jobs 2: its lines are in
    the summary, the same either way."""
    plan = small_plan(tmp_path, 1, programme={"total_hours": 141})  # 141 h: 5 weeks of 35 h, 34 h above
    other = small_plan(tmp_path, 3)
    alone = build([plan], tmp_path / "alone", 1)
    both = build([plan, other], tmp_path / "both", 2)
    assert alone.exit_code == both.exit_code == 0, (alone.output, both.output)
    why = [line for line in alone.stdout.splitlines() if "gives exactly 141 h" in line]
    assert why and "141 h" in why[0] and "175 h" in why[0], alone.stdout
    assert why[0] in both.stdout
