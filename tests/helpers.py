"""Tiny plan files for the tests, and the few helpers every test module uses.

`make_plan(folder, cohort={...}, companies=[...], ...)` writes a small valid plan (one
programme, one cohort of nine open weeks in autumn 2025, one company, one apprentice) with the
given overrides, and returns its path. A dict override is merged into the default item; a list
override replaces the list, each item merged into the default item; `DROP` as a value removes
the key. `extra` is raw TOML appended at the end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from alternance.errors import PlanError, Problem
from alternance.plan.loader import load_plans
from alternance.schedule.rhythm import (
    CFA,
    COMPANY,
    GOALS,
    CohortPlan,
    RhythmProblem,
    RhythmSolution,
    WeekPlan,
    broken_rules,
    goals,
    make_problem,
)
from alternance.solver import SolverSettings, solve_rhythm


@dataclass(frozen=True)
class SeedBuild:
    """conftest's one build of the seed plan: the calendars/ it wrote and what it printed."""

    out: Path
    stdout: str


DROP = object()
PLANS = Path(__file__).parent / "data" / "plans"  # plans kept as files
MINI = PLANS / "mini" / "mini.toml"

# Autumn 2025 has no weekday public holiday before 11 November: nine 35 h weeks, Mon 1 Sep to Fri 31 Oct.
START, END = date(2025, 9, 1), date(2025, 10, 31)
WEEK = 35  # hours of a full CFA week

PLAN = {
    "id": "tiny",
    "name": "Tiny CFA",
    "site": "1 rue du Test, 38000 Grenoble",
    "timezone": "Europe/Paris",
    "public_holidays": "metropole",
    "school_holidays_zone": "none",
}
PROGRAMME = {
    "id": "prog",
    "name": "Programme",
    "total_hours": 140,
    "subject": [{"id": "maths", "name": "Maths", "hours": 20, "exam": "ccf"}],
}
COHORT = {
    "id": "c1",
    "programme": "prog",
    "name": "Cohort 1",
    "start": START,
    "end": END,
    "rhythm": [1, 1],
    "hours_per_week": WEEK,
    "max_consecutive_cfa_weeks": 2,
    "max_consecutive_company_weeks": 3,
}
COMPANY_TABLE = {"id": "acme", "name": "Acme"}
APPRENTICE = {
    "id": "a-1",
    "name": "Léa Test",
    "cohort": "c1",
    "company": "acme",
    "birth_date": date(2007, 5, 14),
    "contract_start": START,
    "contract_end": END,
}
# kind → (plural keyword, default list, default item)
DEFAULTS = {
    "closure": ("closures", [], {"name": "Fermeture"}),
    "programme": ("programmes", [PROGRAMME], PROGRAMME),
    "cohort": ("cohorts", [COHORT], COHORT),
    "company": ("companies", [COMPANY_TABLE], COMPANY_TABLE),
    "apprentice": ("apprentices", [APPRENTICE], APPRENTICE),
}


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **override}
    return {k: v for k, v in merged.items() if v is not DROP}


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float, date)):
        return v.isoformat() if isinstance(v, date) else repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def _table(header: str, data: dict[str, Any]) -> list[str]:
    """`header` then the scalar keys, then each list of tables as `[[header.key]]` sections."""
    name = header.strip("[]")
    data = {k: v for k, v in data.items() if v is not DROP}
    subtables = {k: v for k, v in data.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)}
    lines = [header] + [f"{k} = {_value(v)}" for k, v in data.items() if k not in subtables]
    for key, items in subtables.items():
        for item in items:
            lines += _table(f"[[{name}.{key}]]", item)
    return lines


def toml_text(plan: dict[str, Any] | None = None, extra: str = "", **items: Any) -> str:
    lines = _table("[plan]", _merge(PLAN, plan or {}))
    for kind, (plural, default_list, default_item) in DEFAULTS.items():
        single, many = items.pop(kind, None), items.pop(plural, None)
        if single is not None:
            chosen = [_merge(default_item, single)]
        elif many is not None:
            chosen = [_merge(default_item, x) for x in many]
        else:
            chosen = default_list
        for item in chosen:
            lines += ["", *_table(f"[[{kind}]]", item)]
    if items:
        raise TypeError(f"unknown overrides {sorted(items)}")
    return "\n".join(lines) + "\n" + extra


def make_plan(
    folder: Path, plan: dict[str, Any] | None = None, *, name: str = "plan.toml", extra: str = "", **items: Any
) -> Path:
    """Write a tiny valid plan with overrides (see the module docstring) and return its path."""
    path = Path(folder) / name
    path.write_text(toml_text(plan, extra, **items), encoding="utf-8")
    return path


def load(path: Path):
    """The one Plan of a valid plan file."""
    (plan,) = load_plans([path])
    return plan


def problems(path: Path) -> list[Problem]:
    """The problems of an invalid plan file (fails the test if the plan loads)."""
    with pytest.raises(PlanError) as caught:
        load_plans([path])
    return caught.value.problems


def solve(path: Path, time_limit: float = 10) -> tuple[RhythmProblem, RhythmSolution]:
    problem = make_problem(load(path))
    return problem, solve_rhythm(problem, SolverSettings(time_limit=time_limit))


def assert_valid(problem: RhythmProblem, solution: RhythmSolution) -> None:
    """No hard rule broken, and every stage value is the goal recomputed in plain Python."""
    assert broken_rules(problem, solution) == []
    assert [s.goal for s in solution.stages] == list(GOALS)
    assert solution.proven_optimal, solution.stages
    assert {s.goal: s.value for s in solution.stages} == goals(problem, solution)


def pattern(problem: RhythmProblem, solution: RhythmSolution, cohort: str = "c1") -> str:
    """A cohort's weeks as text: "C" a CFA week, "-" a company week, "#" a closed week."""
    cw = next(c for c in problem.cohorts if c.cohort.id == cohort)
    kinds = [w.kind for w in solution.cohort(cohort).weeks]
    return "".join("C" if k == CFA else "#" if week.closed else "-" for week, k in zip(cw.weeks, kinds))


def solution_from(problem: RhythmProblem, patterns: dict[str, str]) -> RhythmSolution:
    """A hand-made solution: per cohort, "C" for a CFA week (even a closed one), anything else company."""
    cohorts = []
    for cw in problem.cohorts:
        text = patterns[cw.cohort.id]
        assert len(text) == len(cw.weeks), (text, len(cw.weeks))
        cohorts.append(
            CohortPlan(
                cw.cohort.id,
                tuple(
                    WeekPlan(w.monday, CFA if ch == "C" else COMPANY, w.minutes if ch == "C" else 0)
                    for w, ch in zip(cw.weeks, text)
                ),
            )
        )
    return RhythmSolution(problem.plan.id, tuple(cohorts), (), 0.0)
