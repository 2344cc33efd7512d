"""The house rules that tests can see: one failure route, rules that name what they are about,
commands that solve nothing start without the solver, and the first-calendar search."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from click.testing import CliRunner

import alternance.build as build_module
from alternance import i18n
from alternance.cli import main
from alternance.domain import Plan
from alternance.errors import Infeasible, NoSolution, SolverDisagreement, SolverTimeout
from alternance.i18n import _
from alternance.schedule.rhythm import broken_rules, make_problem
from alternance.solver import SolverSettings
from alternance.solver.core import Rule, RuleKind
from alternance.solver.rhythm import build
from alternance.solver.solve import _first_calendar
from helpers import MINI, load, solution_from

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "constraints" / "charmilles-agora.toml"


def test_check_links_and_serve_do_not_import_the_solver() -> None:
    code = (
        "import sys\n"
        "from alternance.cli import main\n"
        f"try:\n    main(['check', {str(SEED)!r}])\n"
        "except SystemExit:\n    pass\n"
        "import alternance.publish.serve, alternance.publish.links\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ortools'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_solver_answer_the_check_refuses_exits_3_and_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(build_module, "broken_rules", lambda problem, solution: ["c1: invented breakage"])
    out = tmp_path / "calendars"
    result = CliRunner().invoke(main, ["build", str(MINI), "--out", str(out), "--today", "2024-12-01"])
    assert result.exit_code == 3, result.output
    assert "internal error" in result.output and "invented breakage" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())


def test_no_solution_has_two_named_reasons() -> None:
    assert issubclass(Infeasible, NoSolution) and issubclass(SolverTimeout, NoSolution)
    assert Infeasible(["x"]).exit_code == SolverTimeout(["y"]).exit_code == 1
    assert SolverDisagreement("a calendar", ["z"]).exit_code == 3


def test_a_rule_names_what_it_is_about() -> None:
    rule = Rule(RuleKind.TRAINER_MAX, "trainer[t-brun].max_hours_per_week", trainer="t-brun", week=date(2025, 10, 13))
    assert rule.key == "trainer_max[t-brun,2025-10-13]"
    assert rule.about("trainer") == "t-brun"
    assert Rule(RuleKind.CAPACITY, "plan.max_cohorts_at_cfa").key == "capacity"


def test_the_first_calendar_search_clones_the_model() -> None:
    # It copied the model with proto.CopyFrom, which ortools 9.15 does not have: every plan whose
    # first stage ran out of time crashed there.
    problem = make_problem(load(MINI))
    m = build(problem)
    m.model.minimize(m.goal("peak_days"))  # as a stage sets it
    values = _first_calendar(m, SolverSettings(), budget=10.0, wall=10.0)
    assert values is not None
    assert m.model.has_objective()  # the model itself keeps its objective
    patterns = {
        cw.cohort.id: "".join("C" if values.get((ci, wi), False) else "-" for wi in range(len(cw.weeks)))
        for ci, cw in enumerate(problem.cohorts)
    }
    assert broken_rules(problem, solution_from(problem, patterns)) == []  # every hard rule, in plain Python


def test_every_rule_kind_has_a_model_a_check_and_a_sentence() -> None:
    from alternance.schedule import lessons as lesson_checks
    from alternance.schedule import rhythm as rhythm_checks
    from alternance.schedule.rules import RULES
    from alternance.solver import lessons as lesson_model
    from alternance.solver import rhythm as rhythm_model

    held = {kind for _, kinds in rhythm_model.HARD_RULES + lesson_model.HARD_RULES for kind in kinds}
    held |= set(rhythm_model.BY_CONSTRUCTION) | set(lesson_model.BY_CONSTRUCTION)
    checked = {kind for _, kinds in rhythm_checks.COHORT_CHECKS + rhythm_checks.PLAN_CHECKS for kind in kinds}
    checked |= {kind for _, kind in lesson_checks.CHECKS}
    for kind in RuleKind:
        assert kind in RULES, f"{kind} has no entry in schedule/rules.py"
        assert kind in held, f"no model holds {kind}"
        spec = RULES[kind]
        assert kind in checked or (spec.checked_by and set(spec.checked_by) <= checked), f"nothing checks {kind}"
        with i18n.speaking("fr"):  # its French is in the catalogue (tests/test_i18n.py checks it is complete)
            assert spec.text and _(spec.text) != spec.text, kind


def _guarded_rules() -> list[tuple[Plan, Rule]]:
    """Every rule the guarded models create on a plan with lessons: the seed's rhythm, and the
    lessons of a generated plan whose trainers are away and capped (seed 3 of lesson_plans)."""
    from alternance.plan.loader import load_plans
    from alternance.solver.lessons import build_lessons, future_problem
    from alternance.solver.quotas import build_quotas
    from lesson_plans import lesson_problem

    (plan,) = load_plans([SEED])
    seed_rules = [(plan, r) for r in build(make_problem(plan), guarded=True, soft=False).guards.rules.values()]
    problem = lesson_problem(3)
    assert problem is not None
    lesson_rules = [
        (problem.plan, r)
        for model in (
            build_lessons(future_problem(problem), guarded=True, soft=False),
            build_quotas(problem, guarded=True),
        )
        for r in model.guards.rules.values()
    ]
    return seed_rules + lesson_rules


def test_every_guarded_rule_reads_as_a_sentence_in_both_languages() -> None:
    from alternance.schedule.rules import RULES, describe

    pairs = _guarded_rules()
    kinds = {rule.kind for _, rule in pairs}
    assert {RuleKind.HOURS_MIN, RuleKind.MAX_CFA, RuleKind.CAPACITY, RuleKind.SUBJECT_FIT} <= kinds
    assert {RuleKind.SUBJECT_HOURS, RuleKind.UNAVAILABLE, RuleKind.SUBJECT_DAY_LIMIT} <= kinds
    assert all(RULES[kind].guarded for kind in kinds), [k for k in kinds if not RULES[k].guarded]
    for plan, rule in pairs:
        for lang in ("en", "fr"):
            sentence = describe(plan, rule, lang)
            assert sentence and "None" not in sentence and "{" not in sentence, (rule.key, lang, sentence)
    subject_hours = next(r for _, r in pairs if r.kind == RuleKind.SUBJECT_HOURS)
    assert subject_hours.minutes and subject_hours.minutes > 0  # the hours the sentence quotes


def test_the_plan_reference_is_generated_from_the_schema() -> None:
    from alternance.plan.schema import reference

    written = (ROOT / "docs" / "plan-reference.md").read_text(encoding="utf-8")
    assert written == reference(), "stale: run `.venv/bin/python -m alternance.plan.schema > docs/plan-reference.md`"
