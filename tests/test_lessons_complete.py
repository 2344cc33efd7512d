"""The lessons search is complete: on seeded plans (tests/lesson_plans.py) an independent model,
written here from SPEC "Lessons" alone, decides whether a timetable exists, and the build agrees:
a timetable that `broken_lesson_rules` accepts, or a proven "no timetable" with an explanation
in plan terms. The week-by-week search may give up; the whole-cycle fallback then decides."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from ortools.sat.python import cp_model

from alternance.build import solve_plan
from alternance.errors import NoSolution
from alternance.schedule.lessons import LessonProblem, broken_lesson_rules
from alternance.solver import SolverSettings
from alternance.solver import lessons as lessons_module
from alternance.solver.explain_lessons import explain_lessons
from alternance.solver.lessons import LessonSettings, LessonsInfeasible, solve_lessons
from lesson_plans import lesson_problem, plan_text

# Seeds whose rhythm has a solution, so that the lessons are decided (see `_problems`).
SEEDS = range(40)
SETTINGS = LessonSettings(time_limit=30)


_DECIDED: dict[int, bool] = {}


def has_timetable(problem: LessonProblem) -> bool:
    """Whether any timetable keeps every hard rule (remembered per problem)."""
    if id(problem) not in _DECIDED:
        _DECIDED[id(problem)] = _decide(problem)
    return _DECIDED[id(problem)]


def _decide(problem: LessonProblem) -> bool:
    """Whether any timetable keeps every hard rule, decided by a model of its own (8 workers)."""
    model = cp_model.CpModel()
    plan = problem.plan
    slots = [s.minutes for s in problem.slots]
    by_trainer: dict[tuple[str, date, int], list] = {}
    week_load: dict[tuple[str, date], list] = {}
    for cl in problem.cohorts:
        per_subject: dict[str, list] = {s.id: [] for s in cl.subjects}
        for d in cl.days:
            filled = []
            for k, minutes in enumerate(slots):
                cell = [model.new_bool_var("")]  # accompaniment, any slot
                filled.append(minutes * cell[0])
                for s in cl.subjects:
                    tid = cl.trainers[s.id]
                    before = not (s.exam == "written" and cl.cohort.written_exams) or d.day < cl.cohort.written_exams[0]
                    if not (plan.trainer(tid).available(d.day) and before):
                        continue
                    v = model.new_bool_var("")
                    cell.append(v)
                    filled.append(minutes * v)
                    per_subject[s.id].append((d.day, minutes, v))
                    by_trainer.setdefault((tid, d.day, k), []).append(v)
                    week_load.setdefault((tid, d.day - timedelta(days=d.day.weekday())), []).append(minutes * v)
                model.add(sum(cell) <= 1)
            model.add(sum(filled) == d.minutes)
            if d.day in cl.minors:
                model.add(sum(filled) <= 8 * 60)
        for s in cl.subjects:
            model.add(sum(m * v for _, m, v in per_subject[s.id]) == s.minutes)
            for day in {day for day, _, _ in per_subject[s.id]}:
                model.add(sum(m * v for d, m, v in per_subject[s.id] if d == day) <= 4 * 60)
    for cells in by_trainer.values():
        model.add(sum(cells) <= 1)
    for (tid, _), terms in week_load.items():
        limit = plan.trainer(tid).max_week_minutes
        if limit is not None:
            model.add(sum(terms) <= limit)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 8
    solver.parameters.max_time_in_seconds = 30
    status = solver.solve(model)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE), "the reference model is undecided"
    return status != cp_model.INFEASIBLE


_CACHE: dict[int, LessonProblem | None] = {}


def _problem(seed: int) -> LessonProblem | None:
    if seed not in _CACHE:
        _CACHE[seed] = lesson_problem(seed)
    return _CACHE[seed]


def _problems() -> list[tuple[int, LessonProblem]]:
    """The seeds' lesson problems (a plan whose rhythm fails has no lessons to decide)."""
    return [(seed, p) for seed in SEEDS if (p := _problem(seed)) is not None]


