"""Random tiny plans: the solver either proves there is no calendar or gives one that keeps every
hard rule and whose stage values are the goals recomputed in plain Python. When a plan is small
enough, every calendar is enumerated: a valid one must exist exactly when the solver finds one,
and the solver's stage values must be the lexicographic best of all valid calendars."""

from __future__ import annotations

import itertools
import tempfile
from datetime import date, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from alternance.errors import NoSolution, PlanError
from alternance.plan.loader import load_plans
from alternance.schedule.rhythm import GOALS, RhythmProblem, broken_rules, goals, make_problem
from alternance.solver import SolverSettings, solve_rhythm
from helpers import assert_valid, load, make_plan, solution_from

BRUTE_FORCE_WEEKS = 10  # 2^10 calendars at most


@st.composite
def peaks(draw, start: date, end: date) -> list[dict]:
    found = []
    for _ in range(draw(st.integers(0, 2))):
        peak = {"weight": draw(st.integers(1, 3)), "hard": draw(st.integers(0, 3)) == 0}
        if draw(st.booleans()):  # fixed dates overlapping the cohort
            first = start + timedelta(days=draw(st.integers(0, (end - start).days)))
            peak |= {"start": first, "end": first + timedelta(days=draw(st.integers(0, 15)))}
        else:
            first = date(2001, 1, 1) + timedelta(days=draw(st.integers(0, 364)))
            last = first + timedelta(days=draw(st.integers(0, 20)))
            peak |= {"every_year": True, "start": first.strftime("%m-%d"), "end": last.strftime("%m-%d")}
        found.append(peak)
    return found


