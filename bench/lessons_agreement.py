"""Does the lessons search agree with an independent model on many seeded plans?

    .venv/bin/python bench/lessons_agreement.py [PLANS] [FIRST_SEED]

Each plan comes from tests/lesson_plans.py; the reference is the independent CP-SAT model of
tests/test_lessons_complete.py. A disagreement: the build finds no timetable where the reference
finds one, returns a timetable that `broken_lesson_rules` refuses, or one where the reference
proves there is none. Prints a markdown table: plans decided, disagreements, time per plan.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from alternance.schedule.lessons import broken_lesson_rules
from alternance.solver.lessons import LessonSettings, LessonsInfeasible, solve_lessons
from lesson_plans import lesson_problem
from test_lessons_complete import _decide


def one(seed: int) -> tuple[str, float, bool] | None:
    """(what the build says, its seconds, whether it agrees) for this seed; None: no rhythm."""
    problem = lesson_problem(seed)
    if problem is None:
        return None
    expected = _decide(problem)
    started = time.monotonic()
    try:
        solution = solve_lessons(problem, LessonSettings(time_limit=60))
        said, agrees = "timetable", expected and broken_lesson_rules(problem, solution) == []
    except LessonsInfeasible:
        said, agrees = "none", not expected
    except TimeoutError:
        said, agrees = "timeout", False
    return said, time.monotonic() - started, agrees


def main(plans: int = 200, first: int = 0) -> None:
    """Run the seeds and print the table, naming any seed that disagrees."""
    results = {}
    for seed in range(first, first + plans):
        found = one(seed)
        if found is not None:
            results[seed] = found
    seconds = [t for _, t, _ in results.values()]
    wrong = sorted(seed for seed, (_, _, ok) in results.items() if not ok)
    said = [s for s, _, _ in results.values()]
    print("| seeds | plans with a rhythm | timetable | none | timeout | disagreements | median s | worst s |")
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {first}-{first + plans - 1} | {len(results)} | {said.count('timetable')} | {said.count('none')} "
        f"| {said.count('timeout')} | {len(wrong)} | {statistics.median(seconds):.2f} | {max(seconds):.2f} |"
    )
    slowest = sorted(results, key=lambda seed: -results[seed][1])[:3]
    print("\nSlowest: " + ", ".join(f"seed {seed} ({results[seed][0]}, {results[seed][1]:.1f} s)" for seed in slowest))
    if wrong:
        print("\nDisagreeing seeds: " + ", ".join(map(str, wrong)))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
