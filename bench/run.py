"""Benchmark of the `alternance build` path on the seed plan and on synthetic plans.

    python bench/run.py [--sizes 1,10,50,200] [--lessons 10x25] [--time-limit 60] [--out bench/results.md]

Rows, in this order, each a full in-process `alternance.build.build()` into a fresh temporary
folder with the shipped defaults (`SolverSettings()`, `LessonSettings()`; `--time-limit` only
replaces the rhythm's 60 s):

* the seed plan (constraints/charmilles-agora.toml: rhythm and lessons), built twice, plus the
  real command `alternance build <seed> --out <tmp>` timed as a subprocess;
* synthetic rhythm-only plans of each `--sizes` (bench/generate.py, seed 0); the 10-cohort one
  is built twice;
* a synthetic lessons plan (`--lessons CxT`: C cohorts sharing T trainers).

Each step is timed by wrapping the functions that `alternance.build` calls (load_plans,
read_published, SiteCalendar + make_problem, solve_rhythm, broken_rules, make_lesson_problem,
solve_lessons, broken_lesson_rules, render, publish), so the timings follow whatever build() really does;
"other" is the rest of build() (locking, bookkeeping). The rhythm model is built once more,
outside the timings, only to count its variables. "same bytes" compares every output file of the
repeated builds (and of the CLI run, for the seed plan).

Run the benchmark alone: the machine has 2 cores.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import ortools

import alternance.build as build_module
from alternance.errors import AlternanceError
from alternance.schedule.lessons import lesson_goals, longest_gaps
from alternance.schedule.rhythm import GOALS, StageResult, choices
from alternance.solver import SolverSettings
from alternance.solver.lessons import LessonSettings
from alternance.solver.rhythm import build as build_model

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SEED_PLAN = ROOT / "constraints" / "charmilles-agora.toml"
sys.path.insert(0, str(BENCH))
from generate import write_plan  # noqa: E402
from solver_params import PARAMETER_SETS, source_state  # noqa: E402

# Step name -> the names in alternance.build whose calls it sums (those that exist are wrapped).
STEPS = {
    "load": ("load_plans",),
    "baseline": ("read_published",),  # the last build in --out (empty: fresh folders here)
    "problem": ("SiteCalendar", "make_problem"),
    "rhythm": ("solve_rhythm",),
    "check": ("broken_rules",),
    "lesson problem": ("make_lesson_problem",),
    "lessons": ("solve_lessons",),
    "lesson check": ("broken_lesson_rules",),
    "render": ("render",),
    "publish": ("publish",),
}
SHORT_GOALS = {
    "peak_days": "peak",
    "changes": "changes",
    "irregularity": "irreg",
    "year_imbalance": "year",
    "excess_minutes": "excess",
}


@dataclass
class Row:
    plan: str
    kind: str  # "rhythm" or "rhythm + lessons"
    cohorts: int
    companies: int
    apprentices: int
    trainers: int
    cfa_vars: int = 0  # one boolean per open week of each cohort
    model_vars: int = 0  # every variable of the rhythm model (with penalty variables)
    constraints: int = 0
    capacity: int | None = None
    max_load: int = 0  # most cohorts at the CFA in one week, in the solution
    seconds: dict[str, float] = field(default_factory=dict)
    wall: float = 0.0  # the whole build() call
    stages: tuple[StageResult, ...] = ()
    broken: int = 0  # hard rhythm rules broken (plain-Python check)
    files: dict[str, bytes] = field(default_factory=dict)  # the build's files (BuildResult.files)
    tree: dict[str, bytes] = field(default_factory=dict)  # what --out holds afterwards (with alternance's marker file)
    error: str = ""
    lessons: dict | None = None  # lesson facts, when the plan has lessons
    same: str = "–"  # determinism verdict

    @property
    def peak_gap(self) -> float | None:
        return stage_gap(self.stages[0]) if self.stages else None


def stage_gap(stage: StageResult) -> float:
    return (stage.value - stage.bound) / max(1, stage.value)


def stage_cell(stage: StageResult) -> str:
    state = "opt" if stage.optimal else "**not opt**"
    return f"{stage.value}/{stage.bound} {state} ({stage.seconds:.1f} s)"


def max_load(problem, solution) -> int:
    load: dict = {}
    for cw, cfa in zip(problem.cohorts, choices(problem, solution)):
        for week, on in zip(cw.weeks, cfa):
            load[week.monday] = load.get(week.monday, 0) + on
    return max(load.values(), default=0)


@contextlib.contextmanager
def timed_build(seconds: dict[str, float], seen: dict[str, object]):
    """Wrap the functions alternance.build calls: their time goes to `seconds` by step, and the
    last result of each to `seen` (so a failed build still says what it got)."""
    saved = {}
    for step, names in STEPS.items():
        for name in names:
            original = getattr(build_module, name, None)
            if original is None:
                continue
            saved[name] = original

            def wrapper(*args, _original=original, _step=step, _name=name, **kwargs):
                t = time.perf_counter()
                try:
                    result = _original(*args, **kwargs)
                finally:
                    seconds[_step] = seconds.get(_step, 0.0) + time.perf_counter() - t
                seen[_name] = result
                return result

            setattr(build_module, name, wrapper)
    try:
        yield
    finally:
        for name, original in saved.items():
            setattr(build_module, name, original)


def lesson_facts(lesson_problem, lessons, broken: int, seconds: float) -> dict:
    gaps = longest_gaps(lesson_problem, lessons)
    (worst_cohort, worst_subject), worst = max(gaps.items(), key=lambda kv: (kv[1], kv[0]))
    return {
        "seconds": seconds,
        "lessons": len(lessons.lessons),
        "spread_weeks": lessons.spread_weeks,
        "spread_proven": lessons.spread_proven,
        "weeks_optimal": lessons.weeks_optimal,
        "longest_gap": (worst, worst_cohort, worst_subject),
        "goals": lesson_goals(lesson_problem, lessons),
        "broken": broken,
    }


def run_build(
    plan_path: Path, settings: SolverSettings, lesson_settings: LessonSettings, out: Path, progress=None
) -> Row:
    """One in-process build() of one plan file, timed step by step."""
    seconds: dict[str, float] = {}
    seen: dict[str, object] = {}
    error = ""
    result = None
    t = time.perf_counter()
    with timed_build(seconds, seen):
        try:
            result = build_module.build([plan_path], out, settings, progress=progress, lesson_settings=lesson_settings)
        except (AlternanceError, TimeoutError, AssertionError) as failure:
            error = f"{type(failure).__name__}: " + " ".join(str(failure).split())
    wall = time.perf_counter() - t
    seconds["other"] = max(0.0, wall - sum(seconds.values()))
    (plan,) = seen["load_plans"]
    problem = seen.get("make_problem")
    row = Row(
        plan=plan.id,
        kind="rhythm + lessons" if plan.has_lessons else "rhythm",
        cohorts=len(plan.cohorts),
        companies=len(plan.companies),
        apprentices=len(plan.apprentices),
        trainers=len(plan.trainers),
        capacity=plan.max_cohorts_at_cfa,
        seconds=seconds,
        wall=wall,
        error=error,
    )
    if problem is not None:
        m = build_model(problem)  # not timed: only to count the model's size
        row.cfa_vars, row.model_vars, row.constraints = (
            len(m.x),
            len(m.model.proto.variables),
            len(m.model.proto.constraints),
        )
    if result is None:
        solution = seen.get("solve_rhythm")
        if solution is not None:
            row.stages = solution.stages
        return row
    (b,) = result.plans
    row.stages = b.solution.stages
    row.max_load = max_load(b.problem, b.solution)
    row.broken = len(seen.get("broken_rules") or ())
    row.files = dict(result.files)
    row.tree = read_tree(out) if out.exists() else {}
    if b.lessons is not None:
        row.lessons = lesson_facts(
            b.lesson_problem, b.lessons, len(seen.get("broken_lesson_rules") or ()), seconds.get("lessons", 0.0)
        )
    return row


def read_tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def compare(reference: dict[str, bytes], other: dict[str, bytes]) -> str:
    """'' when both trees hold the same files with the same bytes, else what differs."""
    if reference == other:
        return ""
    names = sorted(set(reference) | set(other))
    differ = [n for n in names if reference.get(n) != other.get(n)]
    return f"{len(differ)} of {len(names)} files differ (e.g. {differ[0]})"


def digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name, data in sorted(files.items()):
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()[:12]


def alternance_command() -> list[str] | None:
    """The `alternance` command of this venv (or on PATH), if `alternance build` exists."""
    script = Path(sys.executable).parent / "alternance"
    command = str(script) if script.exists() else shutil.which("alternance")
    if command is None:
        return None
    probe = subprocess.run([command, "build", "--help"], check=False, capture_output=True, text=True)
    return [command] if probe.returncode == 0 else None


def time_cli_build(plan_path: Path, out: Path, time_limit: float | None = None) -> tuple[float, int, str]:
    """Wall seconds, exit code and last stdout line of the real `alternance build PLAN --out OUT`."""
    command = alternance_command()
    if command is None:
        raise RuntimeError("`alternance build` is not available in this environment")
    args = [*command, "build", str(plan_path), "--out", str(out)]
    if time_limit is not None:
        args += ["--time-limit", f"{time_limit:g}"]
    t = time.perf_counter()
    done = subprocess.run(args, check=False, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t
    lines = (done.stdout or done.stderr).strip().splitlines()
    return wall, done.returncode, lines[-1] if lines else ""


def _fmt(seconds: dict[str, float], step: str) -> str:
    return f"{seconds[step]:.2f}" if step in seconds else "–"


def markdown(
    rows: list[Row],
    cli: list[tuple[str, float, int, str, str]],
    args,
    settings: SolverSettings,
    lesson_settings: LessonSettings,
    state: str,
) -> str:
    goals = [g for g in GOALS]
    steps = [
        "load",
        "baseline",
        "problem",
        "rhythm",
        "check",
        "lesson problem",
        "lessons",
        "lesson check",
        "render",
        "publish",
        "other",
    ]
    lessons = args.lessons or "''"
    command = (
        f"python bench/run.py --sizes {args.sizes} --lessons {lessons} --time-limit {args.time_limit:g} --seed {args.seed}"
        f"{'' if args.params == 'default' else ' --params ' + args.params}{' --no-seed-plan' if args.no_seed_plan else ''}"
        f"{' --no-cli' if args.no_cli else ''}{' --no-determinism' if args.no_determinism else ''}"
    )
    lines = [
        f"# alternance build benchmark — {datetime.now().isoformat(timespec='seconds')}",
        "",
        f"`{command}` · ortools {ortools.__version__} · Python {platform.python_version()} · {platform.machine()} · "
        f"{os.cpu_count()} cores · {state}",
        "",
        f"Rhythm: `{settings!r}`; lessons: `{lesson_settings!r}`"  # every field, whatever the settings hold
        f"{' (the defaults)' if args.params == 'default' else ''}.",
        "",
        "Seconds are wall time of each step of one in-process `alternance.build.build()` into a fresh folder "
        "(the wrapped calls: problem = SiteCalendar + make_problem, rhythm = solve_rhythm with its model building, "
        "lessons = solve_lessons, other = the rest of build()); total = the whole build() call. "
        "Stage cells: value/bound, opt = proven optimal, (stage seconds). peak gap = (value − bound) / max(1, value) "
        "of the first goal. load/cap = most cohorts at the CFA in one week / max_cohorts_at_cfa. "
        "same bytes = whether repeated builds into fresh folders (and, for the seed plan, the CLI run) left byte-identical "
        "trees in --out (every file, alternance's `.alternance` marker included; files = the build's own files).",
        "",
        "| plan | kind | cohorts | companies | apprentices | trainers | CFA-week vars | model vars | constraints | load/cap "
        + "".join(f"| {s} s " for s in steps)
        + "| total s | files "
        + "".join(f"| {g} " for g in goals)
        + "| peak gap | broken rules | same bytes |",
        "|---" * (10 + len(steps) + 2 + len(goals) + 3) + "|",
    ]
    for r in rows:
        cap = r.capacity if r.capacity is not None else "–"
        cells = [
            r.plan,
            r.kind,
            r.cohorts,
            r.companies,
            r.apprentices,
            r.trainers or "–",
            r.cfa_vars,
            r.model_vars,
            r.constraints,
            f"{r.max_load if not r.error else '–'}/{cap}",
            *[_fmt(r.seconds, s) for s in steps],
            f"{r.wall:.2f}",
            len(r.files),
        ]
        if r.error and len(r.stages) == len(goals):  # the rhythm was solved, a later step failed
            cells += [stage_cell(st) for st in r.stages]
            cells += [f"{r.peak_gap:.4f}", r.broken, f"**no build**: {r.error.split(':')[0]} in the lessons (below)"]
        elif r.error:
            stage_cells = [stage_cell(st) for st in r.stages] + ["–"] * (len(goals) - len(r.stages))
            stage_cells[0] = (
                f"**no build**: {r.error}" if not r.stages else stage_cells[0] + f" · **no build**: {r.error}"
            )
            cells += [*stage_cells, "–", "–", r.same]
        else:
            cells += [stage_cell(st) for st in r.stages]
            cells += [f"{r.peak_gap:.4f}" if r.peak_gap is not None else "–", r.broken, r.same]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    lesson_rows = [r for r in rows if r.kind != "rhythm"]
    if lesson_rows:
        lines += [
            "",
            "Lessons (from the same builds): spread_weeks = the narrowest drift on the ladder with a timetable (weeks of a "
            "subject's own teaching, plus one slot; None = no spread kept), spread_proven = every narrower drift proven "
            "impossible, weeks_optimal = every week's layout proven optimal; longest gap = the most CFA weeks in a row "
            "without a lesson of one subject (`alternance.schedule.lessons.longest_gaps`); `lesson_goals()`: widest = furthest "
            "drift from an even progress (minutes), spread = summed drift (minutes), scattered = split half-days, "
            "trainer_days = trainer days on site.",
            "",
            "| plan | cohorts | trainers | lessons s | lessons | spread_weeks | spread_proven | weeks_optimal "
            "| longest gap | widest | spread | scattered | trainer_days | broken lesson rules |",
            "|---" * 14 + "|",
        ]
        for r in lesson_rows:
            f = r.lessons
            if f is None:
                lessons_s = _fmt(r.seconds, "lessons")
                lines.append(
                    "| "
                    + " | ".join(
                        map(str, [r.plan, r.cohorts, r.trainers, lessons_s, f"**no timetable**: {r.error}"] + ["–"] * 9)
                    )
                    + " |"
                )
                continue
            gap, cohort, subject = f["longest_gap"]
            g = f["goals"]
            lines.append(
                "| "
                + " | ".join(
                    map(
                        str,
                        [
                            r.plan,
                            r.cohorts,
                            r.trainers,
                            f"{f['seconds']:.2f}",
                            f["lessons"],
                            f["spread_weeks"],
                            f["spread_proven"],
                            f["weeks_optimal"],
                            f"{gap} CFA weeks ({cohort}, {subject})",
                            g.get("widest", "–"),
                            g.get("spread", "–"),
                            g.get("scattered", "–"),
                            g.get("trainer_days", "–"),
                            f["broken"],
                        ],
                    )
                )
                + " |"
            )
    lines.append("")
    if cli:
        lines += [
            "Real command, timed as a subprocess (process start, imports and writing included):",
            "",
            "| command | wall s | exit | last line | same bytes as in-process |",
            "|---|---|---|---|---|",
        ]
        for command_line, wall, code, last, same in cli:
            lines.append(f"| `{command_line}` | {wall:.2f} | {code} | {last} | {same} |")
    elif not args.no_seed_plan and not args.no_cli:
        lines.append("`alternance build` was not available: the subprocess timing (`time_cli_build`) was skipped.")
    return "\n".join(lines) + "\n"


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time `alternance build` on the seed plan and synthetic plans.")
    parser.add_argument(
        "--sizes", default="1,10,50,200", help="cohort counts of the synthetic rhythm-only plans (comma-separated)"
    )
    parser.add_argument(
        "--lessons", default="10x25", help="synthetic lessons plans, COHORTSxTRAINERS, comma-separated ('' for none)"
    )
    parser.add_argument("--time-limit", type=float, default=60.0, help="rhythm solver time limit per plan, seconds")
    parser.add_argument("--out", type=Path, default=BENCH / "results.md", help="Markdown file to write")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic plans")
    parser.add_argument("--no-seed-plan", action="store_true", help="skip the seed plan")
    parser.add_argument("--no-cli", action="store_true", help="skip the subprocess timing of `alternance build`")
    parser.add_argument("--no-determinism", action="store_true", help="build each plan once")
    parser.add_argument("--repeat", default="10", help="synthetic rhythm sizes built twice for the determinism column")
    parser.add_argument(
        "--params",
        choices=["default", *PARAMETER_SETS],
        default="default",
        help="rhythm settings: the shipped SolverSettings() (default) or a set of bench/solver_params.py",
    )
    parser.add_argument("--verbose", action="store_true", help="print the solver's progress on stderr")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    lesson_plans = [tuple(int(x) for x in s.lower().split("x")) for s in args.lessons.split(",") if s.strip()]
    repeat = set() if args.no_determinism else {int(s) for s in args.repeat.split(",") if s.strip()}
    base = SolverSettings() if args.params == "default" else PARAMETER_SETS[args.params][1]
    settings = dataclasses.replace(base, time_limit=args.time_limit)
    lesson_settings = LessonSettings()
    progress = (lambda line: print(line, file=sys.stderr, flush=True)) if args.verbose else None
    state = source_state()

    rows: list[Row] = []
    cli: list[tuple[str, float, int, str, str]] = []

    def save() -> None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(markdown(rows, cli, args, settings, lesson_settings, state), encoding="utf-8")

    with tempfile.TemporaryDirectory(prefix="alternance-bench-") as tmp_name:
        tmp = Path(tmp_name)
        jobs: list[tuple[Path, int]] = []  # (plan file, builds)
        if not args.no_seed_plan:
            jobs.append((SEED_PLAN, 1 if args.no_determinism else 2))
        jobs += [(write_plan(n, tmp, args.seed), 2 if n in repeat else 1) for n in sizes]
        jobs += [(write_plan(n, tmp, args.seed, trainers=t), 1) for n, t in lesson_plans]
        for i, (path, builds) in enumerate(jobs):
            log(f"{path.name} ...")
            row = run_build(path, settings, lesson_settings, tmp / f"out-{i}-a", progress)
            log(
                f"  build 1: {row.wall:.1f} s, peak gap {row.peak_gap if row.peak_gap is not None else '–'} {row.error}"
            )
            verdicts = []
            for k in range(1, builds):
                again = run_build(path, settings, lesson_settings, tmp / f"out-{i}-{'abcdefgh'[k]}", progress)
                log(f"  build {k + 1}: {again.wall:.1f} s {again.error}")
                verdicts.append(
                    compare(row.tree, again.tree)
                    if not (row.error or again.error)
                    else f"error: {again.error or row.error}"
                )
            if path == SEED_PLAN and not args.no_cli:
                if args.params != "default" or alternance_command() is None:
                    log("`alternance build` not timed (not available, or not the default settings)")
                else:
                    limit = None if args.time_limit == 60 else args.time_limit  # 60 s is the CLI default
                    out = tmp / "cli-out"
                    wall, code, last = time_cli_build(SEED_PLAN, out, limit)
                    same = compare(row.tree, read_tree(out)) if code == 0 else "–"
                    extra = f" --time-limit {limit:g}" if limit is not None else ""
                    cli.append(
                        (
                            f"alternance build {SEED_PLAN.relative_to(ROOT)} --out <tmpdir>{extra}",
                            wall,
                            code,
                            last,
                            "yes" if same == "" else f"**no**: {same}",
                        )
                    )
                    verdicts.append(same if code == 0 else f"CLI exit {code}")
                    log(f"  CLI: {wall:.1f} s, exit {code}")
            if verdicts:
                runs = f"{builds} builds" + (" + CLI" if len(verdicts) >= builds else "")
                bad = [v for v in verdicts if v]
                row.same = f"yes ({runs}, {digest(row.tree)})" if not bad else f"**no** ({runs}): " + "; ".join(bad)
            rows.append(row)
            save()
    text = markdown(rows, cli, args, settings, lesson_settings, state)
    print(text)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