@st.composite
def tiny_plans(draw) -> dict:
    cohorts, programmes, companies, apprentices = [], [], [], []
    for k in range(draw(st.integers(1, 2))):
        start = date(2025, 5, 1) + timedelta(days=draw(st.integers(0, 400)))  # some cross 1 August
        end = start + timedelta(days=draw(st.integers(4, 7 * 7)))
        a, b = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        per_week = draw(st.sampled_from([35, 30, 20]))
        weeks = (end - start).days // 7 + 1
        # Aim around a feasible share of the weeks, sometimes beyond.
        target = per_week * draw(st.integers(1, max(1, weeks * 2 // 3))) - draw(st.integers(0, per_week - 1))
        programmes.append({"id": f"p{k}", "total_hours": target, "subject": [{"id": "s", "hours": 1}]})
        cohorts.append(
            {
                "id": f"c{k}",
                "programme": f"p{k}",
                "start": start,
                "end": end,
                "rhythm": [a, b],
                "hours_per_week": per_week,
                "max_consecutive_cfa_weeks": draw(st.integers(a, 4)),
                "max_consecutive_company_weeks": draw(st.integers(b, 4)),
            }
        )
        companies.append({"id": f"co{k}", "peak": draw(peaks(start, end))})
        for j in range(draw(st.integers(1, 2))):
            late = timedelta(days=draw(st.integers(0, (end - start).days)))
            apprentices.append(
                {
                    "id": f"a{k}-{j}",
                    "cohort": f"c{k}",
                    "company": f"co{k}",
                    "contract_start": start + late,
                    "contract_end": end,
                }
            )
    first = min(c["start"] for c in cohorts)
    closures = []
    if draw(st.booleans()):
        day = first + timedelta(days=draw(st.integers(0, 40)))
        closures.append({"start": day, "end": day + timedelta(days=draw(st.integers(0, 9)))})
    head = {
        "school_holidays_zone": draw(st.sampled_from(["none", "A", "C"])),
        "public_holidays": draw(st.sampled_from(["metropole", "alsace-moselle"])),
        "max_cohorts_at_cfa": draw(st.sampled_from([1, 2, 3])) if len(cohorts) == 2 else 3,
    }
    return dict(
        plan=head,
        programmes=programmes,
        cohorts=cohorts,
        companies=companies,
        apprentices=apprentices,
        closures=closures,
    )


def all_calendars(problem: RhythmProblem):
    """Every assignment of CFA/company to the open weeks, as a hand-made solution."""
    open_weeks = [[i for i, w in enumerate(cw.weeks) if not w.closed] for cw in problem.cohorts]
    slots = [(ci, wi) for ci, weeks in enumerate(open_weeks) for wi in weeks]
    for bits in itertools.product("C-", repeat=len(slots)):
        text = {ci: ["-"] * len(cw.weeks) for ci, cw in enumerate(problem.cohorts)}
        for (ci, wi), bit in zip(slots, bits):
            text[ci][wi] = bit
        yield solution_from(problem, {cw.cohort.id: "".join(text[ci]) for ci, cw in enumerate(problem.cohorts)})


def best_by_enumeration(problem: RhythmProblem) -> tuple[int, ...] | None:
    """The lexicographic best goals of every valid calendar, or None when there is none."""
    best = None
    for solution in all_calendars(problem):
        if not broken_rules(problem, solution):
            values = goals(problem, solution)
            key = tuple(values[g] for g in GOALS)
            best = key if best is None or key < best else best
    return best


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_plans())
def test_random_tiny_plans(items):
    with tempfile.TemporaryDirectory() as folder:
        path = make_plan(folder, items["plan"], **{k: v for k, v in items.items() if k != "plan"})
        problem = make_problem(load(path))
        small = sum(not w.closed for cw in problem.cohorts for w in cw.weeks) <= BRUTE_FORCE_WEEKS
        for label, seen in (
            ("two cohorts", len(problem.cohorts) == 2),
            ("two training years", any(w.year for cw in problem.cohorts for w in cw.weeks)),
            ("closed weeks", any(w.closed for cw in problem.cohorts for w in cw.weeks)),
            ("hard peaks", any(any(h) for cw in problem.cohorts for h in cw.hard_peaks)),
        ):
            if seen:
                event(label)
        try:
            solution = solve_rhythm(problem, SolverSettings(time_limit=10))
        except NoSolution as error:
            event("no solution")
            assert str(error).strip()
            if small:
                assert best_by_enumeration(problem) is None, "the solver found no calendar, but one exists"
            return
        event("solved")
        assert_valid(problem, solution)
        if small:
            event("solved, checked by enumeration")
            assert tuple(s.value for s in solution.stages) == best_by_enumeration(problem)


# --- the loader never crashes ---------------------------------------------------------------

PLACES = (
    [
        ("plan", k)
        for k in ("id", "timezone", "public_holidays", "school_holidays_zone", "max_cohorts_at_cfa", "apprentices")
    ]
    + [("programme", k) for k in ("id", "total_hours", "subject")]
    + [
        ("cohort", k)
        for k in (
            "id",
            "programme",
            "start",
            "end",
            "rhythm",
            "hours_per_week",
            "max_consecutive_cfa_weeks",
            "max_consecutive_company_weeks",
            "written_exams",
        )
    ]
    + [("company", k) for k in ("id", "name", "peak")]
    + [("apprentice", k) for k in ("id", "cohort", "company", "birth_date", "contract_start", "contract_end", "exempt")]
    + [("peak", k) for k in ("start", "end", "every_year", "weight", "hard")]
    + [("closure", k) for k in ("name", "start", "end")]
)
GARBAGE = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6),
    st.sampled_from(["12-01", "02-29", "2025-09-01", "35", "-1", "A", "none", "c1", "acme", "prog", "maths", "true"]),
    st.integers(-3, 10**7),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.lists(st.integers(-2, 5), max_size=3),
    st.lists(st.sampled_from(["maths", "X", "c1"]), max_size=2),
    st.dictionaries(st.sampled_from(["start", "end", "x"]), st.dates(), max_size=2),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PLACES), GARBAGE), min_size=1, max_size=3))
def test_the_loader_answers_any_value_with_problems_not_a_crash(changes):
    items: dict = {"plan": {}, "programme": {}, "cohort": {}, "company": {}, "apprentice": {}}
    peak: dict = {"start": date(2025, 9, 8), "end": date(2025, 9, 12)}
    closure: dict = {"start": date(2025, 9, 19), "end": date(2025, 9, 19)}
    for (section, key), value in changes:
        table = peak if section == "peak" else closure if section == "closure" else items[section]
        table[key] = value
    items["company"].setdefault("peak", [peak])
    with tempfile.TemporaryDirectory() as folder:
        head = items.pop("plan")
        path = make_plan(folder, head, closures=[closure], **items)
        try:
            load_plans([path])
        except PlanError as error:
            assert error.problems and all(p.file and "\n" not in str(p) for p in error.problems)
