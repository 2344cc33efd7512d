"""The lessons stage before and after a settings change, on the seed and other plans.

    python bench/lessons_speed.py [--plans seed,10x25,path/to/plan.toml] [--runs 1]

A plan is `seed` (constraints/charmilles-agora.toml), `NxM` (`bench/generate.py N --trainers M
--seed 0`) or a plan file. For each plan, the rhythm is solved once (`SolverSettings()`), then
`solve_lessons` runs with the shipped `LessonSettings()` ("after") and with the earlier ones
("before": the quota level searched by CP-SAT alone, without the built answer of
`solver/trajectory.py`, and week layouts at 0.05 deterministic time with CP-SAT's full presolve).
Printed per run: refused weeks, solves, CP-SAT's deterministic time (load-independent), wall
seconds, the soft goals of `lesson_goals` and the count of broken hard rules
(`broken_lesson_rules`, goal 0).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

from ortools.sat.python import cp_model

from alternance.facts.weeks import SiteCalendar
from alternance.plan.loader import load_plans
from alternance.schedule.lessons import broken_lesson_rules, lesson_goals, make_lesson_problem
from alternance.schedule.rhythm import make_problem
from alternance.solver import SolverSettings, solve_rhythm
from alternance.solver.lessons import LessonSettings, solve_lessons

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate_plan

SEED = Path(__file__).resolve().parents[1] / "constraints" / "charmilles-agora.toml"
SETTINGS = {
    "before": LessonSettings(built_quotas=False, week_deterministic_time=0.05, week_presolve_iterations=3),
    "after": LessonSettings(),
}
_work = {"dt": 0.0, "solves": 0}
_lock = threading.Lock()
_solve = cp_model.CpSolver.solve


def _counted(self, model, *args, **kwargs):  # every solve's deterministic time, summed
    status = _solve(self, model, *args, **kwargs)
    with _lock:
        _work["dt"] += self.deterministic_time
        _work["solves"] += 1
    return status


cp_model.CpSolver.solve = _counted  # type: ignore[method-assign]


def _plan(name: str, folder: Path) -> Path:
    if name == "seed":
        return SEED
    if name.endswith(".toml"):  # a plan file of your own
        return Path(name)
    cohorts, trainers = (int(x) for x in name.split("x"))
    path = folder / f"synth-{name}.toml"
    path.write_text(generate_plan(cohorts, 0, trainers), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", default="seed,10x25")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    print(
        "| plan | settings | refused weeks | solves | deterministic time | wall s | widest | spread | scattered | trainer_days | broken rules |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.plans.split(","):
            (plan,) = load_plans([_plan(name, Path(tmp))])
            problem = make_problem(plan, SiteCalendar(plan))
            lessons = make_lesson_problem(plan, problem, solve_rhythm(problem, SolverSettings()))
            for label, settings in SETTINGS.items():
                for _ in range(args.runs):
                    refused: list[str] = []
                    _work.update(dt=0.0, solves=0)
                    started = time.monotonic()
                    solution = solve_lessons(
                        lessons, settings, lambda m, r=refused: r.append(m) if "cannot" in m else None
                    )
                    wall = time.monotonic() - started
                    g = lesson_goals(lessons, solution)
                    print(
                        f"| {name} | {label} | {len(refused)} | {_work['solves']} | {_work['dt']:.1f} | {wall:.1f} | "
                        f"{g['widest']} | {g['spread']} | {g['scattered']} | {g['trainer_days']} | "
                        f"{len(broken_lesson_rules(lessons, solution))} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