def _check(problem: LessonProblem, settings: LessonSettings) -> str:
    """What the search says, checked against the reference: 'timetable' or 'none'."""
    expected = has_timetable(problem)
    try:
        solution = solve_lessons(problem, settings)
    except LessonsInfeasible as failure:
        assert not expected, "the search says no timetable, the reference finds one"
        assert failure.week is None, "a refusal must be proven on the whole cycle"
        return "none"
    assert expected, "the search returned a timetable the reference says cannot exist"
    assert broken_lesson_rules(problem, solution) == []
    return "timetable"


def test_the_generator_gives_enough_plans_of_both_kinds() -> None:
    outcomes = [has_timetable(p) for _, p in _problems()]
    assert len(outcomes) >= 20
    assert any(outcomes) and not all(outcomes)


# 7 and 16: 9 to 15 s of repairs each. 115: the fast search gives up after its repairs, and the
# whole-cycle model, hinted with the weeks of every repair round, finds the timetable.
FAST_SEEDS = [*(seed for seed in SEEDS if seed not in (7, 16)), 115]


@pytest.mark.parametrize("seed", FAST_SEEDS)
def test_the_build_agrees_with_the_reference(seed: int) -> None:
    problem = _problem(seed)
    if problem is None:
        pytest.skip("the rhythm of this plan has no solution")
    _check(problem, SETTINGS)


def _give_up(*args, **kwargs):
    raise LessonsInfeasible(None)


@pytest.mark.parametrize("seed", range(20))
def test_the_whole_cycle_model_alone_agrees_with_the_reference(seed: int, monkeypatch) -> None:
    problem = _problem(seed)
    if problem is None:
        pytest.skip("the rhythm of this plan has no solution")
    monkeypatch.setattr(lessons_module, "_fast_search", _give_up)
    _check(problem, SETTINGS)


def test_a_timetable_is_found_where_the_week_by_week_search_gives_up(monkeypatch) -> None:
    # Seed 7 needs about 25 repairs of its weekly hours; with none allowed the fast search gives
    # up, and the plan still has a timetable (the regression of issue 9).
    problem = _problem(7)
    assert problem is not None and has_timetable(problem)
    monkeypatch.setattr(lessons_module, "MAX_REPAIRS", 0)
    messages: list[str] = []
    solution = solve_lessons(problem, SETTINGS, messages.append)
    assert any("whole cycle" in m for m in messages)
    assert broken_lesson_rules(problem, solution) == []
    again = solve_lessons(problem, SETTINGS)
    assert again.lessons == solution.lessons  # same plan, same timetable


def test_a_proven_refusal_is_explained_in_plan_terms() -> None:
    _, problem = next((s, p) for s, p in _problems() if not has_timetable(p))
    with pytest.raises(LessonsInfeasible) as failure:
        solve_lessons(problem, SETTINGS)
    lines = explain_lessons(problem, failure.value.week, failure.value.quotas, seconds=20)
    text = "\n".join(lines)
    assert "Rules in conflict" in text, text
    assert "cannot be placed in week" not in text, text  # never a week's quota chosen by the search


def test_the_build_exits_with_an_explanation_when_there_is_no_timetable(tmp_path) -> None:
    seed, _ = next((s, p) for s, p in _problems() if not has_timetable(p))
    from alternance.plan.loader import load_plans

    path = tmp_path / "plan.toml"
    path.write_text(plan_text(seed), encoding="utf-8")
    (plan,) = load_plans([path])
    with pytest.raises(NoSolution) as failure:
        solve_plan(plan, SolverSettings(time_limit=10), lesson_settings=SETTINGS)
    assert "Rules in conflict" in str(failure.value)


def test_time_running_out_says_so(monkeypatch) -> None:
    problem = _problem(7)
    monkeypatch.setattr(lessons_module, "_fast_search", _give_up)
    with pytest.raises(TimeoutError, match=r"no timetable found in .* s; try --time-limit"):
        solve_lessons(
            problem,
            LessonSettings(time_limit=30, complete_deterministic_time=0.0001, spread_deterministic_time=0.0001),
        )


