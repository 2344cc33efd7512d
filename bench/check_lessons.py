"""Is a synthetic lessons plan feasible? Solve it with a relaxed quota stage and check the result.

    python bench/check_lessons.py 10 --trainers 25 [--seed 0] [--ladder none]
                                  [--quota-budget 100] [--time-limit 500]

The shipped `solve_lessons` solves its weekly-quota model on one worker within
`LessonSettings.quota_deterministic_time` per rung of the spread ladder; on 10 cohorts that budget
finds no quotas at all, so a default build cannot tell a feasible plan from an infeasible one.
This script keeps everything else of the pipeline (rhythm with `SolverSettings()`, week layouts,
repairs, budgets) and only, for the quota solves, uses `--quota-budget` deterministic time and
the rungs `--ladder` (default: no spread band, i.e. plain feasibility). (A `--quota-workers`
option used to patch the quota solver by its caller's name, which never matched: it is gone.) The timetable found is then checked by the plain-Python
`broken_lesson_rules`: exit 0 when a timetable breaking no hard rule exists.

It patches a private name of alternance.solver.lessons (`SPREAD_LADDER`): a bench tool
only, to be updated if those change.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import alternance.solver.lessons as solver_lessons
from alternance.facts.weeks import SiteCalendar
from alternance.plan.loader import load_plans
from alternance.schedule.lessons import broken_lesson_rules, lesson_goals, longest_gaps, make_lesson_problem
from alternance.schedule.rhythm import broken_rules, make_problem
from alternance.solver import SolverSettings, solve_rhythm

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from generate import write_plan  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n_cohorts", type=int)
    parser.add_argument("--trainers", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ladder", default="none", help="spread rungs to try, e.g. 4,8,16,none")
    parser.add_argument("--quota-budget", type=float, default=100.0, help="deterministic time of each quota solve")
    parser.add_argument("--time-limit", type=float, default=500.0, help="wall-clock limit of solve_lessons")
    args = parser.parse_args(argv)

    solver_lessons.SPREAD_LADDER = tuple(
        None if x.strip().lower() == "none" else int(x) for x in args.ladder.split(",")
    )
    settings = solver_lessons.LessonSettings(quota_deterministic_time=args.quota_budget, time_limit=args.time_limit)

    with tempfile.TemporaryDirectory() as tmp:
        (plan,) = load_plans([write_plan(args.n_cohorts, Path(tmp), args.seed, args.trainers)])
    t = time.perf_counter()
    problem = make_problem(plan, SiteCalendar(plan))
    solution = solve_rhythm(problem, SolverSettings())
    assert not broken_rules(problem, solution)
    print(f"{plan.id}: rhythm in {time.perf_counter() - t:.1f} s", flush=True)
    lesson_problem = make_lesson_problem(plan, problem, solution)
    t = time.perf_counter()
    lessons = solver_lessons.solve_lessons(lesson_problem, settings, lambda line: print(line, flush=True))
    seconds = time.perf_counter() - t
    broken = broken_lesson_rules(lesson_problem, lessons)
    gaps = longest_gaps(lesson_problem, lessons)
    (cohort, subject), gap = max(gaps.items(), key=lambda kv: (kv[1], kv[0]))
    print(
        f"{plan.id}: {len(lessons.lessons)} lessons in {seconds:.1f} s; spread_weeks {lessons.spread_weeks}, "
        f"weeks_optimal {lessons.weeks_optimal}; longest gap {gap} CFA weeks ({cohort}, {subject}); "
        f"goals {lesson_goals(lesson_problem, lessons)}; broken hard rules: {len(broken)}"
    )
    for line in broken[:10]:
        print("  " + line)
    return 0 if not broken else 1


if __name__ == "__main__":
    sys.exit(main())
