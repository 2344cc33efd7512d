"""Compare CP-SAT parameter sets on the rhythm model (alternance.solver.solve_rhythm).

    python bench/solver_params.py [--sizes 10,50] [--time-limit 60] [--repeats 3] [--sets a,b,c,d,e]
                                  [--out bench/solver_params.md]

Set g is the shipped default (`SolverSettings()`; d was, until the pseudo-cost search was measured); the table marks whichever set equals it.
With deterministic=True, solve_rhythm gives each stage a share of the remaining budget in
deterministic time (STAGE_SHARE); with deterministic=False (sets a, b) it sets no deterministic
budget, so each stage may run until the wall-clock limit of the whole solve.

Plans: the seed plan (constraints/charmilles-agora.toml) and synthetic plans of each size
(bench/generate.py, seed 0). Parameter sets:

  a  SolverSettings(workers=2, subsolvers=(), deterministic=False)       CP-SAT's default portfolio
  b  SolverSettings(workers=2, subsolvers=("reduced_costs", "max_lp"), deterministic=False)
  c  SolverSettings(workers=2, subsolvers=("reduced_costs", "max_lp"), deterministic=True)
                                                                         (interleave_search)
  d  SolverSettings(workers=1, subsolvers=("max_lp",))
  e  SolverSettings(workers=1, subsolvers=("reduced_costs",))
  f  SolverSettings(workers=1, subsolvers=("pseudo_costs",))
  g  SolverSettings(workers=1, subsolvers=("max_lp",), then=("pseudo_costs",), first_share=0.1)
     each stage after the peak goal: max_lp for a tenth of its budget, then, if not proven,
     pseudo_costs from its calendar
(a to f with then=(): one search has the whole stage.)

Each set solves every plan with the same time limit (whole lexicographic solve, as `alternance
build --time-limit`). The non-deterministic sets (a, b) are solved `--repeats` times to see whether
the calendar is the same each time; the others once, unless --repeat-all. Only the solve is timed (the plan is loaded and its problem made once).
Run it alone: the machine has 2 cores and the 2-worker sets use both.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import ortools

from alternance.plan.loader import load_plans
from alternance.schedule.rhythm import GOALS, RhythmProblem, RhythmSolution, broken_rules, goals, make_problem
from alternance.solver import SolverSettings, solve_rhythm

BENCH = Path(__file__).resolve().parent
SEED_PLAN = BENCH.parent / "constraints" / "charmilles-agora.toml"
sys.path.insert(0, str(BENCH))
from generate import write_plan  # noqa: E402


def source_state() -> str:
    """The commit, and a digest of src/ as measured (the working tree may differ from the commit)."""
    import hashlib
    import subprocess

    root = BENCH.parent
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True, cwd=root
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "src"], check=False, capture_output=True, text=True, cwd=root
    ).stdout.strip()
    h = hashlib.sha256()
    for p in sorted((root / "src" / "alternance").rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return f"commit {head}{' + uncommitted changes in src/' if dirty else ''} (src digest {h.hexdigest()[:12]})"


PARAMETER_SETS: dict[str, tuple[str, SolverSettings]] = {
    "a": ("2 workers, CP-SAT defaults", SolverSettings(workers=2, subsolvers=(), deterministic=False, then=())),
    "b": (
        "2 workers, reduced_costs+max_lp",
        SolverSettings(workers=2, subsolvers=("reduced_costs", "max_lp"), deterministic=False, then=()),
    ),
    "c": (
        "2 workers, reduced_costs+max_lp, interleave_search",
        SolverSettings(workers=2, subsolvers=("reduced_costs", "max_lp"), deterministic=True, then=()),
    ),
    "d": ("1 worker, max_lp", SolverSettings(workers=1, subsolvers=("max_lp",), then=())),
    "e": ("1 worker, reduced_costs", SolverSettings(workers=1, subsolvers=("reduced_costs",), then=())),
    "f": ("1 worker, pseudo_costs", SolverSettings(workers=1, subsolvers=("pseudo_costs",), then=())),
    "g": (
        "1 worker, max_lp; after the peak goal, max_lp for 10 % of a stage, then pseudo_costs",
        SolverSettings(workers=1, subsolvers=("max_lp",), then=("pseudo_costs",), first_share=0.1),
    ),
}
SHORT = {
    "peak_days": "peak",
    "changes": "changes",
    "irregularity": "irreg",
    "year_imbalance": "year",
    "excess_minutes": "excess",
}


def short(goal: str) -> str:
    return SHORT.get(goal, goal)


def is_default(settings: SolverSettings) -> bool:
    return dataclasses.replace(settings, time_limit=SolverSettings().time_limit) == SolverSettings()


@dataclass
class Trial:
    plan: str
    key: str
    walls: list[float]
    solutions: list[RhythmSolution]
    broken: int  # hard rules broken over all runs (must be 0)
    mismatches: int  # stages whose reported value differs from rhythm.goals() (must be 0)

    @property
    def first(self) -> RhythmSolution:
        return self.solutions[0]

    def distinct_calendars(self) -> int:
        return len({s.cohorts for s in self.solutions})

    def distinct_values(self) -> int:
        return len({tuple(st.value for st in s.stages) for s in self.solutions})


def run_trial(plan: str, problem: RhythmProblem, key: str, settings: SolverSettings, runs: int) -> Trial:
    walls, solutions, broken, mismatches = [], [], 0, 0
    for _ in range(runs):
        t = time.perf_counter()
        solution = solve_rhythm(problem, settings)
        walls.append(time.perf_counter() - t)
        solutions.append(solution)
        broken += len(broken_rules(problem, solution))
        # The last stage's calendar is the one returned; its earlier goals may only be equal
        # (constrained to <= the stage value), so only the last goal must match exactly.
        recomputed = goals(problem, solution)
        mismatches += sum(recomputed[st.goal] > st.value for st in solution.stages)
        mismatches += recomputed[solution.stages[-1].goal] != solution.stages[-1].value
        print(
            f"[{datetime.now():%H:%M:%S}]   {plan} {key}: {walls[-1]:.1f} s, "
            + ", ".join(f"{st.goal} {st.value}/{st.bound}{'' if st.optimal else '*'}" for st in solution.stages),
            file=sys.stderr,
            flush=True,
        )
    return Trial(plan, key, walls, solutions, broken, mismatches)


def _row(t: Trial) -> str:
    first = t.first
    peak = first.stages[0]
    gap = (peak.value - peak.bound) / max(1, peak.value)
    proven = " ".join(f"{short(st.goal)} {'✓' if st.optimal else '✗'}" for st in first.stages)
    values = " · ".join(str(st.value) for st in first.stages)
    stage_s = " · ".join(f"{st.seconds:.1f}" for st in first.stages)
    if len(t.solutions) == 1:
        same = "– (1 run)"
    else:
        n = t.distinct_calendars()
        v = t.distinct_values()
        same = (
            f"yes ({len(t.solutions)} runs)"
            if n == 1
            else f"**no**: {n} calendars, {v} goal vectors in {len(t.solutions)} runs"
        )
    walls = " / ".join(f"{w:.1f}" for w in t.walls)
    key = f"**{t.key}** (default)" if is_default(PARAMETER_SETS[t.key][1]) else t.key
    return (
        f"| {t.plan} | {key} | {PARAMETER_SETS[t.key][0]} | {walls} | {stage_s} | {proven} | "
        f"{peak.value}/{peak.bound} | {gap:.4f} | {values} | {same} | {t.broken} | {t.mismatches} |"
    )


def markdown(trials: list[Trial], args) -> str:
    lines = [
        f"# CP-SAT parameter sets on the rhythm model — {datetime.now().isoformat(timespec='seconds')}",
        "",
        f"`python bench/solver_params.py --sizes {args.sizes} --time-limit {args.time_limit:g} --repeats {args.repeats} "
        f"--sets {args.sets}{' --repeat-all' if args.repeat_all else ''}` · ortools {ortools.__version__} · Python {platform.python_version()} · "
        f"{__import__('os').cpu_count()} cores · time limit {args.time_limit:g} s for the whole lexicographic solve",
        "",
        "Sets: "
        + "; ".join(
            f"**{k}** = `SolverSettings(workers={s.workers}, subsolvers={s.subsolvers!r}, deterministic={s.deterministic}, then={s.then!r}"
            + (f", first_share={s.first_share:g}" if s.then else "")
            + ")`"
            + (" — **the current default `SolverSettings()`**" if is_default(s) else "")
            for k, (_, s) in PARAMETER_SETS.items()
            if k in args.sets.split(",")
        ),
        "",
        f"Goals, in priority order: {' · '.join(GOALS)}. Deterministic sets (c, d, e) give each stage a share "
        "(STAGE_SHARE of `alternance.solver.solve`) of the remaining budget in CP-SAT deterministic time; a and b "
        "(deterministic=False) get no deterministic budget, so a stage may use all the wall-clock time left. "
        f"Source: {source_state()}.",
        "",
        "wall s: `solve_rhythm` of each run (model building included). The other columns are of run 1: "
        f"stage s = seconds of each stage ({' · '.join(short(g) for g in GOALS)}); proven = stage proven optimal; "
        "peak = value/bound of the first goal (peak_days), gap = (value − bound)/max(1, value); "
        "goal values = value of each stage in priority order (lexicographically smaller is better). "
        "same calendar = whether the repeated runs returned identical calendars. "
        "broken / mismatch = hard rules broken and stage values that disagree with `rhythm.goals()` (both must be 0).",
        "",
        "| plan | set | parameters | wall s | stage s | proven | peak value/bound | peak gap | goal values "
        "| same calendar | broken | mismatch |",
        "|---" * 12 + "|",
    ]
    lines += [_row(t) for t in trials]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Compare CP-SAT parameter sets on the rhythm model.")
    parser.add_argument(
        "--sizes", default="10,50", help="cohort counts of the synthetic plans (the seed plan is always first)"
    )
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each non-deterministic set")
    parser.add_argument("--repeat-all", action="store_true", help="repeat the deterministic sets too")
    parser.add_argument("--sets", default=",".join(PARAMETER_SETS), help="which parameter sets, e.g. a,b,c")
    parser.add_argument("--no-seed-plan", action="store_true")
    parser.add_argument("--out", type=Path, default=BENCH / "solver_params.md")
    args = parser.parse_args(argv)
    keys = [k for k in args.sets.split(",") if k]
    unknown = set(keys) - set(PARAMETER_SETS)
    if unknown:
        parser.error(f"unknown parameter sets: {sorted(unknown)}")

    trials: list[Trial] = []
    with tempfile.TemporaryDirectory(prefix="alternance-params-") as tmp:
        paths = [] if args.no_seed_plan else [SEED_PLAN]
        paths += [write_plan(int(n), Path(tmp)) for n in args.sizes.split(",") if n.strip()]
        for path in paths:
            (plan,) = load_plans([path])
            problem = make_problem(plan)
            label = f"{plan.id} ({len(plan.cohorts)} cohort{'s' if len(plan.cohorts) > 1 else ''})"
            print(f"[{datetime.now():%H:%M:%S}] {label}", file=sys.stderr, flush=True)
            for key in keys:
                settings = dataclasses.replace(PARAMETER_SETS[key][1], time_limit=args.time_limit)
                runs = args.repeats if (not settings.deterministic or args.repeat_all) else 1
                trials.append(run_trial(label, problem, key, settings, runs))
                args.out.write_text(markdown(trials, args), encoding="utf-8")  # partial results survive
    text = markdown(trials, args)
    print(text)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