def test_a_week_whose_own_budget_runs_out_falls_back_to_the_whole_cycle() -> None:
    # Week layouts given almost no work: they end UNKNOWN, which is not the build's time limit
    # running out (it used to exit 1 with "no layout found within the time limit").
    problem = next(p for seed in SEEDS if (p := _problem(seed)) is not None)
    solution = solve_lessons(problem, LessonSettings(week_deterministic_time=1e-9))
    assert broken_lesson_rules(problem, solution) == []


def test_a_fast_search_out_of_time_leaves_the_decision_to_the_whole_cycle() -> None:
    # The quota level given almost no work cannot spread the hours: that used to end the build
    # with "no spread of the subject hours found", the whole-cycle model never run (issue 9).
    problem = _problem(7)
    assert problem is not None and has_timetable(problem)
    messages: list[str] = []
    solution = solve_lessons(problem, LessonSettings(time_limit=30, quota_deterministic_time=1e-9), messages.append)
    assert any("whole cycle" in m for m in messages)
    assert broken_lesson_rules(problem, solution) == []


def test_the_fast_search_stops_repairing_once_its_work_is_spent() -> None:
    # Seed 7 needs about 25 repairs; with no work allowed the fast search stops after its first
    # refused week instead of repairing until the time limit, and the whole cycle decides.
    problem = _problem(7)
    assert problem is not None
    messages: list[str] = []
    solution = solve_lessons(problem, LessonSettings(time_limit=30, fast_deterministic_time=0.0), messages.append)
    refused = [m for m in messages if "cannot be laid out" in m]
    assert len(refused) == 1, messages
    assert any("whole cycle" in m for m in messages)
    assert broken_lesson_rules(problem, solution) == []


def _widest_drift(problem: LessonProblem, solution) -> dict[tuple[str, str], tuple[int, int]]:
    """Per (cohort, subject): the furthest its taught minutes get from an even progress after a
    CFA week, and one week of its teaching in minutes (recomputed here from SPEC's even spread:
    in proportion to the time in which the subject can be taught)."""
    found = {}
    for cl in problem.cohorts:
        mine = [x for x in solution.lessons if x.cohort == cl.cohort.id]
        weeks = sorted({d.week for d in cl.days})
        for s in cl.subjects:
            before = not (s.exam == "written" and cl.cohort.written_exams)
            open_days = [
                d
                for d in cl.days
                if (before or d.day < cl.cohort.written_exams[0])
                and problem.plan.trainer(cl.trainers[s.id]).available(d.day)
            ]
            last = max(d.week for d in cl.days if before or d.day < cl.cohort.written_exams[0])
            total = sum(d.minutes for d in open_days) or 1
            elapsed = done = widest = 0
            for w in (w for w in weeks if w <= last):
                elapsed += sum(d.minutes for d in open_days if d.week == w)
                done += sum(
                    x.minutes for x in mine if x.subject == s.id and x.day in {d.day for d in cl.days if d.week == w}
                )
                widest = max(widest, abs(done - s.minutes * elapsed // total))
            found[cl.cohort.id, s.id] = (widest, round(s.minutes / (last + 1)))
    return found


def test_the_whole_cycle_keeps_an_even_spread(monkeypatch) -> None:
    # When the whole-cycle model decides, the subjects are still spread: within the drift it
    # reports (weeks of each subject's own teaching, plus one slot), checked here independently.
    problem = _problem(7)
    assert problem is not None
    monkeypatch.setattr(lessons_module, "_fast_search", _give_up)
    solution = solve_lessons(problem, SETTINGS)
    assert broken_lesson_rules(problem, solution) == []
    assert solution.spread_weeks is not None
    longest_slot = max(s.minutes for s in problem.slots)
    for key, (widest, per_week) in _widest_drift(problem, solution).items():
        assert widest <= longest_slot + solution.spread_weeks * per_week + 1, key
